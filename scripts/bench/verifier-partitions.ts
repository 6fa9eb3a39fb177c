// Benchmark: a verifier's partition files at EU scale. One country revokes R random DCC hashes (default 10 million,
// built and signed with the pure core in src/revocation), a verifier syncs it from an in-process fake node, then one
// entry is added and it syncs again; prints bytes fetched and written and CPU of each sync, then createVerifier's
// load CPU and memory in a fresh child process (files beside the bundle, and the same state with partitions
// embedded in one JSON for comparison). Usage: tsx scripts/bench/verifier-partitions.ts [--hashes N]
// Node: the native crypto platform, as the library's and the CLI's entry points install it.
import '../../src/platform/use-node-platform.js'
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import type { RevocationPartitionPayload, SignedRevocationIndex, SignedRevocationPartition, SignedTrustList } from '../../src/model/schema.types.js'
import {
  buildRevocationRelease,
  hashRevocationDocument,
  signRevocationIndex,
  signRevocationPartition,
  sortPackedHashes,
  type RevocationSet,
} from '../../src/revocation/index.js'
import { dccRevocationHash } from '../../src/revocation/parse-revocation-request.js'
import { loadVerifier } from '../../src/verifier/load-verifier.js'
import { partitionDir } from '../../src/verifier/state-file.js'
import { readState, syncBundle } from '../../src/verifier/sync-client.js'
import { createVerifier } from '../../src/verifier/create-verifier.js'
import { NOW, T0, VerifierCountry } from '../../test/verifier/fixtures.js'

const REVOKED = 'URN:UVCI:01:GR:BENCH-REVOKED'
const FINE = 'URN:UVCI:01:GR:BENCH-FINE'

if (process.argv[2] === 'load') {
  // Child: one load, measured alone.
  const [, , , mode, file] = process.argv as [string, string, string, 'files' | 'embedded', string]
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  const verifier = mode === 'files' ? await loadVerifier(file, { now: NOW }) : await createVerifier(await readState(file), { now: NOW })
  const wall = performance.now() - t0
  const cpu = process.cpuUsage(cpu0)
  global.gc?.()
  const mem = process.memoryUsage()
  process.stdout.write(`${JSON.stringify({ wallMs: Math.round(wall), cpuMs: Math.round((cpu.user + cpu.system) / 1000), rssMiB: Math.round(mem.rss / 2 ** 20), heapMiB: Math.round(mem.heapUsed / 2 ** 20), externalMiB: Math.round(mem.external / 2 ** 20), countries: verifier.status().countries.length })}\n`)
  process.exit(0)
}

const { values } = parseArgs({ options: { hashes: { type: 'string', default: '10000000' } } })
const hashes = Number(values.hashes)
const log = (line: string) => process.stdout.write(`${line}\n`)

const gr = await VerifierCountry.create('GR')
const history: SignedTrustList[] = [await gr.publish()]
let index: { signed: SignedRevocationIndex; at: number } | undefined
const partitions = new Map<string, SignedRevocationPartition>()
let change = 1
const served = { bytes: 0, requests: 0 }
const json = (body: unknown) => {
  const text = JSON.stringify(body)
  served.bytes += Buffer.byteLength(text)
  served.requests++
  return new Response(text, { status: 200, headers: { 'content-type': 'application/json', etag: `"${change}"` } })
}
const answer = (input: string | URL | Request): Response => {
  const url = new URL(input instanceof Request ? input.url : input)
  if (url.pathname === '/v1/bundle') {
    const since = url.searchParams.get('since')
    const after = since === null ? 0 : Number(since.split('.')[0])
    const head = history.at(-1) as SignedTrustList
    return json({
      type: 'entente.bundle',
      version: 1,
      token: `${change}.0.0`,
      ...(since === null ? {} : { since }),
      full: since === null,
      lists: after < change ? [head] : [],
      alarms: [],
      ...(index !== undefined && index.at > after ? { revocationIndexes: [index.signed] } : {}),
    })
  }
  const part = /\/partitions\/([0-9a-f]{64})$/.exec(url.pathname)
  const p = part === null ? undefined : partitions.get(part[1] as string)
  if (p !== undefined) return json(p)
  const one = /^\/v1\/trust-lists\/GR\/(\d+)$/.exec(url.pathname)
  if (one !== null) return json(history[Number(one[1]) - 1])
  return new Response('{}', { status: 404 })
}
const fetchNode = ((input: string | URL | Request) => Promise.resolve(answer(input))) as typeof fetch

const previous = new Map<string, RevocationPartitionPayload>()
let head: { seq: number; hash: string } | undefined
async function publish(packed: Uint8Array): Promise<{ built: number; signMs: number }> {
  const t = performance.now()
  const set: RevocationSet = { dcc: { UCI: sortPackedHashes(packed), COUNTRYCODEUCI: new Uint8Array(0), SIGNATURE: new Uint8Array(0) }, shc: [] }
  const release = buildRevocationRelease({ country: 'GR', rootThumbprint: gr.thumbprint, set, head, previousPartitions: previous, now: T0 })
  for (const p of release.partitions) {
    previous.set(p.id, p)
    partitions.set(hashRevocationDocument(p), await signRevocationPartition(p, gr.tc.root))
  }
  head = { seq: release.index.seq, hash: hashRevocationDocument(release.index) }
  index = { signed: await signRevocationIndex(release.index, gr.tc.root), at: ++change }
  const named = head
  history.push(await gr.publish({ edit: (payload) => void (payload.revocationList = named) }))
  change++
  return { built: release.partitions.length, signMs: Math.round(performance.now() - t) }
}

const dir = mkdtempSync(path.join(tmpdir(), 'entente-bench-parts-'))
try {
  const out = path.join(dir, 'bundle.json')
  const revoked = Buffer.from(dccRevocationHash('UCI', REVOKED, 'GR'), 'base64')
  const packed = Buffer.concat([revoked, randomBytes(16 * (hashes - 1))])
  log(`GR revokes ${hashes.toLocaleString('en')} DCC hashes`)
  const first = await publish(packed)
  log(`  built and signed ${first.built} partitions + index in ${first.signMs} ms`)

  const filesNow = (): Map<string, number> => {
    const files = new Map<string, number>()
    try {
      for (const f of readdirSync(partitionDir(out))) files.set(f, statSync(path.join(partitionDir(out), f)).size)
    } catch {
      // no partition directory yet
    }
    return files
  }
  const sync = async (label: string) => {
    served.bytes = 0
    served.requests = 0
    const before = filesNow()
    const cpu0 = process.cpuUsage()
    const t0 = performance.now()
    const result = await syncBundle({ sources: ['http://node.example'], home: 'GR', anchor: { thumbprint: gr.thumbprint }, out, now: () => NOW, fetch: fetchNode })
    const wall = performance.now() - t0
    const cpu = process.cpuUsage(cpu0)
    const after = filesNow()
    const newFileBytes = [...after].filter(([f]) => !before.has(f)).reduce((sum, [, size]) => sum + size, 0)
    const bundleBytes = statSync(out).size
    const recordBytes = statSync(`${out}.sync.json`).size
    const written = newFileBytes + (result.written ? bundleBytes : 0) + recordBytes
    const held = [...after.values()].reduce((a, b) => a + b, 0)
    log(
      `${label}: fetched ${served.bytes.toLocaleString('en')} B in ${served.requests} request(s); wrote ${written.toLocaleString('en')} B ` +
        `(${result.partitionFiles.written} partition file(s) ${newFileBytes.toLocaleString('en')} B, bundle ${result.written ? `${bundleBytes.toLocaleString('en')} B` : 'not rewritten'}, record ${recordBytes} B), ` +
        `removed ${result.partitionFiles.removed} file(s); holds ${after.size} files ${held.toLocaleString('en')} B; CPU ${Math.round((cpu.user + cpu.system) / 1000)} ms, wall ${Math.round(wall)} ms; ` +
        `missing ${result.missingRevocations.length}`,
    )
    return result
  }
  await sync('full sync')
  const oneMore = Buffer.concat([packed, randomBytes(16)])
  const second = await publish(oneMore)
  log(`one entry added: ${second.built} partition(s) re-signed in ${second.signMs} ms`)
  // Bytes a delta sync writes: the new partition file(s), the bundle and the record.
  await sync('delta sync (one entry)')
  served.bytes = 0
  await sync('no-op sync')

  const child = (mode: 'files' | 'embedded', file: string) =>
    JSON.parse(execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', new URL(import.meta.url).pathname, 'load', mode, file], { encoding: 'utf8', maxBuffer: 1 << 20 }).trim().split('\n').at(-1) as string) as Record<string, number>
  log(`load from files (loadVerifier): ${JSON.stringify(child('files', out))}`)
  const embedded = path.join(dir, 'embedded.json')
  writeFileSync(embedded, JSON.stringify(await readState(out)))
  log(`load of the same state embedded in one JSON (${statSync(embedded).size.toLocaleString('en')} B, readState + createVerifier): ${JSON.stringify(child('embedded', embedded))}`)
  const verifier = await loadVerifier(out, { now: NOW })
  log(`verdicts: revoked ${(await verifier.verify(gr.issue({ uci: REVOKED }))).reasons.map((r) => r.code).join(',')}; fine ${(await verifier.verify(gr.issue({ uci: FINE }))).valid}`)
} finally {
  rmSync(dir, { recursive: true, force: true })
}
