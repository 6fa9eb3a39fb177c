// Benchmark child process: one verifier step, measured in a process of its own so its CPU and memory are the
// verifier's alone (the node runs in the parent). Reads one JSON job from argv[2], prints one JSON result line.
//   sync:  syncBundle from the node into the state file, as `entente sync` does; CPU, wall time and bytes.
//   load:  reads the state file and runs createVerifier (CPU, heap and RSS), then verdicts per second for each
//          certificate given, each checked against the verdict it must give first.
// Uses only the package's public entry points (syncBundle, createVerifier).
import { readFile } from 'node:fs/promises'
import { performance } from 'node:perf_hooks'
import { createVerifier, syncBundle } from '../../../src/index.js'

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

if (job.mode === 'sync') {
  const cpu = process.cpuUsage()
  const start = performance.now()
  const result = await syncBundle({
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
    wireBytes: report?.wireBytes,
    error: report?.error,
    countries: result.state?.lists.length,
    maxRssMiB: process.resourceUsage().maxRSS / 1024,
  })
} else {
  gc()
  const heap0 = process.memoryUsage().heapUsed
  const rss0 = process.memoryUsage().rss
  const cpu = process.cpuUsage()
  const start = performance.now()
  // Read and parsed inside a function, so neither the text nor the parsed file stays reachable afterwards.
  const { verifier, fileBytes } = await (async () => {
    const text = await readFile(job.file, 'utf8')
    return { verifier: await createVerifier(JSON.parse(text)), fileBytes: Buffer.byteLength(text) }
  })()
  const loadCpuMs = cpuMs(cpu)
  const loadWallMs = performance.now() - start
  gc()
  const retainedMiB = (process.memoryUsage().heapUsed - heap0) / MiB
  const rssMiB = (process.memoryUsage().rss - rss0) / MiB
  const peakRssMiB = process.resourceUsage().maxRSS / 1024
  const rates: Record<string, { perSecond: number; microseconds: number; verdict: string }> = {}
  for (const c of job.certificates) {
    const verdict = verifier.verify(c.qr)
    const codes = verdict.reasons.map((r) => r.code)
    const ok =
      c.expect === 'valid' ? verdict.valid : c.expect === 'revoked' ? !verdict.valid && codes.some((code) => code.includes('REVOKED')) : !verdict.valid
    if (!ok) throw new Error(`${c.name}: expected ${c.expect}, got valid=${verdict.valid} ${codes.join(',')}`)
    // Warm-up, then count verdicts for job.ms (clock read every 10 calls).
    for (let i = 0; i < 50; i++) verifier.verify(c.qr)
    let n = 0
    const t0 = performance.now()
    const end = t0 + job.ms
    while (performance.now() < end) {
      for (let i = 0; i < 10; i++) verifier.verify(c.qr)
      n += 10
    }
    const elapsed = performance.now() - t0
    rates[c.name] = { perSecond: (n / elapsed) * 1000, microseconds: (elapsed / n) * 1000, verdict: verdict.valid ? 'valid' : codes.join(',') }
  }
  print({ loadCpuMs, loadWallMs, fileBytes, retainedMiB, rssMiB, peakRssMiB, rates })
}

function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`)
}
