// Benchmark: a federation at global scale on one node. N countries x S real X.509 DSCs (cached between runs) and R
// revoked certificate hashes of the home country; prints bundle bytes, node build time, sync full/delta/no-op bytes
// and CPU, createVerifier CPU and memory, verify throughput with and without revocations and the cost of an
// unknown-kid verdict, each next to the figure measured before the scale work (scripts/bench/scale-baseline.json).
// A benchmark, not a test: it checks verdicts only so it never times a wrong answer.
// Run: npm run bench:scale -- [--countries N] [--signers S] [--revocations R] [--revocation-budget SECONDS]
//      [--verify-ms MS] [--fresh-dscs] [--queue-revocations] [--revoking-countries K] [--write-baseline FILE]
//      [--cpu-prof DIR]
// --cpu-prof DIR: each verifier step (sync, load) writes a V8 CPU profile into DIR, to see where its CPU goes.
// --revoking-countries K: K countries revoke R hashes each (the home country through its operator; K-1 foreign
// countries build and sign theirs in a process each, and the home node admits them as its gossip and catch-up intake does), so the node
// and the verifier hold K x R hashes: 10 x 10,000,000 is the federation-wide 100 million.
// Talks only to 127.0.0.1; the node, its directory and the verifier's files live in one temp folder removed at the
// end (the DSC cache under the OS temp dir is kept on purpose: see scale/dscs.ts).
// Node: the native crypto platform, as the library's and the CLI's entry points install it.
import '../../src/platform/use-node-platform.js'
import { execFile } from 'node:child_process'
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync, readFileSync, existsSync, statSync } from 'node:fs'
import { cpus, loadavg, tmpdir, totalmem } from 'node:os'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { parseArgs, promisify } from 'node:util'
import { issueDemoDcc } from '../../src/demo/issue-dcc.js'
import type { RunningNode } from '../../src/node.js'
import { onboardSigner } from '../../src/operator/onboard-signer.js'
import { cacheRoot, countryDscs, dscPrivateKey, type BenchDsc } from './scale/dscs.js'
import { acceptForeign, buildFederation, COMIRNATY, countryCodes, nextForeignList, type Federation } from './scale/federation.js'
import { importAndPublish, MAX_REVOCATIONS, revocationDataBytes, revokeAndPublish, revokeForeign, revokeOneMore } from './scale/revocations.js'
import { threadCpuClock } from '../../test/helpers/event-loop.js'

const { values: flags } = parseArgs({
  options: {
    countries: { type: 'string', default: '200' },
    signers: { type: 'string', default: '100' },
    revocations: { type: 'string', default: '10000000' },
    'verify-ms': { type: 'string', default: '2000' },
    'revocation-budget': { type: 'string', default: '600' },
    'fresh-dscs': { type: 'boolean', default: false },
    'queue-revocations': { type: 'boolean', default: false },
    'revoking-countries': { type: 'string', default: '1' },
    'write-baseline': { type: 'string' },
    'cpu-prof': { type: 'string' },
    home: { type: 'string', default: 'GR' },
  },
})
const N = positive('countries', 2, 250)
const S = positive('signers', 1, 2000)
const R = positive('revocations', 2, 100_000_000)
/** Countries that revoke R hashes each: the home country through its operator, the others as their own nodes would. */
const K = positive('revoking-countries', 1, 250)
const VERIFY_MS = positive('verify-ms', 100, 60_000)
/** Seconds the benchmark may spend queueing revocations; what is queued by then is published and measured. */
const REVOCATION_BUDGET_S = positive('revocation-budget', 1, 86_400)
const HOME = flags.home ?? 'GR'
const REVOKED_UCI = 'URN:UVCI:01:GR:BENCHREVOKED0001'
const foreignRevokedUci = (country: string) => `URN:UVCI:01:${country}:BENCHREVOKED0001`
const baselineFile = path.resolve(import.meta.dirname, 'scale-baseline.json')
const child = path.resolve(import.meta.dirname, 'scale/verifier-child.ts')

const print = (line = '') => void process.stdout.write(`${line}\n`)
const log = (line: string) => print(line)

interface Row {
  readonly key: string
  readonly label: string
  readonly unit: 'B' | 'ms' | 'MiB' | '/s' | 'µs' | 'x' | '%' | 'n'
  readonly value: number | undefined
  /** What the issue asks for, shown as text. */
  readonly target?: string
  readonly note?: string
}
const rows: Row[] = []
const failures: string[] = []

/** Runs one measured step; a failure is printed and listed at the end, and the steps after it still run. */
async function attempt<T>(what: string, step: () => Promise<T>): Promise<T | undefined> {
  try {
    return await step()
  } catch (error) {
    const line = `${what}: FAILED: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`
    print(`  ${line}`)
    failures.push(line)
    return undefined
  }
}
const row = (r: Row) => void rows.push(r)

function positive(name: string, min: number, max: number): number {
  const value = Number((flags as Record<string, unknown>)[name])
  if (!Number.isInteger(value) || value < min || value > max) throw new Error(`--${name} must be an integer ${min}..${max}`)
  return value
}

/** Runs one verifier step in a process of its own (tsx loader, --expose-gc) and returns its JSON line. */
async function verifierStep<T>(job: object): Promise<T> {
  let stdout: string
  try {
    const profile = flags['cpu-prof'] === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${path.resolve(flags['cpu-prof'])}`]
    ;({ stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--expose-gc', '--max-old-space-size=4096', ...profile, child, JSON.stringify(job)], {
      maxBuffer: 64 * 1024 * 1024,
      timeout: 15 * 60_000,
    }))
  } catch (error) {
    // The child's last error line and code, not its whole command line.
    const stderr = (error as { stderr?: string }).stderr ?? ''
    const message = /^\w*Error: .*$/m.exec(stderr)?.[0] ?? stderr.trim().split('\n').at(-1) ?? String(error)
    const code = /code: '(ERR_\w+)'/.exec(stderr)?.[1]
    throw new Error(`${code === undefined ? '' : `${code} `}${message}`, { cause: error })
  }
  const last = stdout.trim().split('\n').at(-1) ?? ''
  return JSON.parse(last) as T
}

interface SyncResult {
  cpuMs: number
  wallMs: number
  status: string
  full: boolean
  bytes: number
  wireBytes?: number
  requests: number
  error?: { code: string; message: string }
}
/**
 * The longest stretch the node's event loop was held, in ms, by a probe ticking every millisecond that reads the
 * main thread's own CPU time (Linux schedstat): time the OS gives the verifier process or anything else on a busy
 * machine is not the node's doing and does not count. Elsewhere it falls back to wall time between ticks.
 */
function blockMonitor(): { enable(): void; disable(): void; readonly maxMs: number } {
  const clock = threadCpuClock() ?? (() => performance.now())
  let timer: NodeJS.Timeout | undefined
  let last = 0
  let maxMs = 0
  return {
    enable() {
      last = clock()
      timer = setInterval(() => {
        const now = clock()
        maxMs = Math.max(maxMs, now - last)
        last = now
      }, 1)
    },
    disable() {
      if (timer === undefined) return
      clearInterval(timer)
      maxMs = Math.max(maxMs, clock() - last)
    },
    get maxMs() {
      return maxMs
    },
  }
}


interface NodeSide {
  cpuMs: number
  maxBlockMs: number
}

/** A sync by the verifier process while this process (the node) records its own CPU and longest event-loop block. */
async function sync(fed: Federation, out: string, url: string): Promise<SyncResult & { node: NodeSide }> {
  const monitor = blockMonitor()
  monitor.enable()
  const cpu = process.cpuUsage()
  const result = await verifierStep<SyncResult>({ mode: 'sync', source: url, home: fed.home, root: fed.homeRoot, out })
  const used = process.cpuUsage(cpu)
  monitor.disable()
  if (result.error !== undefined) throw new Error(`sync failed: ${result.error.code} ${result.error.message}`)
  return { ...result, node: { cpuMs: (used.user + used.system) / 1000, maxBlockMs: monitor.maxMs } }
}

interface LoadResult {
  loadCpuMs: number
  loadWallMs: number
  fileBytes: number
  retainedMiB: number
  rssMiB: number
  peakRssMiB: number
  rates: Record<string, { perSecond: number; microseconds: number; rawPerSecond: number; verdict: string }>
}

function certificate(dsc: BenchDsc, country: string, uci: string, kid?: string): string {
  const now = Date.now()
  return issueDemoDcc({
    privateKey: dscPrivateKey(dsc),
    kid: kid ?? createHash('sha256').update(dsc.der).digest().subarray(0, 8).toString('base64'),
    vaccination: {
      country,
      familyName: 'Papadopoulou',
      givenName: 'Eleni',
      dateOfBirth: '1980-01-01',
      product: COMIRNATY,
      manufacturer: 'ORG-100030215',
      dose: 2,
      totalDoses: 2,
      date: new Date(now - 23 * 86_400_000).toISOString().slice(0, 10),
      certificateId: uci,
    },
    issuedAt: new Date(now - 86_400_000),
    expiresAt: new Date(now + 365 * 86_400_000),
  })
}

/** Verdicts per second as a fraction of raw ECDSA P-256 verifications in the same process, interleaved. */
const ofRaw = (r: { perSecond: number; rawPerSecond: number } | undefined) => (r === undefined ? undefined : r.perSecond / r.rawPerSecond)

const ecDsc = (dscs: readonly BenchDsc[]): BenchDsc => {
  const found = dscs.find((d) => d.keyType === 'ec')
  if (found === undefined) throw new Error('no EC DSC')
  return found
}

async function main(): Promise<void> {
  const cpu = cpus()
  print(`bench:scale — ${N} countries x ${S} DSCs, ${R.toLocaleString('en')} revoked hashes requested${K > 1 ? ` in each of ${K} countries` : ''} (home ${HOME})`)
  print(`node ${process.version}, ${cpu.length} x ${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`)
  print(`DSC cache: ${cacheRoot()}`)
  const started = performance.now()
  const dir = mkdtempSync(path.join(tmpdir(), 'entente-bench-scale-'))
  let fed: Federation | undefined
  try {
    print('\nbuilding the federation')
    fed = await buildFederation({ dir, countries: countryCodes(N, HOME), signers: S, freshDscs: flags['fresh-dscs'] === true, log })
    const f = fed
    const url = f.node.url
    const out = path.join(dir, 'verifier', 'bundle.json')

    // --- node: bundle build on the first request after a change (cache cold), gzip, cached serving ---------------
    print('\nnode')
    const monitor = blockMonitor()
    monitor.enable()
    let t = performance.now()
    const identity = await fed.node.app.request('/v1/bundle')
    const buildMs = performance.now() - t
    // Sizes from content-length: reading an 18 MB body through undici here (one Buffer.concat in this process) is the
    // benchmark's own work, and it held this event loop longer than the node's whole build did.
    const bodyBytes = (response: Response): number => Number(response.headers.get('content-length'))
    const rawBytes = bodyBytes(identity)
    t = performance.now()
    const gzip = await fed.node.app.request('/v1/bundle', { headers: { 'accept-encoding': 'gzip' } })
    const gzipMs = performance.now() - t
    const gzipBytes = bodyBytes(gzip)
    t = performance.now()
    const brotli = await fed.node.app.request('/v1/bundle', { headers: { 'accept-encoding': 'br' } })
    const brotliMs = performance.now() - t
    // A node that does not speak brotli answers in identity: no brotli figure then.
    const brotliBytes = brotli.headers.get('content-encoding') === 'br' ? bodyBytes(brotli) : undefined
    t = performance.now()
    for (let i = 0; i < 20; i++) bodyBytes(await fed.node.app.request('/v1/bundle', { headers: { 'accept-encoding': 'gzip' } }))
    const cachedMs = (performance.now() - t) / 20
    monitor.disable()
    row({ key: 'bundle.rawBytes', label: 'full bundle, identity', unit: 'B', value: rawBytes })
    row({ key: 'bundle.gzipBytes', label: 'full bundle, gzip', unit: 'B', value: gzipBytes })
    row({ key: 'bundle.brotliBytes', label: 'full bundle, brotli', unit: 'B', value: brotliBytes })
    row({ key: 'node.buildMs', label: 'node: first full-bundle request after a change', unit: 'ms', value: buildMs })
    row({ key: 'node.gzipMs', label: 'node: first gzip request (compression)', unit: 'ms', value: gzipMs })
    if (brotliBytes !== undefined) row({ key: 'node.brotliMs', label: 'node: first brotli request (compression)', unit: 'ms', value: brotliMs })
    row({ key: 'node.cachedMs', label: 'node: cached gzip request (in-process)', unit: 'ms', value: cachedMs })
    row({ key: 'node.buildBlockMs', label: 'node: longest event-loop hold in those requests', unit: 'ms', value: monitor.maxMs, target: '<= 50 ms' })

    // --- verifier: full sync, load, verdicts -------------------------------------------------------------------
    print('verifier: full sync')
    const full = await attempt('full sync', () => sync(f, out, url))
    const wire = (r: SyncResult | undefined) => (r === undefined ? undefined : (r.wireBytes ?? r.bytes))
    row({ key: 'sync.full.wireBytes', label: `sync full: bytes on the wire (${full?.requests ?? '?'} requests)`, unit: 'B', value: wire(full) })
    row({ key: 'sync.full.bytes', label: 'sync full: bundle bytes (decoded)', unit: 'B', value: full?.bytes })
    row({ key: 'sync.full.cpuMs', label: 'sync full: verifier CPU', unit: 'ms', value: full?.cpuMs })
    row({ key: 'node.fullSyncBlockMs', label: 'node: longest event-loop hold in a full sync', unit: 'ms', value: full?.node.maxBlockMs, target: '<= 50 ms' })

    const homeDsc = ecDsc(f.homeDscs)
    const other = f.foreign[Math.floor(f.foreign.length / 2)] ?? f.foreign[0]
    if (other === undefined) throw new Error('no foreign country')
    const unknownKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'der', type: 'pkcs8' })
    const certificates = {
      foreign: { name: 'foreign', qr: certificate(ecDsc(other.dscs), other.country, `URN:UVCI:01:${other.country}:BENCH0001`), expect: 'valid' as const },
      home: { name: 'home', qr: certificate(homeDsc, f.home, `URN:UVCI:01:${f.home}:BENCH0001`), expect: 'valid' as const },
      unknownKid: {
        name: 'unknownKid',
        qr: certificate({ der: Buffer.alloc(0), keyType: 'ec', pkcs8: unknownKey }, other.country, `URN:UVCI:01:${other.country}:BENCH0002`, randomBytes(8).toString('base64')),
        expect: 'unknown-kid' as const,
      },
    }
    print('verifier: createVerifier and verdicts (no revocations)')
    const load = await attempt('createVerifier', () => verifierStep<LoadResult>({ mode: 'load', file: out, ms: VERIFY_MS, certificates: Object.values(certificates) }))
    row({ key: 'verifier.fileBytes', label: 'verified-bundle file', unit: 'B', value: load?.fileBytes })
    row({ key: 'verifier.loadCpuMs', label: 'load the verifier: CPU (loadVerifier: the state sync prepared)', unit: 'ms', value: load?.loadCpuMs, target: '< 1000 ms' })
    row({ key: 'verifier.retainedMiB', label: 'load the verifier: heap + buffers retained', unit: 'MiB', value: load?.retainedMiB, target: '< 100 MiB' })
    row({ key: 'verifier.peakRssMiB', label: 'load the verifier: peak RSS of the process', unit: 'MiB', value: load?.peakRssMiB })
    const rate = (name: string) => load?.rates[name]
    row({ key: 'verify.foreign.perSecond', label: 'verify: foreign certificate, no revocations', unit: '/s', value: rate('foreign')?.perSecond })
    row({ key: 'verify.home.perSecond', label: 'verify: home certificate, no revocations', unit: '/s', value: rate('home')?.perSecond })
    row({ key: 'verify.foreign.ofRaw', label: 'verify: foreign certificate / raw ECDSA verify', unit: 'x', value: ofRaw(rate('foreign')) })
    row({ key: 'verify.home.ofRaw', label: 'verify: home certificate / raw ECDSA verify', unit: 'x', value: ofRaw(rate('home')) })
    row({ key: 'verify.unknownKid.us', label: 'verify: unknown-kid verdict', unit: 'µs', value: rate('unknownKid')?.microseconds })
    const validUs = rate('foreign')?.microseconds
    row({
      key: 'verify.unknownKid.ratio',
      label: 'verify: unknown-kid / valid verdict cost',
      unit: 'x',
      value: validUs === undefined ? undefined : (rate('unknownKid')?.microseconds ?? NaN) / validUs,
      target: 'small constant',
    })

    // --- deltas: one foreign country adds a DSC; the home list changes; nothing changes --------------------------
    print('verifier: delta after one foreign change')
    const foreignDelta = await attempt('foreign delta', async () => {
      const changed = f.foreign[0]
      if (changed === undefined) throw new Error('no foreign country')
      const extra = await extraDsc(changed.country, S)
      changed.draft = { ...changed.draft, signers: [...changed.draft.signers, extra] }
      await acceptForeign(f.node, await nextForeignList(changed))
      return sync(f, out, url)
    })
    row({ key: 'sync.foreignDelta.wireBytes', label: `sync after one foreign list changed: wire bytes (${foreignDelta?.requests ?? '?'} req)`, unit: 'B', value: wire(foreignDelta) })
    row({ key: 'sync.foreignDelta.cpuMs', label: 'sync after one foreign list changed: verifier CPU', unit: 'ms', value: foreignDelta?.cpuMs })

    print('verifier: delta after a home change')
    const homeDelta = await attempt('home delta', async () => {
      await f.node.operator.addSigner({ format: 'dcc', certificate: (await extraDscDer(f.home, S)).toString('base64') })
      await f.node.operator.publish()
      return sync(f, out, url)
    })
    row({ key: 'sync.homeDelta.wireBytes', label: `sync after the home list changed: wire bytes (${homeDelta?.requests ?? '?'} req)`, unit: 'B', value: wire(homeDelta), target: 'that list only' })
    row({ key: 'sync.homeDelta.cpuMs', label: 'sync after the home list changed: verifier CPU', unit: 'ms', value: homeDelta?.cpuMs })
    row({ key: 'node.homeDeltaBlockMs', label: 'node: longest event-loop hold in that sync', unit: 'ms', value: homeDelta?.node.maxBlockMs, target: '<= 50 ms' })

    print('verifier: no-op sync')
    const noop = await attempt('no-op sync', () => sync(f, out, url))
    row({ key: 'sync.noop.wireBytes', label: `sync with nothing changed (${noop?.status ?? '?'}): wire bytes`, unit: 'B', value: wire(noop) })
    row({ key: 'sync.noop.cpuMs', label: 'sync with nothing changed: verifier CPU', unit: 'ms', value: noop?.cpuMs })
    row({
      key: 'sync.noop.percentOfFull',
      label: 'no-op sync CPU / full sync CPU',
      unit: '%',
      value: noop === undefined || full === undefined ? undefined : (noop.cpuMs / full.cpuMs) * 100,
      target: '< 5 %',
    })

    // --- revocations: R hashes for the home country through its operator (one bulk import; --queue-revocations: the
    // queue in requests of 1,000, within the budget), then one more through the queue ----------------------------
    const count = MAX_REVOCATIONS === undefined ? R : Math.min(R, MAX_REVOCATIONS)
    print(`revocations: ${count.toLocaleString('en')} hashes${count < R ? ` (clamped from ${R.toLocaleString('en')}: the most one revocation list of this version holds)` : ''}`)
    const publishMonitor = blockMonitor()
    const viaQueue = flags['queue-revocations'] === true
    // A bulk import is packed and uploaded by a process of its own, to the node's HTTP route, as an operator's curl.
    publishMonitor.enable()
    const published = await attempt('revocations publish', () =>
      viaQueue ? revokeAndPublish(f.node, count, REVOKED_UCI, REVOCATION_BUDGET_S * 1000, log) : importAndPublish(f.node, f.operatorToken, f.home, count, REVOKED_UCI),
    )
    publishMonitor.disable()
    if (published !== undefined && published.published < count) {
      print(`  the queue budget (${REVOCATION_BUDGET_S} s) ran out at ${published.published.toLocaleString('en')} hashes; at that rate ${count.toLocaleString('en')} would take ${((published.queueMs / published.published) * count / 60_000).toFixed(0)} min to queue`)
    }
    row({ key: 'revocations.count', label: 'revoked hashes published (home)', unit: 'n', value: published?.published, target: '10,000,000' })
    row({ key: 'revocations.queueMs', label: viaQueue ? 'revocations: queue them (operator)' : 'revocations: pack the import records', unit: 'ms', value: published?.queueMs })
    row({
      key: 'revocations.queueUsPerEntry',
      label: viaQueue ? 'revocations: queue, per entry' : 'revocations: pack, per entry',
      unit: 'µs',
      value: published === undefined ? undefined : (published.queueMs / published.published) * 1000,
    })
    row({
      key: 'revocations.publishUsPerEntry',
      label: viaQueue ? 'revocations: publish, per entry' : 'revocations: bulk upload + import + publish, per entry',
      unit: 'µs',
      value: published === undefined ? undefined : (published.publishMs / published.published) * 1000,
    })
    row({
      key: 'revocations.publishMs',
      label: viaQueue ? `revocations: publish them all (${published?.publishes ?? '?'} publish(es))` : 'revocations: upload (HTTP), import and publish them all',
      unit: 'ms',
      value: published?.publishMs,
    })
    row({ key: 'node.revocationPublishBlockMs', label: 'node: longest event-loop hold while queueing and publishing', unit: 'ms', value: publishMonitor.maxMs })
    // --- the other revoking countries: built and signed by each (its own node's work), admitted by the home node ----
    const revokingForeign = f.foreign.slice(0, K - 1)
    if (K > N) print(`  only ${N} countries: ${N} revoke`)
    let foreignHeld = 0
    let admitMs = 0
    const admitMonitor = blockMonitor()
    for (const [i, country] of revokingForeign.entries()) {
      const done = await attempt(`revocations of ${country.country}`, async () => {
        const timing = await revokeForeign(f.node, country, R, foreignRevokedUci(country.country), dir, () => admitMonitor.enable())
        admitMonitor.disable()
        return timing
      })
      admitMonitor.disable()
      if (done === undefined) continue
      foreignHeld += done.count
      admitMs += done.admitMs
      log(`  ${country.country} (${i + 1}/${revokingForeign.length}): ${done.count.toLocaleString('en')} hashes in ${done.partitions} partitions, built and signed by it in ${(done.buildMs / 1000).toFixed(1)} s, admitted by the node in ${(done.admitMs / 1000).toFixed(1)} s`)
    }
    if (K > 1) {
      const held = (published?.published ?? 0) + foreignHeld
      row({ key: 'revocations.federation.count', label: `revoked hashes the node holds (${1 + revokingForeign.length} countries)`, unit: 'n', value: held, target: '100,000,000 across the federation' })
      row({ key: 'revocations.federation.admitUsPerEntry', label: 'node: admit foreign revocations (index + partitions), per entry', unit: 'µs', value: foreignHeld === 0 ? undefined : (admitMs / foreignHeld) * 1000 })
      row({ key: 'node.admitBlockMs', label: 'node: longest event-loop hold admitting them', unit: 'ms', value: admitMonitor.maxMs })
      row({ key: 'node.storeBytes', label: 'node: store file (SQLite, WAL checkpointed)', unit: 'B', value: storeBytes(f.node) })
    }
    const revocationData = await attempt('revocation data', () => revocationDataBytes(f.node, f.home))
    row({ key: 'revocations.dataBytes', label: `the home country's revocation data (${revocationData?.documents ?? '?'} document(s), gzip)`, unit: 'B', value: revocationData?.bytes })
    const withRevocations = await attempt('sync after the revocations', () => sync(f, out, url))
    row({ key: 'sync.revocations.wireBytes', label: `sync after the revocations: wire bytes (${withRevocations?.requests ?? '?'} req)`, unit: 'B', value: wire(withRevocations) })
    row({ key: 'sync.revocations.cpuMs', label: 'sync after the revocations: verifier CPU', unit: 'ms', value: withRevocations?.cpuMs })
    row({ key: 'sync.revocations.wallMs', label: 'sync after the revocations: wall time', unit: 'ms', value: withRevocations?.wallMs })
    row({ key: 'node.revocationSyncBlockMs', label: 'node: longest event-loop hold serving that sync', unit: 'ms', value: withRevocations?.node.maxBlockMs, target: '<= 50 ms' })
    print('verifier: createVerifier and verdicts (with revocations)')
    const loadRevoked = await attempt('createVerifier with revocations', () =>
      verifierStep<LoadResult>({
        mode: 'load',
        file: out,
        ms: VERIFY_MS,
        certificates: [
          { ...certificates.home, name: 'homeRevoking' },
          { name: 'revoked', qr: certificate(homeDsc, f.home, REVOKED_UCI), expect: 'revoked' },
          ...revokingForeign.slice(0, 1).flatMap((c) => [
            { name: 'foreignRevoking', qr: certificate(ecDsc(c.dscs), c.country, `URN:UVCI:01:${c.country}:BENCH0001`), expect: 'valid' as const },
            { name: 'foreignRevoked', qr: certificate(ecDsc(c.dscs), c.country, foreignRevokedUci(c.country)), expect: 'revoked' as const },
          ]),
        ],
      }),
    )
    row({ key: 'verifier.revocations.loadCpuMs', label: 'load the verifier with revocations: CPU', unit: 'ms', value: loadRevoked?.loadCpuMs })
    row({ key: 'verifier.revocations.retainedMiB', label: 'load the verifier with revocations: heap + buffers retained', unit: 'MiB', value: loadRevoked?.retainedMiB })
    row({ key: 'verifier.revocations.peakRssMiB', label: 'load the verifier with revocations: peak RSS', unit: 'MiB', value: loadRevoked?.peakRssMiB })
    const revoking = loadRevoked?.rates.homeRevoking
    row({ key: 'verify.homeRevoking.perSecond', label: 'verify: home certificate, country with revocations', unit: '/s', value: revoking?.perSecond })
    row({ key: 'verify.homeRevoking.ofRaw', label: 'verify: that certificate / raw ECDSA verify', unit: 'x', value: ofRaw(revoking) })
    row({
      key: 'verify.revocationCost.ratio',
      label: 'verify: with / without revocations (each / raw)',
      unit: 'x',
      // Each normalized by the raw verify rate measured beside it: the two runs may see different machine load.
      value: (ofRaw(revoking) ?? NaN) / (ofRaw(rate('home')) ?? NaN),
      target: '~1 (one signature check)',
    })
    const foreignRevoking = loadRevoked?.rates.foreignRevoking
    if (foreignRevoking !== undefined) {
      row({ key: 'verify.foreignRevoking.perSecond', label: 'verify: foreign certificate, its country revoking too', unit: '/s', value: foreignRevoking.perSecond })
      row({ key: 'verify.foreignRevoking.ofRaw', label: 'verify: that certificate / raw ECDSA verify', unit: 'x', value: ofRaw(foreignRevoking) })
    }

    const oneMonitor = blockMonitor()
    oneMonitor.enable()
    const one = await attempt('publish one more revocation', () => revokeOneMore(f.node))
    oneMonitor.disable()
    row({ key: 'revocations.oneMore.publishMs', label: 'revocations: publish one more entry', unit: 'ms', value: one?.publishMs, target: '< 1000 ms' })
    row({ key: 'node.oneMoreBlockMs', label: 'node: longest event-loop hold in that publish', unit: 'ms', value: oneMonitor.maxMs })
    const revocationDelta = one === undefined ? undefined : await attempt('sync after one more revocation', () => sync(f, out, url))
    row({ key: 'sync.revocationDelta.wireBytes', label: `sync after one more revocation: wire bytes (${revocationDelta?.requests ?? '?'} req)`, unit: 'B', value: wire(revocationDelta) })
    row({
      key: 'sync.revocationDelta.percent',
      label: "that delta / the country's revocation data",
      unit: '%',
      value: revocationData === undefined ? undefined : ((wire(revocationDelta) ?? NaN) / Math.max(1, revocationData.bytes)) * 100,
      target: '< 1 %',
    })
    row({ key: 'sync.revocationDelta.cpuMs', label: 'sync after one more revocation: verifier CPU', unit: 'ms', value: revocationDelta?.cpuMs })
  } finally {
    await fed?.node.stop()
    rmSync(dir, { recursive: true, force: true })
  }
  report(performance.now() - started)
}

/** The node's SQLite file and its write-ahead log, in bytes. */
function storeBytes(node: RunningNode): number {
  const file = node.config.paths.store
  return [file, `${file}-wal`].reduce((sum, f) => sum + (existsSync(f) ? statSync(f).size : 0), 0)
}

async function extraDsc(country: string, index: number) {
  return onboardSigner({ format: 'dcc', certificate: (await extraDscDer(country, index)).toString('base64') }, { country, now: new Date(), existing: [] })
}

/** DSC number `index` of `country` (one past the federation's S): the same cache, so it is real and reused. */
async function extraDscDer(country: string, index: number): Promise<Buffer> {
  const all = await countryDscs(country, index + 1)
  return (all[index] as BenchDsc).der
}

function format(value: number | undefined, unit: Row['unit']): string {
  if (value === undefined || Number.isNaN(value)) return '—'
  switch (unit) {
    case 'B':
      return value >= 1024 * 1024 ? `${(value / 2 ** 20).toFixed(1)} MiB` : value >= 1024 ? `${(value / 1024).toFixed(1)} KiB` : `${value} B`
    case 'ms':
      return value >= 10_000 ? `${(value / 1000).toFixed(1)} s` : `${value.toFixed(value < 10 ? 2 : 0)} ms`
    case 'MiB':
      return `${value.toFixed(1)} MiB`
    case '/s':
      return `${value.toFixed(0)}/s`
    case 'µs':
      return `${value.toFixed(0)} µs`
    case 'x':
      return `${value.toFixed(2)}x`
    case '%':
      return `${value.toFixed(1)} %`
    case 'n':
      return value.toLocaleString('en')
  }
}

interface Baseline {
  readonly commit: string
  readonly date: string
  readonly sizes: { countries: number; signers: number; revocations: number }
  readonly figures: Record<string, number | undefined>
}

function report(elapsedMs: number): void {
  const baseline = existsSync(baselineFile) ? (JSON.parse(readFileSync(baselineFile, 'utf8')) as Baseline) : undefined
  const sameSizes = baseline !== undefined && baseline.sizes.countries === N && baseline.sizes.signers === S
  print(`\nresults (${N} x ${S}; ${((elapsedMs / 1000) | 0)} s in all)` + (baseline === undefined ? '' : `; before = ${baseline.commit.slice(0, 10)} of ${baseline.date} at ${baseline.sizes.countries} x ${baseline.sizes.signers}, ${baseline.sizes.revocations.toLocaleString('en')} revocations${sameSizes ? '' : ' (OTHER SIZES: compare with care)'}`))
  print(`  ${'figure'.padEnd(64)} ${'before'.padStart(11)} ${'now'.padStart(11)}  target`)
  for (const r of rows) {
    const before = baseline?.figures[r.key]
    print(`  ${r.label.padEnd(64)} ${format(before, r.unit).padStart(11)} ${format(r.value, r.unit).padStart(11)}  ${r.target ?? ''}`)
  }
  for (const failure of failures) print(`  ${failure}`)
  print(`load average at end: ${loadavg().map((l) => l.toFixed(2)).join(' ')} (above ${cpus().length}: other processes competed)`)
  const target = flags['write-baseline']
  if (target !== undefined) {
    const figures = Object.fromEntries(rows.map((r) => [r.key, r.value === undefined ? undefined : Number(r.value.toFixed(3))]))
    const commit = process.env.BENCH_COMMIT ?? 'unknown'
    writeFileSync(target, `${JSON.stringify({ commit, date: new Date().toISOString(), sizes: { countries: N, signers: S, revocations: R }, figures }, null, 2)}\n`)
    print(`baseline written to ${target}`)
  }
}

await main()
