// End to end in real headless Chromium, each diplomat in their own browser context with their own CDP virtual
// authenticator: three diplomats register and are published; a fourth registers by invite and joins only when two
// of the three approve the governance change; after that publish the fourth decides: a recognition of CY, started
// from the root fingerprint typed into the form (a typo first, shown as a mismatch), is approved with the new set's
// quorum. A second node (DE), whose operator pinned GR's root, receives every list by gossip and re-verifies it.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadNodeConfig } from '../../src/config/node-config.js'
import type { SignedTrustList, TrustListDraft } from '../../src/model/schema.types.js'
import { startNode, type RunningNode } from '../../src/node.js'
import { acceptTrustList } from '../../src/store/accept-trust-list.js'
import { fingerprintGroups } from '../../src/trust-list/fingerprint.js'
import type { VerifiedTrustList } from '../../src/trust-list/trust-list.types.js'
import { verifyTrustListChain } from '../../src/trust-list/verify-trust-list.js'
import { hasChromium, launchChromium, warnWithoutChromium } from '../helpers/chromium.js'
import { cli } from '../helpers/cli.js'
import { TestCountry } from '../helpers/country.js'
import { vectorPath } from '../helpers/vectors.js'

const OUTPUT = path.resolve(import.meta.dirname, '../../test-output')
warnWithoutChromium('diplomats e2e')

/** Generous per-step waits: on a busy machine Chromium and gossip are slow, and every wait is for a condition. */
const STEP_MS = 30_000

interface Diplomat {
  readonly name: string
  readonly context: BrowserContext
  readonly page: Page
}

interface OperatorClient {
  (method: string, route: string, body?: unknown): Promise<unknown>
}

describe.skipIf(!hasChromium)('diplomats govern their own set and recognize with passkeys in Chromium', () => {
  let root: string
  let node: RunningNode
  let peer: RunningNode | undefined
  let grRoot: string
  let origin: string
  let browser: Browser
  let cy: TestCountry
  let operator: OperatorClient
  const diplomats: Diplomat[] = []

  function operatorOf(url: string, token: string): OperatorClient {
    return async (method, route, body) => {
      const response = await fetch(`${url}${route}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      })
      const text = await response.text()
      expect(response.ok, `${method} ${route}: ${text}`).toBe(true)
      return JSON.parse(text) as unknown
    }
  }

  async function init(country: string): Promise<{ dir: string; token: string; rootThumbprint: string }> {
    const dir = path.join(root, country)
    const result = await cli(['init', '--country', country, '--dir', dir, '--json', '--port', '0'])
    expect(result.code, result.stderr).toBe(0)
    const { operatorToken, rootThumbprint } = JSON.parse(result.stdout) as { operatorToken: string; rootThumbprint: string }
    return { dir, token: operatorToken, rootThumbprint }
  }

  /** A diplomat's own browser profile with its own platform passkey (CDP virtual authenticator, UV on). */
  async function browserFor(name: string): Promise<Diplomat> {
    const context = await browser.newContext({ viewport: { width: 1100, height: 900 } })
    const page = await context.newPage()
    // Fail within the test's time with Playwright's own message, not the runner's timeout.
    page.setDefaultTimeout(STEP_MS)
    page.on('console', (m) => {
      if (process.env.E2E_DEBUG !== undefined) console.log(`[${name}] ${m.type()}: ${m.text()}`)
    })
    page.on('pageerror', (e) => console.log(`[${name}] page error: ${e.message}`))
    const cdp = await context.newCDPSession(page)
    await cdp.send('WebAuthn.enable', { enableUI: false })
    await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
    })
    const diplomat = { name, context, page }
    diplomats.push(diplomat)
    return diplomat
  }

  /** Each page as a diplomat sees it on a phone (360×780) and on a desktop (1280×800), whole page, under test-output/. */
  async function screenshots(page: Page, name: string): Promise<void> {
    for (const [width, height, label] of [
      [360, 780, 'phone'],
      [1280, 800, 'desktop'],
    ] as const) {
      await page.setViewportSize({ width, height })
      await page.screenshot({ path: path.join(OUTPUT, `diplomats-${name}-${label}.png`), fullPage: true })
    }
    await page.setViewportSize({ width: 1100, height: 900 })
  }

  async function register(name: string): Promise<Diplomat> {
    const invite = (await operator('POST', '/v1/operator/diplomat-invites', { name })) as { url: string }
    expect(invite.url.startsWith(`${origin}/diplomats/register#invite=`)).toBe(true)
    const diplomat = await browserFor(name)
    await diplomat.page.goto(invite.url)
    if (diplomats.length === 1) await screenshots(diplomat.page, 'register')
    await diplomat.page.getByRole('button', { name: 'Register a passkey' }).click()
    await diplomat.page.waitForURL(`${origin}/diplomats/proposals`)
    await diplomat.page.getByRole('heading', { level: 1, name: 'Recognition proposals' }).waitFor()
    return diplomat
  }

  /** Approves proposal `id` from the diplomat's page with their passkey and waits for the reloaded page. */
  async function approve(diplomat: Diplomat, id: number, button: string): Promise<void> {
    const { page } = diplomat
    await page.goto(`${origin}/diplomats/proposals`)
    const verified = page.waitForResponse((r) => r.url().endsWith(`/api/proposals/${id}/approval/verify`))
    await page.getByRole('button', { name: button }).click()
    const response = await verified
    // On success the page reloads at once, taking the body with it; on failure the page says why in its status.
    if (response.status() !== 200) throw new Error(`${diplomat.name} approving ${id}: ${response.status()} ${await page.locator('#status').textContent()}`)
    // The page reloads: the button is gone, whether the proposal is still open (approved by me) or enacted.
    await page.locator(`button[data-approve="${id}"]`).waitFor({ state: 'detached' })
  }

  async function draft(): Promise<TrustListDraft> {
    return (await operator('GET', '/v1/operator/draft')) as TrustListDraft
  }

  async function openProposals(): Promise<{ id: number; action: string; country: string; governance?: { added: { name: string; fingerprint: string }[] } }[]> {
    const { proposals } = (await operator('GET', '/v1/operator/proposals')) as { proposals: { id: number; action: string; country: string; state: string }[] }
    return proposals.filter((p) => p.state === 'open')
  }

  /** Polls `condition` until it holds or the deadline passes (never a fixed sleep). */
  async function waitFor(what: string, condition: () => boolean, timeoutMs = STEP_MS): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (!condition()) {
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }

  /** GR's lists 1..seq as `holder` stores them, verified in order from GR's pinned root, as a verifier walks them. */
  async function verifiedChain(holder: RunningNode, seq: number): Promise<VerifiedTrustList> {
    const lists = Array.from({ length: seq }, (_, i) => holder.store.get('GR', i + 1)?.signed as SignedTrustList)
    const verified = await verifyTrustListChain(lists, { now: new Date(), country: 'GR', anchor: { thumbprint: grRoot } })
    return verified[seq - 1] as VerifiedTrustList
  }

  beforeAll(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'entente-e2e-'))
    const gr = await init('GR')
    grRoot = gr.rootThumbprint
    // A real listening server on 127.0.0.1 (port 0). Passkeys need a domain rpId, so the pages are opened as
    // http://localhost:PORT, the origin the node derives for a loopback URL.
    node = await startNode(await loadNodeConfig(gr.dir), { port: 0, valueSetsDir: vectorPath('valuesets') })
    origin = node.url.replace('127.0.0.1', 'localhost')
    operator = operatorOf(node.url, gr.token)
    cy = await TestCountry.create('CY', 'p256')
    // GR's operator pinned CY's root (received out of band), so the list CY publishes is held (in production it
    // arrives by gossip).
    await operator('PUT', '/v1/operator/pins/CY', { rootThumbprint: cy.root.thumbprint })
    const accepted = await acceptTrustList(node.store, (await cy.next({ now: new Date() })).signed, { now: new Date() })
    expect(accepted.status).toBe('accepted')
    browser = await launchChromium()
    mkdirSync(OUTPUT, { recursive: true })
  }, 60_000)

  afterAll(async () => {
    for (const d of diplomats) await d.context.close().catch(() => undefined)
    await browser?.close()
    await peer?.stop()
    await node?.stop()
    if (root !== undefined) rmSync(root, { recursive: true, force: true })
  })

  it('three in force, a fourth joins by quorum, then recognizes CY from a typed fingerprint with the new quorum; gossip to a second node', async () => {
    // 1: three diplomats register passkeys from single-use invite links; the first publish puts them in force.
    const alice = await register('Alice Athanasiou')
    const bob = await register('Bob Barakat')
    const carol = await register('Carol Christou')
    expect((await draft()).diplomats).toHaveLength(3)

    // 2: Carol signs out and back in with her passkey (the sign-in ceremony).
    await carol.page.getByRole('button', { name: /^Sign out/ }).click()
    await carol.page.waitForURL(`${origin}/diplomats/sign-in`)
    await screenshots(carol.page, 'sign-in')
    await carol.page.getByRole('button', { name: 'Sign in with your passkey' }).click()
    await carol.page.waitForURL(`${origin}/diplomats/proposals`)

    await operator('POST', '/v1/operator/publish', {})
    const first = await verifiedChain(node, 1)
    expect(first.payload.diplomats).toHaveLength(3)
    expect(first.payload.quorum).toBe(2)

    // 3: a second node (DE) joins; its operator pins GR's root, as received from GR out of band, and catch-up
    // pulls GR's list at once.
    const de = await init('DE')
    const deConfig = await loadNodeConfig(de.dir)
    peer = await startNode({ ...deConfig, p2p: { ...deConfig.p2p, bootstrap: node.gossip.multiaddrs() } }, { port: 0 })
    const dePeer = peer
    await waitFor('DE to connect to GR', () => dePeer.gossip.peerCount() > 0)
    await operatorOf(dePeer.url, de.token)('PUT', '/v1/operator/pins/GR', { rootThumbprint: grRoot })
    await waitFor('DE to hold GR seq 1', () => dePeer.store.head('GR')?.seq === 1)

    // 4: Dave registers by invite. He is not in force: the draft keeps the three, a governance proposal waits, and
    // his page tells him so, with his passkey fingerprint to read to the others.
    const dave = await register('Dave Dimitriou')
    expect((await draft()).diplomats).toHaveLength(3)
    const [govern] = await openProposals()
    expect(govern).toMatchObject({ action: 'govern', country: 'GR', governance: { added: [{ name: 'Dave Dimitriou' }] } })
    const governId = govern?.id ?? 0
    const daveFingerprint = govern?.governance?.added[0]?.fingerprint ?? ''
    const notice = dave.page.getByRole('region', { name: 'Your passkey is not in force yet' })
    await expect.poll(() => notice.textContent()).toContain(daveFingerprint)
    expect(await dave.page.locator('button[data-approve]').count()).toBe(0)
    // Trying anyway (the API behind the button) is refused.
    const refused = await dave.page.evaluate(async (id) => {
      const csrf = document.querySelector('meta[name="csrf-token"]')?.getAttribute('content') ?? ''
      const response = await fetch(`/diplomats/api/proposals/${id}/approval/options`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': csrf }, body: '{}' })
      return { status: response.status, code: ((await response.json()) as { code: string }).code }
    }, governId)
    expect(refused).toEqual({ status: 403, code: 'ERR_DIPLOMAT_NOT_IN_FORCE' })

    // 5: Alice sees the change of who decides, with Dave's passkey fingerprint and the quorum before and after.
    await alice.page.goto(`${origin}/diplomats/proposals`)
    const governCard = alice.page.getByRole('article', { name: 'Change the diplomats of Greece' })
    await expect.poll(() => governCard.textContent()).toContain(daveFingerprint)
    const governText = (await governCard.textContent()) ?? ''
    expect(governText).toContain('This changes who decides for Greece')
    expect(governText).toContain('2 of 3 now → 2 of 4 afterwards')
    expect(governText).toContain('0 of 2 approvals given')
    await governCard.screenshot({ path: path.join(OUTPUT, 'diplomats-governance-proposal.png') })
    await screenshots(alice.page, 'governance-proposal')

    // 6: two of the three approve with their passkeys; the new set and their approvals enter the draft.
    await approve(alice, governId, 'Approve the diplomat change for Greece with your passkey')
    await approve(bob, governId, 'Approve the diplomat change for Greece with your passkey')
    const governed = await draft()
    expect(governed.diplomats.map((d) => d.name).sort()).toEqual(['Alice Athanasiou', 'Bob Barakat', 'Carol Christou', 'Dave Dimitriou'])
    expect(governed.governanceApprovals).toHaveLength(2)
    await dave.page.reload()
    await dave.page.getByText('You are in the next trust list').waitFor()

    // 7: the operator publishes the governance handover; DE receives it by gossip; Dave is in force.
    await operator('POST', '/v1/operator/publish', {})
    const second = await verifiedChain(node, 2)
    expect(second.payload.changes).toEqual(['governance'])
    expect(second.payload.governance.approvals).toHaveLength(2)
    await waitFor('DE to hold GR seq 2', () => dePeer.store.head('GR')?.seq === 2)
    await dave.page.reload()
    await dave.page.getByRole('heading', { level: 2, name: 'Propose a recognition' }).waitFor()
    expect(await notice.count()).toBe(0)

    // 8: Dave proposes recognizing CY from the fingerprint CY read to him by phone. He mistypes one group first:
    // the form says it does not match the root the node holds, and the node refuses it loudly.
    const fingerprint = fingerprintGroups(cy.root.thumbprint)
    const groups = fingerprint.split(' ')
    const typo = [...groups.slice(0, 5), groups[5] === 'AAAA' ? 'BBBB' : 'AAAA', ...groups.slice(6)].join(' ')
    const form = dave.page.locator('form.propose')
    const held = dave.page.locator('#held-root')
    await dave.page.getByLabel('Country (ISO 3166-1 alpha-2 code)').fill('CY')
    await dave.page.getByLabel('Root fingerprint received from that country').fill(typo)
    await expect.poll(() => held.getAttribute('data-state')).toBe('mismatch')
    await dave.page.getByRole('button', { name: 'Propose recognition' }).click()
    const alert = dave.page.getByRole('alert')
    await expect.poll(() => alert.textContent()).toContain('Do not recognize Cyprus: the fingerprints differ')
    const alertText = (await alert.textContent()) ?? ''
    expect(alertText.replace(/\s+/g, ' ')).toContain(typo)
    expect(alertText.replace(/\s+/g, ' ')).toContain(fingerprint)
    expect(await alert.locator('mark').allTextContents()).toEqual([typo.split(' ')[5], groups[5]])
    await screenshots(dave.page, 'fingerprint-mismatch')
    expect(await openProposals()).toEqual([])

    // Typed again, correctly: the form shows the held root beside it and that they match.
    await dave.page.getByRole('link', { name: 'Back to the proposals' }).click()
    await dave.page.getByLabel('Country (ISO 3166-1 alpha-2 code)').fill('CY')
    await dave.page.getByLabel('Root fingerprint received from that country').fill(fingerprint.toLowerCase())
    await expect.poll(() => held.getAttribute('data-state')).toBe('match')
    expect(await held.textContent()).toContain(fingerprint)
    await dave.page.getByLabel('Test').check()
    // Vaccines are chosen by name; the form sends the EU product numbers.
    await dave.page.getByLabel('Comirnaty', { exact: true }).check()
    await dave.page.getByLabel('Spikevax', { exact: true }).check()
    await form.screenshot({ path: path.join(OUTPUT, 'diplomats-fingerprint-form.png') })
    await dave.page.getByRole('button', { name: 'Propose recognition' }).click()
    const card = dave.page.getByRole('article', { name: 'Recognize Cyprus' })
    await expect.poll(() => card.textContent()).toContain(fingerprint)
    expect(await card.textContent()).toContain('0 of 2 approvals given')
    // Product names from the EU value set, not only their numbers.
    expect(await card.textContent()).toContain('Comirnaty (EU/1/20/1528)')
    await screenshots(dave.page, 'proposals')
    const recognize = (await openProposals()).find((p) => p.action === 'recognize')
    const recognizeId = recognize?.id ?? 0

    // 9: the new quorum: Dave and Carol approve (Alice and Bob, who let Dave in, are not needed).
    await approve(dave, recognizeId, 'Approve Cyprus with your passkey')
    await approve(carol, recognizeId, 'Approve Cyprus with your passkey')
    const recognized = await draft()
    expect(recognized.recognitions).toEqual([
      expect.objectContaining({ country: 'CY', rootThumbprint: cy.root.thumbprint, scopes: ['vaccination', 'test'], vaccines: ['EU/1/20/1507', 'EU/1/20/1528'] }),
    ])
    const byName = (name: string) => recognized.diplomats.find((d) => d.name === name)?.credentialId
    expect(recognized.recognitions[0]?.approvals.map((a) => a.credentialId).sort()).toEqual([byName('Dave Dimitriou'), byName('Carol Christou')].sort())

    // 10: publish; anyone re-verifies the chain offline, passkey evidence and governance approvals included.
    await operator('POST', '/v1/operator/publish', {})
    const third = await verifiedChain(node, 3)
    expect(third.payload.recognitions).toHaveLength(1)
    expect(third.payload.diplomats).toHaveLength(4)
    expect(third.payload.diplomats.map((d) => d.origin)).toEqual([origin, origin, origin, origin])
    await alice.page.goto(`${origin}/diplomats/history`)
    await alice.page.getByRole('heading', { level: 2, name: 'All proposals' }).waitFor()
    // The browser has put every date into the reader's locale and zone (the server's fallback text says UTC).
    await expect.poll(() => alice.page.locator('time').first().textContent()).not.toContain('UTC')
    await screenshots(alice.page, 'history')

    // 11: DE received the list by gossip; its store holds it only because it re-verified every approval
    // (signature, challenge, origin, rpId, UV, quorum of the set in force since seq 2) against GR's diplomats.
    await waitFor('DE to hold GR seq 3', () => dePeer.store.head('GR')?.seq === 3)
    const received = dePeer.store.head('GR')
    expect(received?.hash).toBe(third.hash)
    // DE's copy of the whole chain verifies from GR's root, the governance handover included.
    expect((await verifiedChain(dePeer, 3)).hash).toBe(third.hash)
  }, 240_000)
})
