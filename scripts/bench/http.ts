// npm run bench:http — GET /v1/bundle (200 and 304) of a 200-country × 5-signer federation, next to a bare
// hono route in the same process and run, over real HTTP on 127.0.0.1 with keep-alive. Bounded in time.
import { Agent, request } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createAdaptorServer } from '@hono/node-server'
import { Hono } from 'hono'
import { resolveNodeConfig } from '../../src/config/node-config.js'
import { createDemoDsc } from '../../src/demo/demo-signer.js'
import { createApp } from '../../src/http/app.js'
import { nodeMetrics } from '../../src/metrics/metrics.js'
import { emptyDraft, buildTrustList } from '../../src/trust-list/build-trust-list.js'
import { generateRootKey, rootOf } from '../../src/trust-list/root-key.js'
import { signTrustList } from '../../src/trust-list/sign-trust-list.js'
import { verifyTrustList } from '../../src/trust-list/verify-trust-list.js'
import { OperatorService } from '../../src/operator/operator-service.js'
import { SqliteStore } from '../../src/store/sqlite-store.js'

const COUNTRIES = 200
const SIGNERS = 5
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3)
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
const bare = new Hono().get('/bare', (c) => c.text('ok'))

async function listen(fetch: (request: Request) => Response | Promise<Response>): Promise<{ port: number; close: () => void }> {
  const server = createAdaptorServer({ fetch, hostname: '127.0.0.1' })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  return { port: (server.address() as AddressInfo).port, close: () => server.close() }
}

const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY })
function get(port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; bytes: number; etag?: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent, headers }, (res) => {
      let bytes = 0
      res.on('data', (chunk: Buffer) => (bytes += chunk.length))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes, ...(typeof res.headers.etag === 'string' ? { etag: res.headers.etag } : {}) }))
    })
    req.on('error', reject)
    req.end()
  })
}

async function rate(port: number, path: string, headers: Record<string, string>, expectStatus: number): Promise<number> {
  const deadline = Date.now() + SECONDS * 1000
  let count = 0
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (Date.now() < deadline) {
        const response = await get(port, path, headers)
        if (response.status !== expectStatus) throw new Error(`${path} answered ${response.status}`)
        count++
      }
    }),
  )
  return count / SECONDS
}

const node = await listen(app.fetch)
const baseline = await listen(bare.fetch)
const first = await get(node.port, '/v1/bundle')
console.log(`bundle ${(first.bytes / 1024).toFixed(0)} KiB, ETag ${first.etag}`)
// Warm up both servers before measuring.
await rate(baseline.port, '/bare', {}, 200)
const bareRate = await rate(baseline.port, '/bare', {}, 200)
const fullRate = await rate(node.port, '/v1/bundle', {}, 200)
const notModifiedRate = await rate(node.port, '/v1/bundle', { 'if-none-match': first.etag ?? '' }, 304)
const gzipFirst = await get(node.port, '/v1/bundle', { 'accept-encoding': 'gzip' })
const gzipRate = await rate(node.port, '/v1/bundle', { 'accept-encoding': 'gzip' }, 200)
node.close()
baseline.close()
agent.destroy()

const row = (name: string, perSecond: number) => `${name.padEnd(34)}${perSecond.toFixed(0).padStart(9)} req/s   ${(perSecond / bareRate).toFixed(2)} × bare`
console.log(`\nreal HTTP on 127.0.0.1, keep-alive, ${CONCURRENCY} concurrent, ${SECONDS} s each, one process (Node ${process.version})`)
console.log(row('bare hono route (baseline)', bareRate))
console.log(row(`GET /v1/bundle 200 (${(first.bytes / 1024).toFixed(0)} KiB)`, fullRate))
console.log(row(`GET /v1/bundle 200 gzip (${(gzipFirst.bytes / 1024).toFixed(0)} KiB)`, gzipRate))
console.log(row('GET /v1/bundle 304 (If-None-Match)', notModifiedRate))
console.log(`bundle throughput at 200: ${((fullRate * first.bytes) / 1024 / 1024).toFixed(0)} MiB/s`)
store.close()
