// Revocation lists through a node's HTTP API (app.request): operator adds and publishes, anyone reads them on their
// own routes and in the bundle, full and as ?since= deltas (three-part token; the two-part form still works).
import { describe, expect, it } from 'vitest'
import type { Bundle, SignedRevocationList } from '../../src/model/schema.types.js'
import { verifyRevocationList } from '../../src/revocation/verify-revocation-list.js'
import { decodeTrustList } from '../../src/trust-list/decode-trust-list.js'
import { createTestNode } from '../helpers/node.js'

const post = (body?: unknown): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) })

describe('revocation routes', () => {
  it('add → publish → GET head and by seq → bundle full and delta', async () => {
    const node = await createTestNode('GR')
    // No trust list yet: nothing can sign under a known root.
    expect((await node.request('/v1/operator/certificate-revocations', post({ dcc: [{ uci: 'URN:UVCI:01:GR:A' }] }))).status).toBe(200)
    const early = await node.request('/v1/operator/certificate-revocations/publish', post())
    expect(early.status).toBe(422)
    expect(((await early.json()) as { code: string }).code).toBe('ERR_REVOCATION_WRONG_ROOT')

    expect((await node.request('/v1/operator/publish', post())).status).toBe(201)
    const before = (await (await node.request('/v1/bundle', { auth: false })).json()) as Bundle
    expect(before.token).toMatch(/^\d+\.\d+\.0\.0$/)
    expect(before.revocations).toEqual([])

    const pending = await node.request('/v1/operator/certificate-revocations', post({ shc: [{ issuer: 'https://shc.example.gr', kid: 'a'.repeat(43), rid: 'r1' }] }))
    expect(await pending.json()).toEqual({ queued: 3, added: 1 })
    expect((await node.request('/v1/operator/certificate-revocations', post({ dcc: [{ hashType: 'MD5' }] }))).status).toBe(400)
    expect((await node.request('/v1/operator/certificate-revocations', { ...post({ dcc: [] }), auth: false })).status).toBe(401)

    const published = await node.request('/v1/operator/certificate-revocations/publish', post({ validityDays: 3 }))
    expect(published.status).toBe(201)
    // The trust list naming the new revocation list goes out with it.
    expect(await published.json()).toMatchObject({ country: 'GR', seq: 1, trustList: { country: 'GR', seq: 2 } })
    const naming = node.store.head('GR')!.signed

    const head = await node.request('/v1/revocation-lists/GR', { auth: false })
    expect(head.status).toBe(200)
    const signed = (await head.json()) as SignedRevocationList
    const root = decodeTrustList(node.store.head('GR')!.signed).payload.root
    const verified = await verifyRevocationList(signed, { now: node.clock.now, country: 'GR', roots: [root] })
    expect(verified.payload.dcc).toHaveLength(2)
    expect(Date.parse(verified.payload.expiresAt) - Date.parse(verified.payload.issuedAt)).toBe(3 * 86_400_000)
    expect((await node.request('/v1/revocation-lists/GR', { headers: { 'if-none-match': head.headers.get('etag')! } })).status).toBe(304)
    expect((await node.request('/v1/revocation-lists/GR/1', { auth: false })).headers.get('cache-control')).toContain('immutable')
    expect((await node.request('/v1/revocation-lists/GR/2', { auth: false })).status).toBe(404)
    expect((await node.request('/v1/revocation-lists/CY', { auth: false })).status).toBe(404)
    expect((await node.request('/v1/revocation-lists/gr', { auth: false })).status).toBe(400)

    const full = (await (await node.request('/v1/bundle', { auth: false })).json()) as Bundle
    expect(full.revocations).toEqual([signed])
    expect(full.token).toMatch(/^\d+\.\d+\.1\.0$/)
    const delta = (await (await node.request(`/v1/bundle?since=${before.token}`, { auth: false })).json()) as Bundle
    expect(delta).toMatchObject({ full: false, lists: [naming], revocations: [signed] })
    // A client from before revocation lists sends two-part tokens: it gets every revocation list once.
    const [listId, alarmId] = before.token.split('.')
    const legacy = (await (await node.request(`/v1/bundle?since=${listId}.${alarmId}`, { auth: false })).json()) as Bundle
    expect(legacy).toMatchObject({ full: false, lists: [naming], revocations: [signed] })
    const none = (await (await node.request(`/v1/bundle?since=${full.token}`, { auth: false })).json()) as Bundle
    expect(none).toMatchObject({ full: false, lists: [], revocations: [] })
    expect(((await (await node.request('/v1/bundle?since=0.0.99.0')).json()) as Bundle).full).toBe(true)
    node.store.close()
  })
})
