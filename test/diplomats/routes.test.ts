// The diplomat routes through app.request: invites, registration, sessions, CSRF, proposals, approvals, quorum.
// Passkeys are software authenticators producing real WebAuthn responses (test/helpers/webauthn.ts).
import { rmSync } from 'node:fs'
import path from 'node:path'
import { beforeEach, describe, expect, it } from 'vitest'
import type { TrustListDraft } from '../../src/model/schema.types.js'
import { acceptTrustList } from '../../src/store/accept-trust-list.js'
import { fingerprintGroups } from '../../src/trust-list/fingerprint.js'
import { approvalChallenge } from '../../src/trust-list/verify-recognitions.js'
import { verifyTrustList } from '../../src/trust-list/verify-trust-list.js'
import { T0, TestCountry } from '../helpers/country.js'
import { createTestNode, type TestNode } from '../helpers/node.js'
import { FLAGS, type SoftAuthenticator } from '../helpers/webauthn.js'
import { DiplomatClient } from './diplomat-client.js'

let node: TestNode
let origin: string
let cy: TestCountry

async function invite(name: string): Promise<string> {
  const response = await node.request('/v1/operator/diplomat-invites', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name }) })
  expect(response.status).toBe(201)
  const { url } = (await response.json()) as { url: string }
  return new URLSearchParams(new URL(url).hash.slice(1)).get('invite') as string
}

async function diplomat(name: string, authenticator?: SoftAuthenticator): Promise<DiplomatClient> {
  const client = new DiplomatClient(node.app, origin, authenticator)
  const response = await client.register(await invite(name))
  expect(response.status, await response.clone().text()).toBe(201)
  return client
}

async function pin(country: TestCountry): Promise<void> {
  const response = await node.request(`/v1/operator/pins/${country.country}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ rootThumbprint: country.root.thumbprint }) })
  expect(response.status, await response.clone().text()).toBe(200)
}

/** Publishes the draft: the diplomats registered so far are in force from then on, and proposals bind this head. */
async function publish(): Promise<void> {
  const response = await node.request('/v1/operator/publish', { method: 'POST' })
  expect(response.status, await response.clone().text()).toBe(201)
}

async function operatorPropose(body: unknown): Promise<Response> {
  return node.request('/v1/operator/proposals', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
}

async function proposeCy(): Promise<number> {
  const response = await operatorPropose({ country: 'CY', scopes: ['test', 'vaccination'], vaccines: ['EU/1/20/1528'] })
  expect(response.status, await response.clone().text()).toBe(201)
  return ((await response.json()) as { id: number }).id
}

async function problem(response: Response): Promise<{ status: number; code: string }> {
  const text = await response.text()
  const code = /"code":"([A-Z_]+)"/.exec(text)?.[1] ?? /ERR_[A-Z_]+/.exec(text)?.[0] ?? text
  return { status: response.status, code }
}

function draft(): TrustListDraft {
  return node.operator.draft()
}

beforeEach(async () => {
  node = await createTestNode('GR', { now: T0 })
  origin = node.diplomats.relyingParty().origin
  cy = await TestCountry.create('CY', 'p256')
  // GR's operator pinned CY's root, received out of band, as a real federation does before lists flow.
  await pin(cy)
  const outcome = await acceptTrustList(node.store, (await cy.next()).signed, { now: T0 })
  expect(outcome.status).toBe('accepted')
  // GR's first list, naming no diplomats yet: the first diplomats who register are set by the next publish.
  await publish()
})

describe('invites', () => {
  it('the operator creates a single-use link with the secret in the fragment; only its hash is stored', async () => {
    const response = await node.request('/v1/operator/diplomat-invites', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Alice Ambassador' }) })
    expect(response.status).toBe(201)
    const body = (await response.json()) as { url: string; expiresAt: string }
    expect(body.url).toMatch(new RegExp(`^${origin}/diplomats/register#invite=[A-Za-z0-9_-]{43}$`))
    expect(Date.parse(body.expiresAt) - T0.getTime()).toBe(72 * 3600 * 1000)
    const secret = body.url.split('#invite=')[1] as string
    const rows = node.store.database.prepare('SELECT * FROM diplomat_invites').all()
    expect(JSON.stringify(rows)).not.toContain(secret)
  })

  it('needs the operator token and a name', async () => {
    expect((await node.request('/v1/operator/diplomat-invites', { method: 'POST', auth: false, headers: { 'content-type': 'application/json' }, body: '{"name":"x"}' })).status).toBe(401)
    expect(await problem(await node.request('/v1/operator/diplomat-invites', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":""}' }))).toEqual({ status: 400, code: 'ERR_DIPLOMAT_MALFORMED' })
  })

  it('unknown invite', async () => {
    const client = new DiplomatClient(node.app, origin)
    expect(await problem(await client.post('/diplomats/api/registration/options', { invite: 'A'.repeat(43) }))).toEqual({ status: 404, code: 'ERR_DIPLOMAT_INVITE_UNKNOWN' })
    expect(await problem(await client.post('/diplomats/api/registration/options', { invite: '../../etc' }))).toEqual({ status: 404, code: 'ERR_DIPLOMAT_INVITE_UNKNOWN' })
  })

  it('expired invite', async () => {
    const secret = await invite('Late Larry')
    node.clock.now = new Date(T0.getTime() + 72 * 3600 * 1000)
    const client = new DiplomatClient(node.app, origin)
    expect(await problem(await client.post('/diplomats/api/registration/options', { invite: secret }))).toEqual({ status: 410, code: 'ERR_DIPLOMAT_INVITE_EXPIRED' })
  })

  it('reused invite: a second person cannot register with it, not even with a challenge fetched before the first finished', async () => {
    const secret = await invite('Alice')
    const second = new DiplomatClient(node.app, origin)
    const earlyOptions = await second.registrationOptions(secret)
    const first = new DiplomatClient(node.app, origin)
    expect((await first.register(secret)).status).toBe(201)
    expect(await problem(await second.post('/diplomats/api/registration/options', { invite: secret }))).toEqual({ status: 410, code: 'ERR_DIPLOMAT_INVITE_USED' })
    const late = second.authenticator.register({ challenge: earlyOptions.challenge, rp: earlyOptions.rp ?? {} }, origin)
    expect(await problem(await second.post('/diplomats/api/registration/verify', { invite: secret, response: late }))).toEqual({ status: 410, code: 'ERR_DIPLOMAT_INVITE_USED' })
    expect(draft().diplomats).toHaveLength(1)
  })
})

describe('registration', () => {
  it('puts the passkey into the draft and starts a session with a hardened cookie', async () => {
    const alice = new DiplomatClient(node.app, origin)
    const response = await alice.register(await invite('Alice'))
    expect(response.status).toBe(201)
    expect(alice.lastSetCookie).toMatch(/HttpOnly/)
    expect(alice.lastSetCookie).toMatch(/SameSite=Strict/)
    expect(alice.lastSetCookie).toMatch(/Path=\/diplomats/)
    expect(alice.lastSetCookie).toMatch(/Max-Age=3600/)
    expect(draft().diplomats).toEqual([
      expect.objectContaining({ credentialId: alice.authenticator.credentialId, name: 'Alice', rpId: 'localhost', origin, publicKey: alice.authenticator.publicKeyCose.toString('base64url') }),
    ])
    // The session id is stored only as a hash.
    const sessions = node.store.database.prepare('SELECT * FROM diplomat_sessions').all()
    expect(JSON.stringify(sessions)).not.toContain(alice.cookie)
    expect((await alice.request('/diplomats/proposals')).status).toBe(200)
  })

  it('offers only the algorithms the offline verifier supports, and requires user verification', async () => {
    const options = (await new DiplomatClient(node.app, origin).registrationOptions(await invite('Alice'))) as unknown as {
      pubKeyCredParams: { alg: number }[]
      authenticatorSelection: { userVerification: string; residentKey: string }
      attestation: string
    }
    expect(options.pubKeyCredParams.map((p) => p.alg).sort((a, b) => a - b)).toEqual([-257, -8, -7])
    expect(options.authenticatorSelection).toMatchObject({ userVerification: 'required', residentKey: 'preferred' })
    expect(options.attestation).toBe('none')
  })

  it('refuses a registration without user verification, or made on another origin', async () => {
    const secret = await invite('Alice')
    const client = new DiplomatClient(node.app, origin)
    let options = await client.registrationOptions(secret)
    let response = client.authenticator.register({ challenge: options.challenge, rp: options.rp ?? {} }, origin, { flags: FLAGS.UP | FLAGS.AT })
    expect(await problem(await client.post('/diplomats/api/registration/verify', { invite: secret, response }))).toEqual({ status: 400, code: 'ERR_DIPLOMAT_WEBAUTHN' })
    options = await client.registrationOptions(secret)
    response = client.authenticator.register({ challenge: options.challenge, rp: options.rp ?? {} }, 'https://evil.example')
    expect(await problem(await client.post('/diplomats/api/registration/verify', { invite: secret, response }))).toEqual({ status: 400, code: 'ERR_DIPLOMAT_WEBAUTHN' })
    expect(draft().diplomats).toEqual([])
  })

  it('refuses a body over the size cap', async () => {
    const client = new DiplomatClient(node.app, origin)
    expect(await problem(await client.post('/diplomats/api/registration/verify', { pad: 'x'.repeat(70_000) }))).toEqual({ status: 413, code: 'ERR_HTTP_BODY_TOO_LARGE' })
  })
})

describe('sessions', () => {
  it('sign-in with a discoverable passkey; pages need a session', async () => {
    const alice = await diplomat('Alice')
    alice.cookie = undefined
    const anonymous = await alice.request('/diplomats/proposals')
    expect(anonymous.status).toBe(303)
    expect(anonymous.headers.get('location')).toBe('/diplomats/sign-in')
    const signIn = await alice.signIn()
    expect(signIn.status).toBe(200)
    expect(await signIn.json()).toEqual({ name: 'Alice' })
    expect((await alice.request('/diplomats/proposals')).status).toBe(200)
  })

  it('a sign-in assertion cannot be replayed (challenge single-use)', async () => {
    const alice = await diplomat('Alice')
    const assertion = await alice.signInResponse()
    expect((await alice.post('/diplomats/api/sign-in/verify', { response: assertion })).status).toBe(200)
    expect(await problem(await alice.post('/diplomats/api/sign-in/verify', { response: assertion }))).toEqual({ status: 400, code: 'ERR_DIPLOMAT_CHALLENGE' })
  })

  it('an expired challenge is refused', async () => {
    const alice = await diplomat('Alice')
    const assertion = await alice.signInResponse()
    node.clock.now = new Date(T0.getTime() + 5 * 60 * 1000 + 1)
    expect(await problem(await alice.post('/diplomats/api/sign-in/verify', { response: assertion }))).toEqual({ status: 400, code: 'ERR_DIPLOMAT_CHALLENGE' })
  })

  it('a counter that does not increase is refused (cloned passkey)', async () => {
    const alice = await diplomat('Alice')
    alice.authenticator.counter = 5
    expect((await alice.signIn()).status).toBe(200)
    alice.authenticator.counter = 3
    expect(await problem(await alice.signIn())).toEqual({ status: 400, code: 'ERR_DIPLOMAT_WEBAUTHN' })
  })

  it('an unknown passkey cannot sign in', async () => {
    const stranger = new DiplomatClient(node.app, origin)
    expect(await problem(await stranger.signIn())).toEqual({ status: 401, code: 'ERR_DIPLOMAT_UNKNOWN_CREDENTIAL' })
  })

  it('sessions expire, and sign-out ends them', async () => {
    const alice = await diplomat('Alice')
    node.clock.now = new Date(T0.getTime() + 3600 * 1000)
    expect((await alice.request('/diplomats/proposals')).status).toBe(303)
    expect((await alice.signIn()).status).toBe(200)
    const cookie = alice.cookie
    const signOut = await alice.form('/diplomats/sign-out', [['_csrf', await alice.csrf()]])
    expect(signOut.status).toBe(303)
    alice.cookie = cookie
    expect((await alice.request('/diplomats/proposals')).status).toBe(303)
  })

  it('a forged cookie is no session', async () => {
    const client = new DiplomatClient(node.app, origin)
    client.cookie = 'A'.repeat(43)
    expect((await client.request('/diplomats/proposals')).status).toBe(303)
  })
})

describe('CSRF and page hardening', () => {
  it('a form post without the session token is refused', async () => {
    const alice = await diplomat('Alice')
    const response = await alice.form('/diplomats/proposals', [['country', 'CY'], ['scopes', 'vaccination']])
    expect(response.status).toBe(403)
    expect(await response.text()).toContain('form token')
    const wrong = await alice.form('/diplomats/proposals', [['_csrf', 'x'.repeat(43)], ['country', 'CY'], ['scopes', 'vaccination']])
    expect(wrong.status).toBe(403)
    expect(node.diplomats.proposals()).toEqual([])
  })

  it('a cross-origin post is refused even with the token', async () => {
    const alice = await diplomat('Alice')
    const csrf = await alice.csrf()
    const response = await alice.form('/diplomats/proposals', [['_csrf', csrf], ['country', 'CY'], ['scopes', 'vaccination']], { origin: 'https://evil.example' })
    expect(await problem(response)).toEqual({ status: 403, code: 'ERR_DIPLOMAT_CSRF' })
    const site = await alice.form('/diplomats/proposals', [['_csrf', csrf], ['country', 'CY'], ['scopes', 'vaccination']], { 'sec-fetch-site': 'cross-site' })
    expect(site.status).toBe(403)
    expect(node.diplomats.proposals()).toEqual([])
  })

  it('the JSON approval API needs the token header', async () => {
    const alice = await diplomat('Alice')
    await publish()
    const id = await proposeCy()
    expect(await problem(await alice.post(`/diplomats/api/proposals/${id}/approval/options`))).toEqual({ status: 403, code: 'ERR_DIPLOMAT_CSRF' })
    const anonymous = new DiplomatClient(node.app, origin)
    expect(await problem(await anonymous.post(`/diplomats/api/proposals/${id}/approval/options`))).toEqual({ status: 401, code: 'ERR_DIPLOMAT_SESSION' })
  })

  it('pages carry a strict CSP, no inline script, lang and landmarks', async () => {
    const alice = await diplomat('Alice')
    await publish()
    await proposeCy()
    for (const path of ['/diplomats/sign-in', '/diplomats/register', '/diplomats/proposals', '/diplomats/history']) {
      const response = await alice.request(path)
      expect(response.status).toBe(200)
      expect(response.headers.get('content-security-policy')).toContain("script-src 'self'")
      expect(response.headers.get('content-security-policy')).toContain("default-src 'none'")
      expect(response.headers.get('referrer-policy')).toBe('same-origin')
      const page = await response.text()
      expect(page).toContain('<html lang="en">')
      expect(page).toMatch(/<main id="main">[\s\S]*<h1>/)
      expect(page).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/)
      expect(page).not.toMatch(/\sstyle=|\son[a-z]+=/)
    }
  })

  it('serves the client module and the @simplewebauthn/browser ESM build, nothing else', async () => {
    const client = new DiplomatClient(node.app, origin)
    const app = await client.request('/diplomats/assets/app.js')
    expect(app.headers.get('content-type')).toMatch(/^text\/javascript/)
    expect(await app.text()).toContain("from './simplewebauthn/index.js'")
    const lib = await client.request('/diplomats/assets/simplewebauthn/index.js')
    expect(lib.status).toBe(200)
    expect(await lib.text()).toContain('startAuthentication')
    expect((await client.request('/diplomats/assets/simplewebauthn/../../../package.json')).status).toBe(404)
    expect((await client.request('/diplomats/assets/assets.ts')).status).toBe(404)
  })
})

describe('proposals', () => {
  it('only for a country whose list the node holds', async () => {
    expect(await problem(await operatorPropose({ country: 'IL', scopes: ['vaccination'] }))).toEqual({ status: 422, code: 'ERR_DIPLOMAT_COUNTRY_UNKNOWN' })
    expect(await problem(await operatorPropose({ country: 'GR', scopes: ['vaccination'] }))).toEqual({ status: 400, code: 'ERR_DIPLOMAT_MALFORMED' })
    expect(await problem(await operatorPropose({ country: 'CY', scopes: ['flying'] }))).toEqual({ status: 400, code: 'ERR_DIPLOMAT_MALFORMED' })
    expect(await problem(await operatorPropose({ action: 'withdraw', country: 'CY' }))).toEqual({ status: 422, code: 'ERR_DIPLOMAT_COUNTRY_UNKNOWN' })
  })

  it('starts from the fingerprint received out of band: typed as hex groups it works for a country the node does not hold, and a mismatch is refused loudly', async () => {
    const il = await TestCountry.create('IL')
    const typed = fingerprintGroups(il.root.thumbprint).toLowerCase()
    const response = await operatorPropose({ country: 'IL', scopes: ['vaccination'], fingerprint: typed })
    expect(response.status, await response.clone().text()).toBe(201)
    expect(((await response.json()) as { entry: { rootThumbprint: string } }).entry.rootThumbprint).toBe(il.root.thumbprint)
    // The network holds CY under another root than the one the diplomats were given: stop, and say both.
    const mismatch = await operatorPropose({ country: 'CY', scopes: ['vaccination'], fingerprint: fingerprintGroups(il.root.thumbprint) })
    const body = await mismatch.clone().text()
    expect(await problem(mismatch)).toEqual({ status: 422, code: 'ERR_DIPLOMAT_FINGERPRINT_MISMATCH' })
    expect(body).toContain(fingerprintGroups(cy.root.thumbprint))
    expect(body).toContain('NOT the root')
    expect(await problem(await operatorPropose({ country: 'CY', scopes: ['vaccination'], fingerprint: 'ABCD' }))).toEqual({ status: 400, code: 'ERR_DIPLOMAT_MALFORMED' })
  })

  it('takes the root from the held list and normalizes the entry; one open proposal per country', async () => {
    const response = await operatorPropose({ country: 'CY', scopes: ['test', 'vaccination'], vaccines: ['EU/1/20/1528', 'EU/1/20/1507', 'EU/1/20/1528'] })
    const proposal = (await response.json()) as { entry: unknown; fingerprint: string; quorum: number; state: string }
    expect(proposal.entry).toEqual({ country: 'CY', rootThumbprint: cy.root.thumbprint, scopes: ['vaccination', 'test'], vaccines: ['EU/1/20/1507', 'EU/1/20/1528'] })
    expect(proposal.fingerprint).toBe(fingerprintGroups(cy.root.thumbprint))
    expect(proposal).toMatchObject({ quorum: 2, state: 'open' })
    expect(await problem(await operatorPropose({ country: 'CY', scopes: ['vaccination'] }))).toEqual({ status: 409, code: 'ERR_DIPLOMAT_PROPOSAL_EXISTS' })
  })

  it('a diplomat proposes from the page; the page shows the fingerprint in hex groups, scopes, vaccines and n/M', async () => {
    const alice = await diplomat('Alice')
    await diplomat('Bob')
    await publish()
    const response = await alice.form('/diplomats/proposals', [
      ['_csrf', await alice.csrf()],
      ['action', 'recognize'],
      ['country', 'CY'],
      ['scopes', 'vaccination'],
      ['scopes', 'recovery'],
      // Two ticked boxes: the field repeats.
      ['vaccines', 'EU/1/20/1528'],
      ['vaccines', 'EU/1/21/1529'],
    ])
    expect(response.status).toBe(303)
    const page = await (await alice.request('/diplomats/proposals')).text()
    expect(page).toContain(fingerprintGroups(cy.root.thumbprint))
    expect(fingerprintGroups(cy.root.thumbprint)).toMatch(/^([0-9A-F]{4} ){15}[0-9A-F]{4}$/)
    expect(page).toContain('Vaccination, Recovery')
    expect(page).toContain('Comirnaty (EU/1/20/1528), Vaxzevria (EU/1/21/1529)')
    expect(page).toContain('0 of 2 approvals given')
    // The form offers vaccines by name, each box carrying its EU product number.
    expect(page).toMatch(/<input type="checkbox" id="vaccine-\d+" name="vaccines" value="EU\/1\/20\/1528"> <label for="vaccine-\d+">Comirnaty<\/label>/)
    expect(page).toContain('by Alice')
    expect(page).toMatch(/<button type="button" data-approve="1">Approve Cyprus with your passkey<\/button>/)
    expect(page).toContain('<h3 id="proposal-1">Recognize Cyprus</h3>')
    expect(page).toMatch(/<time datetime="\d{4}-\d\d-\d\dT[^"]+">\d{1,2} \w+ \d{4}[^<]* \d\d:\d\d UTC<\/time>/)
  })

  it('a form error is answered as an HTML page', async () => {
    const alice = await diplomat('Alice')
    await publish()
    const response = await alice.form('/diplomats/proposals', [['_csrf', await alice.csrf()], ['country', 'IL'], ['scopes', 'vaccination']])
    expect(response.status).toBe(422)
    expect(response.headers.get('content-type')).toMatch(/^text\/html/)
    expect(await response.text()).toContain('holds no trust list of IL')
  })
})

describe('approvals', () => {
  it('quorum reached: the entry and its evidence enter the draft; the published list re-verifies', async () => {
    const alice = await diplomat('Alice')
    const bob = await diplomat('Bob')
    await diplomat('Carol')
    await publish()
    const id = await proposeCy()

    const first = await alice.approve(id)
    expect(first.status, await first.clone().text()).toBe(200)
    expect(await first.json()).toMatchObject({ enacted: false, proposal: { state: 'open', approvals: [{ name: 'Alice' }] } })
    expect(draft().recognitions).toEqual([])
    expect(await (await bob.request('/diplomats/proposals')).text()).toContain('1 of 2 approvals given')

    const second = await bob.approve(id)
    expect(await second.json()).toMatchObject({ enacted: true, proposal: { state: 'enacted' } })
    const [recognition] = draft().recognitions
    expect(recognition).toMatchObject({ country: 'CY', rootThumbprint: cy.root.thumbprint, scopes: ['vaccination', 'test'], vaccines: ['EU/1/20/1528'] })
    expect(recognition?.approvals.map((a) => a.credentialId).sort()).toEqual([alice.authenticator.credentialId, bob.authenticator.credentialId].sort())

    // Publishing is the operator's act; the node re-verifies the evidence like every peer will.
    const published = await node.request('/v1/operator/publish', { method: 'POST' })
    expect(published.status, await published.clone().text()).toBe(201)
    const head = node.store.head('GR')
    const verified = await verifyTrustList(head?.signed as NonNullable<typeof head>['signed'], { now: T0, country: 'GR' })
    expect(verified.payload.recognitions).toHaveLength(1)
    expect(verified.payload.diplomats).toHaveLength(3)
    const history = await (await alice.request('/diplomats/history')).text()
    expect(history).toMatch(/<td>Approved<\/td>/)
    expect(history).toContain('Cyprus (CY)')
    expect(history).toMatch(/Latest published trust list: list \d+, issued <time datetime=/)
    // Plain words: what a diplomat reads carries none of the node's internal terms.
    const visible = history.replace(/<[^>]*>/g, ' ')
    expect(visible).not.toMatch(/\b(draft|seq|quorum|enacted|superseded)\b/i)
  })

  it('the WebAuthn challenge is approvalChallenge(action, country, entry, head, nonce)', async () => {
    const alice = await diplomat('Alice')
    await publish()
    const id = await proposeCy()
    const response = await alice.approvalOptions(id)
    const { options, entry, action } = (await response.json()) as { options: { challenge: string; allowCredentials: { id: string }[]; userVerification: string }; entry: never; action: 'recognize' }
    expect(options.userVerification).toBe('required')
    expect(options.allowCredentials.map((c) => c.id)).toEqual([alice.authenticator.credentialId])
    const row = node.store.database.prepare('SELECT nonce FROM webauthn_challenges WHERE challenge = ?').get(options.challenge) as { nonce: string }
    const head = node.store.head('GR')
    expect(options.challenge).toBe(approvalChallenge({ action, country: 'GR', entry, head: { seq: head?.seq ?? 0, hash: head?.hash ?? '' }, nonce: row.nonce }))
  })

  it('wrong challenge: an assertion over anything but the issued challenge is refused', async () => {
    const alice = await diplomat('Alice')
    await publish()
    const id = await proposeCy()
    await alice.approvalOptions(id)
    const head = { seq: 2, hash: node.store.head('GR')?.hash ?? '' }
    const forged = alice.authenticator.authenticate({ challenge: approvalChallenge({ action: 'recognize', country: 'GR', entry: { country: 'CY', rootThumbprint: cy.root.thumbprint, scopes: ['recovery'] }, head, nonce: 'AAAAAAAAAAAAAAAAAAAAAA' }) }, origin)
    expect(await problem(await alice.approve(id, forged))).toEqual({ status: 400, code: 'ERR_DIPLOMAT_CHALLENGE' })
    // A sign-in challenge is not an approval challenge either.
    const signIn = await alice.signInResponse()
    expect(await problem(await alice.approve(id, signIn))).toEqual({ status: 400, code: 'ERR_DIPLOMAT_CHALLENGE' })
  })

  it('a challenge issued for one proposal does not approve another', async () => {
    const il = await TestCountry.create('IL')
    await pin(il)
    await acceptTrustList(node.store, (await il.next()).signed, { now: T0 })
    const alice = await diplomat('Alice')
    await publish()
    const cyId = await proposeCy()
    const ilId = ((await (await operatorPropose({ country: 'IL', scopes: ['vaccination'] })).json()) as { id: number }).id
    const assertion = await alice.approvalResponse(cyId)
    expect(await problem(await alice.approve(ilId, assertion))).toEqual({ status: 400, code: 'ERR_DIPLOMAT_CHALLENGE' })
  })

  it('replayed approval: the same assertion twice is refused', async () => {
    const alice = await diplomat('Alice')
    await diplomat('Bob')
    await publish()
    const id = await proposeCy()
    const assertion = await alice.approvalResponse(id)
    expect((await alice.approve(id, assertion)).status).toBe(200)
    expect(await problem(await alice.approve(id, assertion))).toEqual({ status: 400, code: 'ERR_DIPLOMAT_CHALLENGE' })
    expect(await problem(await alice.approvalOptions(id))).toEqual({ status: 409, code: 'ERR_DIPLOMAT_ALREADY_APPROVED' })
    expect(node.diplomats.proposal(id).approvals).toHaveLength(1)
  })

  it("another diplomat's credential cannot approve in my session", async () => {
    const alice = await diplomat('Alice')
    const bob = await diplomat('Bob')
    await publish()
    const id = await proposeCy()
    // Bob's passkey answers Alice's challenge inside Alice's session.
    const response = await alice.approvalOptions(id)
    const { options } = (await response.json()) as { options: { challenge: string } }
    const bobs = bob.authenticator.authenticate(options, origin)
    expect(await problem(await alice.approve(id, bobs))).toEqual({ status: 401, code: 'ERR_DIPLOMAT_UNKNOWN_CREDENTIAL' })
    // A foreign key claiming Alice's credential id fails the signature check.
    const again = await alice.approvalOptions(id)
    const forged = { ...bob.authenticator.authenticate(((await again.json()) as { options: { challenge: string } }).options, origin), id: alice.authenticator.credentialId, rawId: alice.authenticator.credentialId }
    expect(await problem(await alice.approve(id, forged))).toEqual({ status: 400, code: 'ERR_DIPLOMAT_WEBAUTHN' })
    expect(node.diplomats.proposal(id).approvals).toEqual([])
  })

  it('an approval without user verification is refused', async () => {
    const alice = await diplomat('Alice')
    await publish()
    const id = await proposeCy()
    const { options } = (await (await alice.approvalOptions(id)).json()) as { options: { challenge: string } }
    const response = alice.authenticator.authenticate(options, origin, { flags: FLAGS.UP })
    expect(await problem(await alice.approve(id, response))).toEqual({ status: 400, code: 'ERR_DIPLOMAT_WEBAUTHN' })
  })

  it('withdrawal works the same way and keeps its evidence', async () => {
    const alice = await diplomat('Alice')
    const bob = await diplomat('Bob')
    await publish()
    const id = await proposeCy()
    await alice.approve(id)
    await bob.approve(id)
    await publish()
    const withdraw = await operatorPropose({ action: 'withdraw', country: 'CY' })
    const withdrawId = ((await withdraw.json()) as { id: number }).id
    expect((await alice.approve(withdrawId)).status).toBe(200)
    expect(await (await bob.approve(withdrawId)).json()).toMatchObject({ enacted: true })
    expect(draft().recognitions).toEqual([])
    expect(draft().withdrawals).toEqual([expect.objectContaining({ country: 'CY', approvals: expect.arrayContaining([expect.objectContaining({ credentialId: alice.authenticator.credentialId })]) as unknown })])
    expect((await node.request('/v1/operator/publish', { method: 'POST' })).status).toBe(201)
    const head = node.store.head('GR')
    const verified = await verifyTrustList(head?.signed as NonNullable<typeof head>['signed'], { now: T0 })
    expect(verified.payload.withdrawals).toHaveLength(1)
  })

  it('removing a diplomat in force is a governance change: the passkey stops at once, the set changes with a quorum of the others', async () => {
    const alice = await diplomat('Alice')
    const bob = await diplomat('Bob')
    const carol = await diplomat('Carol')
    await publish()
    const removed = await node.request(`/v1/operator/diplomats/${bob.authenticator.credentialId}`, { method: 'DELETE' })
    expect(removed.status, await removed.clone().text()).toBe(200)
    const { proposal } = (await removed.json()) as { proposal: { id: number; action: string; governance: { removed: { name: string }[]; quorum: { to: number } } } }
    expect(proposal).toMatchObject({ action: 'govern', governance: { removed: [{ name: 'Bob' }], quorum: { to: 2 } } })
    // Bob's session ends with him, and he cannot sign in again on this node.
    expect((await bob.request('/diplomats/proposals')).status).toBe(303)
    expect(await problem(await bob.signIn())).toEqual({ status: 401, code: 'ERR_DIPLOMAT_UNKNOWN_CREDENTIAL' })
    // Until the others approve, Bob stays in the published set.
    expect(draft().diplomats.map((d) => d.name).sort()).toEqual(['Alice', 'Bob', 'Carol'])
    expect((await alice.approve(proposal.id)).status).toBe(200)
    expect(await (await carol.approve(proposal.id)).json()).toMatchObject({ enacted: true })
    expect(draft().diplomats.map((d) => d.name).sort()).toEqual(['Alice', 'Carol'])
    await publish()
    const head = node.store.head('GR')
    expect(head?.seq).toBe(3)
    expect(await problem(await node.request('/v1/operator/diplomats/bm9ib2R5', { method: 'DELETE' }))).toEqual({ status: 404, code: 'ERR_DIPLOMAT_NOT_FOUND' })
  })
})

describe('governance', () => {
  it('a fourth diplomat joins only with a quorum of the three in force, then counts toward the new quorum', async () => {
    const alice = await diplomat('Alice')
    const bob = await diplomat('Bob')
    await diplomat('Carol')
    await publish()
    const dave = await diplomat('Dave')
    // Dave is registered, but not in force: the draft is unchanged and a governance proposal waits.
    expect(draft().diplomats.map((d) => d.name).sort()).toEqual(['Alice', 'Bob', 'Carol'])
    const [pending] = node.diplomats.proposals({ state: 'open' })
    expect(pending).toMatchObject({ action: 'govern', governance: { added: [{ name: 'Dave' }] } })
    expect(pending?.governance?.added[0]?.fingerprint).toMatch(/^([0-9A-F]{4} ){7}[0-9A-F]{4}$/)
    const page = await (await alice.request('/diplomats/proposals')).text()
    expect(page).toContain('Change the diplomats of Greece')
    expect(page).toContain(pending?.governance?.added[0]?.fingerprint)
    // Dave cannot approve his own admission.
    expect(await problem(await dave.approvalOptions(pending?.id ?? 0))).toEqual({ status: 403, code: 'ERR_DIPLOMAT_NOT_IN_FORCE' })
    await alice.approve(pending?.id ?? 0)
    expect(await (await bob.approve(pending?.id ?? 0)).json()).toMatchObject({ enacted: true })
    expect(draft().diplomats).toHaveLength(4)
    expect(draft().governanceApprovals).toHaveLength(2)
    await publish()
    const lists = [1, 2, 3].map((seq) => node.store.get('GR', seq)?.signed)
    const [, second, third] = lists
    const head = await verifyTrustList(second as NonNullable<typeof second>, { now: T0 })
    const verified = await verifyTrustList(third as NonNullable<typeof third>, { now: T0, head })
    expect(verified.payload.changes).toEqual(['governance'])
    expect(verified.payload.governance.approvals).toHaveLength(2)

    // Dave now decides: a recognition with Dave and Alice is enough under quorum 2.
    const id = await proposeCy()
    await dave.approve(id)
    expect(await (await alice.approve(id)).json()).toMatchObject({ enacted: true })
    await publish()
  })

  it('the operator proposes a new quorum; proposals made before the change can no longer be approved', async () => {
    const alice = await diplomat('Alice')
    const bob = await diplomat('Bob')
    const carol = await diplomat('Carol')
    await publish()
    const stale = await proposeCy()
    const response = await operatorPropose({ action: 'govern', quorum: 3 })
    expect(response.status, await response.clone().text()).toBe(201)
    const { id } = (await response.json()) as { id: number }
    await alice.approve(id)
    await bob.approve(id)
    expect(draft().quorum).toBe(3)
    await publish()
    expect(await problem(await carol.approvalOptions(stale))).toEqual({ status: 409, code: 'ERR_DIPLOMAT_PROPOSAL_CLOSED' })
    expect(await problem(await operatorPropose({ action: 'govern', quorum: 1 }))).toEqual({ status: 400, code: 'ERR_DIPLOMAT_MALFORMED' })
  })
})

describe('pages: out-of-band fingerprints and governance', () => {
  it('the proposal form takes the fingerprint received out of band and shows the held root beside it for comparison', async () => {
    const alice = await diplomat('Alice')
    await diplomat('Bob')
    await publish()
    const page = await (await alice.request('/diplomats/proposals')).text()
    expect(page).toMatch(/<label for="fingerprint">Root fingerprint received from that country<\/label>/)
    expect(page).toMatch(/<input type="text" id="fingerprint" name="fingerprint"[^>]*aria-describedby="fingerprint-hint held-root"/)
    // GR holds CY: the fingerprint is optional, and CY's held root sits next to it for comparison.
    expect(page).not.toMatch(/<input type="text" id="fingerprint"[^>]* required/)
    expect(page).toContain(`<tr data-held-country="CY" data-held-fingerprint="${fingerprintGroups(cy.root.thumbprint)}">`)
    expect(page).toContain('<output id="held-root" for="country fingerprint"')

    // A country the node holds no list of: the typed fingerprint is the root the proposal names.
    const il = await TestCountry.create('IL')
    const response = await alice.form('/diplomats/proposals', [
      ['_csrf', await alice.csrf()],
      ['action', 'recognize'],
      ['country', 'il'],
      ['fingerprint', fingerprintGroups(il.root.thumbprint).toLowerCase()],
      ['scopes', 'vaccination'],
    ])
    expect(response.status, await response.clone().text()).toBe(303)
    const [proposal] = node.diplomats.proposals({ state: 'open' })
    expect(proposal).toMatchObject({ action: 'recognize', country: 'IL', entry: { rootThumbprint: il.root.thumbprint } })
    expect(await (await alice.request('/diplomats/proposals')).text()).toContain(fingerprintGroups(il.root.thumbprint))

    // Without it, a country the node does not hold cannot be proposed.
    const missing = await alice.form('/diplomats/proposals', [['_csrf', await alice.csrf()], ['country', 'NZ'], ['scopes', 'vaccination']])
    expect(missing.status).toBe(422)
    expect(await missing.text()).toContain('enter the root fingerprint NZ gave you')
  })

  it('the fingerprint is required when the node holds no foreign list at all', async () => {
    const fresh = await createTestNode('GR', { now: T0 })
    try {
      expect((await fresh.request('/v1/operator/publish', { method: 'POST' })).status).toBe(201)
      const secret = await (async () => {
        const response = await fresh.request('/v1/operator/diplomat-invites', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Alice' }) })
        return new URLSearchParams(new URL(((await response.json()) as { url: string }).url).hash.slice(1)).get('invite') as string
      })()
      const alice = new DiplomatClient(fresh.app, fresh.diplomats.relyingParty().origin)
      expect((await alice.register(secret)).status).toBe(201)
      const page = await (await alice.request('/diplomats/proposals')).text()
      expect(page).toMatch(/<input type="text" id="fingerprint" name="fingerprint" class="fingerprint" required/)
      expect(page).toContain('Required: this node holds no foreign trust list.')
      expect(page).not.toContain('data-held-country')
    } finally {
      fresh.store.close()
      rmSync(path.dirname(fresh.dir), { recursive: true, force: true })
    }
  })

  it('a fingerprint that is not the held root is shown loudly: an alert with both fingerprints, differing groups marked, no proposal', async () => {
    const alice = await diplomat('Alice')
    await publish()
    const other = await TestCountry.create('IL')
    const response = await alice.form('/diplomats/proposals', [
      ['_csrf', await alice.csrf()],
      ['action', 'recognize'],
      ['country', 'CY'],
      ['fingerprint', fingerprintGroups(other.root.thumbprint)],
      ['scopes', 'vaccination'],
    ])
    expect(response.status).toBe(422)
    expect(response.headers.get('content-type')).toMatch(/^text\/html/)
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'")
    const page = await response.text()
    expect(page).toContain('<title>Fingerprint mismatch · GR diplomats · Entente</title>')
    const alert = /<section class="alarm" role="alert"[\s\S]*?<\/section>/.exec(page)?.[0] ?? ''
    expect(alert).toContain('Do not recognize Cyprus: the fingerprints differ')
    expect(alert).toContain('<strong>NOT</strong>')
    const plain = (kind: string) =>
      new RegExp(`<code class="fingerprint" data-fingerprint="${kind}">([\\s\\S]*?)</code>`).exec(alert)?.[1]?.replace(/<\/?mark>/g, '').trim()
    expect(plain('entered')).toBe(fingerprintGroups(other.root.thumbprint))
    expect(plain('held')).toBe(fingerprintGroups(cy.root.thumbprint))
    expect(alert).toMatch(/<mark>[0-9A-F]{4}<\/mark>/)
    expect(page).not.toMatch(/\sstyle=|\son[a-z]+=/)
    expect(node.diplomats.proposals()).toEqual([])
  })

  it('a pending governance change shows who joins and leaves with passkey fingerprints and the quorum before and after; the newcomer is told to wait', async () => {
    const alice = await diplomat('Alice')
    const bob = await diplomat('Bob')
    const carol = await diplomat('Carol')
    await publish()
    const dave = await diplomat('Dave')
    const [pending] = node.diplomats.proposals({ state: 'open' })
    const daveFingerprint = pending?.governance?.added[0]?.fingerprint ?? ''
    expect(daveFingerprint).not.toBe('')

    const page = await (await alice.request('/diplomats/proposals')).text()
    const card = /<article class="proposal governance"[\s\S]*?<\/article>/.exec(page)?.[0] ?? ''
    expect(card).toContain('Change the diplomats of Greece')
    expect(card).toContain('This changes who decides for Greece')
    expect(card).toContain('<dt>Approvals needed</dt>')
    expect(card).toContain(`<li>Dave, passkey <code class="fingerprint">${daveFingerprint}</code></li>`)
    expect(card).toMatch(/<dt>Leaving<\/dt><dd>nobody<\/dd>/)
    expect(card).toContain('<span class="quorum-change">2 of 3 now → 2 of 4 afterwards</span>')
    expect(card).toContain('Alice, Bob, Carol, Dave')
    expect(card).toContain('0 of 2 approvals given</span> of the diplomats in force')
    expect(card).toContain(`data-approve="${pending?.id}"`)

    // Dave sees why he cannot approve, with his own fingerprint to read to the others, and no approve button.
    const davePage = await (await dave.request('/diplomats/proposals')).text()
    expect(davePage).toContain('Your passkey is not in force yet')
    expect(davePage).toContain(`proposal ${pending?.id}: 0 of 2 approvals given`)
    expect(davePage).toContain(daveFingerprint)
    expect(davePage).not.toContain('data-approve=')
    expect(davePage).toContain('You can approve once your passkey is in force.')
    expect(await problem(await dave.approvalOptions(pending?.id ?? 0))).toEqual({ status: 403, code: 'ERR_DIPLOMAT_NOT_IN_FORCE' })

    // Removal and a quorum change in one pending change: leaving, with the quorum going up.
    const removed = await node.request(`/v1/operator/diplomats/${alice.authenticator.credentialId}?quorum=3`, { method: 'DELETE' })
    expect(removed.status, await removed.clone().text()).toBe(200)
    const combined = node.diplomats.proposals({ state: 'open' }).find((p) => p.action === 'govern')
    expect(combined?.governance).toMatchObject({ added: [{ name: 'Dave' }], removed: [{ name: 'Alice' }], quorum: { from: 2, to: 3 } })
    const bobPage = await (await bob.request('/diplomats/proposals')).text()
    expect(bobPage).toContain('<dt>Leaving</dt><dd><ul class="people"><li>Alice, passkey')
    expect(bobPage).toContain('2 of 3 now → 3 of 3 afterwards')

    // Approved by a quorum of those in force, Dave waits only for the publish; after it he decides.
    await bob.approve(combined?.id ?? 0)
    expect(await (await carol.approve(combined?.id ?? 0)).json()).toMatchObject({ enacted: true })
    const approvedPage = await (await dave.request('/diplomats/proposals')).text()
    expect(approvedPage).toContain('You are in the next trust list')
    await publish()
    const inForcePage = await (await dave.request('/diplomats/proposals')).text()
    expect(inForcePage).not.toContain('Your passkey is not in force yet')
    expect(inForcePage).toContain('No open proposals.')
  })
})
