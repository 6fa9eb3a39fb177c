// One test per verification step and reason code, on really signed certificates: each fails if its check is removed.
import { createHash } from 'node:crypto'
import { deflateSync } from 'node:zlib'
import { encode as base45 } from '@digitalbazaar/base45'
import { beforeAll, describe, expect, it } from 'vitest'
import { prepareTrust } from '../../src/certificates/prepare-trust.js'
import { loadDccSchema } from '../../src/config/reference-data.js'
import { verifyCertificate } from '../../src/certificates/verify-certificate.js'
import type { Policy, TrustMaterial } from '../../src/certificates/trust-material.types.js'
import type { Verdict } from '../../src/certificates/verdict.types.js'
import { makeDsc, makeHc1, makeShcKey, shcPayload, signShc, toShcQr, vaccinationHcert, type TestDsc, type TestShcKey } from './fixtures.js'

const NOW = new Date('2021-09-01T00:00:00Z')
const dccSchema = (await loadDccSchema()) as object
const ISSUER = 'https://issuer.example/shc'

const policy: Policy = {
  vaccines: [
    { product: 'EU/1/20/1528', dosesForCompletion: 2, validityDays: 270, daysAfterLastDose: 14 },
    { product: 'EU/1/20/1525', dosesForCompletion: 1, validityDays: 270, daysAfterLastDose: 14 },
  ],
  rules: { testMaxAgeHours: 72, recoveryValidityDays: 180 },
}

let dsc: TestDsc
let other: TestDsc
let shcKey: TestShcKey

beforeAll(async () => {
  ;[dsc, other, shcKey] = await Promise.all([makeDsc(), makeDsc({ country: 'XB' }), makeShcKey()])
})

async function verify(payload: string, trust: TrustMaterial, options: { now?: Date; showHolder?: boolean } = {}): Promise<Verdict> {
  return verifyCertificate(payload, await prepareTrust(trust, { dccSchema }), { now: options.now ?? NOW, showHolder: options.showHolder })
}

function codes(verdict: Verdict): string[] {
  return verdict.reasons.map((r) => r.code)
}

const direct = (): TrustMaterial => ({ signers: { XA: [dsc.signer()] } })

describe('DCC verdict steps', () => {
  it('a valid certificate passes, names its issuer, kid and type, and hides the holder by default', async () => {
    const verdict = await verify(makeHc1(dsc), direct())
    expect(verdict).toMatchObject({ valid: true, format: 'dcc', issuer: 'XA', kid: dsc.kid, type: 'vaccination', reasons: [] })
    expect(verdict.holder).toBeUndefined()
    expect(JSON.stringify(verdict)).not.toMatch(/Musterfrau|1964-08-12|URN:UVCI/)
  })

  it('shows the holder only when asked', async () => {
    const verdict = await verify(makeHc1(dsc), direct(), { showHolder: true })
    expect(verdict.holder).toEqual({ name: 'Erika Musterfrau', dateOfBirth: '1964-08-12', certificateId: 'URN:UVCI:01:XA:TEST1234#0' })
  })

  it('forged signature → ERR_SIGNATURE', async () => {
    expect(codes(await verify(makeHc1(dsc, { corruptSignature: true }), direct()))).toEqual(['ERR_SIGNATURE'])
  })

  it('PS256 and ES384 signers verify; a header alg that does not fit the key is rejected', async () => {
    const [rsa, p384] = await Promise.all([makeDsc({ alg: 'PS256' }), makeDsc({ alg: 'ES384' })])
    expect((await verify(makeHc1(rsa), { signers: { XA: [rsa.signer()] } })).valid).toBe(true)
    expect((await verify(makeHc1(p384), { signers: { XA: [p384.signer()] } })).valid).toBe(true)
    const mislabelled = makeHc1({ ...p384, alg: 'ES256' })
    expect(codes(await verify(mislabelled, { signers: { XA: [p384.signer()] } }))).toEqual(['ERR_SIGNATURE_ALG_MISMATCH'])
  })

  it('kid of another signer while the key verifies → ERR_KID_MISMATCH; nobody verifies → ERR_KEY_UNKNOWN', async () => {
    const wrongKid = makeHc1(dsc, { kid: Buffer.alloc(8, 7).toString('base64') })
    expect(codes(await verify(wrongKid, direct()))).toEqual(['ERR_KID_MISMATCH'])
    expect(codes(await verify(makeHc1(dsc), { signers: { XB: [other.signer()] } }))).toEqual(['ERR_KEY_UNKNOWN'])
  })

  it('DSC extended key usage and the signer entry usage restrict types → ERR_KEY_USAGE', async () => {
    const testOnly = await makeDsc({ eku: ['test'] })
    expect(codes(await verify(makeHc1(testOnly), { signers: { XA: [testOnly.signer()] } }))).toEqual(['ERR_KEY_USAGE'])
    expect(codes(await verify(makeHc1(dsc), { signers: { XA: [dsc.signer(['test'])] } }))).toEqual(['ERR_KEY_USAGE'])
    const vacc = await makeDsc({ eku: ['vaccination'] })
    expect((await verify(makeHc1(vacc), { signers: { XA: [vacc.signer()] } })).valid).toBe(true)
  })

  it('expired → ERR_EXPIRED; issued in the future → ERR_NOT_YET_VALID; DSC window → ERR_*_SIGNER', async () => {
    expect(codes(await verify(makeHc1(dsc, { exp: Date.parse('2021-08-01T00:00:00Z') / 1000 }), direct()))).toEqual(['ERR_EXPIRED'])
    expect(codes(await verify(makeHc1(dsc, { iat: Date.parse('2021-10-01T00:00:00Z') / 1000 }), direct()))).toEqual(['ERR_NOT_YET_VALID'])
    const old = await makeDsc({ notAfter: new Date('2021-07-01T00:00:00Z') })
    expect(codes(await verify(makeHc1(old), { signers: { XA: [old.signer()] } }))).toEqual(['ERR_EXPIRED_SIGNER'])
    const early = await makeDsc({ notBefore: new Date('2022-01-01T00:00:00Z') })
    expect(codes(await verify(makeHc1(early), { signers: { XA: [early.signer()] } }))).toEqual(['ERR_NOT_YET_VALID_SIGNER'])
    const windowed = { ...dsc.signer(), validUntil: '2021-08-01T00:00:00Z' }
    expect(codes(await verify(makeHc1(dsc), { signers: { XA: [windowed] } }))).toEqual(['ERR_EXPIRED_SIGNER'])
  })

  it('revoked signer → ERR_SIGNER_REVOKED from revokedAt on', async () => {
    const trust = { ...direct(), revokedSigners: [{ kid: dsc.kid, revokedAt: '2021-08-01T00:00:00Z', reason: 'key-compromise' as const }] }
    expect(codes(await verify(makeHc1(dsc), trust))).toEqual(['ERR_SIGNER_REVOKED'])
    expect((await verify(makeHc1(dsc), trust, { now: new Date('2021-07-01T00:00:00Z') })).valid).toBe(true)
  })

  it('revoked certificate by UCI, country+UCI or signature hash → ERR_CERT_REVOKED', async () => {
    const uci = 'URN:UVCI:01:XA:TEST1234#0'
    const h = (s: string) => createHash('sha256').update(s).digest().subarray(0, 16).toString('base64')
    for (const revoked of [
      { format: 'dcc' as const, hashType: 'UCI' as const, hash: h(uci) },
      { format: 'dcc' as const, hashType: 'COUNTRYCODEUCI' as const, hash: createHash('sha256').update(`XA${uci}`).digest().toString('base64') },
    ]) {
      expect(codes(await verify(makeHc1(dsc), { ...direct(), revokedCertificates: [revoked] }))).toEqual(['ERR_CERT_REVOKED'])
    }
    expect((await verify(makeHc1(dsc), { ...direct(), revokedCertificates: [{ format: 'dcc', hashType: 'UCI', hash: h('other') }] })).valid).toBe(true)
  })

  it('valid signature from an unrecognized country → ERR_NOT_RECOGNIZED, never valid', async () => {
    const trust: TrustMaterial = { signers: { XA: [dsc.signer()], XB: [other.signer()] }, home: 'XA', recognition: [] }
    const verdict = await verify(makeHc1(other, { iss: 'XB' }), trust)
    expect(verdict.valid).toBe(false)
    expect(codes(verdict)).toEqual(['ERR_NOT_RECOGNIZED'])
    expect((await verify(makeHc1(dsc), trust)).valid).toBe(true)
    const scoped = { ...trust, recognition: [{ country: 'XB', scopes: ['test' as const] }] }
    expect(codes(await verify(makeHc1(other, { iss: 'XB' }), scoped))).toEqual(['ERR_NOT_RECOGNIZED_SCOPE'])
    const recognized = { ...trust, recognition: [{ country: 'XB', scopes: ['vaccination' as const] }] }
    expect((await verify(makeHc1(other, { iss: 'XB' }), recognized)).valid).toBe(true)
  })

  it('policy: unaccepted vaccine, incomplete doses, too recent and outside validity days', async () => {
    const trust = { ...direct(), policy }
    expect((await verify(makeHc1(dsc), trust)).valid).toBe(true)
    const sputnik = makeHc1(dsc, { hcert: vaccinationHcert({ mp: 'Sputnik-V' }) })
    expect(codes(await verify(sputnik, trust))).toEqual(['ERR_POLICY_VACCINE_NOT_ACCEPTED'])
    expect(codes(await verify(makeHc1(dsc, { hcert: vaccinationHcert({ dn: 1 }) }), trust))).toEqual(['ERR_POLICY_DOSES_INCOMPLETE'])
    expect(codes(await verify(makeHc1(dsc, { hcert: vaccinationHcert({ dt: '2021-08-25' }) }), trust))).toEqual(['ERR_POLICY_VACCINATION_TOO_RECENT'])
    expect(codes(await verify(makeHc1(dsc), trust, { now: new Date('2022-03-01T00:00:00Z') }))).toEqual(['ERR_POLICY_VACCINATION_EXPIRED'])
    const restricted = { ...trust, home: 'XX', recognition: [{ country: 'XA', scopes: ['vaccination' as const], vaccines: ['EU/1/20/1525'] }] }
    expect(codes(await verify(makeHc1(dsc), restricted))).toEqual(['ERR_POLICY_VACCINE_NOT_ACCEPTED'])
  })

  it('policy: tests must be negative and recent; recoveries within their window', async () => {
    const trust = { ...direct(), policy }
    const test = (tr: string, sc: string) => ({
      ver: '1.3.0', nam: { fnt: 'X' }, dob: '1990-01-01',
      t: [{ tg: '840539006', tt: 'LP6464-4', sc, tr, tc: 'Lab', co: 'XA', is: 'Issuer', ci: 'URN:UVCI:01:XA:T#1' }],
    })
    expect((await verify(makeHc1(dsc, { hcert: test('260415000', '2021-08-31T10:00:00Z') }), trust)).valid).toBe(true)
    expect(codes(await verify(makeHc1(dsc, { hcert: test('260373001', '2021-08-31T10:00:00Z') }), trust))).toEqual(['ERR_POLICY_TEST_POSITIVE'])
    expect(codes(await verify(makeHc1(dsc, { hcert: test('260415000', '2021-08-20T10:00:00Z') }), trust))).toEqual(['ERR_POLICY_TEST_TOO_OLD'])
    const recovery = (fr: string, df: string, du: string) => ({
      ver: '1.3.0', nam: { fnt: 'X' }, dob: '1990-01-01',
      r: [{ tg: '840539006', fr, co: 'XA', is: 'Issuer', df, du, ci: 'URN:UVCI:01:XA:R#1' }],
    })
    expect((await verify(makeHc1(dsc, { hcert: recovery('2021-07-01', '2021-07-12', '2021-12-28') }), trust)).valid).toBe(true)
    expect(codes(await verify(makeHc1(dsc, { hcert: recovery('2021-01-01', '2021-01-12', '2021-06-30') }), trust))).toEqual([
      'ERR_POLICY_RECOVERY_EXPIRED',
      'ERR_POLICY_RECOVERY_EXPIRED',
    ])
  })

  it('without recognition or policy only cryptographic validity is judged', async () => {
    expect((await verify(makeHc1(dsc, { hcert: vaccinationHcert({ mp: 'Sputnik-V', dn: 1 }) }), direct())).valid).toBe(true)
  })

  it('schema deviations are warnings, not failures', async () => {
    const verdict = await verify(makeHc1(dsc, { hcert: vaccinationHcert({ dt: 'yesterday' }) }), direct())
    expect(verdict.valid).toBe(true)
    expect(verdict.warnings.map((w) => w.code)).toContain('WARN_SCHEMA')
  })

  it('a zip bomb yields ERR_DECODE_TOO_LARGE', async () => {
    const bomb = `HC1:${base45(deflateSync(Buffer.alloc(4_000_000)))}`
    expect(codes(await verify(bomb, direct()))).toEqual(['ERR_DECODE_TOO_LARGE'])
  })

  it('decode steps fail with their own codes', async () => {
    expect(codes(await verify('HC2:ABC', direct()))).toEqual(['ERR_DECODE_PREFIX'])
    expect(codes(await verify('HC1:AB=', direct()))).toEqual(['ERR_DECODE_BASE45'])
    expect(codes(await verify(`HC1:${base45(Buffer.from('not zlib'))}`, direct()))).toEqual(['ERR_DECODE_ZLIB'])
    expect(codes(await verify(`HC1:${base45(deflateSync(Buffer.from([0xff, 0x00])))}`, direct()))).toEqual(['ERR_DECODE_COSE'])
  })

  it('an unusable trust entry is reported as a problem, and certificates naming it get its reason', async () => {
    const prepared = await prepareTrust({ signers: { XA: [{ ...dsc.signer(), kid: other.kid }] } })
    expect(prepared.problems.map((p) => p.code)).toEqual(['ERR_KID_MISMATCH'])
  })
})

describe('SHC verdict steps', () => {
  const trust = (): TrustMaterial => ({ signers: { XA: [shcKey.signer(ISSUER)] } })

  it('a valid card passes from QR text and from the JWS, with CVX mapped to the EU product', async () => {
    const jws = signShc(shcKey, shcPayload({ iss: ISSUER }))
    for (const payload of [jws, toShcQr(jws)]) {
      const verdict = await verify(payload, { ...trust(), policy })
      expect(verdict).toMatchObject({ valid: true, format: 'shc', issuer: 'XA', issuerUrl: ISSUER, kid: shcKey.kid, type: 'vaccination' })
      expect(verdict.summary?.vaccination?.product).toBe('EU/1/20/1528')
      expect(verdict.holder).toBeUndefined()
    }
    expect((await verify(jws, trust(), { showHolder: true })).holder).toEqual({ name: 'Jane Anyperson', dateOfBirth: '1960-01-01' })
  })

  it('issuer lookup is by exact iss', async () => {
    const jws = signShc(shcKey, shcPayload({ iss: `${ISSUER}/` }))
    expect(codes(await verify(jws, trust()))).toEqual(['ERR_KEY_UNKNOWN'])
  })

  it('forged signature → ERR_SIGNATURE', async () => {
    const jws = signShc(shcKey, shcPayload({ iss: ISSUER }))
    const [h, p] = jws.split('.')
    const forged = `${h}.${p}.${signShc(shcKey, shcPayload({ iss: ISSUER, nbf: 1 })).split('.')[2]}`
    expect(codes(await verify(forged, trust()))).toEqual(['ERR_SIGNATURE'])
  })

  it('rid revocation follows the CRL rules: a timestamp revokes only cards issued before it', async () => {
    const nbf = Date.parse('2021-06-01T00:00:00Z') / 1000
    const jws = signShc(shcKey, shcPayload({ iss: ISSUER, rid: 'abc', nbf }))
    const revoke = (revokedAt?: string): TrustMaterial => ({
      ...trust(),
      revokedCertificates: [{ format: 'shc', issuer: ISSUER, kid: shcKey.kid, rid: 'abc', ...(revokedAt !== undefined ? { revokedAt } : {}) }],
    })
    expect(codes(await verify(jws, revoke()))).toEqual(['ERR_CERT_REVOKED'])
    expect(codes(await verify(jws, revoke('2021-07-01T00:00:00Z')))).toEqual(['ERR_CERT_REVOKED'])
    expect((await verify(jws, revoke('2021-05-01T00:00:00Z'))).valid).toBe(true)
  })

  it('revoked signer, recognition and policy apply to SHC as to DCC', async () => {
    const jws = signShc(shcKey, shcPayload({ iss: ISSUER, cvx: ['212'], dates: ['2021-06-01'] }))
    expect(codes(await verify(jws, { ...trust(), revokedSigners: [{ kid: shcKey.kid, revokedAt: '2021-01-01T00:00:00Z' }] }))).toEqual([
      'ERR_SIGNER_REVOKED',
    ])
    expect(codes(await verify(jws, { ...trust(), home: 'XB', recognition: [] }))).toEqual(['ERR_NOT_RECOGNIZED'])
    expect((await verify(jws, { ...trust(), policy })).valid).toBe(true)
    const oneModerna = signShc(shcKey, shcPayload({ iss: ISSUER, cvx: ['207'], dates: ['2021-06-01'] }))
    expect(codes(await verify(oneModerna, { ...trust(), policy }))).toEqual(['ERR_POLICY_VACCINE_NOT_ACCEPTED'])
    const onePfizer = signShc(shcKey, shcPayload({ iss: ISSUER, cvx: ['208'], dates: ['2021-06-01'] }))
    expect(codes(await verify(onePfizer, { ...trust(), policy }))).toEqual(['ERR_POLICY_DOSES_INCOMPLETE'])
  })

  it('nbf in the future and exp in the past', async () => {
    expect(codes(await verify(signShc(shcKey, shcPayload({ iss: ISSUER, nbf: Date.parse('2022-01-01') / 1000 })), trust()))).toEqual([
      'ERR_NOT_YET_VALID',
    ])
    expect(codes(await verify(signShc(shcKey, shcPayload({ iss: ISSUER, exp: Date.parse('2021-08-01') / 1000 })), trust()))).toEqual([
      'ERR_EXPIRED',
    ])
  })

  it('a zip bomb in the JWS payload yields ERR_DECODE_TOO_LARGE', async () => {
    const bomb = signShc(shcKey, `{"iss":"${ISSUER}","x":"${'a'.repeat(2_000_000)}"}`)
    expect(codes(await verify(bomb, trust()))).toEqual(['ERR_DECODE_TOO_LARGE'])
  })
})
