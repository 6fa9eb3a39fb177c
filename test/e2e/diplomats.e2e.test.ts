// End to end in real headless Chromium: three diplomats register passkeys from invites (each in its own browser
// context with its own CDP virtual authenticator), one proposes recognizing CY, two approve with quorum 2, the
// operator publishes, the published list passes verifyTrustList including the passkey evidence, and a second
// node (DE) receives it by gossip and accepts it only after re-verifying that evidence.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadNodeConfig } from '../../src/config/node-config.js'
import type { SignedTrustList, TrustListDraft } from '../../src/model/schema.types.js'
import { startNode, type RunningNode } from '../../src/node.js'
import { acceptTrustList } from '../../src/store/accept-trust-list.js'
import { decodeTrustList } from '../../src/trust-list/decode-trust-list.js'
import { fingerprintGroups } from '../../src/trust-list/fingerprint.js'
import { verifyTrustList } from '../../src/trust-list/verify-trust-list.js'
import { cli } from '../helpers/cli.js'
import { TestCountry } from '../helpers/country.js'
import { vectorPath } from '../helpers/vectors.js'

const CHROMIUM = '/usr/bin/chromium'
const OUTPUT = path.resolve(import.meta.dirname, '../../test-output')
const hasChromium = existsSync(CHROMIUM)
if (!hasChromium) console.warn(`diplomats e2e skipped: ${CHROMIUM} is absent (CI installs the Debian chromium package)`)

interface Diplomat {
  readonly name: string
  readonly context: BrowserContext
  readonly page: Page
}

describe.skipIf(!hasChromium)('diplomats approve a recognition with passkeys in Chromium', () => {
  let root: string
  let node: RunningNode
  let peer: RunningNode | undefined
  let token: string
  let origin: string
  let browser: Browser
  let cy: TestCountry
  const diplomats: Diplomat[] = []

  async function operator(method: string, route: string, body?: unknown): Promise<unknown> {
    const response = await fetch(`${node.url}${route}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    const text = await response.text()
    expect(response.ok, `${method} ${route}: ${text}`).toBe(true)
    return JSON.parse(text) as unknown
  }

  /** A diplomat's own browser profile with its own platform passkey (CDP virtual authenticator, UV on). */
  async function browserFor(name: string): Promise<Diplomat> {
    const context = await browser.newContext({ viewport: { width: 1100, height: 900 } })
    const page = await context.newPage()
    // Fail within the test's time with Playwright's own message, not the runner's timeout.
    page.setDefaultTimeout(8_000)
    page.on('console', (m) => { if (process.env.E2E_DEBUG !== undefined) console.log(`[${name}] ${m.type()}: ${m.text()}`) })
    page.on('pageerror', (e) => console.log(`[${name}] page error: ${e.message}`))
    const cdp = await context.newCDPSession(page)
    await cdp.send('WebAuthn.enable', { enableUI: false })
    await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
    })
    return { name, context, page }
  }

  async function approve(diplomat: Diplomat): Promise<void> {
    const { page } = diplomat
    await page.goto(`${origin}/diplomats/proposals`)
    const verified = page.waitForResponse((r) => r.url().endsWith('/approval/verify'))
    await page.getByRole('button', { name: 'Approve CY with your passkey' }).click()
    expect((await verified).status()).toBe(200)
    // The page reloads: either still open (approved by me) or enacted (in the draft's recognitions).
    await page.getByText('You approved this proposal.').or(page.locator('ul.drafted')).first().waitFor()
  }

  /** Polls `condition` until it holds or the deadline passes (never a fixed sleep). */
  async function waitFor(what: string, condition: () => boolean, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (!condition()) {
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }

  beforeAll(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'entente-e2e-'))
    const dir = path.join(root, 'GR')
    const init = await cli(['init', '--country', 'GR', '--dir', dir, '--json', '--port', '0'])
    expect(init.code, init.stderr).toBe(0)
    token = (JSON.parse(init.stdout) as { operatorToken: string }).operatorToken
    // A real listening server on 127.0.0.1 (port 0). Passkeys need a domain rpId, so the pages are opened as
    // http://localhost:PORT, the origin the node derives for a loopback URL.
    node = await startNode(await loadNodeConfig(dir), { port: 0, valueSetsDir: vectorPath('valuesets') })
    origin = node.url.replace('127.0.0.1', 'localhost')
    cy = await TestCountry.create('CY', 'p256')
    // The foreign list this node holds (in production it arrives by gossip).
    const accepted = await acceptTrustList(node.store, (await cy.next({ now: new Date() })).signed, { now: new Date() })
    expect(accepted.status).toBe('accepted')
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    })
  })

  afterAll(async () => {
    for (const d of diplomats) await d.context.close().catch(() => undefined)
    await browser?.close()
    await peer?.stop()
    await node?.stop()
    if (root !== undefined) rmSync(root, { recursive: true, force: true })
  })

  it('register three, propose, two approve, publish, re-verify, gossip to a second node', async () => {
    // 1: three diplomats register passkeys from single-use invite links.
    for (const name of ['Alice Athanasiou', 'Bob Barakat', 'Carol Christou']) {
      const invite = (await operator('POST', '/v1/operator/diplomat-invites', { name })) as { url: string }
      expect(invite.url.startsWith(`${origin}/diplomats/register#invite=`)).toBe(true)
      const diplomat = await browserFor(name)
      diplomats.push(diplomat)
      await diplomat.page.goto(invite.url)
      await diplomat.page.getByRole('button', { name: 'Register a passkey' }).click()
      await diplomat.page.waitForURL(`${origin}/diplomats/proposals`)
      await diplomat.page.getByRole('heading', { level: 1, name: 'Recognition proposals' }).waitFor()
    }
    const [alice, bob, carol] = diplomats as [Diplomat, Diplomat, Diplomat]
    expect(((await operator('GET', '/v1/operator/draft')) as TrustListDraft).diplomats).toHaveLength(3)

    // 2: Carol signs out and back in with her passkey (the sign-in ceremony).
    await carol.page.getByRole('button', { name: /^Sign out/ }).click()
    await carol.page.waitForURL(`${origin}/diplomats/sign-in`)
    await carol.page.getByRole('button', { name: 'Sign in with your passkey' }).click()
    await carol.page.waitForURL(`${origin}/diplomats/proposals`)

    // 3: Alice proposes recognizing CY from the page; the fingerprint is shown for comparison by phone.
    await alice.page.getByLabel('Country').selectOption('CY')
    await alice.page.getByLabel('Test').check()
    await alice.page.getByLabel(/^Vaccines/).fill('EU/1/20/1528, EU/1/20/1507')
    await alice.page.getByRole('button', { name: 'Propose recognition' }).click()
    const card = alice.page.getByRole('article', { name: 'Recognize CY' })
    await expect.poll(() => card.textContent()).toContain(fingerprintGroups(cy.root.thumbprint))
    expect(await card.textContent()).toContain('0/2')

    // 4: Alice and Bob approve with their passkeys; the screenshot shows the proposal at 1/2.
    await approve(alice)
    await bob.page.goto(`${origin}/diplomats/proposals`)
    expect(await bob.page.getByRole('article', { name: 'Recognize CY' }).textContent()).toContain('1/2')
    mkdirSync(OUTPUT, { recursive: true })
    await bob.page.screenshot({ path: path.join(OUTPUT, 'diplomats-proposals.png'), fullPage: true })
    await approve(bob)

    const draft = (await operator('GET', '/v1/operator/draft')) as TrustListDraft
    expect(draft.recognitions).toEqual([
      expect.objectContaining({ country: 'CY', rootThumbprint: cy.root.thumbprint, scopes: ['vaccination', 'test'], vaccines: ['EU/1/20/1507', 'EU/1/20/1528'] }),
    ])
    expect(draft.recognitions[0]?.approvals).toHaveLength(2)

    // 5: a second node (DE) joins the federation, bootstrapped to GR's libp2p address.
    const peerDir = path.join(root, 'DE')
    const peerInit = await cli(['init', '--country', 'DE', '--dir', peerDir, '--json', '--port', '0'])
    expect(peerInit.code, peerInit.stderr).toBe(0)
    const peerConfig = await loadNodeConfig(peerDir)
    peer = await startNode({ ...peerConfig, p2p: { ...peerConfig.p2p, bootstrap: node.gossip.multiaddrs() } }, { port: 0 })
    const de = peer
    await waitFor('DE to connect to GR', () => de.gossip.peerCount() > 0)

    // 6: publishing stays the operator's act; the node gossips what it publishes.
    await operator('POST', '/v1/operator/publish', {})
    const signed = (await (await fetch(`${node.url}/v1/trust-lists/GR`)).json()) as SignedTrustList

    // 7: anyone re-verifies the list, passkey evidence included, offline.
    const verified = await verifyTrustList(signed, { now: new Date(), country: 'GR' })
    expect(verified.payload.recognitions).toHaveLength(1)
    expect(verified.payload.recognitions[0]?.approvals.map((a) => a.credentialId).sort()).toEqual(
      draft.diplomats.filter((d) => d.name !== 'Carol Christou').map((d) => d.credentialId).sort(),
    )
    expect(verified.payload.diplomats.map((d) => d.origin)).toEqual([origin, origin, origin])

    // 8: DE received GR's list by gossip; its store holds it only because acceptTrustList → verifyTrustList
    // re-verified every approval (signature, challenge, origin, rpId, UV, quorum) against GR's diplomats.
    await waitFor(`DE to hold GR seq ${verified.payload.seq}`, () => de.store.head('GR')?.seq === verified.payload.seq)
    const received = de.store.head('GR')
    expect(received?.hash).toBe(verified.hash)
    const held = decodeTrustList(received?.signed as SignedTrustList).payload
    expect(held.recognitions).toEqual(verified.payload.recognitions)
    await expect(verifyTrustList(received?.signed as SignedTrustList, { now: new Date(), country: 'GR' })).resolves.toMatchObject({ hash: verified.hash })
  })
})
