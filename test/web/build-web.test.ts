// The static build (npm run build:web -- --out DIR): every file the manifest and the service worker name is there,
// the icons are real PNGs of their declared sizes, the page has no inline script or handler the CSP would refuse, and
// code it never runs stays out of what it loads.
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { tempDir } from '../helpers/temp.js'

const ROOT = path.resolve(import.meta.dirname, '../..')

describe('npm run build:web', () => {
  it('builds a self-contained, installable page', () => {
    const out = path.join(tempDir(), 'web')
    const built = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'build-web.js'), '--out', out], { encoding: 'utf8' })
    expect(built.status, built.stderr).toBe(0)
    expect(built.stdout).toMatch(/web verifier built in .* \(\d+ files, version [0-9a-f]{16}\)/)

    const html = readFileSync(path.join(out, 'index.html'), 'utf8')
    // Scripts only by src, no inline handlers: what script-src 'self' allows.
    expect([...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0])).toEqual(['<script type="module" src="app.js">'])
    expect(html).not.toMatch(/\son[a-z]+=/i)
    expect(html).toContain("script-src 'self' 'wasm-unsafe-eval'")

    const manifest = JSON.parse(readFileSync(path.join(out, 'manifest.webmanifest'), 'utf8')) as { display: string; start_url: string; icons: { src: string; sizes: string; type: string }[] }
    expect(manifest).toMatchObject({ display: 'standalone', start_url: './' })
    for (const icon of manifest.icons) {
      expect(existsSync(path.join(out, icon.src)), icon.src).toBe(true)
      if (icon.type !== 'image/png') continue
      const png = readFileSync(path.join(out, icon.src))
      expect(png.subarray(1, 4).toString('latin1')).toBe('PNG')
      expect(`${png.readUInt32BE(16)}x${png.readUInt32BE(20)}`).toBe(icon.sizes)
    }

    // The worker caches the whole shell, the QR reader's WebAssembly included; and everything it names exists.
    const sw = readFileSync(path.join(out, 'sw.js'), 'utf8')
    const shell = JSON.parse(/\[("[^\]]*")\]/.exec(sw)?.[0] ?? '[]') as string[]
    expect(shell).toEqual(expect.arrayContaining(['index.html', 'app.js', 'styles.css', 'manifest.webmanifest', 'zxing_reader.wasm', 'icon-192.png']))
    for (const file of shell) expect(existsSync(path.join(out, file)), file).toBe(true)
    expect(readFileSync(path.join(out, 'zxing_reader.wasm')).subarray(0, 4)).toEqual(Buffer.from([0, 0x61, 0x73, 0x6d]))

    // Chunks the page imports up front are in the shell. The DCC schema compiler (ajv), which the page never asks
    // for, is a chunk of its own that only an import on demand would fetch: not in app.js, not in the shell.
    const app = readFileSync(path.join(out, 'app.js'), 'utf8')
    const upFront = [...app.matchAll(/from\s*"\.\/([\w.-]+\.js)"/g)].map((m) => m[1] as string)
    expect(shell).toEqual(expect.arrayContaining(upFront))
    const onDemand = [...app.matchAll(/import\("\.\/([\w.-]+\.js)"\)/g)].map((m) => m[1] as string)
    expect(onDemand).toEqual([expect.stringMatching(/^validate-dcc-schema-/)])
    for (const file of onDemand) {
      expect(shell).not.toContain(file)
      expect(readFileSync(path.join(out, file), 'utf8')).toContain('strictSchema')
    }
    expect(app).not.toContain('strictSchema')
  })
})
