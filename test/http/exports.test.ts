// Exports for existing verifier apps, built from really signed and verified lists; interoperability with
// libraries Entente did not write (jose for SMART Health Cards, @pathcheck/dcc-sdk for EU DCC) on real vectors.
import 'reflect-metadata'
import { KeyObject, X509Certificate, createHash, webcrypto } from 'node:crypto'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { inflateRawSync } from 'node:zlib'
import * as x509 from '@peculiar/x509'
import { compactVerify, createLocalJWKSet, errors as joseErrors } from 'jose'
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { sigStructure } from '../../src/certificates/dcc/cose-sign1.js'
import { decodeHc1 } from '../../src/certificates/dcc/decode-hc1.js'
import { createDemoDsc } from '../../src/demo/demo-signer.js'
import { isEntenteError } from '../../src/model/errors.js'
import type { DccSigner, RevokedSigner, ShcSigner, Signer } from '../../src/model/schema.types.js'
import { euDccTrustList } from '../../src/http/exports/eu-dcc-trust-list.js'
import type { ExportHead } from '../../src/http/exports/export-head.types.js'
import { didPublicKeyJwk, fixedSizeCoordinate, gdhcnDidDocument } from '../../src/http/exports/gdhcn-did.js'
import { shcIssuers, shcJwks } from '../../src/http/exports/shc-jwks.js'
import { verifyTrustList } from '../../src/trust-list/verify-trust-list.js'
import { makeDsc } from '../certificates/fixtures.js'
import { TestCountry } from '../helpers/country.js'

const projectRoot = path.resolve(import.meta.dirname, '../..')
const vectors = process.env.ENTENTE_VECTORS ?? path.resolve(projectRoot, '../shared/vectors')
const readVector = (...parts: string[]): string => readFileSync(path.join(vectors, ...parts), 'utf8')

const NOW = new Date('2026-11-24T12:00:00Z')
const SHC_ISS = 'https://spec.smarthealth.cards/examples/issuer'
const DID = 'did:web:127.0.0.1%3A7101:v1:export:gdhcn'

/** The SDK ships no type declarations; a computed specifier keeps TypeScript from resolving it. */
const DCC_SDK = '@pathcheck/dcc-sdk/lib/main.js'
interface DccSdk {
  addCachedCerts: (certs: Record<string, string>) => void
  unpackAndVerify: (uri: string) => Promise<{ status: string; contents?: Map<number, unknown> }>
}

interface DccVector {
  PREFIX: string
  TESTCTX: { CERTIFICATE: string }
}

function iso(date: Date): string {
  return new Date(Math.floor(date.getTime() / 1000) * 1000).toISOString().replace('.000Z', 'Z')
}

function b64kid(der: Uint8Array): string {
  return createHash('sha256').update(der).digest().subarray(0, 8).toString('base64')
}

/** A DCC signer entry whose list window is the certificate's own validity (unless overridden). */
function dccSigner(certificate: string, window: { validFrom?: string; validUntil?: string } = {}): DccSigner {
  const der = Buffer.from(certificate, 'base64')
  const cert = new X509Certificate(der)
  return {
    format: 'dcc',
    kid: b64kid(der),
    certificate,
    usage: ['vaccination', 'test', 'recovery'],
    validFrom: window.validFrom ?? iso(new Date(cert.validFrom)),
    validUntil: window.validUntil ?? iso(new Date(cert.validTo)),
  }
}

/** Signs a real list for `country` with these signers, verifies it, and returns what the HTTP layer passes in. */
async function head(country: string, signers: Signer[], revoked: RevokedSigner[] = [], now = NOW): Promise<ExportHead> {
  const c = await TestCountry.create(country)
  c.draft = { ...c.draft, signers, revokedSigners: revoked }
  const list = await c.next({ now })
  const verified = await verifyTrustList(list.signed, { now, country })
  return { country, payload: verified.payload, issuedAt: verified.payload.issuedAt }
}

function revoke(kid: string): RevokedSigner {
  return { kid, revokedAt: iso(NOW), reason: 'key-compromise' }
}

function bytes(b64url: string): Buffer {
  return Buffer.from(b64url, 'base64url')
}

let nl: DccVector
let nlSigner: DccSigner
let shcKeys: ShcSigner[]

beforeAll(() => {
  nl = JSON.parse(readVector('dcc', 'NL', '2DCode', 'raw', '000-NL-test.json')) as DccVector
  nlSigner = dccSigner(nl.TESTCTX.CERTIFICATE)
  const jwks = JSON.parse(readVector('shc', 'issuer', '.well-known', 'jwks.json')) as {
    keys: { kid: string; x: string; y: string; x5c?: string[] }[]
  }
  // The issuer's published JWKS, as an operator would enter it (Entente's schema has no crlVersion).
  shcKeys = jwks.keys.map((k) => ({
    format: 'shc',
    kid: k.kid,
    issuer: SHC_ISS,
    jwk: { kty: 'EC', crv: 'P-256', x: k.x, y: k.y, use: 'sig', alg: 'ES256', kid: k.kid, ...(k.x5c ? { x5c: k.x5c } : {}) },
    usage: ['vaccination'],
    validFrom: '2021-01-01T00:00:00Z',
    validUntil: '2031-01-01T00:00:00Z',
  }))
})

afterEach(() => {
  vi.restoreAllMocks()
})

describe('euDccTrustList', () => {
  it('emits the dgc-gateway TrustListDto fields in their real formats', async () => {
    const heads = [await head('NL', [nlSigner])]
    const entries = euDccTrustList(heads, { now: NOW })
    expect(entries).toHaveLength(1)
    const [entry] = entries
    const der = Buffer.from(nl.TESTCTX.CERTIFICATE, 'base64')
    expect(Object.keys(entry ?? {}).sort()).toEqual(['certificateType', 'country', 'kid', 'rawData', 'signature', 'thumbprint', 'timestamp'])
    expect(entry).toEqual({
      kid: b64kid(der),
      timestamp: new Date(heads[0]?.issuedAt ?? '').toISOString(),
      country: 'NL',
      certificateType: 'DSC',
      thumbprint: createHash('sha256').update(der).digest('hex'),
      signature: '',
      rawData: nl.TESTCTX.CERTIFICATE,
    })
    expect(Buffer.from(entry?.kid ?? '', 'base64')).toHaveLength(8)
    expect(entry?.thumbprint).toMatch(/^[0-9a-f]{64}$/)
    // The kid is the one real certificates carry in their COSE header.
    expect(Buffer.from(decodeHc1(nl.PREFIX).cose.kid ?? []).toString('base64')).toBe(entry?.kid)
  })

  it('orders by kid across countries and leaves out SHC keys', async () => {
    const a = await createDemoDsc({ country: 'GR', notBefore: new Date('2026-01-01Z'), notAfter: new Date('2027-01-01Z') })
    const b = await createDemoDsc({ country: 'PT', notBefore: new Date('2026-01-01Z'), notAfter: new Date('2027-01-01Z') })
    const heads = [await head('GR', [a.signer, ...shcKeys]), await head('PT', [b.signer]), await head('NL', [nlSigner])]
    const entries = euDccTrustList(heads, { now: NOW })
    expect(entries.map((e) => e.kid)).toEqual([a.signer.kid, b.signer.kid, nlSigner.kid].sort())
    expect(new Set(entries.map((e) => e.country))).toEqual(new Set(['GR', 'PT', 'NL']))
  })

  it('never lists revoked, expired, not yet valid or mismatched DSCs', async () => {
    const revoked = await createDemoDsc({ country: 'GR', notBefore: new Date('2026-01-01Z'), notAfter: new Date('2027-01-01Z') })
    const x509Expired = await createDemoDsc({ country: 'GR', notBefore: new Date('2025-01-01Z'), notAfter: new Date('2026-06-01Z') })
    const notYet = await createDemoDsc({ country: 'GR', notBefore: new Date('2027-01-01Z'), notAfter: new Date('2028-01-01Z') })
    const ok = await createDemoDsc({ country: 'GR', notBefore: new Date('2026-01-01Z'), notAfter: new Date('2027-01-01Z') })
    // The list's own window ends before the certificate does: the list wins.
    const listExpired = dccSigner(nl.TESTCTX.CERTIFICATE, { validUntil: '2026-11-01T00:00:00Z' })
    const wrongKid: DccSigner = { ...ok.signer, kid: 'AAAAAAAAAAA=' }
    const garbage: DccSigner = { ...ok.signer, kid: 'AAECAwQFBgc=', certificate: 'AAECAwQFBgc=' }
    const heads = [
      await head('GR', [revoked.signer, x509Expired.signer, notYet.signer, ok.signer, wrongKid, garbage], [revoke(revoked.signer.kid)]),
      await head('NL', [listExpired]),
    ]
    expect(euDccTrustList(heads, { now: NOW }).map((e) => e.kid)).toEqual([ok.signer.kid])
    // Same lists a year earlier: the not-yet-valid DSC is still out, the list-window one is in.
    const earlier = new Date('2026-03-01T00:00:00Z')
    expect(euDccTrustList(heads, { now: earlier }).map((e) => e.kid).sort()).toEqual([ok.signer.kid, x509Expired.signer.kid, nlSigner.kid].sort())
  })

  it('is verified by @pathcheck/dcc-sdk: a real NL certificate against the exported kid and rawData', async () => {
    const a = await createDemoDsc({ country: 'GR', notBefore: new Date('2026-01-01Z'), notAfter: new Date('2027-01-01Z') })
    const entries = euDccTrustList([await head('NL', [nlSigner]), await head('GR', [a.signer])], { now: NOW })
    const sdk = (await import(DCC_SDK)) as DccSdk
    // The SDK goes to its online registry for an unknown kid: make sure it knows this one, so it stays offline.
    const coseKid = Buffer.from(decodeHc1(nl.PREFIX).cose.kid ?? []).toString('base64')
    expect(entries.map((e) => e.kid)).toContain(coseKid)
    vi.spyOn(console, 'log').mockImplementation(() => undefined)
    vi.spyOn(console, 'warn').mockImplementation(() => undefined)

    // A different DSC filed under the certificate's kid: the SDK must really check the signature.
    const other = entries.find((e) => e.kid !== coseKid)
    sdk.addCachedCerts({ [coseKid]: other?.rawData ?? '' })
    expect((await sdk.unpackAndVerify(nl.PREFIX)).status).toBe('invalid_signature')

    sdk.addCachedCerts(Object.fromEntries(entries.map((e) => [e.kid, e.rawData])))
    const result = await sdk.unpackAndVerify(nl.PREFIX)
    expect(result.status).toBe('verified')
    expect(result.contents?.get(1)).toBe('NL')
  })
})

describe('shcJwks', () => {
  it('publishes exactly the public members, kid = thumbprint, x5c when present', async () => {
    const jwks = shcJwks([await head('US', shcKeys)], SHC_ISS, { now: NOW })
    expect(jwks.keys.map((k) => k.kid)).toEqual(shcKeys.map((s) => s.kid).sort())
    for (const key of jwks.keys) {
      const source = shcKeys.find((s) => s.kid === key.kid)
      const members = ['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y', ...(source?.jwk.x5c ? ['x5c'] : [])].sort()
      expect(Object.keys(key).sort()).toEqual(members)
      expect(key).toMatchObject({ kty: 'EC', crv: 'P-256', use: 'sig', alg: 'ES256', x: source?.jwk.x, y: source?.jwk.y })
      const thumbprint = createHash('sha256').update(JSON.stringify({ crv: 'P-256', kty: 'EC', x: key.x, y: key.y })).digest('base64url')
      expect(key.kid).toBe(thumbprint)
    }
    expect(jwks.keys.find((k) => k.x5c !== undefined)?.x5c).toHaveLength(3)
  })

  it('matches iss exactly, drops revoked keys and keys outside their window, lists issuers', async () => {
    const [k0, k1] = shcKeys
    if (k0 === undefined || k1 === undefined) throw new Error('vector JWKS has two keys')
    const other: ShcSigner = { ...k1, issuer: 'https://other.example/issuer' }
    const heads = [await head('US', [k0, k1], [revoke(k1.kid)]), await head('CA', [other])]
    expect(shcJwks(heads, SHC_ISS, { now: NOW }).keys.map((k) => k.kid)).toEqual([k0.kid])
    expect(shcJwks(heads, `${SHC_ISS}/`, { now: NOW }).keys).toEqual([])
    expect(shcJwks(heads, 'https://other.example/issuer', { now: NOW }).keys.map((k) => k.kid)).toEqual([k1.kid])
    expect(shcIssuers(heads, { now: NOW })).toEqual(['https://other.example/issuer', SHC_ISS])
    // After the list window every key is gone, and so is every issuer.
    const later = new Date('2031-06-01T00:00:00Z')
    expect(shcJwks(heads, SHC_ISS, { now: later }).keys).toEqual([])
    expect(shcIssuers(heads, { now: later })).toEqual([])
    // A key whose kid is not its thumbprint is never exported.
    const forged: ShcSigner = { ...k0, issuer: 'https://forged.example', jwk: { ...k0.jwk, x: k1.jwk.x, y: k1.jwk.y } }
    expect(shcJwks([await head('XX', [forged])], 'https://forged.example', { now: NOW }).keys).toEqual([])
  })

  it('is verified by jose: the real SMART Health Card examples against the exported JWKS', async () => {
    const jwks = createLocalJWKSet(shcJwks([await head('US', shcKeys)], SHC_ISS, { now: NOW }))
    // example-00 is signed by the plain key, example-01 by the key with an x5c chain.
    for (const name of ['example-00-d-jws.txt', 'example-01-d-jws.txt']) {
      const jws = readVector('shc', name).trim()
      const { payload, protectedHeader } = await compactVerify(jws, jwks, { algorithms: ['ES256'] })
      expect(protectedHeader.zip).toBe('DEF')
      const card = JSON.parse(inflateRawSync(payload).toString('utf8')) as { iss: string }
      expect(card.iss).toBe(SHC_ISS)
    }
    // Without the key (revoked), jose finds nothing to verify with.
    const [k0] = shcKeys
    const revokedSet = createLocalJWKSet(shcJwks([await head('US', shcKeys, [revoke(k0?.kid ?? '')])], SHC_ISS, { now: NOW }))
    await expect(compactVerify(readVector('shc', 'example-00-d-jws.txt').trim(), revokedSet)).rejects.toBeInstanceOf(
      joseErrors.JWKSNoMatchingKey,
    )
  })
})

describe('gdhcnDidDocument', () => {
  it('groups JsonWebKey2020 keys with x5c per country under the base DID', async () => {
    const gr = await createDemoDsc({ country: 'GR', usage: ['test'], notBefore: new Date('2026-01-01Z'), notAfter: new Date('2027-01-01Z') })
    const heads = [await head('NL', [nlSigner, ...shcKeys]), await head('GR', [gr.signer])]
    const doc = gdhcnDidDocument(heads, { did: DID, now: NOW })
    expect(doc['@context']).toEqual(['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/suites/jws-2020/v1'])
    expect(doc.id).toBe(DID)
    expect(doc.controller).toBe(DID)
    expect(doc.verificationMethod).toHaveLength(2)
    const nlMethod = doc.verificationMethod.find((m) => m.controller === `${DID}:NL`)
    expect(nlMethod).toMatchObject({ id: `${DID}:NL#${nlSigner.kid}`, type: 'JsonWebKey2020' })
    expect(nlMethod?.publicKeyJwk).toMatchObject({ kty: 'EC', kid: nlSigner.kid, crv: 'P-256', x5c: [nl.TESTCTX.CERTIFICATE] })
    expect(Object.keys(nlMethod?.publicKeyJwk ?? {}).sort()).toEqual(['crv', 'kid', 'kty', 'x', 'x5c', 'y'])

    const onlyNl = gdhcnDidDocument(heads, { did: DID, now: NOW, country: 'NL' })
    expect(onlyNl.id).toBe(`${DID}:NL`)
    expect(onlyNl.verificationMethod.map((m) => m.id)).toEqual([`${DID}:NL#${nlSigner.kid}`])
    const vaccination = gdhcnDidDocument(heads, { did: DID, now: NOW, usage: 'vaccination' })
    expect(vaccination.id).toBe(`${DID}:-:vaccination`)
    expect(vaccination.verificationMethod.map((m) => m.controller)).toEqual([`${DID}:NL`])
    const grTest = gdhcnDidDocument(heads, { did: DID, now: NOW, country: 'GR', usage: 'test' })
    expect(grTest.id).toBe(`${DID}:GR:test`)
    expect(grTest.verificationMethod.map((m) => m.publicKeyJwk.kid)).toEqual([gr.signer.kid])
    expect(gdhcnDidDocument(heads, { did: DID, now: NOW, country: 'FR' }).verificationMethod).toEqual([])
  })

  it('carries the key that verifies a real NL certificate (WebCrypto over the COSE Sig_structure)', async () => {
    const doc = gdhcnDidDocument([await head('NL', [nlSigner])], { did: DID, now: NOW })
    const jwk = doc.verificationMethod[0]?.publicKeyJwk
    if (jwk?.kty !== 'EC') throw new Error('expected an EC key')
    const key = await webcrypto.subtle.importKey('jwk', { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y }, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify'])
    const { cose } = decodeHc1(nl.PREFIX)
    expect(await webcrypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, key, cose.signature, sigStructure(cose))).toBe(true)
  })

  it('emits RSA as n/e and P-384 with 48-byte coordinates; leaves out revoked and expired DSCs', async () => {
    const ch = JSON.parse(readVector('dcc', 'CH', '2DCode', 'raw', '1.json')) as DccVector
    const rsa = dccSigner(ch.TESTCTX.CERTIFICATE)
    const chNow = new Date((Date.parse(rsa.validFrom) + Date.parse(rsa.validUntil)) / 2)
    const p384 = await makeDsc({ alg: 'ES384', notBefore: new Date(chNow.getTime() - 86_400_000), notAfter: new Date(chNow.getTime() + 86_400_000) })
    const p384Signer = dccSigner(p384.der.toString('base64'))
    const revoked = await createDemoDsc({ country: 'CH', notBefore: new Date(chNow.getTime() - 86_400_000), notAfter: new Date(chNow.getTime() + 86_400_000) })
    const heads = [await head('CH', [rsa, p384Signer, revoked.signer], [revoke(revoked.signer.kid)], chNow)]
    const doc = gdhcnDidDocument(heads, { did: DID, now: chNow })
    const byKid = new Map(doc.verificationMethod.map((m) => [m.publicKeyJwk.kid, m.publicKeyJwk]))
    expect([...byKid.keys()].sort()).toEqual([rsa.kid, p384Signer.kid].sort())
    const rsaJwk = byKid.get(rsa.kid)
    expect(rsaJwk?.kty === 'RSA' ? [Object.keys(rsaJwk).sort(), bytes(rsaJwk.e).toString('hex')] : undefined).toEqual([
      ['e', 'kid', 'kty', 'n', 'x5c'],
      '010001',
    ])
    const ecJwk = byKid.get(p384Signer.kid)
    if (ecJwk?.kty !== 'EC') throw new Error('expected an EC key')
    expect([ecJwk.crv, bytes(ecJwk.x).length, bytes(ecJwk.y).length]).toEqual(['P-384', 48, 48])
    // Two days on, the P-384 DSC has expired (and the revoked one never appears); the RSA DSC remains.
    const later = new Date(chNow.getTime() + 2 * 86_400_000)
    expect(gdhcnDidDocument(heads, { did: DID, now: later }).verificationMethod.map((m) => m.publicKeyJwk.kid)).toEqual([rsa.kid])
  })

  it('writes P-256 coordinates as exactly 32 bytes for hundreds of random keys, leading zeros included', async () => {
    const alg = { name: 'ECDSA', namedCurve: 'P-256' } as const
    const message = new TextEncoder().encode('entente')
    let keys = 0
    const withLeadingZero: CryptoKeyPair[] = []
    // 300 keys at least, and on until several have a coordinate starting with a zero byte (about 1 key in 128).
    while ((keys < 300 || withLeadingZero.length < 3) && keys < 20_000) {
      keys += 1
      const pair = await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])
      const jwk = didPublicKeyJwk(KeyObject.from(pair.publicKey), 'k', [])
      if (jwk?.kty !== 'EC') throw new Error('expected an EC key')
      expect([bytes(jwk.x).length, bytes(jwk.y).length]).toEqual([32, 32])
      if (bytes(jwk.x)[0] === 0 || bytes(jwk.y)[0] === 0) withLeadingZero.push(pair)
      if (keys <= 300 || bytes(jwk.x)[0] === 0 || bytes(jwk.y)[0] === 0) {
        const imported = await webcrypto.subtle.importKey('jwk', { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y }, alg, false, ['verify'])
        const signature = await webcrypto.subtle.sign({ ...alg, hash: 'SHA-256' }, pair.privateKey, message)
        expect(await webcrypto.subtle.verify({ ...alg, hash: 'SHA-256' }, imported, signature, message)).toBe(true)
      }
    }
    expect(withLeadingZero.length).toBeGreaterThanOrEqual(3)

    // End to end for the leading-zero keys: DSC → signed list → DID document → key that verifies.
    const signers: DccSigner[] = []
    for (const pair of withLeadingZero) {
      const cert = await x509.X509CertificateGenerator.createSelfSigned(
        {
          serialNumber: '01',
          name: 'C=GR, CN=leading zero',
          notBefore: new Date('2026-01-01Z'),
          notAfter: new Date('2027-01-01Z'),
          signingAlgorithm: { ...alg, hash: 'SHA-256' },
          keys: pair,
        },
        webcrypto as unknown as Crypto,
      )
      signers.push(dccSigner(Buffer.from(cert.rawData).toString('base64')))
    }
    const doc = gdhcnDidDocument([await head('GR', signers)], { did: DID, now: NOW })
    expect(doc.verificationMethod).toHaveLength(withLeadingZero.length)
    for (const method of doc.verificationMethod) {
      const jwk = method.publicKeyJwk
      if (jwk.kty !== 'EC') throw new Error('expected an EC key')
      expect([bytes(jwk.x).length, bytes(jwk.y).length]).toEqual([32, 32])
      const index = signers.findIndex((s) => s.kid === jwk.kid)
      const pair = withLeadingZero[index]
      if (pair === undefined) throw new Error('unknown kid')
      const imported = await webcrypto.subtle.importKey('jwk', { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y }, alg, false, ['verify'])
      const signature = await webcrypto.subtle.sign({ ...alg, hash: 'SHA-256' }, pair.privateKey, message)
      expect(await webcrypto.subtle.verify({ ...alg, hash: 'SHA-256' }, imported, signature, message)).toBe(true)
    }
  })

  it('repairs the 31- and 33-byte coordinates of the WHO export and rejects oversize ones', () => {
    const value = Buffer.alloc(32, 0x7f)
    value[0] = 0
    const full = value.toString('base64url')
    expect(fixedSizeCoordinate(value.subarray(1).toString('base64url'), 32)).toBe(full) // 31 bytes (BigInteger drops the zero)
    expect(fixedSizeCoordinate(Buffer.concat([Buffer.of(0), Buffer.alloc(32, 0x80)]).toString('base64url'), 32)).toBe(Buffer.alloc(32, 0x80).toString('base64url')) // 33 bytes (sign byte)
    expect(fixedSizeCoordinate(full, 32)).toBe(full)
    expect(fixedSizeCoordinate(Buffer.alloc(33, 1).toString('base64url'), 32)).toBeUndefined()
    expect(fixedSizeCoordinate('not base64url!', 32)).toBeUndefined()
  })

  it('rejects a malformed base DID, country or usage with an EntenteError', () => {
    const codes = [
      () => gdhcnDidDocument([], { did: 'https://example.org', now: NOW }),
      () => gdhcnDidDocument([], { did: `${DID}#frag`, now: NOW }),
      () => gdhcnDidDocument([], { did: DID, now: NOW, country: 'nl' }),
      () => gdhcnDidDocument([], { did: DID, now: NOW, usage: 'booster' as 'test' }),
    ].map((build) => {
      try {
        build()
        return 'no error'
      } catch (error) {
        return isEntenteError(error) ? error.code : String(error)
      }
    })
    expect(codes).toEqual(['ERR_CONFIG_INVALID', 'ERR_CONFIG_INVALID', 'ERR_HTTP_BAD_REQUEST', 'ERR_HTTP_BAD_REQUEST'])
  })
})
