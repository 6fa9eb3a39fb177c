// Certificate revocation lists: signed, chained, expiring companion documents of a trust list; the operator's
// entries; the append-only store; acceptance against the country's held trust list.
import { createHash } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { EntenteError } from '../../src/model/errors.js'
import { buildRevocationList } from '../../src/revocation/build-revocation-list.js'
import { decodeRevocationList } from '../../src/revocation/decode-revocation-list.js'
import { dccRevocationHash, parseRevocationRequest } from '../../src/revocation/parse-revocation-request.js'
import { signRevocationList } from '../../src/revocation/sign-revocation-list.js'
import { verifyRevocationList } from '../../src/revocation/verify-revocation-list.js'
import { acceptRevocationList } from '../../src/store/accept-revocation-list.js'
import { acceptTrustList } from '../../src/store/accept-trust-list.js'
import { RevocationRepository } from '../../src/store/revocation-repository.js'
import { SqliteStore } from '../../src/store/sqlite-store.js'
import { rootOf } from '../../src/trust-list/root-key.js'
import { forgeSign, T0, TestCountry } from '../helpers/country.js'
import { NOW, VerifierCountry } from '../verifier/fixtures.js'

const sha256 = (text: string): Buffer => createHash('sha256').update(text).digest()
const entries = { dcc: [{ hashType: 'UCI' as const, hash: dccRevocationHash('UCI', 'URN:UVCI:01:GR:1', 'GR') }], shc: [] }

async function setup() {
  const gr = await VerifierCountry.create('GR')
  const roots = [rootOf(gr.tc.root)]
  return { gr, roots }
}

describe('revocation lists', () => {
  it('sign → verify round trip, canonical and sorted, with its own typ', async () => {
    const { gr, roots } = await setup()
    const signed = await gr.publishRevocations({
      dcc: [...entries.dcc, ...entries.dcc, { hashType: 'SIGNATURE', hash: Buffer.alloc(32, 1).toString('base64') }],
      shc: [{ issuer: 'https://i.example', kid: gr.thumbprint, rid: 'abc', revokedAt: '2026-01-01T00:00:00Z' }, { issuer: 'https://i.example', kid: gr.thumbprint, rid: 'abc' }],
    })
    const verified = await verifyRevocationList(signed, { now: NOW, country: 'GR', roots })
    expect(verified.payload).toMatchObject({ seq: 1, prev: null, rootThumbprint: gr.thumbprint })
    // Duplicates removed; of two entries for one rid the wider (no timestamp) one stays.
    expect(verified.payload.dcc).toHaveLength(2)
    expect(verified.payload.shc).toEqual([{ issuer: 'https://i.example', kid: gr.thumbprint, rid: 'abc' }])
    const header = JSON.parse(Buffer.from(signed.signatures[0]!.protected, 'base64url').toString()) as { typ: string }
    expect(header.typ).toBe('entente-revocation-list+jws')
  })

  it('is refused under another root, for another country, as a trust list, expired, or from the future', async () => {
    const { gr, roots } = await setup()
    const signed = await gr.publishRevocations(entries)
    const other = await TestCountry.create('GR')
    await expect(verifyRevocationList(signed, { now: NOW, country: 'GR', roots: [rootOf(other.root)] })).rejects.toMatchObject({ code: 'ERR_REVOCATION_WRONG_ROOT' })
    await expect(verifyRevocationList(signed, { now: NOW, country: 'CY', roots })).rejects.toMatchObject({ code: 'ERR_REVOCATION_COUNTRY_MISMATCH' })
    // A trust-list signature (other typ) over the same payload cannot pose as a revocation list.
    const asTrustList = await forgeSign(decodeRevocationList(signed).payload, [gr.tc.root])
    await expect(verifyRevocationList(asTrustList, { now: NOW, country: 'GR', roots })).rejects.toMatchObject({ code: 'ERR_REVOCATION_MALFORMED' })
    const later = new Date(T0.getTime() + 8 * 86_400_000)
    await expect(verifyRevocationList(signed, { now: later, country: 'GR', roots })).rejects.toMatchObject({ code: 'ERR_REVOCATION_EXPIRED' })
    await expect(verifyRevocationList(signed, { now: later, country: 'GR', roots, allowExpired: true })).resolves.toBeDefined()
    const earlier = new Date(T0.getTime() - 86_400_000)
    await expect(verifyRevocationList(signed, { now: earlier, country: 'GR', roots })).rejects.toMatchObject({ code: 'ERR_REVOCATION_NOT_YET_VALID' })
    // A payload whose signature names a root the payload does not.
    const payload = { ...decodeRevocationList(signed).payload, rootThumbprint: other.root.thumbprint }
    await expect(signRevocationList(payload, gr.tc.root)).rejects.toMatchObject({ code: 'ERR_REVOCATION_WRONG_ROOT' })
  })

  it('chains: duplicate, equivocation, rollback and a broken prev are told apart', async () => {
    const { gr, roots } = await setup()
    const r1 = await gr.publishRevocations(entries)
    const head1 = { payload: decodeRevocationList(r1).payload, hash: decodeRevocationList(r1).hash }
    const r2 = await gr.publishRevocations({ dcc: [], shc: [] })
    const head2 = { payload: decodeRevocationList(r2).payload, hash: decodeRevocationList(r2).hash }
    await expect(verifyRevocationList(r2, { now: NOW, country: 'GR', roots, head: head1 })).resolves.toBeDefined()
    await expect(verifyRevocationList(r2, { now: NOW, country: 'GR', roots, head: head2 })).rejects.toMatchObject({ code: 'ERR_REVOCATION_DUPLICATE' })
    await expect(verifyRevocationList(r1, { now: NOW, country: 'GR', roots, head: head2 })).rejects.toMatchObject({ code: 'ERR_REVOCATION_ROLLBACK' })
    const fork = await signRevocationList({ ...head2.payload, dcc: entries.dcc }, gr.tc.root)
    await expect(verifyRevocationList(fork, { now: NOW, country: 'GR', roots, head: head2 })).rejects.toMatchObject({ code: 'ERR_REVOCATION_EQUIVOCATION' })
    const broken = await signRevocationList(buildRevocationList({ country: 'GR', rootThumbprint: gr.thumbprint, entries, head: { ...head1, hash: 'f'.repeat(64) }, now: T0 }), gr.tc.root)
    await expect(verifyRevocationList(broken, { now: NOW, country: 'GR', roots, head: head1 })).rejects.toMatchObject({ code: 'ERR_REVOCATION_CHAIN' })
  })

  it('decoding never throws anything but an EntenteError, and caps size first', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.uint8Array({ maxLength: 256 }), fc.jsonValue()), (input) => {
        try {
          decodeRevocationList(input as never)
        } catch (error) {
          return error instanceof EntenteError
        }
        return true
      }),
      { numRuns: 300 },
    )
    expect(() => decodeRevocationList('x'.repeat(100), 10)).toThrow(expect.objectContaining({ code: 'ERR_REVOCATION_TOO_LARGE' }))
  })
})

describe('operator entries', () => {
  it('hashes a UCI as the EU revocation spec does (first 16 bytes of SHA-256), both UCI and COUNTRYCODEUCI', () => {
    const parsed = parseRevocationRequest({ dcc: [{ uci: 'URN:UVCI:01:GR:ABC' }] }, 'GR')
    expect(parsed.dcc).toEqual([
      { hashType: 'UCI', hash: Buffer.from(sha256('URN:UVCI:01:GR:ABC')).subarray(0, 16).toString('base64') },
      { hashType: 'COUNTRYCODEUCI', hash: Buffer.from(sha256('GRURN:UVCI:01:GR:ABC')).subarray(0, 16).toString('base64') },
    ])
  })

  it.each([
    ['not an object', []],
    ['nothing', {}],
    ['unknown field', { dcc: [], crl: [] }],
    ['bad hash type', { dcc: [{ hashType: 'MD5', hash: 'AAAAAAAAAAAAAAAAAAAAAA==' }] }],
    ['bad hash', { dcc: [{ hashType: 'UCI', hash: 'short' }] }],
    ['both uci and hash', { dcc: [{ uci: 'x', hashType: 'UCI', hash: 'AAAAAAAAAAAAAAAAAAAAAA==' }] }],
    ['http issuer', { shc: [{ issuer: 'http://i.example', kid: 'a'.repeat(43), rid: 'r' }] }],
    ['long rid', { shc: [{ issuer: 'https://i.example', kid: 'a'.repeat(43), rid: 'r'.repeat(25) }] }],
    ['too many', { dcc: Array.from({ length: 1001 }, () => ({ uci: 'x' })) }],
  ])('refuses %s', (_name, request) => {
    expect(() => parseRevocationRequest(request, 'GR')).toThrow(expect.objectContaining({ code: 'ERR_REVOCATION_ENTRY' }))
  })
})

describe('revocation store', () => {
  it('accepts only under the held trust list’s root, is append-only, and never goes back', async () => {
    const store = SqliteStore.open(':memory:')
    try {
      const repo = new RevocationRepository(store.database)
      const { gr } = await setup()
      const r1 = await gr.publishRevocations(entries)
      await expect(acceptRevocationList({ trust: store, revocations: repo }, r1, { now: NOW })).rejects.toMatchObject({ code: 'ERR_REVOCATION_WRONG_ROOT' })
      await acceptTrustList(store, await gr.publish(), { now: NOW })
      expect((await acceptRevocationList({ trust: store, revocations: repo }, r1, { now: NOW })).status).toBe('accepted')
      expect((await acceptRevocationList({ trust: store, revocations: repo }, r1, { now: NOW })).status).toBe('duplicate')
      const r2 = await gr.publishRevocations({ dcc: [], shc: [] })
      expect((await acceptRevocationList({ trust: store, revocations: repo }, r2, { now: NOW })).status).toBe('accepted')
      expect(await acceptRevocationList({ trust: store, revocations: repo }, r1, { now: NOW })).toMatchObject({ status: 'stale', seq: 1, headSeq: 2 })
      expect(repo.head('GR')?.seq).toBe(2)
      expect(repo.changedSince(0).map((l) => l.seq)).toEqual([2])
      expect(repo.lastChangeId()).toBe(2)
      expect(() => store.database.prepare('DELETE FROM revocation_lists').run()).toThrow(/append-only/)
      expect(() => store.database.prepare("UPDATE revocation_heads SET seq = 1 WHERE country = 'GR'").run()).toThrow(/must increase/)
    } finally {
      store.close()
    }
  })
})

