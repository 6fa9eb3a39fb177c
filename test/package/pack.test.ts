// The package as a stranger gets it: `npm pack` (which builds dist/ through `prepare`), the tarball installed into
// an empty folder outside the checkout (no NODE_PATH, no npm_* settings of this run, install scripts off so no
// native module is built), then a DCC from the shared vectors verified there with the library from ESM, from
// TypeScript type-checked against the shipped .d.ts, with the runtime-neutral core bundled for browsers, and with the
// installed `entente` CLI.
import { execFile } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { promisify } from 'node:util'
import { build, stop } from 'esbuild'
import { beforeAll, describe, expect, it } from 'vitest'
import { tempDir } from '../helpers/temp.js'
import { dccVector } from '../helpers/vectors.js'

const run = promisify(execFile)
const projectRoot = path.resolve(import.meta.dirname, '../..')
const pkg = JSON.parse(readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as { name: string; devDependencies: Record<string, string> }
const tsc = path.join(projectRoot, 'node_modules', 'typescript', 'bin', 'tsc')
const vector = dccVector('DE', '2DCode', 'raw', '1.json')
const at = new Date(vector.TESTCTX.VALIDATIONCLOCK).toISOString()
/** Generous: building, packing and installing share two cores with the rest of the suite. */
const SLOW_MS = 240_000

/** This process's environment without what would lead npm or node back into the checkout. */
function strangerEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) {
    // `npm test` exports npm_config_* and npm_package_* of the checkout; the cache location is worth keeping.
    if (key.toLowerCase().startsWith('npm_') && key.toLowerCase() !== 'npm_config_cache') continue
    if (key === 'NODE_PATH' || key === 'NODE_OPTIONS' || key === 'ENTENTE_RUN' || key === 'ENTENTE_VECTORS') continue
    env[key] = value
  }
  return env
}

let app: string
let tarball: string

beforeAll(async () => {
  const work = tempDir('entente-pack-')
  expect(path.relative(projectRoot, work).startsWith('..')).toBe(true)
  const packDir = path.join(work, 'pack')
  app = path.join(work, 'app')
  mkdirSync(packDir)
  mkdirSync(app)
  // Lifecycle output (the build) goes to stderr; stdout is the JSON report.
  const packed = await run('npm', ['pack', '--json', '--pack-destination', packDir], { cwd: projectRoot, env: strangerEnv(), maxBuffer: 64 * 1024 * 1024 })
  const [report] = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[]
  if (report === undefined) throw new Error(`npm pack reported nothing: ${packed.stdout}`)
  tarball = path.join(packDir, report.filename)
  const files = report.files.map((f) => f.path)
  expect(files).toEqual(expect.arrayContaining(['bin/entente.js', 'dist/index.js', 'dist/index.d.ts', 'dist/index.js.map', 'dist/cli/main.js', 'registry-schema/bundle.v1.schema.json', 'dist/http/diplomats/assets/app.js']))
  expect(files.filter((f) => /^(src|test|scripts|data|nodes)\//.test(f))).toEqual([])

  writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'stranger', private: true, type: 'module' }))
  // From the cache `npm ci` filled (the registry only for what it lacks); no install scripts: verifying must not
  // need better-sqlite3's native build. @types/node as any Node project has it.
  await run(
    'npm',
    ['install', '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error', tarball, `@types/node@${pkg.devDependencies['@types/node'] ?? '20'}`],
    { cwd: app, env: strangerEnv(), maxBuffer: 64 * 1024 * 1024 },
  )
  writeFileSync(
    path.join(app, 'input.json'),
    JSON.stringify({ payload: vector.PREFIX, certificate: vector.TESTCTX.CERTIFICATE, at }),
  )
}, SLOW_MS)

describe(`the packed package, installed in an empty folder`, () => {
  it('ships compiled code only: no sources, no tsx, no native build', () => {
    const installed = path.join(app, 'node_modules', ...pkg.name.split('/'))
    expect(existsSync(path.join(installed, 'dist', 'index.js'))).toBe(true)
    expect(existsSync(path.join(installed, 'src'))).toBe(false)
    expect(existsSync(path.join(app, 'node_modules', 'tsx'))).toBe(false)
    expect(existsSync(path.join(app, 'node_modules', 'better-sqlite3', 'build'))).toBe(false)
    expect(readdirSync(path.join(installed, 'registry-schema')).length).toBeGreaterThan(5)
  })

  it('verifies a certificate with the library from an ES module', async () => {
    writeFileSync(
      path.join(app, 'verify.mjs'),
      `import { readFileSync } from 'node:fs'
import { createVerifier, isEntenteError } from '${pkg.name}'
import { parseDsc, prepareTrust, verifyCertificate } from '${pkg.name}/certificates'

const { payload, certificate, at } = JSON.parse(readFileSync('input.json', 'utf8'))
const dsc = parseDsc(Buffer.from(certificate, 'base64'))
const trust = await prepareTrust({ signers: { [dsc.country ?? '*']: [{ format: 'dcc', kid: dsc.kid, certificate, usage: ['vaccination'] }] } })
const verdict = await verifyCertificate(payload, trust, { now: new Date(at) })
const tampered = await verifyCertificate(payload.slice(0, -4) + 'AAAA', trust, { now: new Date(at) })
console.log(JSON.stringify({ valid: verdict.valid, issuer: verdict.issuer, tampered: tampered.valid, api: typeof createVerifier, guard: typeof isEntenteError }))
`,
    )
    const { stdout } = await run(process.execPath, ['verify.mjs'], { cwd: app, env: strangerEnv() })
    expect(JSON.parse(stdout)).toEqual({ valid: true, issuer: 'DE', tampered: false, api: 'function', guard: 'function' })
  }, SLOW_MS)

  it('verifies a certificate from TypeScript, type-checked against the shipped types', async () => {
    writeFileSync(
      path.join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, skipLibCheck: true, types: ['node'], outDir: 'out' },
        files: ['verify.ts'],
      }),
    )
    writeFileSync(
      path.join(app, 'verify.ts'),
      `import { readFileSync } from 'node:fs'
import { createVerifier, type Verdict, type Verifier } from '${pkg.name}'
import { parseDsc, prepareTrust, verifyCertificate, type TrustMaterial } from '${pkg.name}/certificates'

const input = JSON.parse(readFileSync('input.json', 'utf8')) as { payload: string; certificate: string; at: string }
const dsc = parseDsc(Buffer.from(input.certificate, 'base64'))
const material: TrustMaterial = { signers: { [dsc.country ?? '*']: [{ format: 'dcc', kid: dsc.kid, certificate: input.certificate, usage: ['vaccination'] }] } }
const verdict: Verdict = await verifyCertificate(input.payload, await prepareTrust(material), { now: new Date(input.at) })
// The shipped types are real (skipLibCheck would turn an unresolved one into any): wrong uses are compile errors.
// @ts-expect-error a payload is text
await verifyCertificate(42, await prepareTrust(material), { now: new Date() })
// @ts-expect-error the verdict is a promise (WebCrypto is asynchronous): it must be awaited
const notAwaited: Verdict = verifyCertificate(input.payload, await prepareTrust(material), { now: new Date() })
// @ts-expect-error a verdict is an object
const wrong: Verdict = 1
// @ts-expect-error signers are listed per country
const loose: TrustMaterial = { signers: [] }
const make: (bundle: unknown) => Promise<Verifier> = (bundle) => createVerifier(bundle as Parameters<typeof createVerifier>[0], { now: new Date() })
console.log(JSON.stringify({ valid: verdict.valid, make: typeof make, wrong: typeof wrong, loose: typeof loose, notAwaited: typeof notAwaited }))
`,
    )
    await run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: app, env: strangerEnv() }).catch((error: Error & { stdout?: string }) => {
      throw new Error(`tsc failed:\n${error.stdout ?? error.message}`)
    })
    const { stdout } = await run(process.execPath, [path.join('out', 'verify.js')], { cwd: app, env: strangerEnv() })
    expect(JSON.parse(stdout)).toEqual({ valid: true, make: 'function', wrong: 'number', loose: 'object', notAwaited: 'object' })
  }, SLOW_MS)

  it('bundles its runtime-neutral core for browsers, which verifies with WebCrypto where neither Node modules nor Buffer exist', async () => {
    // As a web integrator would: esbuild for the browser platform, resolving from the installed package only.
    await build({
      stdin: {
        contents: `export { createVerifier, prepareTrust, verifyCertificate, cryptoPlatform } from '${pkg.name}/core'`,
        resolveDir: app,
        sourcefile: 'entry.js',
      },
      absWorkingDir: app,
      nodePaths: [],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      outfile: path.join(app, 'core-bundle.mjs'),
      logLevel: 'silent',
    })
    await stop()
    const bundle = readFileSync(path.join(app, 'core-bundle.mjs'), 'utf8')
    expect(bundle).not.toMatch(/from\s*["']node:|require\(["']node:/)
    writeFileSync(
      path.join(app, 'browser-like.mjs'),
      `import { readFileSync } from 'node:fs'
const input = JSON.parse(readFileSync('input.json', 'utf8'))
// What a browser lacks: the core must not need it.
delete globalThis.Buffer
delete globalThis.process
const { prepareTrust, verifyCertificate, cryptoPlatform } = await import('./core-bundle.mjs')
const der = Uint8Array.from(atob(input.certificate), (c) => c.charCodeAt(0))
const kid = btoa(String.fromCharCode(...new Uint8Array(await crypto.subtle.digest('SHA-256', der)).subarray(0, 8)))
const trust = await prepareTrust({ signers: { DE: [{ format: 'dcc', kid, certificate: input.certificate, usage: ['vaccination'] }] } })
const verdict = await verifyCertificate(input.payload, trust, { now: new Date(input.at) })
const tampered = await verifyCertificate(input.payload.slice(0, -4) + 'AAAA', trust, { now: new Date(input.at) })
console.log(JSON.stringify({ platform: cryptoPlatform().name, valid: verdict.valid, reasons: verdict.reasons.map((r) => r.code), tampered: tampered.valid }))
`,
    )
    const { stdout } = await run(process.execPath, ['browser-like.mjs'], { cwd: app, env: strangerEnv() })
    expect(JSON.parse(stdout)).toEqual({ platform: 'web', valid: true, reasons: [], tampered: false })
  }, SLOW_MS)

  it('verifies a certificate with the installed entente command', async () => {
    writeFileSync(path.join(app, 'dsc.pem'), `-----BEGIN CERTIFICATE-----\n${vector.TESTCTX.CERTIFICATE}\n-----END CERTIFICATE-----\n`)
    const entente = path.join(app, 'node_modules', '.bin', 'entente')
    const help = await run(entente, ['--help'], { cwd: app, env: strangerEnv() })
    expect(help.stdout).toMatch(/^Usage: entente/)
    const { stdout } = await run(entente, ['verify', vector.PREFIX, '--dsc', 'dsc.pem', '--at', at], { cwd: app, env: strangerEnv() })
    expect(stdout).toMatch(/^VALID dcc DE vaccination/)
    const refused = await run(entente, ['verify', vector.PREFIX, '--dsc', 'dsc.pem', '--at', '2030-01-01T00:00:00Z'], { cwd: app, env: strangerEnv() }).then(
      () => undefined,
      (error: { code?: number; stdout?: string }) => error,
    )
    expect(refused?.code).toBe(1)
    expect(refused?.stdout).toMatch(/^INVALID/)
  }, SLOW_MS)
})
