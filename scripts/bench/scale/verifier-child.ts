// Benchmark child process: one verifier step, measured in a process of its own so its CPU and memory are the
// verifier's alone (the node runs in the parent). Reads one JSON job from argv[2], prints one JSON result line.
//   sync:  syncBundle from the node into the state file, as `entente sync` does; CPU, wall time and bytes.
//   load:  loads the verifier from the state file as entente verify does (CPU, heap and RSS), then verdicts per second for each
//          certificate given, each checked against the verdict it must give first.
// Uses only the package's public entry points (syncBundle, createVerifier).
import { generateKeyPairSync, sign, verify } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { readFile, stat } from 'node:fs/promises'
import { performance } from 'node:perf_hooks'
import { createVerifier, syncBundle, type Verifier } from '../../../src/index.js'

interface SyncJob {
  readonly mode: 'sync'
  readonly source: string
  readonly home: string
  readonly root: string
  readonly out: string
}

interface LoadJob {
  readonly mode: 'load'
  readonly file: string
  /** Timed milliseconds per certificate. */
  readonly ms: number
  readonly certificates: readonly { name: string; qr: string; expect: 'valid' | 'revoked' | 'unknown-kid' }[]
}

const job = JSON.parse(process.argv[2] ?? '{}') as SyncJob | LoadJob
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined)
const cpuMs = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since)
  return (used.user + used.system) / 1000
}
const MiB = 1024 * 1024
/** JS heap plus Buffers and ArrayBuffers (outside the heap: packed revocation hashes live there). */
const retained = () => {
  const m = process.memoryUsage()
  return m.heapUsed + m.external
}
const SLICE_MS = 100
/**
 * This process's own peak resident set: Linux's VmHWM. Not resourceUsage().maxRSS: Linux carries the maximum over
 * from the forked parent into the exec'd child, so it reported the benchmark's parent (a node holding millions of
 * revoked hashes) instead of the verifier.
 */
const peakRssMiB = (): number => {
  try {
    const kib = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]
    if (kib !== undefined) return Number(kib) / 1024
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS / 1024
}
// The ceiling no verifier passes: one raw ECDSA P-256 verification of a fixed message.
const rawKeys = generateKeyPairSync('ec', { namedCurve: 'P-256' })
const rawMessage = Buffer.alloc(300, 7)
const rawSignature = sign('sha256', rawMessage, { key: rawKeys.privateKey, dsaEncoding: 'ieee-p1363' })
const rawVerify = () => verify('sha256', rawMessage, { key: rawKeys.publicKey, dsaEncoding: 'ieee-p1363' }, rawSignature)

if (job.mode === 'sync') {
  // Bytes on the wire counted here, from each response's Content-Length (the node declares it on every body, compressed
  // or not), whatever the sync report says: it cannot see the wire once content decoding happened.
  const wire = { bytes: 0, requests: 0, undeclared: 0 }
  const counting: typeof fetch = async (input, init) => {
    const response = await fetch(input, init)
    wire.requests++
    const length = response.headers.get('content-length')
    if (length !== null) wire.bytes += Number(length)
    else if (response.status !== 304) wire.undeclared++
    return response
  }
  const cpu = process.cpuUsage()
  const start = performance.now()
  const result = await syncBundle({
    fetch: counting,
    sources: [job.source],
    home: job.home,
    anchor: { thumbprint: job.root },
    out: job.out,
    now: () => new Date(),
    timeoutMs: 600_000,
  })
  const report = result.sources[0]
  print({
    cpuMs: cpuMs(cpu),
    wallMs: performance.now() - start,
    status: report?.status,
    full: report?.full,
    bytes: report?.bytes,
    wireBytes: wire.undeclared === 0 ? wire.bytes : undefined,
    reportedWireBytes: report?.wireBytes,
    requests: wire.requests,
    error: report?.error,
  })
} else {
  gc()
  const heap0 = retained()
  const rss0 = process.memoryUsage().rss
  const cpu = process.cpuUsage()
  const start = performance.now()
  // Loaded the way `entente verify --bundle` loads it: loadVerifier (the bundle file and the revocation partition
  // files beside it) where this version has it, else createVerifier over the parsed file. Read inside a function, so
  // neither the text nor the parsed file stays reachable afterwards.
  const fileBytes = (await stat(job.file)).size
  const verifier = await (async () => {
    const loader = await optionalLoader()
    return loader === undefined ? createVerifier(JSON.parse(await readFile(job.file, 'utf8'))) : loader(job.file)
  })()
  const loadCpuMs = cpuMs(cpu)
  const loadWallMs = performance.now() - start
  gc()
  const retainedMiB = (retained() - heap0) / MiB
  const rssMiB = (process.memoryUsage().rss - rss0) / MiB
  const peakRss = peakRssMiB()
  const rates: Record<string, { perSecond: number; microseconds: number; rawPerSecond: number; verdict: string }> = {}
  for (const c of job.certificates) {
    // Awaited: the verdict is a promise since the core became runtime-neutral (and a plain value before).
    const verdict = await verifier.verify(c.qr)
    const codes = verdict.reasons.map((r) => r.code)
    const ok =
      c.expect === 'valid' ? verdict.valid : c.expect === 'revoked' ? !verdict.valid && codes.some((code) => code.includes('REVOKED')) : !verdict.valid
    if (!ok) throw new Error(`${c.name}: expected ${c.expect}, got valid=${verdict.valid} ${codes.join(',')}`)
    // Interleaved with raw ECDSA P-256 verifications in short slices, so machine load hits both alike and the ratio
    // stays comparable between runs on a busy machine.
    for (let i = 0; i < 50; i++) await verifier.verify(c.qr)
    const ours = { n: 0, ms: 0 }
    const raw = { n: 0, ms: 0 }
    while (ours.ms < job.ms) {
      await slice(() => verifier.verify(c.qr), ours)
      await slice(rawVerify, raw)
    }
    rates[c.name] = {
      perSecond: (ours.n / ours.ms) * 1000,
      microseconds: (ours.ms / ours.n) * 1000,
      rawPerSecond: (raw.n / raw.ms) * 1000,
      verdict: verdict.valid ? 'valid' : codes.join(','),
    }
  }
  print({ loadCpuMs, loadWallMs, fileBytes, retainedMiB, rssMiB, peakRssMiB: peakRss, rates })
}

/** The package's loadVerifier(file), when this version exports it (older ones only have createVerifier). */
async function optionalLoader(): Promise<((file: string) => Promise<Verifier>) | undefined> {
  const entry = (await import('../../../src/index.js')) as { loadVerifier?: (file: string) => Promise<Verifier> }
  return entry.loadVerifier
}

/** Counts calls of `run` for SLICE_MS (clock read every 10 calls). */
async function slice(run: () => unknown, tally: { n: number; ms: number }): Promise<void> {
  const t0 = performance.now()
  const end = t0 + SLICE_MS
  let now = t0
  while (now < end) {
    for (let i = 0; i < 10; i++) await run()
    tally.n += 10
    now = performance.now()
  }
  tally.ms += now - t0
}

function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`)
}
