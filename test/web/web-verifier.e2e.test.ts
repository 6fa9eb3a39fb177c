// The offline web verifier in real headless Chromium against a real node on 127.0.0.1 (IL, holding GR's and CN's
// lists as it would by gossip; GR recognizes IL, not CN; IL revoked one certificate through its operator API).
// A guard opens /verify/, types GR's root fingerprint, syncs; then the network is cut (browser offline AND the node
// stopped), the page is reloaded from the service worker, and certificates are verified by paste and by image
// file with zero network requests. A second browser with a fake camera (a .y4m of the QR code) scans one.
import { spawnSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import type { Browser, BrowserContext, Page, Request } from 'playwright-core'
import QRCode from 'qrcode'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadNodeConfig } from '../../src/config/node-config.js'
import { startNode, type RunningNode } from '../../src/node.js'
import { acceptTrustList } from '../../src/store/accept-trust-list.js'
import { decodeTrustList } from '../../src/trust-list/decode-trust-list.js'
import { fingerprintGroups } from '../../src/trust-list/fingerprint.js'
import { hasChromium, launchChromium, warnWithoutChromium } from '../helpers/chromium.js'
import { cli } from '../helpers/cli.js'
import { tempDir } from '../helpers/temp.js'
import { vectorPath } from '../helpers/vectors.js'
import { COMIRNATY, VerifierCountry } from '../verifier/fixtures.js'

const ROOT = path.resolve(import.meta.dirname, '../..')
const SCREENSHOTS = path.join(ROOT, 'test-output', 'screenshots')
warnWithoutChromium('web verifier e2e')

/** Every wait is for a condition; this only bounds how long a busy machine may take for one. */
const STEP_MS = 20_000
const REVOKED_UCI = 'URN:UVCI:01:IL:WEB-E2E-REVOKED'

describe.skipIf(!hasChromium)('the web verifier, offline in Chromium', () => {
  let node: RunningNode | undefined
  let work: string
  let grRoot: string
  const certificates = { valid: '', revoked: '', unrecognized: '' }
  const browsers: Browser[] = []
  /** The page runs under its strict CSP (no eval, no inline script): any violation the browser reports fails. */
  const cspViolations: string[] = []

  beforeAll(async () => {
    work = tempDir('entente-web-e2e-')
    // The page as `npm run build` makes it, served by the node from this folder.
    const webDir = path.join(work, 'web')
    const built = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'build-web.js'), '--out', webDir], { encoding: 'utf8' })
    expect(built.status, built.stderr).toBe(0)
    process.env.ENTENTE_WEB_DIR = webDir

    const init = await cli(['init', '--country', 'IL', '--dir', path.join(work, 'IL'), '--json', '--port', '0'])
    expect(init.code, init.stderr).toBe(0)
    const { operatorToken } = JSON.parse(init.stdout) as { operatorToken: string }
    // Revocations as a signed index with partitions (as large countries publish them): the page keeps the
    // partitions in IndexedDB by hash and hands them to the verifier.
    const config = await loadNodeConfig(path.join(work, 'IL'))
    node = await startNode({ ...config, limits: { ...config.limits, maxRevocationListEntries: 0 } }, { port: 0, valueSetsDir: vectorPath('valuesets') })
    const running = node
    const operator = async (method: string, route: string, body?: unknown) => {
      const response = await fetch(`${running.url}${route}`, { method, headers: { authorization: `Bearer ${operatorToken}`, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) })
      expect(response.ok, `${method} ${route}: ${await response.clone().text()}`).toBe(true)
      return response.json() as Promise<unknown>
    }
    // IL signs with a DSC of its own (P-256) and lists it; its certificates are really signed by that DSC.
    const il = await VerifierCountry.create('IL')
    await running.operator.addSigner({ format: 'dcc', certificate: il.dsc.signer.certificate })
    await running.operator.updateDraft((draft) => ({ ...draft, vaccines: [{ product: COMIRNATY, dosesForCompletion: 2, validityDays: 270 }] }))
    await running.operator.publish()
    const ilRoot = decodeTrustList(running.store.head('IL')!.signed).payload.root.thumbprint

    // GR (home) recognizes IL with its diplomat's approval; CN publishes, unrecognized. IL's operator pinned both
    // roots, so its node holds their lists (in production they arrive by gossip).
    const now = new Date()
    const gr = await VerifierCountry.create('GR')
    await gr.recognize({ country: 'IL', thumbprint: ilRoot }, ['vaccination', 'test', 'recovery'])
    const grFirst = gr.tc.head!.signed
    const grSecond = await gr.publish({ now })
    const cn = await VerifierCountry.create('CN')
    grRoot = gr.thumbprint
    await operator('PUT', '/v1/operator/pins/GR', { rootThumbprint: gr.thumbprint })
    await operator('PUT', '/v1/operator/pins/CN', { rootThumbprint: cn.thumbprint })
    for (const signed of [grFirst, grSecond, await cn.publish({ now })]) expect((await acceptTrustList(running.store, signed, { now })).status).toBe('accepted')

    // IL revokes one certificate through its operator API: queued, then published with the trust list naming it.
    await operator('POST', '/v1/operator/certificate-revocations', { dcc: [{ uci: REVOKED_UCI }] })
    expect(await operator('POST', '/v1/operator/certificate-revocations/publish', { validityDays: 3 })).toMatchObject({ format: 'index' })

    certificates.valid = il.issue({ at: now })
    certificates.revoked = il.issue({ at: now, uci: REVOKED_UCI })
    certificates.unrecognized = cn.issue({ at: now })
    mkdirSync(SCREENSHOTS, { recursive: true })
  }, 60_000)

  afterAll(async () => {
    expect(cspViolations).toEqual([])
    for (const browser of browsers) await browser.close().catch(() => undefined)
    await node?.stop().catch(() => undefined)
    delete process.env.ENTENTE_WEB_DIR
  })

  async function open(browser: Browser): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ viewport: { width: 360, height: 740 } })
    const page = await context.newPage()
    page.setDefaultTimeout(STEP_MS)
    page.on('pageerror', (e) => console.log(`page error: ${e.message}`))
    page.on('requestfailed', (r) => {
      if (process.env.E2E_DEBUG !== undefined) console.log(`[page] request failed: ${r.url()}`)
    })
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text())
      if (m.type() === 'error' || process.env.E2E_DEBUG !== undefined) console.log(`[page] ${m.type()}: ${m.text()}`)
    })
    return { context, page }
  }

  /** Setup as a guard does it: the page's own origin as the node, the fingerprint typed as read out by phone. */
  async function setUp(page: Page, url: string, shots?: string): Promise<void> {
    await page.goto(`${url}/verify/`)
    await page.getByRole('heading', { level: 2, name: 'Set up this device' }).waitFor()
    expect(await page.getByLabel('Node or mirror address').inputValue()).toBe(url)
    // A wrong fingerprint (one group changed) is refused loudly and nothing is stored.
    const groups = fingerprintGroups(grRoot).split(' ')
    const typo = [...groups.slice(0, 3), groups[3] === 'AAAA' ? 'BBBB' : 'AAAA', ...groups.slice(4)].join(' ')
    await page.getByLabel('Home root fingerprint').fill(typo)
    await page.getByRole('button', { name: 'Confirm and sync' }).click()
    await expect.poll(() => page.getByRole('alert').filter({ hasText: 'Not set up' }).textContent(), { timeout: STEP_MS }).toContain('root fingerprint you entered')
    if (shots !== undefined) await screenshots(page, `${shots}-wrong-root`)
    await page.getByLabel('Home root fingerprint').fill(fingerprintGroups(grRoot).toLowerCase())
    await expect.poll(() => page.locator('#root-groups').textContent()).toContain(fingerprintGroups(grRoot))
    await page.getByLabel('Home root fingerprint').press('Enter')
    await expect
      .poll(async () => `${await page.locator('#freshness').textContent()} | ${await page.locator('#sync-status').textContent()} | ${await page.locator('#setup-error').textContent()}`, { timeout: STEP_MS })
      .toMatch(/^Trust data updated just now, valid until .* \| Synced/)
    await page.getByRole('heading', { level: 2, name: 'Verify a certificate' }).waitFor()
    expect(await page.locator('#home-name').textContent()).toBe('Greece (GR)')
  }

  async function verdictOf(page: Page): Promise<string> {
    await page.locator('#verdict').waitFor({ state: 'visible' })
    return (await page.locator('#verdict-word').textContent()) ?? ''
  }

  async function paste(page: Page, text: string): Promise<string> {
    await page.getByLabel(/Certificate text/).fill(text)
    await page.getByRole('button', { name: 'Verify', exact: true }).click()
    return verdictOf(page)
  }

  async function screenshots(page: Page, name: string): Promise<void> {
    for (const [width, height] of [
      [360, 740],
      [1280, 800],
    ] as const) {
      await page.setViewportSize({ width, height })
      await page.screenshot({ path: path.join(SCREENSHOTS, `web-verifier-${name}-${width}x${height}.png`), fullPage: true })
    }
    await page.setViewportSize({ width: 360, height: 740 })
  }

  it('scans a QR code from a fake camera (a .y4m of the certificate)', async () => {
    const video = path.join(work, 'qr.y4m')
    writeFileSync(video, y4mOfQr(certificates.valid))
    const browser = await launchChromium(['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', `--use-file-for-fake-video-capture=${video}`])
    browsers.push(browser)
    const { context, page } = await open(browser)
    await context.grantPermissions(['camera'])
    await setUp(page, node!.url)
    await page.getByRole('button', { name: 'Scan with camera' }).click()
    expect(await verdictOf(page)).toBe('VALID')
    // The camera is off once a code is read.
    await page.getByRole('button', { name: 'Scan with camera' }).waitFor()
    await screenshots(page, 'camera-valid')
  }, 60_000)

  it('after one sync, verifies offline from the service worker: VALID, NOT RECOGNIZED, REVOKED, and from an image file, with no request', async () => {
    const browser = await launchChromium()
    browsers.push(browser)
    const { context, page } = await open(browser)
    const requests: string[] = []
    const record = (request: Request) => requests.push(`${request.serviceWorker() === null ? 'page' : 'worker'} ${request.method()} ${request.url()}`)
    page.on('request', record)
    context.on('request', record)
    await setUp(page, node!.url, 'setup')
    await screenshots(page, 'synced')
    // The shell is cached once the worker is active.
    await page.evaluate(async () => {
      await navigator.serviceWorker.ready
    })
    // The counter sees the service worker's own requests too: it fetched the shell when it installed.
    await expect.poll(() => requests.some((r) => r.startsWith('worker GET ') && r.endsWith('/verify/zxing_reader.wasm'))).toBe(true)

    // The revocation partitions are held in IndexedDB by hash, apart from the verified state.
    const partitions = await page.evaluate(
      () =>
        new Promise<number>((resolve, reject) => {
          const open = indexedDB.open('entente-verifier')
          open.onerror = () => reject(new Error('no database'))
          open.onsuccess = () => {
            const count = open.result.transaction('partitions').objectStore('partitions').count()
            count.onsuccess = () => resolve(count.result)
            count.onerror = () => reject(new Error('no partitions store'))
          }
        }),
    )
    expect(partitions).toBeGreaterThan(0)

    // Cut the network both ways: the browser is offline and the node is gone.
    await context.setOffline(true)
    await node!.stop()
    node = undefined
    const reloaded = await page.reload()
    expect(reloaded?.fromServiceWorker()).toBe(true)
    await page.locator('body[data-ready="true"]').waitFor()
    expect(await page.locator('#freshness').textContent()).toMatch(/^Trust data updated/)

    requests.length = 0

    expect(await paste(page, certificates.valid)).toBe('VALID')
    expect(await page.locator('#verdict-sentence').textContent()).toContain('Israel (IL)')
    // The holder only on a tap, and gone with the next code.
    expect(await page.locator('#holder').isVisible()).toBe(false)
    await page.getByRole('button', { name: 'Show holder' }).click()
    await expect.poll(() => page.locator('#holder-name').textContent()).toContain('Papadopoulou')
    expect(await page.locator('#holder-birth').textContent()).toBe('1980-01-01')
    await screenshots(page, 'valid-holder')

    expect(await paste(page, certificates.unrecognized)).toBe('NOT RECOGNIZED')
    expect(await page.locator('#holder-name').textContent()).toBe('')
    expect(await page.locator('#verdict-sentence').textContent()).toContain('China (CN)')
    await screenshots(page, 'not-recognized')

    // Keyboard: Enter in the text field verifies.
    await page.getByLabel(/Certificate text/).fill(certificates.revoked)
    await page.getByLabel(/Certificate text/).press('Enter')
    expect(await verdictOf(page)).toBe('REVOKED')
    await screenshots(page, 'revoked')

    expect(await paste(page, 'HC1:NOT-A-CERTIFICATE')).toBe('NOT VALID')
    await screenshots(page, 'not-valid')

    // The same certificate as a photo of its QR code, read by the same reader.
    const png = path.join(work, 'qr.png')
    await QRCode.toFile(png, certificates.revoked, { errorCorrectionLevel: 'M', margin: 4, scale: 4 })
    await page.getByLabel(/Certificate text/).fill('')
    await page.getByLabel(/photo or screenshot/).setInputFiles(png)
    await expect.poll(() => page.locator('#verdict-word').textContent()).toBe('REVOKED')
    const validPng = path.join(work, 'valid.png')
    await QRCode.toFile(validPng, certificates.valid, { errorCorrectionLevel: 'M', margin: 4, scale: 4 })
    await page.getByLabel(/photo or screenshot/).setInputFiles(validPng)
    await expect.poll(() => page.locator('#verdict-word').textContent()).toBe('VALID')

    expect(requests).toEqual([])
    // The counter is live: a fetch the page does make is seen (and answered by the service worker, offline).
    expect(await page.evaluate(async () => (await fetch('manifest.webmanifest')).status)).toBe(200)
    await expect.poll(() => requests.some((r) => r.startsWith('page GET ') && r.endsWith('/verify/manifest.webmanifest'))).toBe(true)

    // Forty days later, still offline and never synced since: the page warns, and a good certificate cannot pass.
    await page.clock.install({ time: new Date(Date.now() + 40 * 86_400_000) })
    await page.reload()
    await page.locator('body[data-ready="true"]').waitFor()
    expect(await page.locator('#freshness-warning').textContent()).toContain('Trust data has expired')
    // The page tries to sync by itself (its data is old); with no node it says so and keeps what it has.
    await expect.poll(() => page.locator('#sync-status').textContent()).toContain('Sync failed')
    expect(await paste(page, certificates.valid)).toBe('TRUST DATA TOO OLD')
    await screenshots(page, 'trust-data-too-old')
  }, 60_000)
})

/** A YUV4MPEG2 (C420) video of the QR code of `text`, black on white in a 640×480 frame, two identical frames. */
function y4mOfQr(text: string): Buffer {
  const width = 640
  const height = 480
  const qr = QRCode.create(text, { errorCorrectionLevel: 'M' })
  const size = qr.modules.size
  const scale = Math.floor((height - 32) / (size + 8))
  const offsetX = Math.floor((width - size * scale) / 2)
  const offsetY = Math.floor((height - size * scale) / 2)
  const luma = Buffer.alloc(width * height, 235)
  for (let y = 0; y < size * scale; y++) {
    for (let x = 0; x < size * scale; x++) {
      if (qr.modules.data[Math.floor(y / scale) * size + Math.floor(x / scale)] === 1) luma[(offsetY + y) * width + offsetX + x] = 16
    }
  }
  const chroma = Buffer.alloc((width / 2) * (height / 2) * 2, 128)
  const frame = Buffer.concat([Buffer.from('FRAME\n'), luma, chroma])
  return Buffer.concat([Buffer.from(`YUV4MPEG2 W${width} H${height} F10:1 Ip A1:1 C420jpeg\n`), frame, frame])
}
