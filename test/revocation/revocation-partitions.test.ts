// Partitioned revocations (pure core): deterministic layout, split and merge, incremental plans equal to a full
// layout, one changed entry touching one partition, small deltas, the index/partition defences, and the lookup.
import { createCipheriv, createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { EntenteError } from '../../src/model/errors.js'
import type { RevocationPartitionPayload, ShcRevocation, SignedRevocationIndex, SignedRevocationPartition } from '../../src/model/schema.types.js'
import {
  buildRevocationIndex,
  buildRevocationPartition,
  buildRevocationRelease,
  createLazyRevocationLookup,
  createRevocationLookup,
  decodeRevocationIndex,
  hashRevocationDocument,
  layoutKeys,
  layoutRevocationSet,
  packedKeys,
  partitionCount,
  planRevocationUpdate,
  prefixRange,
  revocationSet,
  signRevocationIndex,
  signRevocationPartition,
  sortPackedHashes,
  verifyRevocationIndex,
  verifyRevocationPartition,
  type RevocationEntries,
  type RevocationSet,
} from '../../src/revocation/index.js'
import { rootOf } from '../../src/trust-list/root-key.js'
import { T0, TestCountry } from '../helpers/country.js'

const NOW = new Date(T0.getTime() + 3_600_000)

/** Deterministic pseudo-random 16-byte hashes, packed: an AES-CTR keystream keyed by the seed (fast for 400,000). */
function hashes(count: number, seed = 'h'): Buffer {
  const key = createHash('sha256').update(seed).digest().subarray(0, 16)
  return createCipheriv('aes-128-ctr', key, Buffer.alloc(16)).update(Buffer.alloc(count * 16))
}

function setOf(packed: Uint8Array, shc: ShcRevocation[] = []): RevocationSet {
  return { dcc: { UCI: sortPackedHashes(packed), COUNTRYCODEUCI: new Uint8Array(), SIGNATURE: new Uint8Array() }, shc }
}

function ids(set: RevocationSet, max: number): string[] {
  return layoutRevocationSet(set, max).map((p) => p.id)
}

async function country() {
  const tc = await TestCountry.create('GR')
  const root = rootOf(tc.root)
  return { tc, roots: [{ thumbprint: root.thumbprint, jwk: root.jwk }] }
}

async function signRelease(tc: TestCountry, release: ReturnType<typeof buildRevocationRelease>) {
  const index = await signRevocationIndex(release.index, tc.root)
  const partitions = await Promise.all(release.partitions.map((p) => signRevocationPartition(p, tc.root)))
  return { index, partitions }
}

function bytes(doc: unknown): number {
  return Buffer.byteLength(JSON.stringify(doc))
}

describe('partition layout', () => {
  it('depends only on the set: order and duplicates do not matter; leaves hold at most maxEntries', () => {
    const packed = hashes(3000)
    const reversed = Buffer.concat(Array.from({ length: 3000 }, (_, i) => packed.subarray((2999 - i) * 16, (3000 - i) * 16)))
    const a = layoutRevocationSet(setOf(packed), 100)
    const b = layoutRevocationSet(setOf(Buffer.concat([reversed, packed.subarray(0, 1600)])), 100)
    expect(a.map((p) => [p.id, Buffer.from(p.dcc!).toString('hex')])).toEqual(b.map((p) => [p.id, Buffer.from(p.dcc!).toString('hex')]))
    expect(a.every((p) => p.dcc!.byteLength / 16 <= 100)).toBe(true)
    expect(a.reduce((n, p) => n + p.dcc!.byteLength / 16, 0)).toBe(3000)
    // 3000 > 100 splits the root; 3000 / 16 ≈ 188 > 100 splits each child again: two hex digits.
    expect(a.every((p) => /^dcc\/UCI\/[0-9a-f]{2}$/.test(p.id))).toBe(true)
  })

  it('splits when a prefix grows past maxEntries and merges back when it shrinks', () => {
    const packed = hashes(100)
    expect(ids(setOf(packed), 100)).toEqual(['dcc/UCI/'])
    const grown = ids(setOf(Buffer.concat([packed, hashes(1, 'x')])), 100)
    expect(grown.length).toBeGreaterThan(1)
    expect(grown.every((id) => /^dcc\/UCI\/[0-9a-f]$/.test(id))).toBe(true)
    expect(ids(setOf(packed), 100)).toEqual(['dcc/UCI/'])
    expect(ids(setOf(new Uint8Array()), 100)).toEqual([])
  })

  it('an incremental plan over the previous index gives exactly the layout of the whole new set', () => {
    const max = 50
    const base = hashes(2000)
    const before = layoutRevocationSet(setOf(base), max)
    const added = hashes(300, 'new')
    const after = sortPackedHashes(Buffer.concat([base, added]))
    const plan = planRevocationUpdate({
      previous: before.map((p) => ({ id: p.id, seq: 1, hash: '0'.repeat(64), count: p.dcc!.byteLength / 16 })),
      added: new Map([['dcc/UCI', Array.from({ length: 300 }, (_, i) => added.subarray(i * 16, i * 16 + 16).toString('hex'))]]),
    })
    const ids = [...plan.keep.map((r) => r.id)]
    for (const region of plan.regions) {
      const { low, high } = prefixRange(region.prefix, 16)
      const inRegion: Buffer[] = []
      for (let i = 0; i < after.byteLength; i += 16) {
        const h = Buffer.from(after.subarray(i, i + 16))
        if (Buffer.compare(h, low) >= 0 && Buffer.compare(h, high) <= 0) inRegion.push(h)
      }
      for (const leaf of layoutKeys(packedKeys(Buffer.concat(inRegion)), max, region.prefix, 32)) ids.push(`dcc/UCI/${leaf.prefix}`)
    }
    expect(ids.sort()).toEqual(layoutRevocationSet(setOf(after), max).map((p) => p.id))
  })

  it('packs 32-byte hashes to their 16-byte prefix and keys SHC entries by digest', () => {
    const entries: RevocationEntries = {
      dcc: [
        { hashType: 'SIGNATURE', hash: Buffer.alloc(32, 7).toString('base64') },
        { hashType: 'SIGNATURE', hash: Buffer.alloc(16, 7).toString('base64') },
      ],
      shc: [{ issuer: 'https://i.example', kid: 'k'.repeat(43), rid: 'r1' }],
    }
    const set = revocationSet(entries)
    expect(set.dcc.SIGNATURE.byteLength).toBe(16)
    const layout = layoutRevocationSet(set)
    expect(layout.map((p) => p.id)).toEqual(['dcc/SIGNATURE/', 'shc/'])
  })
})

describe('releases', () => {
  it('one added entry changes one partition (and the index); the rest keep seq and hash', () => {
    const max = 64
    const base = hashes(5000)
    const first = buildRevocationRelease({ country: 'GR', rootThumbprint: 't'.repeat(43), set: setOf(base), now: T0, maxEntries: max })
    const previousPartitions = new Map(first.partitions.map((p) => [p.id, p]))
    const headHash = hashRevocationDocument(first.index)
    const second = buildRevocationRelease({
      country: 'GR',
      rootThumbprint: 't'.repeat(43),
      set: setOf(Buffer.concat([base, hashes(1, 'one')])),
      head: { seq: first.index.seq, hash: headHash },
      previousPartitions,
      now: NOW,
      maxEntries: max,
    })
    expect(second.partitions).toHaveLength(1)
    const changed = second.partitions[0]!
    expect(changed.seq).toBe(2)
    expect(changed.prev).toBe(hashRevocationDocument(previousPartitions.get(changed.id)!))
    expect(second.index).toMatchObject({ seq: 2, prev: headHash, totals: { dcc: 5001, shc: 0 } })
    const unchanged = second.index.partitions.filter((p) => p.id !== changed.id)
    expect(unchanged).toEqual(first.index.partitions.filter((p) => p.id !== changed.id))
  })

  it('a delta after adding one entry is under 1 % of the revocation data (400,000 hashes)', async () => {
    const { tc } = await country()
    const base = hashes(400_000)
    const first = buildRevocationRelease({ country: 'GR', rootThumbprint: tc.root.thumbprint, set: setOf(base), now: T0 })
    const signedFirst = await signRelease(tc, first)
    const total = bytes(signedFirst.index) + signedFirst.partitions.reduce((n, p) => n + bytes(p), 0)
    const second = buildRevocationRelease({
      country: 'GR',
      rootThumbprint: tc.root.thumbprint,
      set: setOf(Buffer.concat([base, hashes(1, 'one')])),
      head: { seq: 1, hash: hashRevocationDocument(first.index) },
      previousPartitions: new Map(first.partitions.map((p) => [p.id, p])),
      now: NOW,
    })
    const signedSecond = await signRelease(tc, second)
    const delta = bytes(signedSecond.index) + signedSecond.partitions.reduce((n, p) => n + bytes(p), 0)
    expect(signedSecond.partitions).toHaveLength(1)
    expect(delta / total).toBeLessThan(0.01)
  })
})

describe('verification', () => {
  async function published() {
    const { tc, roots } = await country()
    const shc = [{ issuer: 'https://i.example', kid: 'k'.repeat(43), rid: 'r1', revokedAt: '2026-01-01T00:00:00Z' }, { issuer: 'https://i.example', kid: 'k'.repeat(43), rid: 'r2' }]
    const release = buildRevocationRelease({ country: 'GR', rootThumbprint: tc.root.thumbprint, set: setOf(hashes(300), shc), now: T0, maxEntries: 64 })
    const signed = await signRelease(tc, release)
    const index = await verifyRevocationIndex(signed.index, { now: NOW, country: 'GR', roots })
    return { tc, roots, release, signed, index }
  }

  it('index and every partition verify; the lookup finds exactly the revoked entries', async () => {
    const { roots, signed, index } = await published()
    const verified = await Promise.all(signed.partitions.map((p) => verifyRevocationPartition(p, { index, roots })))
    const lookup = createRevocationLookup(verified.map((v) => v.payload))
    const all = hashes(300)
    for (let i = 0; i < 300; i++) expect(lookup.isDccRevoked('UCI', all.subarray(i * 16, i * 16 + 16))).toBe(true)
    // A whole 32-byte digest matches by its 16-byte prefix.
    expect(lookup.isDccRevoked('UCI', Buffer.concat([all.subarray(16, 32), Buffer.alloc(16, 9)]))).toBe(true)
    expect(lookup.isDccRevoked('UCI', hashes(1, 'absent'))).toBe(false)
    expect(lookup.isDccRevoked('COUNTRYCODEUCI', all.subarray(0, 16))).toBe(false)
    expect(lookup.shcRevokedAt('https://i.example', 'k'.repeat(43), 'r1')).toEqual(new Date('2026-01-01T00:00:00Z'))
    expect(lookup.shcRevokedAt('https://i.example', 'k'.repeat(43), 'r2')).toBeNull()
    expect(lookup.shcRevokedAt('https://i.example', 'k'.repeat(43), 'r3')).toBeUndefined()
    expect(lookup.counts).toEqual({ partitions: signed.partitions.length, open: signed.partitions.length })
  })

  it('opens a partition only when a lookup falls into it, once; an opener that fails is tried again next time', async () => {
    const { roots, signed, index } = await published()
    const verified = await Promise.all(signed.partitions.map((p) => verifyRevocationPartition(p, { index, roots })))
    const opens = new Map<string, number>()
    let failing: string | undefined
    const lookup = createLazyRevocationLookup(
      verified.map(({ payload }) => ({
        id: payload.id,
        open: () => {
          opens.set(payload.id, (opens.get(payload.id) ?? 0) + 1)
          if (payload.id === failing) throw new EntenteError('ERR_REVOCATIONS_MISSING', `${payload.id} is gone`)
          return payload
        },
      })),
    )
    expect(opens.size).toBe(0)
    const all = hashes(300)
    const first = all.subarray(0, 16)
    expect(lookup.isDccRevoked('UCI', first)).toBe(true)
    expect(lookup.isDccRevoked('UCI', first)).toBe(true)
    expect([...opens.values()]).toEqual([1])
    expect(lookup.counts).toEqual({ partitions: verified.length, open: 1 })
    // A group without partitions opens nothing.
    expect(lookup.isDccRevoked('SIGNATURE', first)).toBe(false)
    expect(opens.size).toBe(1)
    // The partition of another hash, failing: the error reaches the caller every time, and nothing is cached.
    const other = verified.find((v) => v.payload.id.startsWith('dcc/UCI/') && !opens.has(v.payload.id))?.payload
    if (other === undefined) throw new Error('the fixture has one UCI partition only')
    const prefix = other.id.slice('dcc/UCI/'.length)
    const inOther = Array.from({ length: 300 }, (_, i) => all.subarray(i * 16, i * 16 + 16)).find((h) => Buffer.from(h).toString('hex').startsWith(prefix)) as Uint8Array
    failing = other.id
    expect(() => lookup.isDccRevoked('UCI', inOther)).toThrow(/is gone/)
    expect(() => lookup.isDccRevoked('UCI', inOther)).toThrow(/is gone/)
    failing = undefined
    expect(lookup.isDccRevoked('UCI', inOther)).toBe(true)
    expect(opens.get(other.id)).toBe(3)
  })

  it('refuses partitions its own root signed and named wrongly: a hash outside the prefix, hashes out of order', async () => {
    // A buggy or hostile publisher: the index names exactly these partitions, so only the content check stands between
    // them and a lookup that searches the prefix and misses the misplaced hash (a revoked certificate passing).
    const { tc, roots, release } = await published()
    // A prefix that neither all-zero nor all-one bytes fall under.
    const original = release.partitions.find((p) => p.id.startsWith('dcc/') && partitionCount(p) >= 3 && /\/[1-9a-e][0-9a-f]*$/.test(p.id))!
    const packed = Buffer.from(original.dcc!, 'base64')
    const outside = Buffer.from(packed)
    outside.fill(0xff, outside.length - 16)
    const early = Buffer.from(packed)
    early.fill(0x00, 0, 16)
    const swapped = Buffer.from(packed)
    packed.subarray(0, 16).copy(swapped, 16)
    packed.subarray(16, 32).copy(swapped, 0)
    for (const [content, message] of [[outside, /outside its prefix/], [early, /outside its prefix/], [swapped, /ascending and distinct/]] as const) {
      const bad = { ...original, dcc: content.toString('base64') }
      const partitions = release.index.partitions.map((p) => (p.id === original.id ? { ...p, hash: hashRevocationDocument(bad) } : p))
      const index = await verifyRevocationIndex(await signRevocationIndex({ ...release.index, partitions }, tc.root), { now: NOW, country: 'GR', roots })
      const attempt = verifyRevocationPartition(await signRevocationPartition(bad, tc.root), { index, roots })
      await expect(attempt).rejects.toThrow(message)
      await expect(attempt).rejects.toMatchObject({ code: 'ERR_REVOCATION_SCHEMA' })
    }
    await expect(verifyRevocationPartition(await signRevocationPartition(original, tc.root), { index: await verifyRevocationIndex(await signRevocationIndex(release.index, tc.root), { now: NOW, country: 'GR', roots }), roots })).resolves.toBeDefined()
  })

  it('refuses a forged partition (content changed, re-signed by another key, or under the right root but not named)', async () => {
    const { tc, roots, release, index } = await published()
    const original = release.partitions[0]!
    const other = await TestCountry.create('GR')
    // Same content signed by a key that is not GR's root.
    const foreign = await signRevocationPartition({ ...original, rootThumbprint: other.root.thumbprint }, other.root)
    await expect(verifyRevocationPartition(foreign, { index, roots })).rejects.toMatchObject({ code: 'ERR_REVOCATION_PARTITION_UNLISTED' })
    // One hash dropped, signed by the real root: the index names another hash.
    const dropped: RevocationPartitionPayload = { ...original, dcc: Buffer.from(original.dcc!, 'base64').subarray(16).toString('base64') }
    await expect(verifyRevocationPartition(await signRevocationPartition(dropped, tc.root), { index, roots })).rejects.toMatchObject({ code: 'ERR_REVOCATION_PARTITION_UNLISTED' })
    // A partition with an id the index does not name.
    const unnamed = buildRevocationPartition({ country: 'GR', rootThumbprint: tc.root.thumbprint, content: { id: 'dcc/SIGNATURE/', dcc: hashes(1) }, now: T0 })
    await expect(verifyRevocationPartition(await signRevocationPartition(unnamed, tc.root), { index, roots })).rejects.toMatchObject({ code: 'ERR_REVOCATION_PARTITION_UNLISTED' })
    // The named bytes with a signature by the wrong key: hash matches, signature does not.
    const signedRight = await signRevocationPartition(original, tc.root)
    const swapped: SignedRevocationPartition = { ...signedRight, signatures: [{ ...signedRight.signatures[0]!, signature: foreign.signatures[0]!.signature }] }
    await expect(verifyRevocationPartition(swapped, { index, roots })).rejects.toMatchObject({ code: 'ERR_REVOCATION_SIGNATURE' })
  })

  it('refuses a replayed old partition once the index names its successor', async () => {
    const { tc, roots, release, signed, index } = await published()
    const next = buildRevocationRelease({
      country: 'GR',
      rootThumbprint: tc.root.thumbprint,
      set: setOf(Buffer.concat([hashes(300), hashes(1, 'late')]), [{ issuer: 'https://i.example', kid: 'k'.repeat(43), rid: 'r1', revokedAt: '2026-01-01T00:00:00Z' }, { issuer: 'https://i.example', kid: 'k'.repeat(43), rid: 'r2' }]),
      head: { seq: index.payload.seq, hash: index.hash },
      previousPartitions: new Map(release.partitions.map((p) => [p.id, p])),
      now: NOW,
      maxEntries: 64,
    })
    const nextSigned = await signRelease(tc, next)
    const nextIndex = await verifyRevocationIndex(nextSigned.index, { now: NOW, country: 'GR', roots, head: { seq: index.payload.seq, issuedAt: index.payload.issuedAt, hash: index.hash } })
    const changedId = next.partitions[0]!.id
    const old = signed.partitions[release.partitions.findIndex((p) => p.id === changedId)]!
    await expect(verifyRevocationPartition(old, { index: nextIndex, roots })).rejects.toMatchObject({ code: 'ERR_REVOCATION_PARTITION_UNLISTED' })
    await expect(verifyRevocationPartition(nextSigned.partitions[0]!, { index: nextIndex, roots })).resolves.toBeDefined()
    // Rolling back to the old index is refused against the new head.
    await expect(
      verifyRevocationIndex(signed.index, { now: NOW, country: 'GR', roots, head: { seq: nextIndex.payload.seq, issuedAt: nextIndex.payload.issuedAt, hash: nextIndex.hash } }),
    ).rejects.toMatchObject({ code: 'ERR_REVOCATION_ROLLBACK' })
  })

  it('refuses an expired index, one for another country or under another root, a broken chain, and bad totals', async () => {
    const { tc, roots, signed, index } = await published()
    const later = new Date(T0.getTime() + 8 * 86_400_000)
    await expect(verifyRevocationIndex(signed.index, { now: later, country: 'GR', roots })).rejects.toMatchObject({ code: 'ERR_REVOCATION_EXPIRED' })
    await expect(verifyRevocationIndex(signed.index, { now: later, country: 'GR', roots, allowExpired: true })).resolves.toBeDefined()
    await expect(verifyRevocationIndex(signed.index, { now: NOW, country: 'CY', roots })).rejects.toMatchObject({ code: 'ERR_REVOCATION_COUNTRY_MISMATCH' })
    const other = await TestCountry.create('GR')
    const otherRoot = rootOf(other.root)
    await expect(verifyRevocationIndex(signed.index, { now: NOW, country: 'GR', roots: [{ thumbprint: otherRoot.thumbprint, jwk: otherRoot.jwk }] })).rejects.toMatchObject({
      code: 'ERR_REVOCATION_WRONG_ROOT',
    })
    // seq 2 whose prev is not the held index.
    const next = buildRevocationIndex({ country: 'GR', rootThumbprint: tc.root.thumbprint, partitions: index.payload.partitions, head: { seq: 1, hash: 'a'.repeat(64) }, now: NOW })
    await expect(
      verifyRevocationIndex(await signRevocationIndex(next, tc.root), { now: NOW, country: 'GR', roots, head: { seq: 1, issuedAt: index.payload.issuedAt, hash: index.hash } }),
    ).rejects.toMatchObject({ code: 'ERR_REVOCATION_CHAIN' })
    const payload = decodeRevocationIndex(signed.index).payload
    const lying = await signRevocationIndex({ ...payload, totals: { dcc: 1, shc: payload.totals.shc } }, tc.root)
    await expect(verifyRevocationIndex(lying, { now: NOW, country: 'GR', roots })).rejects.toMatchObject({ code: 'ERR_REVOCATION_SCHEMA' })
    const nested = { ...payload, partitions: [...payload.partitions, { id: `${payload.partitions.at(-2)!.id}0`, seq: 1, hash: 'b'.repeat(64), count: 1 }].sort((a, b) => (a.id < b.id ? -1 : 1)) }
    const nestedSigned: SignedRevocationIndex = await signRevocationIndex({ ...nested, totals: { ...payload.totals, dcc: payload.totals.dcc + 1 } }, tc.root)
    await expect(verifyRevocationIndex(nestedSigned, { now: NOW, country: 'GR', roots })).rejects.toMatchObject({ code: 'ERR_REVOCATION_SCHEMA' })
  })

  it('counts entries of a partition without decoding it', () => {
    const p = buildRevocationPartition({ country: 'GR', rootThumbprint: 't'.repeat(43), content: { id: 'dcc/UCI/', dcc: hashes(37) }, now: T0 })
    expect(partitionCount(p)).toBe(37)
  })
})
