// Benchmark: what loading a verifier costs for a verified bundle of N countries x S real DSCs (default 200 x 100), in
// CPU time (the machine may be busy: wall time says little) and heap retained, next to a raw JSON.parse of the same
// file as the baseline: `loadVerifier(file)` from the state sync prepared beside the bundle (read included), and
// `createVerifier` over the parsed bundle (every list verified again, as `reverify` does). Each run is three fresh
// processes (tsx loader, --expose-gc), one per measurement, each cold as a verifier starts, so the one-time costs a
// real verifier pays are counted; the median of --runs runs is reported.
// The bundle is built once in-process from the cached DSCs (scale/dscs.ts), merged as a sync would (mergeBundle) and
// written with its prepared state as a sync writes them, then cached next to them. Never used outside the benchmark.
//   npx tsx scripts/bench/verifier-load.ts [--countries 200] [--signers 100] [--runs 7] [--rebuild]
// Node: the native crypto platform, as the library's and the CLI's entry points install it.
import '../../src/platform/use-node-platform.js'
import { execFile } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { promisify, parseArgs } from 'node:util'
import type { Signer, SignedTrustList, VerifiedBundle } from '../../src/model/schema.types.js'
import { onboardSigner } from '../../src/operator/onboard-signer.js'
import { recognitionEntry } from '../../src/trust-list/verify-recognitions.js'
import { createVerifier, prepareVerifierState } from '../../src/verifier/create-verifier.js'
import { loadVerifier } from '../../src/verifier/load-verifier.js'
import { preparedStatePath, writePreparedState } from '../../src/verifier/prepared-state-file.js'
import { writeVerifiedBundleFile } from '../../src/verifier/state-file.js'
import { emptyVerifiedBundle, mergeBundle } from '../../src/verifier/verify-bundle.js'
import { TestCountry } from '../../test/helpers/country.js'
import { SoftAuthenticator } from '../../test/helpers/webauthn.js'
import { cacheRoot, countryDscs } from './scale/dscs.js'
import { countryCodes } from './scale/federation.js'

const flags = parseArgs({
  options: {
    countries: { type: 'string', default: '200' },
    signers: { type: 'string', default: '100' },
    runs: { type: 'string', default: '7' },
    home: { type: 'string', default: 'GR' },
    rebuild: { type: 'boolean', default: false },
    child: { type: 'string' },
    mode: { type: 'string' },
  },
}).values

const MiB = 1024 * 1024
const cpuMs = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since)
  return (used.user + used.system) / 1000
}

type Mode = 'parse' | 'verify' | 'prepared'

interface RunResult {
  parseMs: number
  verifyMs: number
  verifyRetainedMiB: number
  preparedMs: number
  preparedRetainedMiB: number
  fileBytes: number
}

if (flags.child !== undefined) {
  await child(flags.child, flags.mode === 'parse' || flags.mode === 'prepared' ? flags.mode : 'verify')
} else {
  await parent()
}

/**
 * One measurement in a fresh process. `parse`: JSON.parse of the bundle file alone, the baseline. `verify`:
 * createVerifier over the parsed file, cold, as a verifier starts: no parse before it, which would grow the heap first
 * and spare the measured load most of its garbage collection (that warm-up took ~200 ms off the figure). `prepared`:
 * loadVerifier(file), which reads the prepared state beside the bundle.
 */
async function child(file: string, mode: Mode): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc
  if (gc === undefined) throw new Error('run with --expose-gc')
  const text = mode === 'prepared' ? '' : readFileSync(file, 'utf8')
  gc()
  const heap0 = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers
  const cpu = process.cpuUsage()
  if (mode === 'parse') {
    const parsedOnce = (() => JSON.parse(text) !== null)()
    process.stdout.write(`${JSON.stringify({ ms: cpuMs(cpu), parsedOnce })}\n`)
    return
  }
  // Parsed inside the function, so the parsed bundle is not reachable afterwards (as in a verifier that reads a file).
  const verifier = mode === 'prepared' ? await loadVerifier(file) : await (async () => createVerifier(JSON.parse(text)))()
  const ms = cpuMs(cpu)
  gc()
  const retainedMiB = (process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers - heap0) / MiB
  if (verifier.status().countries.length === 0) throw new Error('empty verifier')
  process.stdout.write(`${JSON.stringify({ ms, retainedMiB })}\n`)
}

async function parent(): Promise<void> {
  const N = Number(flags.countries)
  const S = Number(flags.signers)
  const runs = Number(flags.runs)
  const home = flags.home ?? 'GR'
  const file = path.join(cacheRoot(), `verified-bundle-${home}-${N}x${S}`, 'bundle.json')
  if (flags.rebuild === true || !existsSync(file) || !existsSync(preparedStatePath(file))) {
    const t = Date.now()
    const bundle = await buildVerifiedBundle(home, N, S)
    mkdirSync(path.dirname(file), { recursive: true })
    // As a sync writes them: the bundle, then the state prepared from it.
    const written = await writeVerifiedBundleFile(file, bundle)
    await writePreparedState(file, written, await prepareVerifierState(bundle))
    process.stdout.write(`built ${file} in ${((Date.now() - t) / 1000).toFixed(1)} s\n`)
  }
  const fileBytes = readFileSync(file).byteLength
  const results: RunResult[] = []
  const measure = async (mode: Mode) => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--expose-gc', import.meta.filename, '--child', file, '--mode', mode], {
      maxBuffer: 16 * MiB,
      timeout: 10 * 60_000,
    })
    return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as { ms: number; retainedMiB?: number }
  }
  for (let i = 0; i < runs; i++) {
    const parsed = await measure('parse')
    const verified = await measure('verify')
    const prepared = await measure('prepared')
    const r: RunResult = {
      parseMs: parsed.ms,
      verifyMs: verified.ms,
      verifyRetainedMiB: verified.retainedMiB ?? Number.NaN,
      preparedMs: prepared.ms,
      preparedRetainedMiB: prepared.retainedMiB ?? Number.NaN,
      fileBytes,
    }
    results.push(r)
    process.stdout.write(
      `run ${i + 1}: JSON.parse ${r.parseMs.toFixed(0)} ms, loadVerifier (prepared state) ${r.preparedMs.toFixed(0)} ms, parse + createVerifier ${r.verifyMs.toFixed(0)} ms\n`,
    )
  }
  const median = (pick: (r: RunResult) => number) => {
    const sorted = results.map(pick).sort((a, b) => a - b)
    return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN
  }
  const ratio = (ms: number) => (ms / median((r) => r.parseMs)).toFixed(1)
  process.stdout.write(
    [
      `verifier load, ${N} x ${S} DSCs, bundle ${(fileBytes / MiB).toFixed(1)} MiB, median of ${runs} cold fresh processes each (CPU time):`,
      `  JSON.parse of the bundle (baseline)                       ${median((r) => r.parseMs).toFixed(0)} ms`,
      `  loadVerifier from the prepared state (read included)       ${median((r) => r.preparedMs).toFixed(0)} ms (${ratio(median((r) => r.preparedMs))}x the baseline; target < 1000 ms), retained ${median((r) => r.preparedRetainedMiB).toFixed(1)} MiB`,
      `  parse + createVerifier (every list verified again)         ${median((r) => r.verifyMs).toFixed(0)} ms (${ratio(median((r) => r.verifyMs))}x), retained ${median((r) => r.verifyRetainedMiB).toFixed(1)} MiB`,
      `  heap target: < 100 MiB`,
      '',
    ].join('\n'),
  )
}

/** Foreign countries sign their own lists; home recognizes all of them (real WebAuthn approvals); merged as a sync does. */
async function buildVerifiedBundle(home: string, N: number, S: number): Promise<VerifiedBundle> {
  const now = new Date()
  const vaccines = [{ product: 'EU/1/20/1528', dosesForCompletion: 2, validityDays: 270 }]
  const countries: TestCountry[] = []
  for (const code of countryCodes(N, home)) {
    const tc = await TestCountry.create(code, code.charCodeAt(1) % 2 === 0 ? 'p256' : 'ed25519')
    const signers: Signer[] = []
    for (const dsc of await countryDscs(code, S)) {
      signers.push(await onboardSigner({ format: 'dcc', certificate: dsc.der.toString('base64') }, { country: code, now, existing: signers }))
    }
    tc.draft.signers = signers
    tc.draft.vaccines = [...vaccines]
    countries.push(tc)
  }
  const [homeCountry, ...foreign] = countries as [TestCountry, ...TestCountry[]]
  const passkey = SoftAuthenticator.create('ES256')
  const diplomat = passkey.diplomat({ name: `Diplomat of ${home}` })
  homeCountry.draft.diplomats = [diplomat]
  const inForce = await homeCountry.next({ now })
  homeCountry.draft.recognitions = foreign.map((f) => {
    const entry = recognitionEntry({ country: f.country, rootThumbprint: f.root.thumbprint, scopes: ['vaccination', 'test', 'recovery'] })
    return { ...entry, approvals: [passkey.approve({ country: home, entry, head: { seq: inForce.payload.seq, hash: inForce.hash }, diplomat })] }
  })
  const lists: SignedTrustList[] = [(await homeCountry.next({ now })).signed]
  for (const f of foreign) lists.push((await f.next({ now })).signed)
  const { state } = await mergeBundle(
    emptyVerifiedBundle(home, homeCountry.root.thumbprint, now),
    { lists, alarms: [] },
    { now, home, anchor: { thumbprint: homeCountry.root.thumbprint }, homeChain: [inForce.signed] },
  )
  return state
}
