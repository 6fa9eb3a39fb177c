// npm run bench:http — GET /v1/bundle of a 200-country × 5-signer federation through the node's app (as the node
// serves it: hono on @hono/node-server), next to a bare node:http server sending the very same cached buffers
// with the same headers: the baseline a node can at best reach. Identity, gzip and brotli, plus 304s; real HTTP on
// 127.0.0.1 with keep-alive, one process, node and baseline measured in alternating rounds so that a busy machine
// slows both alike. Bounded in time (BENCH_SECONDS per figure).
// Node: the native crypto platform, as the library's and the CLI's entry points install it.
import '../../src/platform/use-node-platform.js'
import { createServer, Agent, request, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createAdaptorServer } from '@hono/node-server'
import { resolveNodeConfig } from '../../src/config/node-config.js'
import { createDemoDsc } from '../../src/demo/demo-signer.js'
import { createApp } from '../../src/http/app.js'
import { preferredEncoding } from '../../src/http/content-encoding.js'
import type { BundleEncoding } from '../../src/http/bundle-source.js'
import { nodeMetrics } from '../../src/metrics/metrics.js'
import { emptyDraft, buildTrustList } from '../../src/trust-list/build-trust-list.js'
import { generateRootKey, rootOf } from '../../src/trust-list/root-key.js'
import { signTrustList } from '../../src/trust-list/sign-trust-list.js'
import { verifyTrustList } from '../../src/trust-list/verify-trust-list.js'
import { OperatorService } from '../../src/operator/operator-service.js'
import { SqliteStore } from '../../src/store/sqlite-store.js'

const COUNTRIES = 200
const SIGNERS = 5
const SECONDS = Number(process.env.BENCH_SECONDS ?? 4)
const ROUNDS = 10
const CONCURRENCY = 16

const now = new Date()
const store = SqliteStore.open(':memory:')
const codes = Array.from({ length: COUNTRIES }, (_, i) => String.fromCharCode(65 + Math.floor(i / 26), 65 + (i % 26)))
process.stdout.write(`building ${COUNTRIES} countries × ${SIGNERS} signers… `)
for (const country of codes) {
  const root = await generateRootKey('ed25519')
  const signers = []
  for (let i = 0; i < SIGNERS; i++) {
    signers.push((await createDemoDsc({ country, commonName: `DSC ${country} ${i}`, notBefore: now, notAfter: new Date(now.getTime() + 365 * 86_400_000) })).signer)
  }
  const payload = buildTrustList({ country, root: rootOf(root), draft: { ...emptyDraft(2), signers }, now })
  store.append(await verifyTrustList(await signTrustList(payload, [root]), { now }), { expectedHead: undefined, receivedAt: now })
}

const config = resolveNodeConfig({ version: 1, country: 'GR' }, '/nonexistent/node.json')
const metrics = nodeMetrics()
const operator = new OperatorService({
  store,
  country: 'GR',
  now: () => now,
  validityDays: 30,
  quorum: 2,
  maxTrustListBytes: config.limits.maxTrustListBytes,
  loadRootKey: () => Promise.reject(new Error('not used')),
  loadValueSets: () => Promise.reject(new Error('not used')),
  nodes: () => [],
})
const app = createApp({ config, store, metrics, operator, now: () => now })

const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY })
interface Answer {
  status: number
  bytes: number
  body: Buffer
  etag?: string
}
function get(port: number, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/v1/bundle', agent, headers }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () => {
        const body = Buffer.concat(chunks)
        resolve({ status: res.statusCode ?? 0, bytes: body.length, body, ...(typeof res.headers.etag === 'string' ? { etag: res.headers.etag } : {}) })
      })
    })
    req.on('error', reject)
    req.end()
  })
}

async function listen(server: ReturnType<typeof createServer>): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  return (server.address() as AddressInfo).port
}

const nodeServer = createAdaptorServer({ fetch: app.fetch, hostname: '127.0.0.1' })
const nodePort = await listen(nodeServer as ReturnType<typeof createServer>)

// The baseline holds the node's own answers (body and headers per encoding) and writes them straight to the socket.
const encodings: BundleEncoding[] = ['identity', 'gzip', 'br']
const cached = new Map<BundleEncoding, { body: Buffer; headers: Record<string, string> }>()
for (const encoding of encodings) {
  const answer = await new Promise<{ body: Buffer; headers: Record<string, string> }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: nodePort, path: '/v1/bundle', agent, headers: { 'accept-encoding': encoding } }, (res: IncomingMessage) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () => {
        const headers: Record<string, string> = {}
        for (const name of ['etag', 'cache-control', 'x-entente-token', 'vary', 'content-type', 'content-encoding', 'content-length']) {
          const value = res.headers[name]
          if (typeof value === 'string') headers[name] = value
        }
        resolve({ body: Buffer.concat(chunks), headers })
      })
    })
    req.on('error', reject)
    req.end()
  })
  cached.set(encoding, answer)
}
const bare = createServer((req: IncomingMessage, res: ServerResponse) => {
  const answer = cached.get(preferredEncoding(req.headers['accept-encoding'])) as { body: Buffer; headers: Record<string, string> }
  if (req.headers['if-none-match'] === answer.headers.etag) {
    const { 'content-length': _length, 'content-type': _type, 'content-encoding': _encoding, ...headers } = answer.headers
    res.writeHead(304, headers).end()
    return
  }
  res.writeHead(200, answer.headers).end(answer.body)
})
const barePort = await listen(bare)

const identity = cached.get('identity') as { body: Buffer }
console.log(`bundle ${(identity.body.length / 1024).toFixed(0)} KiB, gzip ${((cached.get('gzip')?.body.length ?? 0) / 1024).toFixed(0)} KiB, br ${((cached.get('br')?.body.length ?? 0) / 1024).toFixed(0)} KiB`)
// Both servers send the same bytes.
for (const encoding of encodings) {
  const [a, b] = await Promise.all([get(nodePort, { 'accept-encoding': encoding }), get(barePort, { 'accept-encoding': encoding })])
  if (!a.body.equals(b.body) || a.etag !== b.etag) throw new Error(`node and baseline differ for ${encoding}`)
}

/** Requests answered per second over `seconds`, CONCURRENCY at a time. */
async function rate(port: number, headers: Record<string, string>, expectStatus: number, seconds: number): Promise<number> {
  const deadline = Date.now() + seconds * 1000
  let count = 0
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (Date.now() < deadline) {
        const response = await get(port, headers)
        if (response.status !== expectStatus) throw new Error(`answered ${response.status}, expected ${expectStatus}`)
        count++
      }
    }),
  )
  return count / seconds
}

/**
 * Node and baseline in short alternating rounds (which goes first alternates too): the mean rate of each, and the
 * median of the per-round ratios, which a burst of load from elsewhere on the machine moves least.
 */
async function compare(headers: Record<string, string>, expectStatus: number): Promise<{ node: number; bare: number; ratio: number }> {
  const rounds: { node: number; bare: number }[] = []
  // Each figure warms both servers up first: measured cold, whichever figure came first was the slowest.
  await rate(barePort, headers, expectStatus, 0.5)
  await rate(nodePort, headers, expectStatus, 0.5)
  for (let round = 0; round < ROUNDS; round++) {
    const measure = (port: number) => rate(port, headers, expectStatus, SECONDS / ROUNDS)
    if (round % 2 === 0) {
      const bareRate = await measure(barePort)
      rounds.push({ bare: bareRate, node: await measure(nodePort) })
    } else {
      const nodeRate = await measure(nodePort)
      rounds.push({ node: nodeRate, bare: await measure(barePort) })
    }
  }
  const ratios = rounds.map((r) => r.node / r.bare).sort((a, b) => a - b)
  const mean = (key: 'node' | 'bare') => rounds.reduce((sum, r) => sum + r[key], 0) / ROUNDS
  return { node: mean('node'), bare: mean('bare'), ratio: ((ratios[(ROUNDS - 1) >> 1] as number) + (ratios[ROUNDS >> 1] as number)) / 2 }
}

// Warm up both servers (JIT, sockets) before measuring.
await rate(barePort, {}, 200, 0.5)
await rate(nodePort, {}, 200, 0.5)

const mib = (perSecond: number, bytes: number) => (perSecond * bytes) / 1024 / 1024
console.log(`\nreal HTTP on 127.0.0.1, keep-alive, ${CONCURRENCY} concurrent, ${SECONDS} s per server and figure in ${ROUNDS} alternating rounds, one process (Node ${process.version})`)
console.log(`${'GET /v1/bundle'.padEnd(24)}${'bare node:http'.padStart(26)}${'node (hono app)'.padStart(26)}${'ratio'.padStart(8)}  (median of rounds)`)
const line = (name: string, result: { node: number; bare: number; ratio: number }, bytes: number) =>
  console.log(
    `${name.padEnd(24)}${`${result.bare.toFixed(0)} req/s ${mib(result.bare, bytes).toFixed(0).padStart(5)} MiB/s`.padStart(26)}` +
      `${`${result.node.toFixed(0)} req/s ${mib(result.node, bytes).toFixed(0).padStart(5)} MiB/s`.padStart(26)}${result.ratio.toFixed(2).padStart(8)}`,
  )
for (const encoding of encodings) {
  const { body } = cached.get(encoding) as { body: Buffer }
  line(`200 ${encoding} (${(body.length / 1024).toFixed(0)} KiB)`, await compare({ 'accept-encoding': encoding }, 200), body.length)
}
const etag = (cached.get('gzip') as { headers: Record<string, string> }).headers.etag ?? ''
line('304 (If-None-Match)', await compare({ 'accept-encoding': 'gzip', 'if-none-match': etag }, 304), 0)

nodeServer.close()
bare.close()
agent.destroy()
store.close()
