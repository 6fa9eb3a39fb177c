// HTTP-layer findings of the security review, each driven through app.request: anonymous sign-in stores nothing and
// is limited per client and purpose; a bad percent-escape, a non-object options body and deep JSON are coded 400s;
// the bundle's content coding (brotli, gzip, identity) follows the client's q-values.
import { brotliDecompressSync, gunzipSync } from 'node:zlib'
import { Hono } from 'hono'
import { beforeEach, describe, expect, it } from 'vitest'
import { preferredEncoding } from '../../src/http/content-encoding.js'
import { problemResponse } from '../../src/http/problem.js'
import { clientAddress, rateLimit } from '../../src/http/rate-limit.js'
import { checkJsonDepth, MAX_JSON_DEPTH } from '../../src/http/read-json.js'
import { isEntenteError } from '../../src/model/errors.js'
import { DiplomatClient } from '../diplomats/diplomat-client.js'
import { T0 } from '../helpers/country.js'
import { createTestNode, type TestNode } from '../helpers/node.js'

let node: TestNode

async function problem(response: Response): Promise<{ status: number; code: string }> {
  const body = (await response.json()) as { code: string }
  return { status: response.status, code: body.code }
}

const json = (body: string) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body })

function challengeRows(): number {
  return (node.store.database.prepare('SELECT COUNT(*) AS n FROM webauthn_challenges').get() as { n: number }).n
}

beforeEach(async () => {
  node = await createTestNode('GR', { now: T0 })
})

describe('anonymous sign-in options', () => {
  it('store nothing: a flood of them leaves no challenge behind and every other ceremony still works', async () => {
    // Straight at the service, past the HTTP rate limit: what a distributed flood would do.
    for (let i = 0; i < 300; i += 1) await node.diplomats.signInOptions()
    expect(challengeRows()).toBe(0)
    // Even at the outstanding-challenge cap a registration is not refused as busy: sign-in never fills it.
    const capped = node.diplomats
    expect(capped.limits.maxOutstandingChallenges).toBeGreaterThan(0)
    const invite = await node.request('/v1/operator/diplomat-invites', json(JSON.stringify({ name: 'Alice' })))
    const secret = new URLSearchParams(new URL(((await invite.json()) as { url: string }).url).hash.slice(1)).get('invite') as string
    const alice = new DiplomatClient(node.app, node.diplomats.relyingParty().origin)
    expect((await alice.register(secret)).status).toBe(201)
    // Sign-in still works, once per challenge.
    const assertion = await alice.signInResponse()
    expect((await alice.post('/diplomats/api/sign-in/verify', { response: assertion })).status).toBe(200)
    expect(await problem(await alice.post('/diplomats/api/sign-in/verify', { response: assertion }))).toEqual({ status: 400, code: 'ERR_DIPLOMAT_CHALLENGE' })
  })

  it('a challenge signed by another node (or made up) does not sign in', async () => {
    const invite = await node.request('/v1/operator/diplomat-invites', json(JSON.stringify({ name: 'Alice' })))
    const secret = new URLSearchParams(new URL(((await invite.json()) as { url: string }).url).hash.slice(1)).get('invite') as string
    const origin = node.diplomats.relyingParty().origin
    const alice = new DiplomatClient(node.app, origin)
    expect((await alice.register(secret)).status).toBe(201)
    const other = await createTestNode('GR', { now: T0 })
    const foreign = (await (await new DiplomatClient(other.app, origin).post('/diplomats/api/sign-in/options')).json()) as { challenge: string }
    const forged = alice.authenticator.authenticate({ challenge: foreign.challenge }, origin)
    expect(await problem(await alice.post('/diplomats/api/sign-in/verify', { response: forged }))).toEqual({ status: 400, code: 'ERR_DIPLOMAT_CHALLENGE' })
    const madeUp = alice.authenticator.authenticate({ challenge: Buffer.alloc(57, 1).toString('base64url') }, origin)
    expect(await problem(await alice.post('/diplomats/api/sign-in/verify', { response: madeUp }))).toEqual({ status: 400, code: 'ERR_DIPLOMAT_CHALLENGE' })
  })

  it('are limited per client and purpose: a burst, then 429 ERR_HTTP_RATE_LIMITED with Retry-After', async () => {
    const client = new DiplomatClient(node.app, node.diplomats.relyingParty().origin)
    const statuses: number[] = []
    for (let i = 0; i < 40; i += 1) statuses.push((await client.post('/diplomats/api/sign-in/options')).status)
    expect(statuses.filter((s) => s === 200).length).toBe(20)
    const limited = await client.post('/diplomats/api/sign-in/options')
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/)
    expect(await problem(limited)).toEqual({ status: 429, code: 'ERR_HTTP_RATE_LIMITED' })
    // Another purpose has its own budget: an invited diplomat still registers.
    const invite = await node.request('/v1/operator/diplomat-invites', json(JSON.stringify({ name: 'Bob' })))
    const secret = new URLSearchParams(new URL(((await invite.json()) as { url: string }).url).hash.slice(1)).get('invite') as string
    expect((await client.register(secret)).status).toBe(201)
  })
})

describe('rate limit and client address', () => {
  const app = (trustProxy: string[], remote: string) => {
    const a = new Hono()
    a.onError((error, c) => problemResponse(c, error))
    const client = clientAddress(trustProxy)
    let t = 0
    a.post('/x', rateLimit('x', client, { burst: 2, perMinute: 60, now: () => t }), (c) => c.text(client(c)))
    return {
      tick: (ms: number) => (t += ms),
      post: (forwardedFor?: string) =>
        a.request('/x', { method: 'POST', headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor } }, { incoming: { socket: { remoteAddress: remote } } }),
    }
  }

  it('each client has its own bucket, refilled over time', async () => {
    const direct = app([], '198.51.100.7')
    expect((await direct.post()).status).toBe(200)
    expect((await direct.post()).status).toBe(200)
    expect((await direct.post()).status).toBe(429)
    direct.tick(1000)
    expect((await direct.post()).status).toBe(200)
  })

  it('X-Forwarded-For is ignored unless the socket peer is a configured proxy', async () => {
    // Not a proxy: a client cannot pick its own bucket by writing the header.
    const direct = app([], '198.51.100.7')
    expect(await (await direct.post('203.0.113.1')).text()).toBe('198.51.100.7')
    // A trusted proxy: the right-most address it did not add itself; what the client wrote to its left is not used.
    const proxied = app(['10.0.0.2'], '::ffff:10.0.0.2')
    expect(await (await proxied.post('6.6.6.6, 203.0.113.9')).text()).toBe('203.0.113.9')
    expect((await proxied.post('1.1.1.1, 203.0.113.9')).status).toBe(200)
    expect((await proxied.post('2.2.2.2, 203.0.113.9')).status).toBe(429)
    expect((await proxied.post('203.0.113.10')).status).toBe(200)
  })
})

describe('request parsing', () => {
  it('a bad percent-escape in the SHC issuer path is 400, not 500', async () => {
    expect(await problem(await node.request('/v1/export/shc/%E0%A4%A/.well-known/jwks.json', { auth: false }))).toEqual({ status: 400, code: 'ERR_HTTP_BAD_REQUEST' })
  })

  it('publish bodies must be JSON objects: null and 0 are refused and nothing is published', async () => {
    expect(await problem(await node.request('/v1/operator/publish', json('null')))).toEqual({ status: 400, code: 'ERR_HTTP_BAD_REQUEST' })
    expect(await problem(await node.request('/v1/operator/publish', json('[]')))).toEqual({ status: 400, code: 'ERR_HTTP_BAD_REQUEST' })
    expect(node.store.head('GR')).toBeUndefined()
    expect((await node.request('/v1/operator/publish', json('{}'))).status).toBe(201)
    const revocations = node.revocations.head('GR')
    expect(await problem(await node.request('/v1/operator/certificate-revocations/publish', json('0')))).toEqual({ status: 400, code: 'ERR_HTTP_BAD_REQUEST' })
    expect(await problem(await node.request('/v1/operator/certificate-revocations/publish', json('"x"')))).toEqual({ status: 400, code: 'ERR_HTTP_BAD_REQUEST' })
    expect(node.revocations.head('GR')).toEqual(revocations)
    expect(node.store.head('GR')?.seq).toBe(1)
    expect(await problem(await node.request('/v1/operator/next-list', json('0')))).toEqual({ status: 400, code: 'ERR_HTTP_BAD_REQUEST' })
  })

  it('a 900k-deep JSON body is refused at once with ERR_HTTP_JSON_TOO_DEEP', async () => {
    const depth = 900_000
    const started = performance.now()
    const response = await node.request('/v1/operator/signers', json('['.repeat(depth) + ']'.repeat(depth)))
    const elapsed = performance.now() - started
    expect(await problem(response)).toEqual({ status: 400, code: 'ERR_HTTP_JSON_TOO_DEEP' })
    expect(elapsed).toBeLessThan(1500)
  })

  it('the depth scan counts brackets outside strings only', () => {
    expect(() => checkJsonDepth(JSON.stringify({ a: '['.repeat(1000) }), 4)).not.toThrow()
    expect(() => checkJsonDepth(JSON.stringify({ a: '\\"[[[[[[' }), 2)).not.toThrow()
    expect(() => checkJsonDepth('['.repeat(MAX_JSON_DEPTH) + ']'.repeat(MAX_JSON_DEPTH), MAX_JSON_DEPTH)).not.toThrow()
    let caught: unknown
    try {
      checkJsonDepth(`{"a":${'{"b":'.repeat(MAX_JSON_DEPTH)}1${'}'.repeat(MAX_JSON_DEPTH)}}`, MAX_JSON_DEPTH)
    } catch (error) {
      caught = error
    }
    expect(isEntenteError(caught, 'ERR_HTTP_JSON_TOO_DEEP')).toBe(true)
  })
})

describe('bundle content coding', () => {
  it('brotli, gzip or identity by q-value (RFC 9110 §12.5.3), each its own representation of the same JSON', async () => {
    await node.request('/v1/operator/publish', { method: 'POST' })
    const get = (acceptEncoding: string, etag?: string) =>
      node.request('/v1/bundle', { auth: false, headers: { 'accept-encoding': acceptEncoding, ...(etag === undefined ? {} : { 'if-none-match': etag }) } })
    expect((await get('gzip;q=0')).headers.get('content-encoding')).toBeNull()
    expect((await get('gzip; q=0.000, identity')).headers.get('content-encoding')).toBeNull()
    expect((await get('br;q=0.5, gzip')).headers.get('content-encoding')).toBe('gzip')
    const identity = await get('gzip;q=0')
    const gzip = await get('gzip')
    const br = await get('br, gzip;q=0.5')
    expect(br.headers.get('content-encoding')).toBe('br')
    const text = await identity.text()
    expect(JSON.parse(text)).toHaveProperty('lists')
    expect(gunzipSync(Buffer.from(await gzip.arrayBuffer())).toString()).toBe(text)
    expect(brotliDecompressSync(Buffer.from(await br.arrayBuffer())).toString()).toBe(text)
    const etags = [identity, gzip, br].map((r) => r.headers.get('etag') ?? '')
    expect(new Set(etags).size).toBe(3)
    expect(Number(br.headers.get('content-length'))).toBeLessThan(Buffer.byteLength(text))
    // Each ETag answers 304 only for its own encoding.
    expect((await get('br', etags[2])).status).toBe(304)
    expect((await get('gzip', etags[2])).status).toBe(200)
    expect((await get('identity', etags[0])).status).toBe(304)
  })

  it('parses Accept-Encoding', () => {
    expect(preferredEncoding(undefined)).toBe('identity')
    expect(preferredEncoding('gzip')).toBe('gzip')
    expect(preferredEncoding('GZIP;Q=1.0')).toBe('gzip')
    expect(preferredEncoding('x-gzip')).toBe('gzip')
    expect(preferredEncoding('gzip;q=0')).toBe('identity')
    expect(preferredEncoding('*')).toBe('br')
    expect(preferredEncoding('*;q=0')).toBe('identity')
    expect(preferredEncoding('gzip;q=0, *')).toBe('br')
    expect(preferredEncoding('br;q=0, *')).toBe('gzip')
    expect(preferredEncoding('identity, *;q=0')).toBe('identity')
    expect(preferredEncoding('deflate')).toBe('identity')
    expect(preferredEncoding('gzip;q=abc')).toBe('identity')
    expect(preferredEncoding('notgzip')).toBe('identity')
    expect(preferredEncoding('gzip, deflate, br')).toBe('br')
    expect(preferredEncoding('br;q=0.4, gzip;q=0.6')).toBe('gzip')
    expect(preferredEncoding('identity, gzip;q=0.5')).toBe('identity')
  })
})
