// Onboarding checks against real DSCs and SHC keys from the shared vectors (read in place, never copied) and keys
// generated here; every rejection code has a case that fails when its check is removed.
import 'reflect-metadata'
import { createPublicKey, generateKeyPairSync, webcrypto } from 'node:crypto'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { AsnConvert } from '@peculiar/asn1-schema'
import { Certificate, SubjectPublicKeyInfo } from '@peculiar/asn1-x509'
import * as x509 from '@peculiar/x509'
import { Decoder, type Tag } from 'cbor-x'
import fc from 'fast-check'
import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose'
import { beforeAll, describe, expect, it } from 'vitest'
import { createDemoDsc, type DemoDsc } from '../../src/demo/demo-signer.js'
import { toBase64 } from '../../src/model/encoding.js'
import { EntenteError, type EntenteErrorCode } from '../../src/model/errors.js'
import type { DccSigner, ShcSigner, Signer, TrustListDraft } from '../../src/model/schema.types.js'
import { schemaValidators } from '../../src/model/schemas.js'
import { addSigner, onboardSigner, revokeSigner, type OnboardContext } from '../../src/operator/onboard-signer.js'
import { emptyDraft } from '../../src/trust-list/build-trust-list.js'

const projectRoot = path.resolve(import.meta.dirname, '../..')
const vectorsDir = process.env.ENTENTE_VECTORS ?? path.resolve(projectRoot, '../shared/vectors')

/** 2026: the NL DSCs (valid 2021-04 … 2032-04) are current, nearly every other country's have expired. */
const NOW = new Date('2026-11-24T12:00:00.750Z')
/** Inside the validity of the 2021–2023 DSCs (AT, LT, IS/3, LI/4). */
const IN_2022 = new Date('2022-06-01T00:00:00Z')
const crypto = webcrypto as unknown as Crypto

interface DscVector {
  /** TESTCTX.CERTIFICATE: base64 DER. */
  certificate: string
  /** The kid in the vector's COSE header, an independent witness of the kid computation. */
  coseKid: string
}

function dscVector(file: string): DscVector {
  const json = JSON.parse(readFileSync(path.join(vectorsDir, 'dcc', file), 'utf8')) as { COSE: string; TESTCTX: { CERTIFICATE: string } }
  const decoder = new Decoder({ mapsAsObjects: false })
  const cose = decoder.decode(Buffer.from(json.COSE, 'hex')) as Tag
  const [protectedBytes, unprotected] = cose.value as [Uint8Array, Map<number, unknown>]
  const header = protectedBytes.length === 0 ? new Map<number, unknown>() : (decoder.decode(protectedBytes) as Map<number, unknown>)
  const kid = (header.get(4) ?? unprotected.get(4)) as Uint8Array
  return { certificate: json.TESTCTX.CERTIFICATE, coseKid: toBase64(kid) }
}

function context(country: string, now = NOW, existing: readonly Signer[] = []): OnboardContext {
  return { country, now, existing }
}

/** Asserts the call fails with exactly `code` and nothing but an EntenteError. */
async function expectCode(action: Promise<unknown> | (() => unknown), code: EntenteErrorCode): Promise<EntenteError> {
  let error: unknown
  try {
    await (typeof action === 'function' ? action() : action)
  } catch (caught) {
    error = caught
  }
  expect(error).toBeInstanceOf(EntenteError)
  expect((error as EntenteError).code).toBe(code)
  return error as EntenteError
}

function pem(der: Uint8Array, label = 'CERTIFICATE'): string {
  const lines = toBase64(der).match(/.{1,64}/g) ?? []
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`
}

/** A really self-signed DSC with any WebCrypto key, for keys createDemoDsc does not make. */
async function selfSigned(options: {
  algorithm: Algorithm | RsaHashedKeyGenParams | EcKeyGenParams
  name?: string
  eku?: string[]
  notBefore?: Date
  notAfter?: Date
}): Promise<Uint8Array> {
  const keys = await crypto.subtle.generateKey(options.algorithm as EcKeyGenParams, true, ['sign', 'verify'])
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: '01',
      name: options.name ?? 'C=NL, O=Entente test, CN=DSC',
      notBefore: options.notBefore ?? new Date('2026-01-01T00:00:00Z'),
      notAfter: options.notAfter ?? new Date('2028-01-01T00:00:00Z'),
      signingAlgorithm: options.algorithm,
      keys,
      extensions: options.eku === undefined ? [] : [new x509.ExtendedKeyUsageExtension(options.eku)],
    },
    crypto,
  )
  return new Uint8Array(cert.rawData)
}

/** The same certificate with another SubjectPublicKeyInfo. Its signature breaks, which onboarding does not check. */
function withSpki(der: Uint8Array, spkiDer: Uint8Array): Uint8Array {
  const cert = AsnConvert.parse(der, Certificate)
  cert.tbsCertificate.subjectPublicKeyInfo = AsnConvert.parse(spkiDer, SubjectPublicKeyInfo)
  return new Uint8Array(AsnConvert.serialize(cert))
}

function dcc(der: Uint8Array | string, usage?: DccSigner['usage']): unknown {
  return { format: 'dcc', certificate: typeof der === 'string' ? der : toBase64(der), ...(usage === undefined ? {} : { usage }) }
}

let nlVaccination: DscVector
let nlTest: DscVector
let nlRecovery: DscVector
let demo: DemoDsc

beforeAll(async () => {
  nlVaccination = dscVector('NL/2DCode/raw/072-NL-vaccination.json')
  nlTest = dscVector('NL/2DCode/raw/000-NL-test.json')
  nlRecovery = dscVector('NL/2DCode/raw/144-NL-recovery.json')
  demo = await createDemoDsc({ country: 'NL', notBefore: new Date('2026-01-01T00:00:00Z'), notAfter: new Date('2028-01-01T00:00:00Z') })
})

describe('onboardSigner: EU DCC DSCs that pass', () => {
  it('NL vaccination DSC: kid as in the vector COSE header, usage from the misspelt EKU OID, validity from the certificate', async () => {
    const signer = await onboardSigner(dcc(nlVaccination.certificate), context('NL'))
    expect(signer).toEqual({
      format: 'dcc',
      kid: nlVaccination.coseKid,
      certificate: nlVaccination.certificate,
      usage: ['vaccination'],
      validFrom: '2021-04-26T08:57:35Z',
      validUntil: '2032-04-23T08:57:35Z',
    })
    expect(schemaValidators().is('draft.v1', { ...emptyDraft(), signers: [signer] })).toBe(true)
  })

  it('NL test and recovery DSCs get exactly their EKU usage', async () => {
    const test = await onboardSigner(dcc(nlTest.certificate), context('NL'))
    const recovery = await onboardSigner(dcc(nlRecovery.certificate), context('NL'))
    expect([test.kid, test.usage]).toEqual([nlTest.coseKid, ['test']])
    expect([recovery.kid, recovery.usage]).toEqual([nlRecovery.coseKid, ['recovery']])
  })

  it('PEM, line-wrapped base64 and base64 DER give the same entry', async () => {
    const der = Buffer.from(nlTest.certificate, 'base64')
    const fromBase64 = await onboardSigner(dcc(nlTest.certificate), context('NL'))
    expect(await onboardSigner(dcc(pem(der)), context('NL'))).toEqual(fromBase64)
    expect(await onboardSigner(dcc(`\n${pem(der).split('\n').slice(1, -2).join('\r\n')}\n`), context('NL'))).toEqual(fromBase64)
  })

  it('a generated DSC with the registered EKU OIDs allows all three; a requested subset narrows it', async () => {
    const all = await onboardSigner(dcc(demo.der), context('NL'))
    expect(all).toEqual({ ...demo.signer, usage: ['vaccination', 'test', 'recovery'] })
    const narrowed = await onboardSigner(dcc(demo.der, ['recovery', 'test']), context('NL'))
    expect(narrowed.usage).toEqual(['test', 'recovery'])
  })

  it('a DSC without EKU (AT) may sign all three types', async () => {
    const at = dscVector('AT/2DCode/raw/1.json')
    const signer = await onboardSigner(dcc(at.certificate), context('AT', IN_2022))
    expect(signer).toMatchObject({ kid: at.coseKid, usage: ['vaccination', 'test', 'recovery'] })
  })

  it('an empty EKU extension counts as none, as for the verifier (vector common/CO15)', async () => {
    const der = await selfSigned({ algorithm: { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' }, eku: [] })
    expect((await onboardSigner(dcc(der), context('NL'))).usage).toEqual(['vaccination', 'test', 'recovery'])
  })

  it('RSA-2048 DSC (LT) and a P-384 DSC are accepted', async () => {
    const lt = dscVector('LT/2DCode/raw/1.json')
    expect(await onboardSigner(dcc(lt.certificate), context('LT', IN_2022))).toMatchObject({ kid: lt.coseKid, validUntil: '2023-12-04T22:00:01Z' })
    // The only real P-384 DSC (ES/401) is X.509 v1 and refused for that (dsc-profile.test.ts); a v3 one passes.
    const p384 = await selfSigned({ algorithm: { name: 'ECDSA', namedCurve: 'P-384', hash: 'SHA-384' } })
    expect(await onboardSigner(dcc(p384), context('NL'))).toMatchObject({ format: 'dcc' })
  })
})

describe('onboardSigner: EU DCC rejections', () => {
  it('ERR_SIGNER_MALFORMED: not base64, not a certificate, trailing bytes, several or wrong PEM blocks, truncated DER', async () => {
    const der = Buffer.from(nlTest.certificate, 'base64')
    const cases = [
      'not base64 at all!',
      toBase64(Buffer.from('hello, I am no certificate')),
      toBase64(Buffer.concat([der, Buffer.from([0])])),
      pem(der) + pem(Buffer.from(nlVaccination.certificate, 'base64')),
      pem(der, 'PUBLIC KEY'),
      toBase64(der.subarray(0, der.length - 10)),
      '-----BEGIN CERTIFICATE-----\n%%%%\n-----END CERTIFICATE-----',
    ]
    for (const certificate of cases) await expectCode(onboardSigner(dcc(certificate), context('NL')), 'ERR_SIGNER_MALFORMED')
  })

  it('ERR_SIGNER_PRIVATE_KEY: a PEM private key, alone or next to the certificate, or base64 PKCS#8', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const pkcs8 = privateKey.export({ format: 'der', type: 'pkcs8' })
    const sec1 = privateKey.export({ format: 'pem', type: 'sec1' })
    await expectCode(onboardSigner(dcc(pem(pkcs8, 'PRIVATE KEY')), context('NL')), 'ERR_SIGNER_PRIVATE_KEY')
    await expectCode(onboardSigner(dcc(sec1), context('NL')), 'ERR_SIGNER_PRIVATE_KEY')
    await expectCode(onboardSigner(dcc(pem(demo.der) + pem(pkcs8, 'PRIVATE KEY')), context('NL')), 'ERR_SIGNER_PRIVATE_KEY')
    const error = await expectCode(onboardSigner(dcc(toBase64(pkcs8)), context('NL')), 'ERR_SIGNER_PRIVATE_KEY')
    expect(JSON.stringify({ message: error.message, details: error.details })).not.toContain(toBase64(pkcs8).slice(40, 60))
  })

  it('ERR_SIGNER_UNSUPPORTED_KEY: Ed25519, P-521, secp256k1, RSA above 8192 bits', async () => {
    const ed25519 = await selfSigned({ algorithm: { name: 'Ed25519' } })
    const p521 = await selfSigned({ algorithm: { name: 'ECDSA', namedCurve: 'P-521', hash: 'SHA-512' } })
    const k1 = generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey.export({ format: 'der', type: 'spki' })
    // A 9000-bit modulus needs no primes for this check: only the size is read.
    const modulus = Buffer.concat([Buffer.from([0x00, 0xff]), Buffer.alloc(1124, 0x5b), Buffer.from([0x01])])
    const bigRsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'jwk' })
    const bigSpki = createPublicKey({ key: { ...bigRsa, n: modulus.subarray(1).toString('base64url') }, format: 'jwk' }).export({ format: 'der', type: 'spki' })
    for (const der of [ed25519, p521, withSpki(demo.der, k1), withSpki(demo.der, bigSpki)]) {
      await expectCode(onboardSigner(dcc(der), context('NL')), 'ERR_SIGNER_UNSUPPORTED_KEY')
    }
  })

  it('ERR_SIGNER_WEAK_KEY: RSA-1024, and RSA-2048 with e = 3', async () => {
    const rsa1024 = await selfSigned({
      algorithm: { name: 'RSASSA-PKCS1-v1_5', modulusLength: 1024, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
    })
    const e3 = await selfSigned({
      algorithm: { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([3]), hash: 'SHA-256' },
    })
    expect((await expectCode(onboardSigner(dcc(rsa1024), context('NL')), 'ERR_SIGNER_WEAK_KEY')).message).toContain('1024')
    expect((await expectCode(onboardSigner(dcc(e3), context('NL')), 'ERR_SIGNER_WEAK_KEY')).message).toContain('exponent 3')
  })

  it('ERR_SIGNER_EXPLICIT_EC_PARAMS: the demo DSC key re-encoded with explicit P-256 domain parameters', async () => {
    // OpenSSL writes the explicit P-256 parameters; they replace the namedCurve OID around the very same point.
    const explicit = generateKeyPairSync('ec', { namedCurve: 'P-256', paramEncoding: 'explicit' }).publicKey.export({ format: 'der', type: 'spki' })
    const explicitParams = AsnConvert.parse(explicit, SubjectPublicKeyInfo).algorithm.parameters
    const spki = AsnConvert.parse(demo.der, Certificate).tbsCertificate.subjectPublicKeyInfo
    expect(new Uint8Array(spki.algorithm.parameters as ArrayBuffer)[0]).toBe(0x06)
    spki.algorithm.parameters = explicitParams
    expect(new Uint8Array(explicitParams as ArrayBuffer)[0]).toBe(0x30)
    const der = withSpki(demo.der, new Uint8Array(AsnConvert.serialize(spki)))
    await expectCode(onboardSigner(dcc(der), context('NL')), 'ERR_SIGNER_EXPLICIT_EC_PARAMS')
  })

  it('ERR_SIGNER_EXPIRED: the AT DSC (notAfter 2023-05-05) in 2026', async () => {
    const at = dscVector('AT/2DCode/raw/1.json')
    const error = await expectCode(onboardSigner(dcc(at.certificate), context('AT')), 'ERR_SIGNER_EXPIRED')
    expect(error.message).toContain('2023-05-05T12:41:06Z')
  })

  it('ERR_SIGNER_NOT_YET_VALID: the NL DSC before its notBefore (2021-04-26)', async () => {
    await expectCode(onboardSigner(dcc(nlTest.certificate), context('NL', new Date('2021-01-01T00:00:00Z'))), 'ERR_SIGNER_NOT_YET_VALID')
  })

  it('ERR_SIGNER_COUNTRY_MISMATCH: another node, the LI-folder DSC issued to C=SE, a subject without C', async () => {
    await expectCode(onboardSigner(dcc(nlTest.certificate), context('BE')), 'ERR_SIGNER_COUNTRY_MISMATCH')
    const li = dscVector('LI/2DCode/raw/4.json')
    const error = await expectCode(onboardSigner(dcc(li.certificate), context('LI', IN_2022)), 'ERR_SIGNER_COUNTRY_MISMATCH')
    expect(error.message).toContain('C=SE')
    const noCountry = await selfSigned({ algorithm: { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' }, name: 'CN=No country' })
    await expectCode(onboardSigner(dcc(noCountry), context('NL')), 'ERR_SIGNER_COUNTRY_MISMATCH')
  })

  it('ERR_SIGNER_USAGE: an EKU with only foreign OIDs (IS/3, ICAO), a TLS-only EKU, a usage the EKU does not allow', async () => {
    const is3 = dscVector('IS/2DCode/raw/3.json')
    await expectCode(onboardSigner(dcc(is3.certificate), context('IS', IN_2022)), 'ERR_SIGNER_USAGE')
    const tls = await selfSigned({ algorithm: { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' }, eku: ['1.3.6.1.5.5.7.3.2'] })
    await expectCode(onboardSigner(dcc(tls), context('NL')), 'ERR_SIGNER_USAGE')
    const error = await expectCode(onboardSigner(dcc(nlTest.certificate, ['test', 'vaccination']), context('NL')), 'ERR_SIGNER_USAGE')
    expect(error.message).toContain('vaccination')
  })

  it('ERR_SIGNER_EXISTS: the same certificate again', async () => {
    const signer = await onboardSigner(dcc(nlTest.certificate), context('NL'))
    await expectCode(onboardSigner(dcc(pem(Buffer.from(nlTest.certificate, 'base64'))), context('NL', NOW, [signer])), 'ERR_SIGNER_EXISTS')
  })

  it('ERR_SIGNER_KID_COLLISION: another certificate already holds the 64-bit kid', async () => {
    const signer = await onboardSigner(dcc(nlTest.certificate), context('NL'))
    const impostor: DccSigner = { ...(signer as DccSigner), certificate: nlVaccination.certificate }
    await expectCode(onboardSigner(dcc(nlTest.certificate), context('NL', NOW, [impostor])), 'ERR_SIGNER_KID_COLLISION')
  })

  it('ERR_INTERNAL for an invalid clock: every validity comparison with NaN would pass', async () => {
    await expectCode(onboardSigner(dcc(nlTest.certificate), context('NL', new Date(Number.NaN))), 'ERR_INTERNAL')
    await expectCode(() => revokeSigner(emptyDraft(), { kid: 'x' }, new Date(Number.NaN)), 'ERR_INTERNAL')
  })

  it('ERR_HTTP_BAD_REQUEST: wrong shapes', async () => {
    const cases: unknown[] = [
      null,
      [],
      'dcc',
      {},
      { format: 'x509', certificate: nlTest.certificate },
      { format: 'dcc' },
      { format: 'dcc', certificate: 42 },
      { format: 'dcc', certificate: nlTest.certificate, usage: [] },
      { format: 'dcc', certificate: nlTest.certificate, usage: ['test', 'test'] },
      { format: 'dcc', certificate: nlTest.certificate, usage: ['booster'] },
      { format: 'dcc', certificate: nlTest.certificate, validUntil: '2030-01-01T00:00:00Z' },
      { format: 'dcc', certificate: 'A'.repeat(70_000) },
    ]
    for (const request of cases) await expectCode(onboardSigner(request, context('NL')), 'ERR_HTTP_BAD_REQUEST')
  })
})

describe('onboardSigner: SMART Health Card issuer keys', () => {
  const ISSUER = 'https://spec.smarthealth.cards/examples/issuer'
  let published: Record<string, unknown>[]
  let generated: { publicJwk: Record<string, unknown>; privateJwk: Record<string, unknown>; thumbprint: string }

  beforeAll(async () => {
    const jwks = JSON.parse(readFileSync(path.join(vectorsDir, 'shc/issuer/.well-known/jwks.json'), 'utf8')) as { keys: Record<string, unknown>[] }
    published = jwks.keys
    const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true })
    const publicJwk = { ...(await exportJWK(publicKey)), use: 'sig', alg: 'ES256' }
    generated = { publicJwk, privateJwk: { ...(await exportJWK(privateKey)), use: 'sig', alg: 'ES256' }, thumbprint: await calculateJwkThumbprint(publicJwk) }
  })

  function shc(jwk: Record<string, unknown>, extra: Record<string, unknown> = {}): unknown {
    return { format: 'shc', issuer: ISSUER, jwk, ...extra }
  }

  it('the published example key: kid is its thumbprint, only public members kept, defaults applied', async () => {
    const key = published[0] as Record<string, unknown>
    const signer = (await onboardSigner(shc({ ...key, key_ops: ['verify'], ext: true }), context('US'))) as ShcSigner
    expect(signer).toEqual({
      format: 'shc',
      kid: key.kid,
      issuer: ISSUER,
      jwk: { kty: 'EC', crv: 'P-256', x: key.x, y: key.y, use: 'sig', alg: 'ES256', kid: key.kid },
      usage: ['vaccination'],
      validFrom: '2026-11-24T12:00:00Z',
      validUntil: '2028-11-24T12:00:00Z',
    })
  })

  it('the published key with x5c keeps its chain; kid is added when absent; explicit validity is normalized', async () => {
    const withChain = published[1] as Record<string, unknown>
    const signer = (await onboardSigner(shc(withChain), context('US'))) as ShcSigner
    expect(signer.jwk.x5c).toEqual(withChain.x5c)
    const { kid: _kid, ...noKid } = generated.publicJwk
    const timed = (await onboardSigner(
      shc(noKid, { usage: ['test', 'vaccination'], validFrom: '2026-01-01T00:00:00.200+01:00', validUntil: '2027-01-01T00:00:00.999Z' }),
      context('US'),
    )) as ShcSigner
    expect(timed).toMatchObject({
      kid: generated.thumbprint,
      jwk: { kid: generated.thumbprint },
      usage: ['vaccination', 'test'],
      validFrom: '2025-12-31T23:00:01Z',
      validUntil: '2027-01-01T00:00:00Z',
    })
  })

  it('ERR_SIGNER_PRIVATE_KEY: a JWK with d', async () => {
    const error = await expectCode(onboardSigner(shc(generated.privateJwk), context('US')), 'ERR_SIGNER_PRIVATE_KEY')
    expect(JSON.stringify({ message: error.message, details: error.details })).not.toContain(generated.privateJwk.d as string)
  })

  it('ERR_SIGNER_UNSUPPORTED_KEY: P-384, RSA and Ed25519 JWKs', async () => {
    const p384 = { ...(await exportJWK((await generateKeyPair('ES384')).publicKey)), use: 'sig', alg: 'ES256' }
    const ed = { ...(await exportJWK((await generateKeyPair('EdDSA')).publicKey)), use: 'sig', alg: 'ES256' }
    const rsa = { kty: 'RSA', n: 'AQAB', e: 'AQAB', use: 'sig', alg: 'RS256' }
    for (const jwk of [p384, ed, rsa]) await expectCode(onboardSigner(shc(jwk), context('US')), 'ERR_SIGNER_UNSUPPORTED_KEY')
  })

  it('ERR_SIGNER_JWK_USE_ALG: use or alg missing or wrong', async () => {
    const { use: _use, ...noUse } = generated.publicJwk
    const { alg: _alg, ...noAlg } = generated.publicJwk
    for (const jwk of [noUse, noAlg, { ...generated.publicJwk, use: 'enc' }, { ...generated.publicJwk, alg: 'ES384' }]) {
      await expectCode(onboardSigner(shc(jwk), context('US')), 'ERR_SIGNER_JWK_USE_ALG')
    }
  })

  it('ERR_SIGNER_KID_MISMATCH: a kid that is not the thumbprint', async () => {
    const other = published[0] as Record<string, unknown>
    for (const kid of ['key-1', other.kid]) {
      await expectCode(onboardSigner(shc({ ...generated.publicJwk, kid }), context('US')), 'ERR_SIGNER_KID_MISMATCH')
    }
  })

  it('ERR_SIGNER_ISSUER_URL: http, trailing slash, query, fragment, credentials, not a URL', async () => {
    const cases = [
      'http://spec.smarthealth.cards/examples/issuer',
      'https://spec.smarthealth.cards/examples/issuer/',
      'https://spec.smarthealth.cards/',
      'https://spec.smarthealth.cards/issuer?tenant=1',
      'https://spec.smarthealth.cards/issuer?',
      'https://spec.smarthealth.cards/issuer#keys',
      'https://user:secret@spec.smarthealth.cards/issuer',
      'spec.smarthealth.cards/issuer',
      'https://spec.smarthealth.cards/is suer',
      '',
    ]
    for (const issuer of cases) {
      await expectCode(onboardSigner({ format: 'shc', issuer, jwk: generated.publicJwk }, context('US')), 'ERR_SIGNER_ISSUER_URL')
    }
  })

  it('ERR_SIGNER_MALFORMED: short or off-curve coordinates, an x5c leaf for another key', async () => {
    const x = generated.publicJwk.x as string
    const short = await expectCode(onboardSigner(shc({ ...generated.publicJwk, x: x.slice(0, 42) }), context('US')), 'ERR_SIGNER_MALFORMED')
    expect(short.message).toContain('32 bytes')
    const offCurve = `${x.slice(0, 40)}${x.slice(40) === 'AAA' ? 'AAE' : 'AAA'}`
    await expectCode(onboardSigner(shc({ ...generated.publicJwk, x: offCurve }), context('US')), 'ERR_SIGNER_MALFORMED')
    const chain = (published[1] as { x5c: string[] }).x5c
    await expectCode(onboardSigner(shc({ ...generated.publicJwk, x5c: chain }), context('US')), 'ERR_SIGNER_MALFORMED')
  })

  it('ERR_SIGNER_EXPIRED and ERR_SIGNER_NOT_YET_VALID for the requested window', async () => {
    await expectCode(onboardSigner(shc(generated.publicJwk, { validFrom: '2020-01-01T00:00:00Z', validUntil: '2026-01-01T00:00:00Z' }), context('US')), 'ERR_SIGNER_EXPIRED')
    await expectCode(onboardSigner(shc(generated.publicJwk, { validFrom: '2027-01-01T00:00:00Z' }), context('US')), 'ERR_SIGNER_NOT_YET_VALID')
  })

  it('ERR_SIGNER_EXISTS for the same key, ERR_SIGNER_KID_COLLISION for another key under its kid', async () => {
    const signer = (await onboardSigner(shc(generated.publicJwk), context('US'))) as ShcSigner
    await expectCode(onboardSigner(shc(generated.publicJwk), context('US', NOW, [signer])), 'ERR_SIGNER_EXISTS')
    const impostor: ShcSigner = { ...signer, jwk: { ...signer.jwk, x: published[0]?.x as string } }
    await expectCode(onboardSigner(shc(generated.publicJwk), context('US', NOW, [impostor])), 'ERR_SIGNER_KID_COLLISION')
  })

  it('ERR_HTTP_BAD_REQUEST: wrong shapes and impossible times', async () => {
    const jwk = generated.publicJwk
    const cases: unknown[] = [
      { format: 'shc', jwk },
      { format: 'shc', issuer: ISSUER },
      { format: 'shc', issuer: ISSUER, jwk: 'not an object' },
      { format: 'shc', issuer: ISSUER, jwk, kid: 'x' },
      { format: 'shc', issuer: ISSUER, jwk, validFrom: 5 },
      { format: 'shc', issuer: ISSUER, jwk, validFrom: '2026-02-30T00:00:00Z' },
      { format: 'shc', issuer: ISSUER, jwk, validFrom: '2026-01-01T00:00:00' },
      { format: 'shc', issuer: ISSUER, jwk, validFrom: '2026-01-01T00:00:00+24:00' },
      { format: 'shc', issuer: ISSUER, jwk, validFrom: '2026-01-01T00:00:00+01:60' },
      { format: 'shc', issuer: ISSUER, jwk, validFrom: '2026-06-01T00:00:00Z', validUntil: '2026-06-01T00:00:00Z' },
    ]
    for (const request of cases) await expectCode(onboardSigner(request, context('US')), 'ERR_HTTP_BAD_REQUEST')
  })
})

describe('addSigner and revokeSigner', () => {
  let draft: TrustListDraft
  let signer: Signer

  beforeAll(async () => {
    signer = await onboardSigner(dcc(nlTest.certificate), context('NL'))
    draft = addSigner(emptyDraft(), signer)
  })

  it('addSigner returns a new draft and leaves the old one alone', () => {
    const base = emptyDraft()
    const next = addSigner(base, signer)
    expect(next.signers).toEqual([signer])
    expect(base.signers).toEqual([])
  })

  it('addSigner refuses a kid already listed or revoked', async () => {
    await expectCode(() => addSigner(draft, signer), 'ERR_SIGNER_EXISTS')
    await expectCode(() => addSigner(draft, { ...(signer as DccSigner), certificate: nlVaccination.certificate }), 'ERR_SIGNER_KID_COLLISION')
    const revoked = revokeSigner(draft, { kid: signer.kid }, NOW)
    await expectCode(() => addSigner(revoked, signer), 'ERR_SIGNER_KID_COLLISION')
  })

  it('moves the signer to revokedSigners: default reason, revokedAt = now in whole seconds', () => {
    const next = revokeSigner(draft, { kid: signer.kid }, NOW)
    expect(next.signers).toEqual([])
    expect(next.revokedSigners).toEqual([{ kid: signer.kid, revokedAt: '2026-11-24T12:00:00Z', reason: 'unspecified' }])
    expect(draft.signers).toEqual([signer])
    expect(schemaValidators().is('draft.v1', next)).toBe(true)
  })

  it('normalizes a given revokedAt to whole-second UTC with Z', () => {
    const next = revokeSigner(draft, { kid: signer.kid, reason: 'key-compromise', revokedAt: '2026-03-01T09:30:15.987+02:00' }, NOW)
    expect(next.revokedSigners).toEqual([{ kid: signer.kid, revokedAt: '2026-03-01T07:30:15Z', reason: 'key-compromise' }])
  })

  it('ERR_SIGNER_NOT_FOUND for an unknown kid', async () => {
    await expectCode(() => revokeSigner(draft, { kid: 'AAAAAAAAAAA=' }, NOW), 'ERR_SIGNER_NOT_FOUND')
  })

  it('ERR_SIGNER_ALREADY_REVOKED the second time', async () => {
    const once = revokeSigner(draft, { kid: signer.kid }, NOW)
    await expectCode(() => revokeSigner(once, { kid: signer.kid }, NOW), 'ERR_SIGNER_ALREADY_REVOKED')
  })

  it('ERR_HTTP_BAD_REQUEST: bad shape, unknown reason, unreadable or future revokedAt', async () => {
    const cases: unknown[] = [
      undefined,
      { kid: 7 },
      { kid: '' },
      { kid: signer.kid, reason: 'lost' },
      { kid: signer.kid, revokedAt: 'yesterday' },
      { kid: signer.kid, revokedAt: '2026-11-24T12:00:01Z' },
      { kid: signer.kid, note: 'x' },
    ]
    for (const request of cases) await expectCode(() => revokeSigner(draft, request, NOW), 'ERR_HTTP_BAD_REQUEST')
  })
})

describe('only EntenteError escapes (property)', () => {
  const outcome = async (request: unknown): Promise<boolean> => {
    try {
      const signer = await onboardSigner(request, context('NL'))
      return schemaValidators().is('draft.v1', { ...emptyDraft(), signers: [signer] })
    } catch (error) {
      return error instanceof EntenteError
    }
  }

  it('random JSON and strings as the request', async () => {
    await fc.assert(fc.asyncProperty(fc.oneof(fc.jsonValue(), fc.string()), outcome), { numRuns: 300, seed: 20_261_124 })
  })

  it('random certificates: strings, base64 bytes, and mutated real DER', async () => {
    const der = Buffer.from(nlTest.certificate, 'base64')
    const mutated = fc
      .array(fc.tuple(fc.nat({ max: der.length - 1 }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 })
      .map((edits) => {
        const copy = Buffer.from(der)
        for (const [at, byte] of edits) copy[at] = byte
        return toBase64(copy)
      })
    const certificate = fc.oneof(fc.string(), fc.uint8Array({ maxLength: 600 }).map((bytes) => toBase64(bytes)), mutated)
    await fc.assert(
      fc.asyncProperty(certificate, (text) => outcome({ format: 'dcc', certificate: text })),
      { numRuns: 300, seed: 20_261_124 },
    )
  })

  it('random SHC requests', async () => {
    const jwk = fc.dictionary(fc.constantFrom('kty', 'crv', 'x', 'y', 'use', 'alg', 'kid', 'x5c', 'd'), fc.oneof(fc.string(), fc.jsonValue()))
    const request = fc.record({ format: fc.constant('shc'), issuer: fc.oneof(fc.webUrl(), fc.string()), jwk })
    await fc.assert(fc.asyncProperty(request, outcome), { numRuns: 300, seed: 20_261_124 })
  })
})
