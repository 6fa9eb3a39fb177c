// Serves the offline web verifier (built by scripts/build-web.js) at /verify/: a static page, its service worker
// and assets, under a strict CSP. Reads only files of the build folder whose names it expects; no personal data
// ever reaches the node from the page, which only reads the public bundle routes.
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import type { Context, Hono } from 'hono'
import { EntenteError } from '../model/errors.js'

/**
 * The page's policy: its own scripts and the zxing WebAssembly only; no inline script, no eval. connect-src stays
 * open because the user may sync from any node or mirror, on another origin (the synced documents are signed).
 */
export const WEB_VERIFIER_CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob: mediastream:",
  'connect-src *',
  "worker-src 'self'",
  "manifest-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ')

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.webmanifest': 'application/manifest+json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.map': 'application/json',
}
// Build outputs only: letters (esbuild chunk hashes are upper case), digits, dot, dash, underscore; no path.
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,80}$/

/** Where `npm run build` puts the page: dist/web at the package root (the same path from src/http and dist/http). */
export function defaultWebDir(): string {
  return process.env.ENTENTE_WEB_DIR ?? path.resolve(import.meta.dirname, '../../dist/web')
}

export function mountWebVerifier(app: Hono, dir: string): void {
  app.get('/verify', (c) => c.redirect('/verify/', 301))
  app.get('/verify/', (c) => serve(c, dir, 'index.html'))
  app.get('/verify/:name', (c) => serve(c, dir, c.req.param('name')))
}

async function serve(c: Context, dir: string, name: string): Promise<Response> {
  const type = TYPES[path.extname(name)]
  if (!NAME.test(name) || type === undefined) throw new EntenteError('ERR_HTTP_NOT_FOUND', `no file ${name} in the web verifier`)
  let body: Buffer
  try {
    body = await readFile(path.join(dir, name))
  } catch {
    throw new EntenteError('ERR_HTTP_NOT_FOUND', name === 'index.html' ? 'the web verifier is not built on this node (npm run build)' : `no file ${name} in the web verifier`)
  }
  return c.body(body as Uint8Array<ArrayBuffer>, 200, {
    'content-type': type,
    'content-length': String(body.length),
    // Revalidated each time: the service worker keeps the offline copy, and a new build must reach it.
    'cache-control': 'no-cache',
    'content-security-policy': WEB_VERIFIER_CSP,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'permissions-policy': 'camera=(self), microphone=(), geolocation=()',
    'cross-origin-opener-policy': 'same-origin',
  })
}

/** The routes above in the node's OpenAPI document (merged by src/http/openapi.ts). */
export function webVerifierOpenApiPaths(): Record<string, Record<string, unknown>> {
  const problem = { description: 'RFC 9457 problem (the page is not built on this node, or no such file)', content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } }
  const tags = ['web verifier']
  return {
    '/verify': { get: { summary: 'Redirects to /verify/', tags, responses: { '301': { description: 'To /verify/' } } } },
    '/verify/': { get: { summary: 'The offline web verifier (installable page; strict CSP)', tags, responses: { '200': { description: 'HTML page', content: { 'text/html': {} } }, '404': problem } } },
    '/verify/{name}': {
      get: {
        summary: 'A file of the web verifier: script, service worker, styles, manifest, icons, the QR reader WebAssembly',
        tags,
        parameters: [{ name: 'name', in: 'path', required: true, schema: { type: 'string', pattern: '^[a-z0-9][a-z0-9._-]{0,80}$' } }],
        responses: { '200': { description: 'Static file' }, '404': problem },
      },
    },
  }
}
