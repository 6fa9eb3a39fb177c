// `npm run build` (also `prepare`, so `npm ci` and `npm pack` build): compiles src/ to dist/ (ESM JavaScript,
// .d.ts, source maps) and copies the static files the compiled code reads beside itself. Plain JavaScript, so
// building needs nothing but TypeScript.
//
// dist/ mirrors src/ one level below the package root, so every path the code computes from its own location
// (`../..` to the package root for registry-schema/ and reference data) resolves the same from either.
import { spawnSync } from 'node:child_process'
import { cpSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'

const root = path.resolve(import.meta.dirname, '..')
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
for (const dir of assets) cpSync(path.join(root, 'src', dir), path.join(dist, dir), { recursive: true })
