// The node's HTTP API through app.request (no server): every route and every error path.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { acceptTrustList } from '../../src/store/accept-trust-list.js'
import { readRootKey } from '../../src/config/secrets.js'
import { buildTrustList } from '../../src/trust-list/build-trust-list.js'
import { decodeTrustList } from '../../src/trust-list/decode-trust-list.js'
import { rootOf } from '../../src/trust-list/root-key.js'
import { signTrustList } from '../../src/trust-list/sign-trust-list.js'
import { verifyTrustList } from '../../src/trust-list/verify-trust-list.js'
import type { Bundle, SignedTrustList } from '../../src/model/schema.types.js'
import { openApiDocument } from '../../src/http/openapi.js'
import { createTestNode, type TestNode } from '../helpers/node.js'
import { TestCountry } from '../helpers/country.js'
import { dccVector, vectorPath } from '../helpers/vectors.js'

const json = (body: unknown): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
const NL_VACCINATION_DSC = dccVector('NL', '2DCode', 'raw', '072-NL-vaccination.json').TESTCTX.CERTIFICATE
const NL_TEST_DSC = dccVector('NL', '2DCode', 'raw', '000-NL-test.json').TESTCTX.CERTIFICATE

async function expectProblem(response: Response, status: number, code: string): Promise<void> {
  expect(response.status).toBe(status)
  expect(response.headers.get('content-type')).toBe('application/problem+json')
  const problem = (await response.json()) as { code: string; status: number; type: string; title: string; detail: string }
  expect(problem).toMatchObject({ code, status })
  expect(problem.type).toContain(code)
  expect(JSON.stringify(problem)).not.toMatch(/at .*\.ts:\d+/)
}

async function publish(node: TestNode): Promise<{ seq: number; hash: string }> {
  const response = await node.request('/v1/operator/publish', { method: 'POST' })
  expect(response.status).toBe(201)
  return (await response.json()) as { seq: number; hash: string }
}

describe('public API', () => {
  it('GET /health', async () => {
    const node = await createTestNode('GR')
    const response = await node.request('/health', { auth: false })
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ status: 'ok', country: 'GR', countries: 0 })
  })

  it('GET /v1/bundle: strong ETag, 304 on If-None-Match (also weak form), deltas by token', async () => {
    const node = await createTestNode('GR')
    const empty = await node.request('/v1/bundle', { auth: false })
    expect(empty.status).toBe(200)
    const emptyBundle = (await empty.json()) as Bundle
    expect(emptyBundle).toMatchObject({ type: 'entente.bundle', full: true, lists: [], alarms: [] })
    const etag = empty.headers.get('etag')!
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{43}"$/)
    expect((await node.request('/v1/bundle', { headers: { 'if-none-match': etag } })).status).toBe(304)
    expect((await node.request('/v1/bundle', { headers: { 'if-none-match': `"x", W/${etag}` } })).status).toBe(304)

    await publish(node)
    const afterPublish = await node.request('/v1/bundle', { headers: { 'if-none-match': etag } })
    expect(afterPublish.status).toBe(200)
    const bundle = (await afterPublish.json()) as Bundle
    expect(bundle.lists).toHaveLength(1)
    expect(afterPublish.headers.get('etag')).not.toBe(etag)
    // Every list in the bundle verifies on its own.
    await expect(verifyTrustList(bundle.lists[0]!, { now: node.clock.now, country: 'GR' })).resolves.toBeDefined()

    // Delta since the empty bundle: the one new list. Since now: nothing.
    const delta = (await (await node.request(`/v1/bundle?since=${emptyBundle.token}`)).json()) as Bundle
    expect(delta).toMatchObject({ full: false, since: emptyBundle.token, token: bundle.token })
    expect(delta.lists).toHaveLength(1)
    const none = (await (await node.request(`/v1/bundle?since=${bundle.token}`)).json()) as Bundle
    expect(none).toMatchObject({ full: false, lists: [], alarms: [] })
    // A token from another node's future: the whole bundle, marked full.
    expect(((await (await node.request('/v1/bundle?since=999.0')).json()) as Bundle).full).toBe(true)
    await expectProblem(await node.request('/v1/bundle?since=..'), 400, 'ERR_HTTP_BAD_REQUEST')
  })

  it('GET /v1/bundle leaves out expired lists', async () => {
    const node = await createTestNode('GR')
    await publish(node)
    node.clock.now = new Date(node.clock.now.getTime() + 31 * 86_400_000)
    expect(((await (await node.request('/v1/bundle')).json()) as Bundle).lists).toEqual([])
  })

  it('GET /v1/trust-lists, /{country}, /{country}/{seq}, /{country}/history', async () => {
    const node = await createTestNode('GR')
    const one = await publish(node)
    const two = await publish(node)
    const index = (await (await node.request('/v1/trust-lists')).json()) as { lists: { country: string; seq: number }[] }
    expect(index.lists).toMatchObject([{ country: 'GR', seq: 2, hash: two.hash }])

    const head = await node.request('/v1/trust-lists/GR')
    expect(head.status).toBe(200)
    expect(head.headers.get('etag')).toBe(`"${two.hash}"`)
    expect(decodeTrustList((await head.json()) as SignedTrustList).payload.seq).toBe(2)
    expect((await node.request('/v1/trust-lists/GR', { headers: { 'if-none-match': `"${two.hash}"` } })).status).toBe(304)

    const first = await node.request('/v1/trust-lists/GR/1')
    expect(first.headers.get('cache-control')).toContain('immutable')
    expect(decodeTrustList((await first.json()) as SignedTrustList).hash).toBe(one.hash)

    const history = (await (await node.request('/v1/trust-lists/GR/history?after=1&limit=5')).json()) as { lists: { seq: number }[] }
    expect(history.lists.map((l) => l.seq)).toEqual([2])

    await expectProblem(await node.request('/v1/trust-lists/CY'), 404, 'ERR_HTTP_NOT_FOUND')
    await expectProblem(await node.request('/v1/trust-lists/gr'), 400, 'ERR_HTTP_BAD_REQUEST')
    await expectProblem(await node.request('/v1/trust-lists/GR/0'), 400, 'ERR_HTTP_BAD_REQUEST')
    await expectProblem(await node.request('/v1/trust-lists/GR/abc'), 400, 'ERR_HTTP_BAD_REQUEST')
    await expectProblem(await node.request('/v1/trust-lists/GR/99'), 404, 'ERR_HTTP_NOT_FOUND')
    await expectProblem(await node.request('/v1/trust-lists/GR/history?limit=-1'), 400, 'ERR_HTTP_BAD_REQUEST')
    await expectProblem(await node.request('/v1/trust-lists/CY/history'), 404, 'ERR_HTTP_NOT_FOUND')
  })

  it('a delta carries the handover lists appended since the token, not only the heads', async () => {
    const node = await createTestNode('GR')
    const cy = await TestCountry.create('CY')
    await acceptTrustList(node.store, (await cy.next({ now: node.clock.now })).signed, { now: node.clock.now })
    const before = (await (await node.request('/v1/bundle')).json()) as Bundle
    const rotation = await cy.rotate({ now: node.clock.now })
    await acceptTrustList(node.store, rotation.signed, { now: node.clock.now })
    const ordinary = await cy.next({ now: node.clock.now })
    await acceptTrustList(node.store, ordinary.signed, { now: node.clock.now })
    const delta = (await (await node.request(`/v1/bundle?since=${before.token}`)).json()) as Bundle
    expect(delta.full).toBe(false)
    // seq 2 is a handover (a root rotation) a verifier holding seq 1 must walk; seq 3 is the head.
    expect(delta.lists.map((l) => (JSON.parse(l.payload) as { seq: number }).seq)).toEqual([2, 3])
  })

  it('GET /v1/alarms and the bundle carry equivocation proofs', async () => {
    const node = await createTestNode('GR')
    const cy = await TestCountry.create('CY')
    const one = await cy.next({ now: node.clock.now })
    const fork = await cy.next({ now: node.clock.now, advance: false, edit: (p) => ((p.seq = 1), (p.prev = null), (p.lastHandover = null), (p.rules = { testMaxAgeHours: 9 })) })
    await acceptTrustList(node.store, one.signed, { now: node.clock.now })
    expect((await acceptTrustList(node.store, fork.signed, { now: node.clock.now })).status).toBe('equivocation')
    const alarms = (await (await node.request('/v1/alarms')).json()) as { alarms: { country: string; seq: number }[] }
    expect(alarms.alarms).toMatchObject([{ country: 'CY', seq: 1 }])
    const bundle = (await (await node.request('/v1/bundle')).json()) as Bundle
    expect(bundle.alarms).toHaveLength(1)
    expect((await (await node.request('/health')).json()) as { alarms: number }).toMatchObject({ alarms: 1 })
  })

  it('GET /metrics in Prometheus text format, counting by route pattern', async () => {
    const node = await createTestNode('GR')
    await node.request('/v1/trust-lists/XX')
    await node.request('/v1/bundle')
    const response = await node.request('/metrics')
    expect(response.headers.get('content-type')).toContain('text/plain; version=0.0.4')
    const text = await response.text()
    expect(text).toContain('# TYPE entente_http_requests_total counter')
    expect(text).toContain('entente_http_requests_total{method="GET",route="/v1/trust-lists/:country",status="404"} 1')
    expect(text).toMatch(/entente_bundle_bytes \d+/)
  })

  it('GET /openapi.json describes every route the app serves, and nothing else', async () => {
    const node = await createTestNode('GR')
    const doc = (await (await node.request('/openapi.json')).json()) as { openapi: string; paths: Record<string, Record<string, unknown>> }
    expect(doc.openapi).toBe('3.1.0')
    const served = new Set(
      node.app.routes
        .filter((r) => r.method !== 'ALL')
        .map((r) => `${r.method.toLowerCase()} ${r.path.replace(/:(\w+)/g, '{$1}').replace('/v1/export/shc/*', '/v1/export/shc/{issuer}/.well-known/jwks.json')}`),
    )
    const described = new Set(Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m} ${p}`)))
    expect([...served].sort()).toEqual([...described].sort())
    expect(doc).toEqual(openApiDocument())
  })

  it('answers unknown routes and methods with problem JSON', async () => {
    const node = await createTestNode('GR')
    await expectProblem(await node.request('/nope'), 404, 'ERR_HTTP_NOT_FOUND')
    await expectProblem(await node.request('/v1/bundle', { method: 'DELETE' }), 404, 'ERR_HTTP_NOT_FOUND')
  })
})

describe('operator API', () => {
  it('requires the bearer token: none, wrong, or malformed → 401 with WWW-Authenticate', async () => {
    const node = await createTestNode('NL')
    for (const authorization of [undefined, 'Bearer wrong', `Basic ${node.token}`, `Bearer ${node.token}x`]) {
      const response = await node.app.request('/v1/operator/draft', authorization === undefined ? {} : { headers: { authorization } })
      await expectProblem(response, 401, 'ERR_HTTP_UNAUTHORIZED')
      expect(response.headers.get('www-authenticate')).toContain('Bearer')
    }
    expect((await node.request('/v1/operator/draft')).status).toBe(200)
  })

  it('adds a real EU DCC signer (PEM or DER), sets vaccines, publishes, and the bundle carries them', async () => {
    const node = await createTestNode('NL')
    const pem = `-----BEGIN CERTIFICATE-----\n${NL_VACCINATION_DSC.match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`
    const added = await node.request('/v1/operator/signers', json({ format: 'dcc', certificate: pem }))
    expect(added.status).toBe(201)
    expect(((await added.json()) as { signers: { usage: string[] }[] }).signers[0]!.usage).toEqual(['vaccination'])
    expect((await node.request('/v1/operator/signers', json({ format: 'dcc', certificate: NL_TEST_DSC }))).status).toBe(201)
    await expectProblem(await node.request('/v1/operator/signers', json({ format: 'dcc', certificate: NL_TEST_DSC })), 409, 'ERR_SIGNER_EXISTS')

    const vaccines = await node.request('/v1/operator/vaccines', { ...json({ vaccines: [{ product: 'EU/1/20/1528', dosesForCompletion: 2, validityDays: 270 }] }), method: 'PUT' })
    expect(vaccines.status).toBe(200)
    await expectProblem(await node.request('/v1/operator/vaccines', { ...json({ vaccines: [{ product: 'EU/9/99/9999', dosesForCompletion: 2, validityDays: 270 }] }), method: 'PUT' }), 400, 'ERR_VACCINE_UNKNOWN')

    const list = await publish(node)
    const bundle = (await (await node.request('/v1/bundle')).json()) as Bundle
    const payload = decodeTrustList(bundle.lists[0]!).payload
    expect(payload).toMatchObject({ country: 'NL', seq: list.seq, vaccines: [{ product: 'EU/1/20/1528' }] })
    expect(payload.signers).toHaveLength(2)
  })

  it('revokes a signer: it leaves the signers and enters revokedSigners with the next list', async () => {
    const node = await createTestNode('NL')
    const draft = (await (await node.request('/v1/operator/signers', json({ format: 'dcc', certificate: NL_TEST_DSC }))).json()) as { signers: { kid: string }[] }
    const kid = draft.signers[0]!.kid
    await expectProblem(await node.request('/v1/operator/revocations', json({ kid: 'AAAAAAAAAAA=' })), 404, 'ERR_SIGNER_NOT_FOUND')
    expect((await node.request('/v1/operator/revocations', json({ kid, reason: 'key-compromise' }))).status).toBe(200)
    await publish(node)
    const payload = decodeTrustList((await (await node.request('/v1/trust-lists/NL')).json()) as SignedTrustList).payload
    expect(payload.signers).toEqual([])
    expect(payload.revokedSigners).toMatchObject([{ kid, reason: 'key-compromise' }])
    // A revoked kid can never be onboarded again.
    await expectProblem(await node.request('/v1/operator/signers', json({ format: 'dcc', certificate: NL_TEST_DSC })), 409, 'ERR_SIGNER_KID_COLLISION')
  })

  it('accepts a list signed elsewhere (offline root) only after verifying it', async () => {
    const node = await createTestNode('NL')
    await publish(node)
    const head = decodeTrustList(node.store.head('NL')!.signed)
    const root = await readRootKey(node.config.paths.rootKey)
    const payload = buildTrustList({ country: 'NL', root: rootOf(root), draft: node.operator.draft(), head, now: node.clock.now })
    const offline = await signTrustList(payload, [root])
    const stored = await node.request('/v1/operator/trust-lists', json(offline))
    expect(stored.status).toBe(201)
    expect(await stored.json()).toMatchObject({ seq: 2 })
    await expectProblem(await node.request('/v1/operator/trust-lists', json(offline)), 409, 'ERR_TRUST_LIST_DUPLICATE')
    const tampered = { ...offline, payload: offline.payload.slice(0, -4) + 'AAAA' }
    expect((await node.request('/v1/operator/trust-lists', json(tampered))).status).toBe(422)
    const foreign = await TestCountry.create('CY')
    await expectProblem(await node.request('/v1/operator/trust-lists', json((await foreign.next({ now: node.clock.now })).signed)), 422, 'ERR_TRUST_LIST_COUNTRY_MISMATCH')
  })

  it('rejects wrong content types, malformed JSON, oversized bodies and bad publish options', async () => {
    const node = await createTestNode('NL')
    await expectProblem(await node.request('/v1/operator/signers', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{}' }), 415, 'ERR_HTTP_UNSUPPORTED_MEDIA_TYPE')
    await expectProblem(await node.request('/v1/operator/signers', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"format":' }), 400, 'ERR_HTTP_MALFORMED_JSON')
    const huge = JSON.stringify({ format: 'dcc', certificate: 'A'.repeat(3 * 1024 * 1024) })
    await expectProblem(await node.request('/v1/operator/signers', { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(huge.length) }, body: huge }), 413, 'ERR_HTTP_BODY_TOO_LARGE')
    await expectProblem(await node.request('/v1/operator/publish', json({ validityDays: 0 })), 400, 'ERR_HTTP_BAD_REQUEST')
    await expectProblem(await node.request('/v1/operator/signers', json({ format: 'x509' })), 400, 'ERR_HTTP_BAD_REQUEST')
  })
})

describe('exports for existing verifier apps', () => {
  it('serves the EU DCC trust list, SHC issuer JWKS and the GDHCN DID document from held lists', async () => {
    const node = await createTestNode('NL')
    await node.request('/v1/operator/signers', json({ format: 'dcc', certificate: NL_VACCINATION_DSC }))
    const jwks = JSON.parse(readFileSync(vectorPath('shc', 'issuer', '.well-known', 'jwks.json'), 'utf8')) as { keys: Record<string, unknown>[] }
    const key = jwks.keys.find((k) => k.x5c === undefined)!
    const { crlVersion: _crl, ...publicJwk } = key
    expect((await node.request('/v1/operator/signers', json({ format: 'shc', issuer: 'https://spec.smarthealth.cards/examples/issuer', jwk: publicJwk }))).status).toBe(201)
    await publish(node)

    const eu = (await (await node.request('/v1/export/eu-dcc/trustList/DSC', { auth: false })).json()) as { kid: string; country: string; certificateType: string; rawData: string }[]
    expect(eu).toMatchObject([{ country: 'NL', certificateType: 'DSC', rawData: NL_VACCINATION_DSC }])

    const shc = await node.request('/v1/export/shc/spec.smarthealth.cards/examples/issuer/.well-known/jwks.json', { auth: false })
    expect(shc.status).toBe(200)
    expect(shc.headers.get('access-control-allow-origin')).toBe('*')
    expect(((await shc.json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid)).toEqual([key.kid])
    await expectProblem(await node.request('/v1/export/shc/unknown.example/.well-known/jwks.json'), 404, 'ERR_HTTP_NOT_FOUND')
    await expectProblem(await node.request('/v1/export/shc/nothing-here'), 404, 'ERR_HTTP_NOT_FOUND')

    const did = (await (await node.request('/v1/export/gdhcn/did.json', { auth: false })).json()) as { verificationMethod: { type: string; publicKeyJwk: { x: string; x5c: string[] } }[] }
    expect(did.verificationMethod).toHaveLength(1)
    expect(did.verificationMethod[0]!.type).toBe('JsonWebKey2020')
    expect(Buffer.from(did.verificationMethod[0]!.publicKeyJwk.x, 'base64url')).toHaveLength(32)
    expect(did.verificationMethod[0]!.publicKeyJwk.x5c).toEqual([NL_VACCINATION_DSC])
  })
})
