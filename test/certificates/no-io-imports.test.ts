// Offline by construction: no file under src/certificates may import a network or file module or call fetch.
import { readFileSync, readdirSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'

const root = path.resolve(import.meta.dirname, '../../src/certificates')
const FORBIDDEN = [
  /from\s+['"](node:)?(fs|fs\/promises|net|http|https|http2|dns|dgram|tls|child_process)['"]/,
  /import\(\s*['"](node:)?(fs|net|http|https|dns|dgram|tls)['"]\s*\)/,
  /require\(\s*['"](node:)?(fs|net|http|https|dns|dgram|tls)['"]\s*\)/,
  /['"]undici['"]/,
  /\bfetch\s*\(/,
  /\bXMLHttpRequest\b|\bWebSocket\b/,
]

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : [],
  )
}

describe('src/certificates does no I/O', () => {
  it('imports no file or network module and calls no fetch', () => {
    const all = files(root)
    expect(all.length).toBeGreaterThan(10)
    const offenders = all.flatMap((file) => {
      const text = readFileSync(file, 'utf8')
      return FORBIDDEN.filter((re) => re.test(text)).map((re) => `${path.relative(root, file)} matches ${re}`)
    })
    expect(offenders).toEqual([])
  })

  it('the scan catches a forbidden import', () => {
    expect(FORBIDDEN.some((re) => re.test("import { readFileSync } from 'node:fs'"))).toBe(true)
    expect(FORBIDDEN.some((re) => re.test('await fetch(url)'))).toBe(true)
  })
})
