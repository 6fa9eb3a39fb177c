// The bundle source: assembling and compressing a large bundle never holds the event loop for long (the main
// thread's CPU between ticks), the bytes served are the stored JWS exactly, and deltas carry only what changed. Lists
// are stored as the store receives verified lists, with bodies made up for size: the bundle never parses them.
import { createHash } from 'node:crypto'
import { brotliDecompressSync, gunzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { BundleSource, type BundleResponse } from '../../src/http/bundle-source.js'
import type { SignedTrustList, TrustListPayload } from '../../src/model/schema.types.js'
import { SqliteStore } from '../../src/store/sqlite-store.js'
import type { VerifiedTrustList } from '../../src/trust-list/trust-list.types.js'
import { T0 } from '../helpers/country.js'
import { blocking } from '../helpers/event-loop.js'
import { onFileEnd } from '../helpers/temp.js'

const EXPIRES = new Date(T0.getTime() + 30 * 86_400_000).toISOString()

function openStore(): SqliteStore {
  const store = SqliteStore.open(':memory:')
  onFileEnd(() => store.close())
  return store
}

/** A stored list whose JWS payload is `body` (opaque to the bundle), declaring `changes`. */
function fakeList(country: string, seq: number, body: string, changes: TrustListPayload['changes'] = []): VerifiedTrustList {
  const signed: SignedTrustList = { payload: body, signatures: [{ protected: 'e30', signature: `${country}${seq}` }] }
  const payload = {
    type: 'entente.trust-list',
    version: 1,
    country,
    seq,
    issuedAt: T0.toISOString(),
    expiresAt: EXPIRES,
    prev: null,
    root: { thumbprint: `root-${country}` },
    lastHandover: seq === 1 ? null : { seq: 1, hash: 'h' },
    changes,
    signers: [],
    revokedSigners: [],
    vaccines: [],
    recognitions: [],
    diplomats: [],
    quorum: 1,
    governance: { since: 1 },
    nodes: [],
  } as unknown as TrustListPayload
  const hash = createHash('sha256').update(`${country}/${seq}/${body.length}`).digest('hex')
  return { signed, payload, hash, size: JSON.stringify(signed).length, rootRotated: false, gap: false, governanceReset: false, carriedFromEarlierEpoch: [] }
}

function append(store: SqliteStore, list: VerifiedTrustList): void {
  store.append(list, { expectedHead: store.head(list.payload.country)?.hash, receivedAt: T0 })
}

const code = (i: number) => String.fromCharCode(65 + Math.floor(i / 26), 65 + (i % 26))

async function json(response: BundleResponse): Promise<{ token: string; full: boolean; lists: SignedTrustList[]; revocations: unknown[] }> {
  return JSON.parse((await response.body('identity')).toString()) as { token: string; full: boolean; lists: SignedTrustList[]; revocations: unknown[] }
}

describe('BundleSource', () => {
  it('rebuilds and compresses a large bundle (tens of MB) without holding the event loop over 50 ms', async () => {
    const store = openStore()
    // Compressible bodies (a short random block repeated) keep gzip and brotli quick; parsing, serializing or
    // hashing them in one go still takes far over 50 ms, which is what a synchronous build would do.
    const block = createHash('sha512').update('block').digest('base64url').repeat(64)
    const lists = 24
    for (let i = 0; i < lists; i++) append(store, fakeList(code(i), 1, `${code(i)}${block.repeat(Math.ceil((1.5 * 1024 * 1024) / block.length))}`))
    const source = new BundleSource({ store })

    // The best of up to three rebuilds counts (each after a change, so each builds and compresses again): a
    // synchronous build holds the loop in every one of them.
    const measured: Awaited<ReturnType<typeof blocking>>[] = []
    let built: BundleResponse | undefined
    for (let attempt = 0; attempt < 3 && !measured.some((m) => m.maxBlockMs < 50); attempt++) {
      append(store, fakeList('ZZ', attempt + 1, `${attempt}${block}`))
      const result = await blocking(async () => {
        built = await source.full(T0)
        await Promise.all([built.body('gzip'), built.body('br')])
      })
      // Sized so that the whole job takes well over the bound: otherwise this test would prove nothing.
      expect(result.elapsedMs).toBeGreaterThan(100)
      measured.push(result)
    }
    expect(Math.min(...measured.map((m) => m.maxBlockMs)), JSON.stringify(measured)).toBeLessThan(50)

    const response = built as BundleResponse
    expect(response.bytes).toBeGreaterThan(lists * 1.5 * 1024 * 1024)
    const identity = await response.body('identity')
    expect(gunzipSync(await response.body('gzip')).equals(identity)).toBe(true)
    expect(brotliDecompressSync(await response.body('br')).equals(identity)).toBe(true)
    expect(response.etags.identity).toBe(`"${createHash('sha256').update(identity).digest('base64url')}"`)
    const bundle = await json(response)
    // Every list is the stored JWS, byte for byte.
    expect(bundle.lists).toHaveLength(lists + 1)
    expect(bundle.lists.map((l) => JSON.stringify(l))).toEqual(store.heads().map((h) => JSON.stringify(h.signed)))
    // A client this far behind gets the full bundle rather than a delta as large.
    expect((await source.since('0.0.0', T0)).full).toBe(true)
  }, 60_000)

  it('a delta after one change carries that list only; handovers skipped in between travel with it', async () => {
    const store = openStore()
    for (let i = 0; i < 5; i++) append(store, fakeList(code(i), 1, `list ${code(i)} 1`))
    const source = new BundleSource({ store })
    const before = await source.full(T0)
    expect(await source.full(T0)).toBe(before)

    append(store, fakeList('AC', 2, 'list AC 2'))
    const delta = await source.since(before.token, T0)
    expect(delta.full).toBe(false)
    expect((await json(delta)).lists.map((l) => l.payload)).toEqual(['list AC 2'])
    expect(await source.since(before.token, T0)).toBe(delta)

    // The home list (here AA) changes: again only that list.
    append(store, fakeList('AA', 2, 'list AA 2'))
    const after = await source.full(T0)
    expect(after.etags.identity).not.toBe(before.etags.identity)
    expect((await json(await source.since(delta.token, T0))).lists.map((l) => l.payload)).toEqual(['list AA 2'])

    // A root rotation (a handover) followed by an ordinary list: a client behind both needs the handover as a link.
    append(store, fakeList('AB', 2, 'list AB 2', ['root']))
    append(store, fakeList('AB', 3, 'list AB 3'))
    expect((await json(await source.since(after.token, T0))).lists.map((l) => l.payload)).toEqual(['list AB 2', 'list AB 3'])
    expect((await json(await source.since((await source.full(T0)).token, T0))).lists).toEqual([])

    // The full bundle reuses the bytes it held and matches a fresh source's byte for byte.
    const fresh = await new BundleSource({ store }).full(T0)
    expect((await (await source.full(T0)).body('identity')).equals(await fresh.body('identity'))).toBe(true)
  })

  it('serves the stored bytes with key order and tokens as before, and refuses a malformed token', async () => {
    const store = openStore()
    append(store, fakeList('GR', 1, 'x'))
    const source = new BundleSource({ store })
    const text = (await (await source.full(T0)).body('identity')).toString()
    expect(text).toBe(JSON.stringify({ type: 'entente.bundle', version: 1, token: '1.0.0', full: true, lists: [store.head('GR')?.signed], alarms: [], revocations: [] }))
    // Two-part tokens of older nodes are still read.
    expect((await json(await source.since('1.0', T0))).lists).toEqual([])
    await expect(source.since('1.x', T0)).rejects.toMatchObject({ code: 'ERR_HTTP_BAD_REQUEST' })
  })

  it('carries revocation indexes when given a feed, with a fourth token id', async () => {
    const store = openStore()
    append(store, fakeList('GR', 1, 'x'))
    const index = { id: 7, country: 'GR', seq: 3, hash: 'ih', rootThumbprint: 'r', issuedAt: T0.toISOString(), expiresAt: EXPIRES }
    const source = new BundleSource({
      store,
      revocationIndexes: {
        lastChangeId: () => 7,
        heads: () => [index],
        head: () => index,
        changedSince: (afterId) => (afterId < 7 ? [index] : []),
        json: () => Buffer.from('{"payload":"index"}'),
      },
    })
    const full = await source.full(T0)
    expect(full.token).toBe('1.0.0.7')
    expect(JSON.parse((await full.body('identity')).toString())).toMatchObject({ revocationIndexes: [{ payload: 'index' }] })
    expect(JSON.parse((await (await source.since('1.0.0', T0)).body('identity')).toString())).toMatchObject({ lists: [], revocationIndexes: [{ payload: 'index' }] })
    expect(JSON.parse((await (await source.since('1.0.0.7', T0)).body('identity')).toString())).toMatchObject({ lists: [], revocationIndexes: [] })
  })
})
