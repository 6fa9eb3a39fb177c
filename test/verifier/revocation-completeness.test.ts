// First-sync completeness of revocation lists, on the verifier's pure core: a trust list names its country's current
// revocation list (seq and hash), so a bundle that omits it or carries a frozen (older) one leaves that country's
// certificates refused with ERR_REVOCATIONS_MISSING, never `valid`, until a later merge brings the named list or a
// newer one. Also the sync client's warnings and source status, over plain file mirrors.
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SignedRevocationList, SignedTrustList, VerifiedBundle } from '../../src/model/schema.types.js'
import { dccRevocationHash } from '../../src/revocation/parse-revocation-request.js'
import { createVerifier } from '../../src/verifier/create-verifier.js'
import { describeRevocationGap, revocationGap, revocationGaps, satisfiesRevocationPointer } from '../../src/verifier/revocation-completeness.js'
import { syncBundle } from '../../src/verifier/sync-client.js'
import { emptyVerifiedBundle, mergeBundle } from '../../src/verifier/verify-bundle.js'
import { NOW, VerifierCountry, bundleOf } from './fixtures.js'

const REVOKED = 'URN:UVCI:01:GR:REVOKED-FIRST-SYNC'
const codes = (verdict: { reasons: { code: string }[] }) => verdict.reasons.map((r) => r.code)
const revoking = (uci: string, country = 'GR') => ({ dcc: [{ hashType: 'UCI' as const, hash: dccRevocationHash('UCI', uci, country) }], shc: [] })

/** The country's current revocation list, as its next trust list names it. */
function named(c: VerifierCountry): { seq: number; hash: string } {
  const head = c.revocationHead
  if (head === undefined) throw new Error('no revocation list yet')
  return { seq: head.payload.seq, hash: head.hash }
}

async function firstSync(home: VerifierCountry, lists: SignedTrustList[], revocations: SignedRevocationList[]) {
  return mergeBundle(emptyVerifiedBundle(home.country, home.thumbprint, NOW), bundleOf(lists, { revocations }), { now: NOW, home: home.country, anchor: { thumbprint: home.thumbprint } })
}

describe('revocation pointer rule (pure)', () => {
  const needs = { seq: 2, hash: 'a'.repeat(64) }
  it('is satisfied by the named list or any newer one, and by nothing else', () => {
    expect(satisfiesRevocationPointer(needs, { seq: 2, hash: needs.hash })).toBe(true)
    expect(satisfiesRevocationPointer(needs, { seq: 3, hash: 'b'.repeat(64) })).toBe(true)
    expect(satisfiesRevocationPointer(needs, undefined)).toBe(false)
    expect(satisfiesRevocationPointer(needs, { seq: 1, hash: needs.hash })).toBe(false)
    expect(satisfiesRevocationPointer(needs, { seq: 2, hash: 'b'.repeat(64) })).toBe(false)
  })

  it('names the kind of gap, the country and the seq it needs; a list naming nothing has no gap', () => {
    expect(revocationGap('CY', needs, undefined)).toEqual({ country: 'CY', needs, kind: 'none' })
    expect(revocationGap('CY', needs, { seq: 1, hash: 'c'.repeat(64) })).toMatchObject({ kind: 'older', holds: { seq: 1 } })
    expect(revocationGap('CY', needs, { seq: 2, hash: 'c'.repeat(64) })).toMatchObject({ kind: 'other-hash' })
    expect(revocationGap('CY', undefined, undefined)).toBeUndefined()
    const gaps = revocationGaps(
      [
        ['GR', needs],
        ['CY', needs],
        ['DE', undefined],
      ],
      new Map([['GR', { seq: 5, hash: 'd'.repeat(64) }]]),
    )
    expect(gaps.map((g) => g.country)).toEqual(['CY'])
    expect(describeRevocationGap(gaps[0]!)).toMatch(/trust list of CY names its revocation list seq 2, but none is held/)
  })
})

describe('mergeBundle and createVerifier: omitted or frozen revocation lists', () => {
  let gr: VerifierCountry
  let r1: SignedRevocationList
  let r2: SignedRevocationList
  let list: SignedTrustList

  beforeAll(async () => {
    gr = await VerifierCountry.create('GR')
    // r1 revokes nothing; r2 revokes REVOKED; GR's trust list names r2.
    r1 = await gr.publishRevocations({ dcc: [], shc: [] })
    r2 = await gr.publishRevocations(revoking(REVOKED))
    const pointer = named(gr)
    list = await gr.publish({ edit: (p) => void (p.revocationList = pointer) })
  })

  it('ATTACK: a mirror omits the named revocation list on the first sync: refused with the new code until a sync brings it', async () => {
    const omitted = await firstSync(gr, [list], [])
    expect(omitted.report.missingRevocations).toEqual([expect.objectContaining({ country: 'GR', kind: 'none', needs: expect.objectContaining({ seq: 2 }) as unknown })])
    const blind = await createVerifier(omitted.state, { now: NOW })
    const revoked = await blind.verify(gr.issue({ uci: REVOKED }))
    expect(revoked.valid).toBe(false)
    expect(codes(revoked)).toEqual(['ERR_REVOCATIONS_MISSING'])
    expect(revoked.reasons[0]?.message).toMatch(/GR .*seq 2/)
    // Every certificate of that country, not only revoked ones: the verifier cannot tell which are.
    expect(codes(await blind.verify(gr.issue()))).toEqual(['ERR_REVOCATIONS_MISSING'])
    expect(blind.status().countries[0]).toMatchObject({ country: 'GR', missingRevocations: { seq: 2 } })

    // The honest node's bundle fixes it.
    const fixed = await mergeBundle(omitted.state, bundleOf([list], { revocations: [r2] }), { now: NOW, home: 'GR' })
    expect(fixed.report.missingRevocations).toEqual([])
    const verifier = await createVerifier(fixed.state, { now: NOW })
    expect(codes(await verifier.verify(gr.issue({ uci: REVOKED })))).toEqual(['ERR_CERT_REVOKED'])
    expect((await verifier.verify(gr.issue())).valid).toBe(true)
    expect(verifier.status().countries[0]?.missingRevocations).toBeUndefined()
  })

  it('ATTACK: a mirror serves a frozen, older revocation list: refused until the named one arrives', async () => {
    const frozen = await firstSync(gr, [list], [r1])
    expect(frozen.state.revocationSeqs).toEqual({ GR: 1 })
    expect(frozen.report.missingRevocations).toEqual([expect.objectContaining({ country: 'GR', kind: 'older', holds: expect.objectContaining({ seq: 1 }) as unknown })])
    const blind = await createVerifier(frozen.state, { now: NOW })
    const revoked = await blind.verify(gr.issue({ uci: REVOKED }))
    expect(revoked.valid).toBe(false)
    expect(codes(revoked)).toEqual(['ERR_REVOCATIONS_MISSING'])
    expect(revoked.reasons[0]?.message).toMatch(/seq 2, but only seq 1 is held/)

    const fixed = await mergeBundle(frozen.state, bundleOf([], { revocations: [r2] }), { now: NOW, home: 'GR' })
    expect(fixed.report.missingRevocations).toEqual([])
    expect(codes(await (await createVerifier(fixed.state, { now: NOW })).verify(gr.issue({ uci: REVOKED })))).toEqual(['ERR_CERT_REVOKED'])
  })

  it('takes a revocation list newer than the pointer (the trust list may lag), and a list naming none as before', async () => {
    const c = await VerifierCountry.create('GR')
    await c.publishRevocations({ dcc: [], shc: [] })
    const lagging = await c.publish({ edit: (p) => void (p.revocationList = named(c)) })
    const newer = await c.publishRevocations(revoking(REVOKED))
    const merged = await firstSync(c, [lagging], [newer])
    expect(merged.report.missingRevocations).toEqual([])
    expect(codes(await (await createVerifier(merged.state, { now: NOW })).verify(c.issue({ uci: REVOKED })))).toEqual(['ERR_CERT_REVOKED'])

    const plain = await VerifierCountry.create('GR')
    const unnamed = await firstSync(plain, [await plain.publish()], [])
    expect(unnamed.report.missingRevocations).toEqual([])
    expect((await (await createVerifier(unnamed.state, { now: NOW })).verify(plain.issue())).valid).toBe(true)
  })

  it('ATTACK: the named seq with other bytes (the root signed two) is refused; the named one then replaces it', async () => {
    const c = await VerifierCountry.create('GR')
    const base = await c.publishRevocations({ dcc: [], shc: [] })
    const decoy = await c.publishRevocations({ dcc: [], shc: [] }, { advance: false, now: new Date(NOW.getTime() - 1000) })
    const real = await c.publishRevocations(revoking(REVOKED))
    const pointer = named(c)
    const listed = await c.publish({ edit: (p) => void (p.revocationList = pointer) })
    const tricked = await firstSync(c, [listed], [base, decoy])
    expect(tricked.report.missingRevocations).toEqual([expect.objectContaining({ country: 'GR', kind: 'other-hash' })])
    expect(codes(await (await createVerifier(tricked.state, { now: NOW })).verify(c.issue({ uci: REVOKED })))).toEqual(['ERR_REVOCATIONS_MISSING'])

    const fixed = await mergeBundle(tricked.state, bundleOf([], { revocations: [real] }), { now: NOW, home: 'GR' })
    expect(fixed.report.rejected).toEqual([])
    expect(fixed.report.missingRevocations).toEqual([])
    expect(codes(await (await createVerifier(fixed.state, { now: NOW })).verify(c.issue({ uci: REVOKED })))).toEqual(['ERR_CERT_REVOKED'])
  })

  it('re-checks on load: a bundle file edited to drop the named list is refused the same way', async () => {
    const full = await firstSync(gr, [list], [r2])
    const edited: VerifiedBundle = { ...full.state, revocations: [], revocationSeqs: {} }
    expect(codes(await (await createVerifier(edited, { now: NOW })).verify(gr.issue({ uci: REVOKED })))).toEqual(['ERR_REVOCATIONS_MISSING'])
  })

  it('ATTACK: a recognized country’s named revocation list omitted on the first sync', async () => {
    const home = await VerifierCountry.create('GR')
    const cy = await VerifierCountry.create('CY')
    await home.recognize(cy, ['vaccination'])
    const cyRevocations = await cy.publishRevocations(revoking('URN:UVCI:01:CY:GONE', 'CY'))
    const cyPointer = named(cy)
    const lists = [await home.publish(), await cy.publish({ edit: (p) => void (p.revocationList = cyPointer) })]
    const omitted = await firstSync(home, lists, [])
    expect(omitted.report.missingRevocations.map((g) => g.country)).toEqual(['CY'])
    const blind = await createVerifier(omitted.state, { now: NOW })
    expect(codes(await blind.verify(cy.issue({ uci: 'URN:UVCI:01:CY:GONE' })))).toEqual(['ERR_REVOCATIONS_MISSING'])
    // The home country names nothing: its certificates are unaffected.
    expect((await blind.verify(home.issue())).valid).toBe(true)
    const fixed = await mergeBundle(omitted.state, bundleOf([], { revocations: [cyRevocations] }), { now: NOW, home: 'GR' })
    expect(codes(await (await createVerifier(fixed.state, { now: NOW })).verify(cy.issue({ uci: 'URN:UVCI:01:CY:GONE' })))).toEqual(['ERR_CERT_REVOKED'])
  })
})

describe('syncBundle: warnings and source status for omitted or frozen revocation lists', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'entente-revocation-completeness-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('names the country, reports the omitting and the freezing mirror stale, and takes the list from the honest one', async () => {
    const gr = await VerifierCountry.create('GR')
    const r1 = await gr.publishRevocations({ dcc: [], shc: [] })
    const r2 = await gr.publishRevocations(revoking(REVOKED))
    const pointer = named(gr)
    const list = await gr.publish({ edit: (p) => void (p.revocationList = pointer) })
    const mirror = (name: string, revocations: SignedRevocationList[]) => {
      const file = path.join(dir, name)
      writeFileSync(file, JSON.stringify(bundleOf([list], { revocations })))
      return file
    }
    const omitting = mirror('omitting.json', [])
    const frozen = mirror('frozen.json', [r1])
    const honest = mirror('honest.json', [r1, r2])

    const lines: string[] = []
    const alone = await syncBundle({ sources: [omitting], home: 'GR', anchor: { thumbprint: gr.thumbprint }, out: path.join(dir, 'alone.json'), now: () => NOW, progress: (l) => lines.push(l) })
    expect(alone.sources[0]).toMatchObject({ status: 'stale', revocationsOmitted: [expect.objectContaining({ country: 'GR', kind: 'none' })] })
    expect(alone.missingRevocations.map((g) => g.country)).toEqual(['GR'])
    expect(lines).toContainEqual(expect.stringMatching(/omitting\.json: WARNING: GR names its revocation list seq 2; this source omitted it/))
    expect(lines).toContainEqual(expect.stringMatching(/^WARNING: the trust list of GR names its revocation list seq 2/))

    lines.length = 0
    const out = path.join(dir, 'three.json')
    const all = await syncBundle({ sources: [omitting, frozen, honest], home: 'GR', anchor: { thumbprint: gr.thumbprint }, out, now: () => NOW, progress: (l) => lines.push(l) })
    expect(all.sources.map((s) => s.status)).toEqual(['stale', 'stale', 'fresh'])
    expect(all.sources[1]?.revocationsOmitted).toEqual([expect.objectContaining({ country: 'GR', kind: 'older' })])
    expect(lines).toContainEqual(expect.stringMatching(/frozen\.json: WARNING: GR names its revocation list seq 2; this source served only seq 1 \(frozen\)/))
    expect(all.missingRevocations).toEqual([])
    expect(codes(await (await createVerifier(all.state, { now: NOW })).verify(gr.issue({ uci: REVOKED })))).toEqual(['ERR_CERT_REVOKED'])

    // An unchanged mirror file is not read again.
    expect((await syncBundle({ sources: [omitting], home: 'GR', out, now: () => NOW })).sources[0]?.status).toBe('not-modified')
    // Once the verifier holds it, a mirror that omits it still gets a warning, but nothing is refused.
    utimesSync(omitting, new Date(NOW.getTime() + 60_000), new Date(NOW.getTime() + 60_000))
    const later = await syncBundle({ sources: [omitting], home: 'GR', out, now: () => NOW })
    expect(later.sources[0]?.status).toBe('stale')
    expect(later.missingRevocations).toEqual([])
  })
})
