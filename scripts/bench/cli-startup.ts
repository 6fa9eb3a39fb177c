// Benchmark: cold start of the `entente` CLI from the TypeScript sources (tsx) next to the compiled dist/, in one
// run: `entente --help` and an offline `entente verify` of a DCC vector against its DSC. Every sample is a fresh
// process (`node bin/entente.js ...`, ENTENTE_RUN=source|dist), so each pays module loading from scratch.
// Run: npm run bench:cli-startup   (builds dist/ first; BENCH_ROUNDS, default 5; --no-build to skip the build;
// BENCH_BASELINE=DIR adds DIR/bin/entente.js as run as-is, e.g. a checkout of an older commit: "before")
//
// Method, for a fair ratio on a small, noisy machine: the contenders alternate within each round (rotating which
// goes first), so a burst of load from elsewhere hits both alike; medians per cell, and the spread of the
// per-round ratios so noise is visible. tsx keeps a disk cache of what it compiled: "tsx" is the everyday case
// (cache warmed by a first, untimed run), "tsx, no cache" (TSX_DISABLE_CACHE=1) the first run after an edit.
// Reads the shared vectors (ENTENTE_VECTORS or ../shared/vectors).
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import path from 'node:path'
import { performance } from 'node:perf_hooks'

const root = path.resolve(import.meta.dirname, '../..')
const bin = path.join(root, 'bin', 'entente.js')
const vectors = process.env.ENTENTE_VECTORS ?? path.resolve(root, '../shared/vectors')
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5)
const print = (line = '') => void process.stdout.write(`${line}\n`)

interface Contender {
  readonly name: string
  readonly env: NodeJS.ProcessEnv
  readonly bin?: string
}

// No EU DCC schema, as for an installed package (no reference data beside it): compiling that schema costs the
// same in every contender and is work, not start-up.
const common = { ENTENTE_DCC_SCHEMA: path.join(root, 'no-dcc-schema.json') }
const contenders: Contender[] = [
  { name: 'tsx', env: { ...common, ENTENTE_RUN: 'source' } },
  { name: 'tsx, no cache', env: { ...common, ENTENTE_RUN: 'source', TSX_DISABLE_CACHE: '1' } },
  { name: 'compiled', env: { ...common, ENTENTE_RUN: 'dist' } },
]
const baseline = process.env.BENCH_BASELINE
if (baseline !== undefined && baseline !== '') contenders.unshift({ name: 'before', env: common, bin: path.join(path.resolve(baseline), 'bin', 'entente.js') })

// Preloaded into every sample: at exit, the process writes its own CPU time (user + system, µs) on fd 3. tsx's
// esbuild service is a separate process whose CPU this misses, so the tsx CPU figures are a lower bound.
const REPORT_CPU = `data:text/javascript,${encodeURIComponent("import { writeSync } from 'node:fs'; process.on('exit', () => { const u = process.cpuUsage(); writeSync(3, String(u.user + u.system)) })")}`

interface Sample {
  readonly wallMs: number
  readonly cpuMs: number
}

/** One CLI process, from spawn to exit; throws unless it exits 0 with `expect` in its output. */
function run(argv: string[], { env, bin: entry = bin }: Contender, expect: RegExp): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const child = spawn(process.execPath, ['--import', REPORT_CPU, entry, ...argv], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe', 'pipe'] })
    let cpu = ''
    child.stdio[3]?.on('data', (chunk: Buffer) => (cpu += chunk.toString()))
    let out = ''
    child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()))
    child.stderr?.on('data', (chunk: Buffer) => (out += chunk.toString()))
    child.on('error', reject)
    child.on('close', (code) => {
      const wallMs = performance.now() - started
      if (code !== 0 || !expect.test(out)) reject(new Error(`entente ${argv[0] ?? ''} (${JSON.stringify(env)}) exited ${code}: ${out.slice(0, 400)}`))
      else resolve({ wallMs, cpuMs: Number(cpu) / 1000 })
    })
  })
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2
}

async function main(): Promise<void> {
  if (!process.argv.includes('--no-build')) {
    print('building dist/ ...')
    const build = spawnSync(process.execPath, [path.join(root, 'scripts', 'build.js')], { stdio: 'inherit' })
    if (build.status !== 0) throw new Error('build failed')
  }
  const work = mkdtempSync(path.join(tmpdir(), 'entente-bench-cli-'))
  try {
    const vector = JSON.parse(readFileSync(path.join(vectors, 'dcc', 'DE', '2DCode', 'raw', '1.json'), 'utf8')) as {
      PREFIX: string
      TESTCTX: { CERTIFICATE: string; VALIDATIONCLOCK: string }
    }
    const dsc = path.join(work, 'dsc.pem')
    writeFileSync(dsc, `-----BEGIN CERTIFICATE-----\n${vector.TESTCTX.CERTIFICATE}\n-----END CERTIFICATE-----\n`)
    const at = new Date(vector.TESTCTX.VALIDATIONCLOCK).toISOString()
    const commands = [
      { name: 'entente --help', argv: ['--help'], expect: /^Usage: entente/ },
      { name: 'entente verify', argv: ['verify', vector.PREFIX, '--dsc', dsc, '--at', at], expect: /^VALID dcc DE/ },
    ]
    print(`node ${process.version}, ${cpus().length} cpus, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}, ${ROUNDS} rounds`)
    // Untimed: fills tsx's disk cache and the OS page cache for every contender.
    for (const c of commands) for (const k of contenders) await run(c.argv, k, c.expect)
    const times = new Map<string, Sample[]>()
    for (let round = 0; round < ROUNDS; round += 1) {
      for (const c of commands) {
        for (let i = 0; i < contenders.length; i += 1) {
          const k = contenders[(i + round) % contenders.length] as Contender
          const key = `${c.name}|${k.name}`
          times.set(key, [...(times.get(key) ?? []), await run(c.argv, k, c.expect)])
        }
      }
    }
    for (const [label, of] of [
      ['wall clock', (x: Sample) => x.wallMs],
      ['CPU (user + system)', (x: Sample) => x.cpuMs],
    ] as const) {
      print()
      print(`${label}, ms (median)`.padEnd(30) + contenders.map((k) => k.name.padStart(16)).join('') + '   tsx / compiled (rounds min..max)')
      for (const c of commands) {
        const cells = contenders.map((k) => median((times.get(`${c.name}|${k.name}`) ?? []).map(of)))
        const source = (times.get(`${c.name}|tsx`) ?? []).map(of)
        const compiled = (times.get(`${c.name}|compiled`) ?? []).map(of)
        const ratio = (slow: number[]) => {
          const rounds = slow.map((x, i) => x / (compiled[i] as number))
          return `${(median(slow) / median(compiled)).toFixed(1)}x (${Math.min(...rounds).toFixed(1)}..${Math.max(...rounds).toFixed(1)})`
        }
        const before = (times.get(`${c.name}|before`) ?? []).map(of)
        print(`${c.name.padEnd(30)}${cells.map((ms) => ms.toFixed(0).padStart(16)).join('')}   ${ratio(source)}${before.length === 0 ? '' : `; before / compiled ${ratio(before)}`}`)
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}

await main()
