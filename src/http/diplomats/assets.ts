// The static files of the diplomat pages: the hand-written client module, the stylesheet, and the ESM build of
// @simplewebauthn/browser from node_modules. Read once at mount; served by exact name only, so no request path
// ever reaches the file system.
import { readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export interface Asset {
  readonly body: string
  readonly type: string
}

const JS = 'text/javascript; charset=utf-8'

/** Map from the path under /diplomats/assets/ to the file's content. */
export function loadDiplomatAssets(): ReadonlyMap<string, Asset> {
  const own = path.join(path.dirname(fileURLToPath(import.meta.url)), 'assets')
  const assets = new Map<string, Asset>([
    ['app.js', { body: readFileSync(path.join(own, 'app.js'), 'utf8'), type: JS }],
    ['style.css', { body: readFileSync(path.join(own, 'style.css'), 'utf8'), type: 'text/css; charset=utf-8' }],
    ['favicon.svg', { body: readFileSync(path.join(own, 'favicon.svg'), 'utf8'), type: 'image/svg+xml' }],
  ])
  // The package exports only its entry points; its ESM tree sits next to the CommonJS one.
  const entry = createRequire(import.meta.url).resolve('@simplewebauthn/browser')
  const esm = path.join(path.dirname(entry), '..', 'esm')
  for (const file of walk(esm)) {
    assets.set(`simplewebauthn/${path.relative(esm, file).split(path.sep).join('/')}`, { body: readFileSync(file, 'utf8'), type: JS })
  }
  return assets
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) return walk(full)
    return entry.name.endsWith('.js') ? [full] : []
  })
}
