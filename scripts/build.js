// `npm run build` (also `prepare`, so `npm ci` and `npm pack` build): compiles src/ to dist/ (ESM JavaScript,
// .d.ts, source maps) for the library, copies the static files the compiled code reads beside itself, and bundles
// the CLI. Plain JavaScript, so building needs only the dev dependencies, never a build of itself.
//
// dist/ mirrors src/ one level below the package root, so every path the code computes from its own location
// (`../..` to the package root for registry-schema/ and reference data) resolves the same from either.
//
// The CLI (dist/cli/entente.js and its chunks, all in dist/cli/, two levels down like every module that computes a
// path from import.meta) is one esbuild bundle with a chunk per lazily loaded command: Node 20 has no compile cache,
// and resolving and reading a few hundred small modules (our own, jose, ajv) is most of a cold `entente verify`.
// The node itself (src/node.ts, loaded by `node start`) and `federation up` stay on the tsc output: they read files
// beside their own modules, and their start time does not matter. Both sides share dist/model/errors.js, so
// `instanceof EntenteError` holds across them. Native and optional-native packages stay external.
import { spawnSync } from 'node:child_process'
import { cpSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { build } from 'esbuild'

const root = path.resolve(import.meta.dirname, '..')
const src = path.join(root, 'src')
const dist = path.join(root, 'dist')

// Fresh every time: a file deleted from src/ must not live on in dist/.
rmSync(dist, { recursive: true, force: true })
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
const result = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit' })
if (result.status !== 0) {
  // No half-built dist/ left behind for the CLI or a pack to pick up.
  rmSync(dist, { recursive: true, force: true })
  process.exit(result.status ?? 1)
}

// Files read at run time relative to the module that reads them (not imported, so tsc does not copy them).
const assets = ['http/diplomats/assets']
for (const dir of assets) cpSync(path.join(src, dir), path.join(dist, dir), { recursive: true })

/** Source modules the bundle imports from the tsc output instead of copying, as paths relative to dist/cli/. */
const fromTsc = new Map([
  [path.join(src, 'model', 'errors.ts'), '../model/errors.js'],
  [path.join(src, 'node.ts'), '../node.js'],
  [path.join(src, 'cli', 'commands', 'federation.ts'), './commands/federation.js'],
])
try {
  await build({
    stdin: {
      contents: "export { main } from './main.ts'\nexport { processIo, reportError } from './io.ts'\n",
      resolveDir: path.join(src, 'cli'),
      sourcefile: 'entente.ts',
      loader: 'ts',
    },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outdir: path.join(dist, 'cli'),
    entryNames: 'entente',
    chunkNames: 'entente-[hash]',
    sourcemap: true,
    logLevel: 'warning',
    external: ['better-sqlite3', 'cbor-x', 'cbor-extract', '@cbor-extract/*'],
    // Bundled CommonJS packages (ajv) require Node's built-ins.
    banner: { js: "import { createRequire as __ententeRequire } from 'node:module'; const require = __ententeRequire(import.meta.url);" },
    plugins: [
      {
        name: 'from-tsc',
        setup(bundler) {
          bundler.onResolve({ filter: /^\./ }, async (args) => {
            if (args.pluginData === 'inner') return undefined
            const resolved = await bundler.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, importer: args.importer, pluginData: 'inner' })
            const external = fromTsc.get(resolved.path)
            return external === undefined ? resolved : { path: external, external: true }
          })
        },
      },
    ],
  })
} catch (error) {
  rmSync(dist, { recursive: true, force: true })
  throw error
}

// The offline web verifier (nodes serve it at /verify/), into dist/web: a browser bundle of the same core.
try {
  const { buildWeb } = await import('./build-web.js')
  await buildWeb({ out: path.join(dist, 'web') })
} catch (error) {
  rmSync(dist, { recursive: true, force: true })
  throw error
}
