// `entente sign` and `entente root` run on a machine with no network: no module they load (transitively, within
// src/) imports a network module, a libp2p or HTTP server package, or calls fetch.
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'

const src = path.resolve(import.meta.dirname, '../../src')
const NETWORK = /^(node:)?(net|http|https|http2|dns|dgram|tls|child_process)$|^undici$|^@?libp2p|^@libp2p\/|^@chainsafe\/|^@hono\/node-server$|^hono(\/|$)|^@multiformats\//
const IMPORT = /^\s*(?:import|export)\s+(?!type\b)(?:[^'"]*?\sfrom\s+)?['"]([^'"]+)['"]/gm
const DYNAMIC = /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g

/** Every src file `entry` loads at runtime (type-only imports are erased), with the bare packages each imports. */
function closure(entry: string): Map<string, string[]> {
  const seen = new Map<string, string[]>()
  const visit = (file: string) => {
    if (seen.has(file)) return
    const text = readFileSync(file, 'utf8')
    const specifiers = [...text.matchAll(IMPORT), ...text.matchAll(DYNAMIC)].map((m) => m[1] as string)
    seen.set(file, specifiers.filter((s) => !s.startsWith('.')))
    if (/\bfetch\s*\(/.test(text)) seen.get(file)?.push('fetch()')
    for (const s of specifiers.filter((s) => s.startsWith('.') && !s.endsWith('.json'))) visit(path.resolve(path.dirname(file), s.replace(/\.js$/, '.ts')))
  }
  visit(entry)
  return seen
}

function networkImports(entry: string): string[] {
  return [...closure(entry)].flatMap(([file, packages]) => packages.filter((p) => p === 'fetch()' || NETWORK.test(p)).map((p) => `${path.relative(src, file)} → ${p}`))
}

describe('offline signing loads no network code', () => {
  it('sign and root create', () => {
    for (const entry of ['cli/commands/sign.ts', 'cli/commands/root.ts']) {
      const files = closure(path.join(src, entry))
      expect(files.size).toBeGreaterThan(5)
      expect(networkImports(path.join(src, entry))).toEqual([])
    }
  })

  it('the scan sees network code where there is some', () => {
    expect(networkImports(path.join(src, 'cli/commands/publish.ts')).length).toBeGreaterThan(0)
    expect(networkImports(path.join(src, 'node.ts')).some((line) => line.includes('@libp2p') || line.includes('hono'))).toBe(true)
  })
})
