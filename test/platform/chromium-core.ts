// Opens the verification core in real headless Chromium: bundles test/platform/browser-entry.ts for browsers and
// serves it from 127.0.0.1 (a secure context, so WebCrypto is there), on a page with a strict CSP (no eval).
import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { build, stop } from 'esbuild'
import type { Browser, Page } from 'playwright-core'
import { launchChromium } from '../helpers/chromium.js'

const root = path.resolve(import.meta.dirname, '../..')

export interface CorePage {
  readonly page: Page
  /** Console errors and CSP violations seen on the page. */
  readonly problems: string[]
  close(): Promise<void>
}

export async function openCoreInChromium(): Promise<CorePage> {
  const bundled = await build({
    entryPoints: [path.join(root, 'test/platform/browser-entry.ts')],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: ['es2022'],
    logLevel: 'warning',
    define: { 'process.env.NODE_ENV': '"production"', global: 'globalThis' },
  })
  // The esbuild service is a child process: stopped here, so the test leaves nothing running.
  await stop()
  const script = bundled.outputFiles[0]?.contents
  if (script === undefined) throw new Error('esbuild produced no bundle')
  const html = '<!doctype html><meta charset="utf-8"><title>core</title><script type="module" src="/core.js"></script>'
  const server = createServer((request, response) => {
    // No 'unsafe-eval': the core must run under the CSP the web verifier uses.
    response.setHeader('content-security-policy', "default-src 'self'; script-src 'self'")
    if (request.url === '/core.js') response.writeHead(200, { 'content-type': 'text/javascript' }).end(script)
    else if (request.url === '/') response.writeHead(200, { 'content-type': 'text/html' }).end(html)
    else if (request.url === '/favicon.ico') response.writeHead(204).end()
    else response.writeHead(404).end()
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  let browser: Browser | undefined
  try {
    browser = await launchChromium()
    const page = await browser.newPage()
    const problems: string[] = []
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text())
    })
    page.on('pageerror', (error) => problems.push(error.message))
    await page.goto(`http://127.0.0.1:${port}/`)
    await page.waitForFunction(() => 'entente' in globalThis)
    const opened = browser
    return {
      page,
      problems,
      close: async () => {
        await opened.close()
        server.close()
      },
    }
  } catch (error) {
    await browser?.close()
    server.close()
    throw error
  }
}

