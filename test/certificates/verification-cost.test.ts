// What one verdict costs, counted rather than timed: signature checks per verdict (one for a known kid, a bounded few
// for an unknown one), one revocation question asked after the signature, and DSCs parsed only when used.
import { createHash } from 'node:crypto'
import { beforeAll, describe, expect, it } from 'vitest'
import { MAX_KID_DIAGNOSIS_CHECKS } from '../../src/certificates/dcc/verify-dcc.js'
import { prepareTrust } from '../../src/certificates/prepare-trust.js'
import { revocationCallback, revocationSets, setLookup, type IsRevoked, type RevocationCheck } from '../../src/certificates/revocation-check.js'
import { signatureChecks } from '../../src/certificates/signature-checks.js'
import type { DccSigner, TrustMaterial } from '../../src/certificates/trust-material.types.js'
import type { Verdict } from '../../src/certificates/verdict.types.js'
import { verifyCertificate } from '../../src/certificates/verify-certificate.js'
import type { RevocationPartitionPayload } from '../../src/model/schema.types.js'
import { createRevocationLookup } from '../../src/revocation/revocation-lookup.js'
import { makeDsc, makeHc1, makeShcKey, shcPayload, signShc, type TestDsc, type TestShcKey } from './fixtures.js'

const NOW = new Date('2021-09-01T00:00:00Z')
const ISSUER = 'https://issuer.example/shc'
const UCI = 'URN:UVCI:01:XA:TEST1234#0'

let dsc: TestDsc
let shcKey: TestShcKey

beforeAll(async () => {
  ;[dsc, shcKey] = await Promise.all([makeDsc(), makeShcKey()])
})

const sha256 = (text: string | Uint8Array) => createHash('sha256').update(text).digest()
const codes = (verdict: Verdict) => verdict.reasons.map((r) => r.code)

/** The verdict and how many signature checks it took. */
async function counted(payload: string, material: TrustMaterial, isRevoked?: IsRevoked): Promise<{ verdict: Verdict; checks: number }> {
  const trust = await prepareTrust(material)
  const before = signatureChecks()
  const verdict = await verifyCertificate(payload, trust, { now: NOW, ...(isRevoked === undefined ? {} : { isRevoked }) })
  return { verdict, checks: signatureChecks() - before }
}

function recording(answer: ReturnType<IsRevoked> = undefined): { isRevoked: IsRevoked; asked: RevocationCheck[] } {
  const asked: RevocationCheck[] = []
  return {
    asked,
    isRevoked: (check) => {
      asked.push(check)
      return answer
    },
  }
}

describe('one signature check per verdict', () => {
  it('DCC: revocation is asked once, after the signature, with the issuing country and the full hashes', async () => {
    const spy = recording()
    const { verdict, checks } = await counted(makeHc1(dsc), { signers: { XA: [dsc.signer()] } }, spy.isRevoked)
    expect(verdict.valid).toBe(true)
    expect(checks).toBe(1)
    expect(spy.asked).toHaveLength(1)
    const check = spy.asked[0]
    expect(check).toMatchObject({ format: 'dcc', country: 'XA', kid: dsc.kid })
    if (check?.format !== 'dcc') throw new Error('not a DCC check')
    expect(Buffer.from(check.hashes.UCI ?? [])).toEqual(sha256(UCI))
    expect(Buffer.from(check.hashes.COUNTRYCODEUCI ?? [])).toEqual(sha256(`XA${UCI}`))
    expect(check.hashes.SIGNATURE).toHaveLength(32)
  })

  it('DCC: a revoked certificate is still one check; a forged one is never asked about', async () => {
    const revoked = await counted(makeHc1(dsc), { signers: { XA: [dsc.signer()] } }, recording({ format: 'dcc', hashType: 'COUNTRYCODEUCI' }).isRevoked)
    expect(codes(revoked.verdict)).toEqual(['ERR_CERT_REVOKED'])
    expect(revoked.verdict.reasons[0]?.message).toMatch(/COUNTRYCODEUCI/)
    expect(revoked.checks).toBe(1)
    const spy = recording({ format: 'dcc', hashType: 'UCI' })
    const forged = await counted(makeHc1(dsc, { corruptSignature: true }), { signers: { XA: [dsc.signer()] } }, spy.isRevoked)
    expect(codes(forged.verdict)).toEqual(['ERR_SIGNATURE'])
    expect(spy.asked).toEqual([])
  })

  it('DCC: the material’s own revocations (the set-backed default) cost no second check', async () => {
    const material: TrustMaterial = {
      signers: { XA: [dsc.signer()] },
      revokedCertificates: [{ format: 'dcc', hashType: 'UCI', hash: sha256(UCI).subarray(0, 16).toString('base64') }],
    }
    const { verdict, checks } = await counted(makeHc1(dsc), material)
    expect(codes(verdict)).toEqual(['ERR_CERT_REVOKED'])
    expect(checks).toBe(1)
  })

  it('per-country lookups: a country’s revocations apply only to its own certificates', async () => {
    const lookup = setLookup(revocationSets([{ format: 'dcc', hashType: 'UCI', hash: sha256(UCI).toString('base64') }]))
    const material: TrustMaterial = { signers: { XA: [dsc.signer()] } }
    const ofXa = await counted(makeHc1(dsc), material, revocationCallback((country) => (country === 'XA' ? lookup : undefined)))
    expect(codes(ofXa.verdict)).toEqual(['ERR_CERT_REVOKED'])
    expect(ofXa.checks).toBe(1)
    const ofXb = await counted(makeHc1(dsc), material, revocationCallback((country) => (country === 'XB' ? lookup : undefined)))
    expect(ofXb.verdict.valid).toBe(true)
  })

  it('the compact partition lookup plugs into the same callback', async () => {
    const partition = {
      type: 'entente.revocation-partition',
      version: 1,
      country: 'XA',
      id: 'dcc/COUNTRYCODEUCI/',
      dcc: sha256(`XA${UCI}`).subarray(0, 16).toString('base64'),
      shc: [],
    } as unknown as RevocationPartitionPayload
    const lookup = createRevocationLookup([partition])
    const { verdict, checks } = await counted(makeHc1(dsc), { signers: { XA: [dsc.signer()] } }, revocationCallback((country) => (country === 'XA' ? lookup : undefined)))
    expect(codes(verdict)).toEqual(['ERR_CERT_REVOKED'])
    expect(verdict.reasons[0]?.message).toMatch(/COUNTRYCODEUCI/)
    expect(checks).toBe(1)
  })

  it('DCC: one DER listed twice under one kid is checked once, even when the signature fails', async () => {
    const { verdict, checks } = await counted(makeHc1(dsc, { corruptSignature: true }), { signers: { XA: [dsc.signer()], '*': [dsc.signer()] } })
    expect(codes(verdict)).toEqual(['ERR_SIGNATURE'])
    expect(checks).toBe(1)
  })

  it('SHC: one check; the rid question carries issuer, kid and issuance time, and a dated hit names it', async () => {
    const nbf = Date.parse('2021-06-01T00:00:00Z') / 1000
    const jws = signShc(shcKey, shcPayload({ iss: ISSUER, rid: 'abc', nbf }))
    const spy = recording()
    const material: TrustMaterial = { signers: { XA: [shcKey.signer(ISSUER)] } }
    const fine = await counted(jws, material, spy.isRevoked)
    expect(fine.verdict.valid).toBe(true)
    expect(fine.checks).toBe(1)
    expect(spy.asked).toEqual([{ format: 'shc', country: 'XA', issuer: ISSUER, kid: shcKey.kid, rid: 'abc', iat: new Date(nbf * 1000) }])
    const at = new Date('2021-07-01T00:00:00Z')
    const revoked = await counted(jws, material, () => ({ format: 'shc', revokedAt: at }))
    expect(codes(revoked.verdict)).toEqual(['ERR_CERT_REVOKED'])
    expect(revoked.verdict.reasons[0]?.message).toContain(at.toISOString())
    expect(revoked.checks).toBe(1)
  })
})

describe('unknown-kid diagnosis is bounded', () => {
  it('tries at most a small constant number of signers of the claimed country, and says it stopped short', async () => {
    expect(MAX_KID_DIAGNOSIS_CHECKS).toBeLessThanOrEqual(3)
    const signers = await Promise.all(Array.from({ length: MAX_KID_DIAGNOSIS_CHECKS + 4 }, () => makeDsc()))
    const material: TrustMaterial = { signers: { XA: signers.map((s) => s.signer()) } }
    // Signed by a key the trust does not hold, under a kid nobody has: a free QR code for an attacker.
    const { verdict, checks } = await counted(makeHc1(dsc), material)
    expect(codes(verdict)).toEqual(['ERR_KEY_UNKNOWN'])
    expect(checks).toBe(MAX_KID_DIAGNOSIS_CHECKS)
    expect(verdict.reasons[0]?.message).toContain(`limited to ${MAX_KID_DIAGNOSIS_CHECKS} of ${signers.length} signers of XA`)
  })

  it('still finds a kid mismatch within the budget, and says nothing of limits when every signer was tried', async () => {
    const wrongKid = makeHc1(dsc, { kid: Buffer.alloc(8, 7).toString('base64') })
    const mismatch = await counted(wrongKid, { signers: { XA: [dsc.signer()] } })
    expect(codes(mismatch.verdict)).toEqual(['ERR_KID_MISMATCH'])
    expect(mismatch.checks).toBe(1)
    const other = await makeDsc()
    const unknown = await counted(makeHc1(dsc), { signers: { XA: [other.signer()] } })
    expect(codes(unknown.verdict)).toEqual(['ERR_KEY_UNKNOWN'])
    expect(unknown.verdict.reasons[0]?.message).not.toMatch(/limited/)
  })
})

describe('DSCs are parsed on first use', () => {
  // Not X.509, but listed under its true kid: only parsing can tell.
  const junk = Buffer.from('not a certificate, yet its kid is right')
  const junkSigner: DccSigner = {
    format: 'dcc',
    kid: sha256(junk).subarray(0, 8).toString('base64'),
    certificate: junk.toString('base64'),
    usage: ['vaccination'],
  }

  it('a DSC that does not parse is the coded reason of a certificate naming it, and unknown before', async () => {
    const trust = await prepareTrust({ signers: { XA: [junkSigner, dsc.signer()] } })
    // Copying a prepared trust (as a verifier does per country) parses nothing either.
    expect({ ...trust }.rejected.size).toBe(0)
    expect(trust.rejected.size).toBe(0)
    const verdict = await verifyCertificate(makeHc1(dsc, { kid: junkSigner.kid }), trust, { now: NOW })
    expect(codes(verdict)).toEqual(['ERR_DECODE_SIGNER'])
    expect(verdict.reasons[0]?.message).toMatch(/unusable/)
    expect(trust.rejected.get(junkSigner.kid)?.code).toBe('ERR_DECODE_SIGNER')
    expect((await verifyCertificate(makeHc1(dsc), trust, { now: NOW })).valid).toBe(true)
  })

  it('an entry whose kid is not its DER’s never verifies a certificate, though its key would: found on first use', async () => {
    const mismatched = { ...dsc.signer(), kid: junkSigner.kid }
    const trust = await prepareTrust({ signers: { XA: [mismatched] } })
    expect(trust.rejected.size).toBe(0)
    const verdict = await verifyCertificate(makeHc1(dsc, { kid: junkSigner.kid }), trust, { now: NOW })
    expect(verdict.valid).toBe(false)
    expect(codes(verdict)).toEqual(['ERR_KID_MISMATCH'])
    expect(trust.rejected.get(junkSigner.kid)?.code).toBe('ERR_KID_MISMATCH')
  })

  it('listing the problems parses every DSC, in trust-material order', async () => {
    const mismatched = { ...dsc.signer(), kid: junkSigner.kid }
    const trust = await prepareTrust({ signers: { XA: [junkSigner, dsc.signer(), mismatched] } })
    expect(trust.problems.map((p) => [p.code, p.kid])).toEqual([
      ['ERR_DECODE_SIGNER', junkSigner.kid],
      ['ERR_KID_MISMATCH', junkSigner.kid],
    ])
  })
})
