// The verifier's pure core: mergeBundle (what a sync keeps) and createVerifier (verdicts), on really signed lists,
// recognitions with real WebAuthn evidence, revocation lists and real HC1 certificates.
import { beforeAll, describe, expect, it } from 'vitest'
import type { VerifiedBundle } from '../../src/model/schema.types.js'
import { decodeRevocationList } from '../../src/revocation/decode-revocation-list.js'
import { dccRevocationHash } from '../../src/revocation/parse-revocation-request.js'
import { signatureChecks } from '../../src/certificates/signature-checks.js'
import { createVerifier } from '../../src/verifier/create-verifier.js'
import { emptyVerifiedBundle, mergeBundle } from '../../src/verifier/verify-bundle.js'
import { forgeSign } from '../helpers/country.js'
import { NOW, T0, VerifierCountry, bundleOf } from './fixtures.js'

let gr: VerifierCountry
let cy: VerifierCountry
let de: VerifierCountry
let xx: VerifierCountry

async function firstSync(lists: Parameters<typeof bundleOf>[0], extra: Parameters<typeof bundleOf>[1] = {}) {
  return mergeBundle(emptyVerifiedBundle('GR', gr.thumbprint, NOW), bundleOf(lists, extra), { now: NOW, home: 'GR', anchor: { thumbprint: gr.thumbprint } })
}

const codes = (verdict: { reasons: { code: string }[] }) => verdict.reasons.map((r) => r.code)

beforeAll(async () => {
  ;[gr, cy, de, xx] = await Promise.all(['GR', 'CY', 'DE', 'XX'].map((c) => VerifierCountry.create(c))) as [VerifierCountry, VerifierCountry, VerifierCountry, VerifierCountry]
  await gr.recognize(cy, ['vaccination'])
  await gr.recognize(de, ['test'])
})

describe('mergeBundle', () => {
  it('keeps the home list from the pin, recognized lists by thumbprint, unrecognized ones apart', async () => {
    const lists = [await gr.publish(), await cy.publish(), await de.publish(), await xx.publish()]
    const { state, report } = await firstSync(lists)
    expect(report.accepted.map((a) => a.country).sort()).toEqual(['CY', 'DE', 'GR'])
    expect(report.unrecognized).toEqual(['XX'])
    expect(report.rejected).toEqual([])
    // GR's seq 1 named its diplomat; the recognitions, approved at seq 1, came with seq 2.
    expect(state.seqs).toEqual({ GR: 2, CY: 1, DE: 1 })
    expect(state.unrecognized).toHaveLength(1)
    expect(state.pinnedRoot).toBe(gr.thumbprint)
  })

  it('first sync: a home list whose recognitions claim an earlier epoch is never taken on its own (root-only forgery)', async () => {
    const h = await VerifierCountry.create('GR')
    const c = await VerifierCountry.create('CN')
    const first = await h.publish()
    // The root holder alone: "a new epoch started here", and CN recognized by "earlier" approvals of random bytes.
    const junk = { credentialId: 'AAAA', nonce: 'AAAAAAAAAAAAAAAAAAAAAA', head: { seq: 1, hash: 'a'.repeat(64) }, authenticatorData: 'AAAA', clientDataJSON: 'AAAA', signature: 'AAAA' }
    const forged = await h.publish({
      edit: (p) => {
        p.changes = ['governance']
        p.governance = { since: p.seq }
        p.recognitions = [{ country: 'CN', rootThumbprint: c.thumbprint, scopes: ['vaccination'], approvals: [junk] }]
      },
    })
    const fresh = emptyVerifiedBundle('GR', h.thumbprint, NOW)
    await expect(mergeBundle(fresh, bundleOf([forged, await c.publish()]), { now: NOW, home: 'GR', anchor: { thumbprint: h.thumbprint } })).rejects.toMatchObject({
      code: 'ERR_TRUST_LIST_WRONG_ROOT',
    })
    // Walking from the first list judges the change against it, and the forgery fails there.
    const walked = await mergeBundle(fresh, bundleOf([forged, await c.publish()]), { now: NOW, home: 'GR', anchor: { thumbprint: h.thumbprint }, homeChain: [first] })
    expect(walked.state.seqs.GR).toBe(1)
    expect(walked.report.rejected).toEqual(expect.arrayContaining([expect.objectContaining({ country: 'GR' })]))
    const verifier = await createVerifier(walked.state, { now: NOW })
    expect((await verifier.verify(c.issue())).valid).toBe(false)
  })

  it('refuses a home list under another root, and a first sync without a pin', async () => {
    const impostor = await VerifierCountry.create('GR')
    await expect(firstSync([await impostor.publish()])).rejects.toMatchObject({ code: 'ERR_TRUST_LIST_WRONG_ROOT' })
    await expect(mergeBundle(emptyVerifiedBundle('GR', gr.thumbprint, NOW), bundleOf([]), { now: NOW, home: 'GR' })).rejects.toMatchObject({ code: 'ERR_USAGE' })
  })

  it('rejects a foreign list signed by a root the recognition does not name', async () => {
    const fakeCy = await VerifierCountry.create('CY')
    const { report, state } = await firstSync([gr.tc.head!.signed, await fakeCy.publish()])
    expect(report.rejected).toEqual([expect.objectContaining({ country: 'CY', code: 'ERR_TRUST_LIST_WRONG_ROOT' })])
    expect(state.seqs.CY).toBeUndefined()
  })

  it('never rolls back, whichever source serves the older list; newer lists chain on', async () => {
    const old = { gr: gr.tc.head!.signed, cy: cy.tc.head!.signed }
    const first = await firstSync([old.gr, old.cy])
    const newer = { gr: await gr.publish(), cy: await cy.publish() }
    const second = await mergeBundle(first.state, bundleOf([newer.gr, newer.cy]), { now: NOW, home: 'GR' })
    expect(second.state.seqs).toMatchObject({ GR: 3, CY: 2 })
    // "Another source" still serving seq 1: reported stale, nothing replaced.
    const third = await mergeBundle(second.state, bundleOf([old.gr, old.cy]), { now: NOW, home: 'GR' })
    expect(third.report.stale.map((s) => s.country).sort()).toEqual(['CY', 'GR'])
    expect(third.state.lists).toEqual(second.state.lists)
  })

  it('follows a home root rotation only through the handover chain', async () => {
    const h = await VerifierCountry.create('GR')
    const l1 = await h.publish()
    const pin = h.thumbprint
    const l2 = await h.tc.rotate({ now: T0 })
    const l3 = await h.publish()
    const fresh = emptyVerifiedBundle('GR', pin, NOW)
    // Only the newest list, signed by the new root alone: not provable from the pin.
    await expect(mergeBundle(fresh, bundleOf([l3.valueOf() as never]), { now: NOW, home: 'GR', anchor: { thumbprint: pin } })).rejects.toMatchObject({ code: 'ERR_TRUST_LIST_WRONG_ROOT' })
    const { state } = await mergeBundle(fresh, bundleOf([l3]), { now: NOW, home: 'GR', anchor: { thumbprint: pin }, homeChain: [l1, l2.signed] })
    expect(state.seqs.GR).toBe(3)
    expect(state.pinnedRoot).toBe(h.thumbprint)
    // A held list follows a later rotation by itself when the handover list arrives.
    const l4 = await h.tc.rotate({ now: T0 })
    const next = await mergeBundle(state, bundleOf([l4.signed]), { now: NOW, home: 'GR' })
    expect(next.state.pinnedRoot).toBe(h.thumbprint)
  })

  it('moves a country whose recognition is withdrawn to the unrecognized lists, keeping its seq', async () => {
    const h = await VerifierCountry.create('GR')
    const c = await VerifierCountry.create('CY')
    await h.recognize(c)
    const first = await mergeBundle(emptyVerifiedBundle('GR', h.thumbprint, NOW), bundleOf([await h.publish(), await c.publish()]), {
      now: NOW,
      home: 'GR',
      anchor: { thumbprint: h.thumbprint },
    })
    h.withdraw('CY')
    const second = await mergeBundle(first.state, bundleOf([await h.publish()]), { now: NOW, home: 'GR' })
    expect(second.state.lists).toHaveLength(1)
    expect(second.report.unrecognized).toEqual(['CY'])
    expect(second.state.seqs.CY).toBe(1)
    // Recognized again: the held list is promoted without a new publish.
    await h.recognize(c)
    const third = await mergeBundle(second.state, bundleOf([await h.publish()]), { now: NOW, home: 'GR' })
    expect(third.state.lists).toHaveLength(2)
  })

  it('turns two validly signed lists with one seq into an alarm, and ignores forged proofs', async () => {
    const h = await VerifierCountry.create('GR')
    const c = await VerifierCountry.create('CY')
    await h.recognize(c)
    const first = await mergeBundle(emptyVerifiedBundle('GR', h.thumbprint, NOW), bundleOf([await h.publish(), await c.publish()]), {
      now: NOW,
      home: 'GR',
      anchor: { thumbprint: h.thumbprint },
    })
    c.tc.head = undefined
    const fork = await c.publish({ edit: (p) => void (p.rules = { testMaxAgeHours: 48 }) })
    const merged = await mergeBundle(first.state, bundleOf([fork]), { now: NOW, home: 'GR' })
    expect(merged.report.alarms).toEqual([{ country: 'CY', seq: 1, isNew: true }])
    const verifier = await createVerifier(merged.state, { now: NOW })
    expect(codes(await verifier.verify(c.issue()))).toContain('ERR_NOT_RECOGNIZED_EQUIVOCATION')

    // A "proof" against GR under a key of the forger's own does not count.
    const forger = await VerifierCountry.create('GR')
    const a = await forger.publish()
    forger.tc.head = undefined
    const b = await forger.publish({ edit: (p) => void (p.rules = { testMaxAgeHours: 48 }) })
    const forged = { type: 'entente.equivocation-proof' as const, version: 1 as const, country: 'GR', seq: 1, lists: [a, b] }
    const after = await mergeBundle(first.state, bundleOf([], { alarms: [forged] }), { now: NOW, home: 'GR' })
    expect(after.state.alarms).toEqual([])
    expect(after.report.rejected).toEqual([expect.objectContaining({ country: 'GR', code: 'ERR_EQUIVOCATION_PROOF_INVALID' })])
  })

  it('keeps revocation lists only under the root of a trusted country, chained and never rolled back', async () => {
    const h = await VerifierCountry.create('GR')
    const c = await VerifierCountry.create('CY')
    const u = await VerifierCountry.create('XX')
    await h.recognize(c)
    const r1 = await c.publishRevocations({ dcc: [{ hashType: 'UCI', hash: dccRevocationHash('UCI', 'URN:UVCI:01:CY:A', 'CY') }], shc: [] })
    const forged = await (await VerifierCountry.create('CY')).publishRevocations({ dcc: [], shc: [] })
    const first = await mergeBundle(emptyVerifiedBundle('GR', h.thumbprint, NOW), bundleOf([await h.publish(), await c.publish(), await u.publish()], {
      revocations: [r1, forged, await u.publishRevocations({ dcc: [], shc: [] })],
    }), { now: NOW, home: 'GR', anchor: { thumbprint: h.thumbprint } })
    expect(first.report.revocations).toEqual([{ country: 'CY', seq: 1 }])
    expect(first.report.rejected).toEqual([expect.objectContaining({ country: 'CY', code: 'ERR_REVOCATION_WRONG_ROOT' })])
    expect(first.state.revocations).toEqual([r1])
    const r2 = await c.publishRevocations({ dcc: [], shc: [] })
    const second = await mergeBundle(first.state, bundleOf([], { revocations: [r2] }), { now: NOW, home: 'GR' })
    expect(second.state.revocationSeqs).toEqual({ CY: 2 })
    const third = await mergeBundle(second.state, bundleOf([], { revocations: [r1] }), { now: NOW, home: 'GR' })
    expect(third.report.stale).toEqual([{ country: 'CY', seq: 1, heldSeq: 2 }])
    expect(third.state.revocations).toEqual([r2])
  })
})

describe('createVerifier', () => {
  let state: VerifiedBundle
  let revokedUci: string
  beforeAll(async () => {
    revokedUci = 'URN:UVCI:01:CY:REVOKED1'
    const h = gr
    const revocations = await cy.publishRevocations({ dcc: [{ hashType: 'UCI', hash: dccRevocationHash('UCI', revokedUci, 'CY') }], shc: [] })
    // GR revokes the same UCI hash too: a country's revocations must not touch another country's certificates.
    const grRevocations = await h.publishRevocations({ dcc: [{ hashType: 'UCI', hash: dccRevocationHash('UCI', 'URN:UVCI:01:DE:X', 'DE') }], shc: [] })
    const merged = await firstSync([await h.publish(), await cy.publish(), await de.publish(), await xx.publish()], { revocations: [revocations, grRevocations] })
    state = merged.state
  })

  it('passes home and recognized certificates, reports the unrecognized and the unrecognized scope', async () => {
    const verifier = await createVerifier(state, { now: NOW })
    expect(await verifier.verify(gr.issue())).toMatchObject({ valid: true, issuer: 'GR' })
    expect(await verifier.verify(cy.issue())).toMatchObject({ valid: true, issuer: 'CY' })
    const unrecognized = await verifier.verify(xx.issue())
    expect(unrecognized.valid).toBe(false)
    expect(codes(unrecognized)).toEqual(['ERR_NOT_RECOGNIZED'])
    // DE is recognized for tests only.
    expect(codes(await verifier.verify(de.issue()))).toContain('ERR_NOT_RECOGNIZED_SCOPE')
    expect(verifier.status().countries.map((c) => [c.country, c.role])).toEqual([
      ['GR', 'home'],
      ['CY', 'recognized'],
      ['DE', 'recognized'],
      ['XX', 'unrecognized'],
    ])
  })

  it('rejects a certificate its country revoked, and only that country’s', async () => {
    const verifier = await createVerifier(state, { now: NOW })
    expect(codes(await verifier.verify(cy.issue({ uci: revokedUci })))).toEqual(['ERR_CERT_REVOKED'])
    expect((await verifier.verify(cy.issue({ uci: 'URN:UVCI:01:CY:FINE' }))).valid).toBe(true)
    // GR's list names the hash of a DE UCI: DE certificates are judged by DE's revocations only.
    expect(codes(await verifier.verify(de.issue({ uci: 'URN:UVCI:01:DE:X' })))).not.toContain('ERR_CERT_REVOKED')
  })

  it('one signature check per verdict, also for a country with a revocation list', async () => {
    const verifier = await createVerifier(state, { now: NOW })
    for (const [payload, valid] of [
      [cy.issue({ uci: revokedUci }), false],
      [cy.issue(), true],
      [gr.issue(), true],
    ] as const) {
      const before = signatureChecks()
      expect((await verifier.verify(payload)).valid).toBe(valid)
      expect(signatureChecks() - before).toBe(1)
    }
  })

  it('fails closed when a revocation list it once held is missing (dropped by a mirror or a rotation)', async () => {
    const stripped: VerifiedBundle = { ...state, revocations: (state.revocations ?? []).filter((r) => decodeRevocationList(r).payload.country !== 'CY') }
    const verifier = await createVerifier(stripped, { now: NOW })
    const verdict = await verifier.verify(cy.issue({ uci: revokedUci }))
    expect(verdict.valid).toBe(false)
    expect(codes(verdict)[0]).toBe('ERR_EXPIRED_TRUST_LIST')
    expect(verdict.reasons[0]?.message).toMatch(/revocation list of CY .* is no longer held/)
  })

  it('fails on expired trust data after the grace period, naming the trust data, not the certificate', async () => {
    const late = new Date(Date.parse(gr.tc.head!.payload.expiresAt) + 3_600_000)
    const strict = await createVerifier(state, { now: late })
    const verdict = await strict.verify(gr.issue())
    expect(verdict.valid).toBe(false)
    expect(codes(verdict)[0]).toBe('ERR_EXPIRED_TRUST_LIST')
    expect(verdict.reasons[0]?.message).toMatch(/home trust list of GR expired/)
    const lenient = await createVerifier(state, { now: late, graceSeconds: 2 * 3600 })
    // Within the grace of the lists; the 7-day revocation lists are older still, and they count as trust data too.
    const graced = await lenient.verify(gr.issue())
    expect(codes(graced)).toEqual(['ERR_EXPIRED_TRUST_LIST'])
    expect(graced.reasons[0]?.message).toMatch(/revocation list of GR expired/)
    const longer = await createVerifier(state, { now: late, graceSeconds: 30 * 86_400 })
    expect((await longer.verify(gr.issue())).valid).toBe(true)
    await expect(createVerifier(state, { graceSeconds: -1 })).rejects.toMatchObject({ code: 'ERR_USAGE' })
  })

  it('re-verifies on load: an edited bundle file fails as a whole', async () => {
    const list = state.lists[1]!
    const tampered = { ...state, lists: [state.lists[0]!, { ...list, payload: `${list.payload.slice(0, -4)}AAAA` }, ...state.lists.slice(2)] }
    await expect(createVerifier(tampered, { now: NOW })).rejects.toMatchObject({ code: 'ERR_BUNDLE_INVALID' })
    // A list of an unrecognized country moved into the trusted set.
    await expect(createVerifier({ ...state, lists: [...state.lists, ...state.unrecognized] }, { now: NOW })).rejects.toMatchObject({ code: 'ERR_BUNDLE_INVALID' })
    await expect(createVerifier({ ...state, pinnedRoot: xx.thumbprint }, { now: NOW })).rejects.toMatchObject({ code: 'ERR_BUNDLE_INVALID' })
    await expect(createVerifier({ nope: 1 })).rejects.toMatchObject({ code: 'ERR_BUNDLE_INVALID' })
    // An app that pins its root itself.
    await expect(createVerifier(state, { now: NOW, expectedRoot: { thumbprint: xx.thumbprint } })).rejects.toMatchObject({ code: 'ERR_BUNDLE_INVALID' })
  })

  it('an unrecognized list cannot shadow a recognized signer (no denial of service by a self-signed list)', async () => {
    const shadow = await VerifierCountry.create('ZZ')
    shadow.tc.draft.signers = [cy.dsc.signer]
    const merged = await mergeBundle(state, bundleOf([await shadow.publish()]), { now: NOW, home: 'GR' })
    expect(merged.report.unrecognized).toContain('ZZ')
    const verifier = await createVerifier(merged.state, { now: NOW })
    expect(await verifier.verify(cy.issue())).toMatchObject({ valid: true, issuer: 'CY' })
  })

  it('forged trust-list signatures never enter a bundle', async () => {
    const payload = { ...cy.tc.head!.payload, seq: 99 }
    const forged = await forgeSign(payload, [xx.tc.root], { kid: cy.thumbprint })
    const merged = await mergeBundle(state, bundleOf([forged]), { now: NOW, home: 'GR' })
    expect(merged.report.rejected[0]?.code).toMatch(/^ERR_TRUST_LIST_/)
    expect(merged.state.seqs.CY).toBe(state.seqs.CY)
  })
})
