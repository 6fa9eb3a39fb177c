// Partitioned revocations on a node (app.request): the operator's queue (list, remove, re-add), publishing the
// partitions the queue changes and the next index, the index and partition routes, the bundle, and the migration of
// a country that published single revocation lists: its first index continues their chain, and the old lists stay
// served while no new single list can fork it.
import { brotliDecompressSync, gunzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import type { Bundle, SignedRevocationIndex, SignedRevocationList, SignedRevocationPartition } from '../../src/model/schema.types.js'
import { dccRevocationHash } from '../../src/revocation/parse-revocation-request.js'
import { createRevocationLookup } from '../../src/revocation/revocation-lookup.js'
import { verifyRevocationIndex, verifyRevocationPartition } from '../../src/revocation/verify-revocation-partitions.js'
import { verifyRevocationList } from '../../src/revocation/verify-revocation-list.js'
import { decodeRevocationList } from '../../src/revocation/decode-revocation-list.js'
import { acceptRevocationList } from '../../src/store/accept-revocation-list.js'
import { buildRevocationList } from '../../src/revocation/build-revocation-list.js'
import { signRevocationList } from '../../src/revocation/sign-revocation-list.js'
import { readRootKey } from '../../src/config/secrets.js'
import { decodeTrustList } from '../../src/trust-list/decode-trust-list.js'
import { createTestNode, type TestNode } from '../helpers/node.js'

const post = (body?: unknown): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) })
const SHC = { issuer: 'https://shc.example.gr', kid: 'a'.repeat(43), rid: 'r1' }

async function json<T>(response: Response | Promise<Response>): Promise<T> {
  return (await (await response).json()) as T
}

function rootOfNode(node: TestNode) {
  const { root } = decodeTrustList(node.store.head('GR')!.signed).payload
  return [{ thumbprint: root.thumbprint, jwk: root.jwk }]
}

async function servedIndex(node: TestNode) {
  const response = await node.request('/v1/revocations/GR/index', { auth: false })
  expect(response.status).toBe(200)
  const signed = (await response.json()) as SignedRevocationIndex
  return { signed, etag: response.headers.get('etag')!, verified: await verifyRevocationIndex(signed, { now: node.clock.now, country: 'GR', roots: rootOfNode(node) }) }
}

describe('the revocation queue and partitioned publishing', () => {
  it('queue → remove → re-add → publish index and partitions → routes, bundle, lookup → one more entry changes one partition', async () => {
    const node = await createTestNode('GR', { limits: { maxRevocationListEntries: 0 } })
    expect((await node.request('/v1/operator/publish', post())).status).toBe(201)

    expect(await json(node.request('/v1/operator/certificate-revocations', post({ dcc: [{ uci: 'URN:UVCI:01:GR:A' }], shc: [SHC] })))).toEqual({ queued: 3, added: 3 })
    // The same entries again: nothing new.
    expect(await json(node.request('/v1/operator/certificate-revocations', post({ shc: [SHC] })))).toEqual({ queued: 3, added: 0 })
    const pending = await json<{ total: number; entries: { id: number; group: string }[] }>(node.request('/v1/operator/certificate-revocations'))
    expect(pending.total).toBe(3)
    expect(pending.entries.map((e) => e.group).sort()).toEqual(['dcc/COUNTRYCODEUCI', 'dcc/UCI', 'shc'])
    const shcId = pending.entries.find((e) => e.group === 'shc')!.id
    expect(await json(node.request('/v1/operator/certificate-revocations/remove', post({ ids: [shcId] })))).toEqual({ removed: 1, queued: 2 })
    expect((await node.request('/v1/operator/certificate-revocations/remove', post({ ids: ['x'] }))).status).toBe(400)
    expect(await json(node.request('/v1/operator/certificate-revocations', post({ shc: [SHC] })))).toEqual({ queued: 3, added: 1 })

    const published = await json<{ format: string; seq: number; partitions: number; queued: number; trustList: { seq: number } }>(
      node.request('/v1/operator/certificate-revocations/publish', post({ validityDays: 3 })),
    )
    expect(published).toMatchObject({ format: 'index', seq: 1, partitions: 3, queued: 0, trustList: { seq: 2 } })
    expect((await json<{ total: number }>(node.request('/v1/operator/certificate-revocations'))).total).toBe(0)

    const first = await servedIndex(node)
    expect(first.verified.payload.totals).toEqual({ dcc: 2, shc: 1 })
    expect(Date.parse(first.verified.payload.expiresAt) - Date.parse(first.verified.payload.issuedAt)).toBe(3 * 86_400_000)
    expect((await node.request('/v1/revocations/GR/index', { headers: { 'if-none-match': first.etag } })).status).toBe(304)
    // The trust list names the index.
    expect(decodeTrustList(node.store.head('GR')!.signed).payload.revocationList).toEqual({ seq: 1, hash: first.verified.hash })

    const partitions = []
    for (const ref of first.verified.payload.partitions) {
      const response = await node.request(`/v1/revocations/GR/partitions/${ref.hash}`, { auth: false })
      expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable')
      partitions.push(await verifyRevocationPartition((await response.json()) as SignedRevocationPartition, { index: first.verified, roots: rootOfNode(node) }))
    }
    // Compressed when asked, with its own ETag; the bytes inflate to exactly the identity body.
    const ref = first.verified.payload.partitions[0]!
    const plain = Buffer.from(await (await node.request(`/v1/revocations/GR/partitions/${ref.hash}`, { auth: false })).arrayBuffer())
    const zipped = await node.request(`/v1/revocations/GR/partitions/${ref.hash}`, { auth: false, headers: { 'accept-encoding': 'gzip' } })
    expect(zipped.headers.get('content-encoding')).toBe('gzip')
    expect(zipped.headers.get('vary')).toBe('accept-encoding')
    expect(gunzipSync(Buffer.from(await zipped.arrayBuffer())).equals(plain)).toBe(true)
    const zippedTag = zipped.headers.get('etag') ?? ''
    expect(zippedTag).not.toBe(`"${ref.hash}"`)
    expect((await node.request(`/v1/revocations/GR/partitions/${ref.hash}`, { auth: false, headers: { 'accept-encoding': 'gzip', 'if-none-match': zippedTag } })).status).toBe(304)
    const brotli = await node.request(`/v1/revocations/GR/partitions/${ref.hash}`, { auth: false, headers: { 'accept-encoding': 'br;q=1, gzip;q=0.5' } })
    expect(brotli.headers.get('content-encoding')).toBe('br')
    expect(brotliDecompressSync(Buffer.from(await brotli.arrayBuffer())).equals(plain)).toBe(true)
    const lookup = createRevocationLookup(partitions.map((p) => p.payload))
    expect(lookup.isDccRevoked('UCI', Buffer.from(dccRevocationHash('UCI', 'URN:UVCI:01:GR:A', 'GR'), 'base64'))).toBe(true)
    expect(lookup.isDccRevoked('UCI', Buffer.from(dccRevocationHash('UCI', 'URN:UVCI:01:GR:B', 'GR'), 'base64'))).toBe(false)
    expect(lookup.shcRevokedAt(SHC.issuer, SHC.kid, SHC.rid)).toBeNull()
    expect((await node.request(`/v1/revocations/GR/partitions/${'0'.repeat(64)}`, { auth: false })).status).toBe(404)
    expect((await node.request(`/v1/revocations/CY/partitions/${first.verified.payload.partitions[0]!.hash}`, { auth: false })).status).toBe(404)
    expect((await node.request('/v1/revocations/GR/partitions/XYZ', { auth: false })).status).toBe(400)
    expect((await node.request('/v1/revocations/CY/index', { auth: false })).status).toBe(404)

    const bundle = await json<Bundle>(node.request('/v1/bundle', { auth: false }))
    expect(bundle.revocationIndexes).toEqual([first.signed])
    expect(bundle.revocations).toEqual([])

    // One more DCC: only the partition it falls in changes; the others keep seq and hash.
    node.clock.now = new Date(node.clock.now.getTime() + 60_000)
    await node.request('/v1/operator/certificate-revocations', post({ dcc: [{ hashType: 'UCI', hash: dccRevocationHash('UCI', 'URN:UVCI:01:GR:B', 'GR') }] }))
    expect(await json(node.request('/v1/operator/certificate-revocations/publish', post()))).toMatchObject({ format: 'index', seq: 2, partitions: 1 })
    const second = await servedIndex(node)
    expect(second.verified.payload.prev).toBe(first.verified.hash)
    const changed = second.verified.payload.partitions.filter((p) => !first.verified.payload.partitions.some((q) => q.hash === p.hash))
    expect(changed).toEqual([expect.objectContaining({ id: 'dcc/UCI/', seq: 2, count: 2 })])
    // A renewal with nothing queued re-signs only the index.
    node.clock.now = new Date(node.clock.now.getTime() + 60_000)
    expect(await json(node.request('/v1/operator/certificate-revocations/publish', post()))).toMatchObject({ seq: 3, partitions: 0 })
    expect((await servedIndex(node)).verified.payload.partitions).toEqual(second.verified.payload.partitions)
  })

  it('a country with single revocation lists moves to an index that continues their chain; old lists stay served, new ones cannot fork it', async () => {
    const node = await createTestNode('GR', { limits: { maxRevocationListEntries: 2 } })
    expect((await node.request('/v1/operator/publish', post())).status).toBe(201)
    await node.request('/v1/operator/certificate-revocations', post({ dcc: [{ uci: 'URN:UVCI:01:GR:OLD' }] }))
    expect(await json(node.request('/v1/operator/certificate-revocations/publish', post()))).toMatchObject({ format: 'list', seq: 1 })
    const oldList = await json<SignedRevocationList>(node.request('/v1/revocation-lists/GR/1', { auth: false }))
    const old = decodeRevocationList(oldList)

    // Past the single-list size: the next publish is an index, seq 2, prev = the list's hash, with every entry.
    node.clock.now = new Date(node.clock.now.getTime() + 60_000)
    await node.request('/v1/operator/certificate-revocations', post({ dcc: [{ uci: 'URN:UVCI:01:GR:NEW1' }, { uci: 'URN:UVCI:01:GR:NEW2' }] }))
    // The queue holds only what is not published yet (the published list's entries are not pending again).
    expect((await json<{ total: number }>(node.request('/v1/operator/certificate-revocations'))).total).toBe(4)
    expect(await json(node.request('/v1/operator/certificate-revocations/publish', post()))).toMatchObject({ format: 'index', seq: 2 })
    const index = await servedIndex(node)
    expect(index.verified.payload).toMatchObject({ seq: 2, prev: old.hash, totals: { dcc: 6, shc: 0 } })
    expect(decodeTrustList(node.store.head('GR')!.signed).payload.revocationList).toEqual({ seq: 2, hash: index.verified.hash })
    // The old list is still served and verifies as it did.
    expect((await node.request('/v1/revocation-lists/GR/1', { auth: false })).status).toBe(200)
    await expect(verifyRevocationList(oldList, { now: node.clock.now, country: 'GR', roots: rootOfNode(node) })).resolves.toBeDefined()
    // A single list after the index (validly signed by the root, chained on the old list) is refused: it would fork
    // the chain. The old list arriving again is merely stale.
    const rootKey = await readRootKey(node.config.paths.rootKey)
    const forked = buildRevocationList({ country: 'GR', rootThumbprint: old.payload.rootThumbprint, entries: { dcc: [], shc: [] }, head: { payload: old.payload, hash: old.hash }, now: node.clock.now })
    await expect(acceptRevocationList({ trust: node.store, revocations: node.revocations }, await signRevocationList(forked, rootKey), { now: node.clock.now })).rejects.toMatchObject({
      code: 'ERR_REVOCATION_CHAIN',
    })
    expect((await acceptRevocationList({ trust: node.store, revocations: node.revocations }, oldList, { now: node.clock.now })).status).toBe('stale')
    // The offline single-list path is closed too.
    expect(((await json<{ code: string }>(node.request('/v1/operator/next-revocation-list'))).code)).toBe('ERR_REVOCATION_CHAIN')
  })
})
