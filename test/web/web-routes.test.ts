// /verify/ on a node: the built page under a strict CSP, only the build's own files; CORS on the public reads a
// page on another origin syncs from, and never on operator routes.
import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { createApp } from '../../src/http/app.js'
import { WEB_VERIFIER_CSP } from '../../src/http/web-routes.js'
import { createTestNode } from '../helpers/node.js'
import { tempDir } from '../helpers/temp.js'

describe('the web verifier routes', () => {
  it('serves the page, its script and wasm with the CSP; redirects /verify; refuses other names', async () => {
    const node = await createTestNode('GR')
    const webDir = path.join(tempDir(), 'web')
    mkdirSync(webDir)
    writeFileSync(path.join(webDir, 'index.html'), '<!doctype html><title>t</title>')
    writeFileSync(path.join(webDir, 'app.js'), 'export {}')
    // A chunk as esbuild names it: upper-case hash.
    writeFileSync(path.join(webDir, 'chunk-5LAILSNL.js'), 'export {}')
    writeFileSync(path.join(webDir, 'zxing_reader.wasm'), Buffer.from([0, 97, 115, 109]))
    const app = createApp({ config: node.config, store: node.store, metrics: node.metrics, operator: node.operator, now: () => node.clock.now, webDir })
    const page = await app.request('/verify/')
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toMatch(/^text\/html/)
    const csp = page.headers.get('content-security-policy') ?? ''
    expect(csp).toBe(WEB_VERIFIER_CSP)
    expect(csp).toContain("script-src 'self' 'wasm-unsafe-eval'")
    expect(csp).not.toMatch(/unsafe-inline|'unsafe-eval'/)
    expect((await app.request('/verify/app.js')).headers.get('content-type')).toMatch(/^text\/javascript/)
    expect((await app.request('/verify/chunk-5LAILSNL.js')).status).toBe(200)
    expect((await app.request('/verify/zxing_reader.wasm')).headers.get('content-type')).toBe('application/wasm')
    const redirect = await app.request('/verify')
    expect(redirect.status).toBe(301)
    expect(redirect.headers.get('location')).toBe('/verify/')
    for (const bad of ['/verify/..%2Fnode.json', '/verify/.hidden.js', '/verify/missing.js', '/verify/app.exe']) expect((await app.request(bad)).status, bad).toBe(404)
    // Not built: a clear 404, not a crash.
    const unbuilt = createApp({ config: node.config, store: node.store, metrics: node.metrics, operator: node.operator, now: () => node.clock.now, webDir: path.join(webDir, 'none') })
    const missing = await unbuilt.request('/verify/')
    expect(missing.status).toBe(404)
    expect(((await missing.json()) as { detail: string }).detail).toContain('not built')
  })

  it('CORS on the bundle, trust lists and revocation routes; not on operator routes', async () => {
    const node = await createTestNode('GR')
    await node.request('/v1/operator/publish', { method: 'POST' })
    for (const route of ['/v1/bundle', '/v1/trust-lists/GR/1', '/v1/revocations/GR/index']) {
      const response = await node.request(route, { auth: false, headers: { origin: 'https://mirror.example' } })
      expect(response.headers.get('access-control-allow-origin'), route).toBe('*')
      expect(response.headers.get('access-control-expose-headers'), route).toContain('ETag')
    }
    expect((await node.request('/v1/operator/draft', { headers: { origin: 'https://mirror.example' } })).headers.get('access-control-allow-origin')).toBeNull()
  })
})
