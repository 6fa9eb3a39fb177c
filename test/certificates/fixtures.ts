// Really signed test certificates: DSCs made with @peculiar/x509, HC1 and SHC payloads signed with node:crypto.
import 'reflect-metadata'
import { KeyObject, constants, createHash, sign, webcrypto } from 'node:crypto'
import { deflateRawSync, deflateSync } from 'node:zlib'
import { encode as base45 } from '@digitalbazaar/base45'
import * as x509 from '@peculiar/x509'
import { Encoder, Tag } from 'cbor-x'
import { calculateJwkThumbprint } from 'jose'
import type { DccSigner, PublicJwk, ShcSigner, Usage } from '../../src/certificates/trust-material.types.js'

const EKU = { test: '1.3.6.1.4.1.1847.2021.1.1', vaccination: '1.3.6.1.4.1.1847.2021.1.2', recovery: '1.3.6.1.4.1.1847.2021.1.3' }

export interface TestDsc {
  der: Buffer
  kid: string
  privateKey: KeyObject
  alg: 'ES256' | 'ES384' | 'PS256'
  signer: (usage?: Usage[]) => DccSigner
}

export async function makeDsc(options: {
  country?: string
  alg?: 'ES256' | 'ES384' | 'PS256'
  eku?: Usage[]
  notBefore?: Date
  notAfter?: Date
} = {}): Promise<TestDsc> {
  const alg = options.alg ?? 'ES256'
  const algorithm =
    alg === 'PS256'
      ? { name: 'RSA-PSS', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048, saltLength: 32 }
      : { name: 'ECDSA', namedCurve: alg === 'ES256' ? 'P-256' : 'P-384', hash: alg === 'ES256' ? 'SHA-256' : 'SHA-384' }
  const keys = await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])
  const extensions: x509.Extension[] = []
  if (options.eku !== undefined) extensions.push(new x509.ExtendedKeyUsageExtension(options.eku.map((u) => EKU[u])))
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: '01',
      name: `C=${options.country ?? 'XA'}, CN=Entente test DSC`,
      notBefore: options.notBefore ?? new Date('2021-01-01T00:00:00Z'),
      notAfter: options.notAfter ?? new Date('2031-01-01T00:00:00Z'),
      signingAlgorithm: algorithm,
      keys,
      extensions,
    },
    webcrypto as unknown as Crypto,
  )
  const der = Buffer.from(cert.rawData)
  const kid = createHash('sha256').update(der).digest().subarray(0, 8).toString('base64')
  return {
    der,
    kid,
    privateKey: KeyObject.from(keys.privateKey),
    alg,
    signer: (usage = ['vaccination', 'test', 'recovery']) => ({ format: 'dcc', kid, certificate: der.toString('base64'), usage }),
  }
}

const COSE_ALG = { ES256: -7, ES384: -35, PS256: -37 }

export function vaccinationHcert(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ver: '1.3.0',
    nam: { fn: 'Musterfrau', gn: 'Erika', fnt: 'MUSTERFRAU', gnt: 'ERIKA' },
    dob: '1964-08-12',
    v: [
      {
        tg: '840539006', vp: '1119349007', mp: 'EU/1/20/1528', ma: 'ORG-100030215',
        dn: 2, sd: 2, dt: '2021-06-01', co: 'XA', is: 'Test issuer', ci: 'URN:UVCI:01:XA:TEST1234#0',
        ...overrides,
      },
    ],
  }
}

function toMap(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toMap)
  if (typeof value === 'object' && value !== null && !(value instanceof Uint8Array)) {
    return new Map(Object.entries(value).map(([k, v]) => [k, toMap(v)]))
  }
  return value
}

/** A really signed HC1 payload. */
export function makeHc1(
  dsc: Pick<TestDsc, 'privateKey' | 'alg' | 'kid'>,
  options: {
    hcert?: Record<string, unknown>
    iss?: string
    iat?: number
    exp?: number
    kid?: string
    corruptSignature?: boolean
  } = {},
): string {
  const encoder = new Encoder({ mapsAsObjects: false, useRecords: false })
  const claims = new Map<number, unknown>([
    [1, options.iss ?? 'XA'],
    [6, options.iat ?? Date.parse('2021-06-15T00:00:00Z') / 1000],
    [4, options.exp ?? Date.parse('2030-01-01T00:00:00Z') / 1000],
    [-260, new Map([[1, toMap(options.hcert ?? vaccinationHcert())]])],
  ])
  const protectedBytes = encoder.encode(new Map<number, unknown>([[1, COSE_ALG[dsc.alg]], [4, Buffer.from(options.kid ?? dsc.kid, 'base64')]]))
  const payload = encoder.encode(claims)
  const toBeSigned = encoder.encode(['Signature1', protectedBytes, Buffer.alloc(0), payload])
  const hash = dsc.alg === 'ES384' ? 'sha384' : 'sha256'
  const signature =
    dsc.alg === 'PS256'
      ? sign(hash, toBeSigned, { key: dsc.privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 })
      : sign(hash, toBeSigned, { key: dsc.privateKey, dsaEncoding: 'ieee-p1363' })
  if (options.corruptSignature === true) signature[5] = (signature[5] ?? 0) ^ 1
  const cose = encoder.encode(new Tag([protectedBytes, new Map(), payload, signature], 18))
  return `HC1:${base45(deflateSync(cose))}`
}

export interface TestShcKey {
  kid: string
  jwk: PublicJwk
  privateKey: KeyObject
  signer: (issuer: string, usage?: Usage[]) => ShcSigner
}

export async function makeShcKey(): Promise<TestShcKey> {
  const keys = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])
  const exported = KeyObject.from(keys.publicKey).export({ format: 'jwk' })
  const kid = await calculateJwkThumbprint({ kty: 'EC', crv: 'P-256', x: exported.x!, y: exported.y! })
  const jwk: PublicJwk = { kty: 'EC', crv: 'P-256', x: exported.x, y: exported.y, kid, use: 'sig', alg: 'ES256' }
  return {
    kid,
    jwk,
    privateKey: KeyObject.from(keys.privateKey),
    signer: (issuer, usage = ['vaccination', 'test', 'recovery']) => ({ format: 'shc', kid, issuer, jwk, usage }),
  }
}

export function shcPayload(options: { iss: string; nbf?: number; exp?: number; rid?: string; cvx?: string[]; dates?: string[] }): Record<string, unknown> {
  const cvx = options.cvx ?? ['208', '208']
  const dates = options.dates ?? ['2021-05-01', '2021-05-22']
  return {
    iss: options.iss,
    nbf: options.nbf ?? Date.parse('2021-06-01T00:00:00Z') / 1000,
    ...(options.exp !== undefined ? { exp: options.exp } : {}),
    vc: {
      type: ['https://smarthealth.cards#health-card'],
      ...(options.rid !== undefined ? { rid: options.rid } : {}),
      credentialSubject: {
        fhirVersion: '4.0.1',
        fhirBundle: {
          resourceType: 'Bundle',
          type: 'collection',
          entry: [
            { fullUrl: 'resource:0', resource: { resourceType: 'Patient', name: [{ family: 'Anyperson', given: ['Jane'] }], birthDate: '1960-01-01' } },
            ...cvx.map((code, i) => ({
              fullUrl: `resource:${i + 1}`,
              resource: {
                resourceType: 'Immunization',
                status: 'completed',
                vaccineCode: { coding: [{ system: 'http://hl7.org/fhir/sid/cvx', code }] },
                patient: { reference: 'resource:0' },
                occurrenceDateTime: dates[i] ?? '2021-05-01',
              },
            })),
          ],
        },
      },
    },
  }
}

/** A really signed SHC compact JWS of raw payload bytes (so malformed JSON can be signed too). */
export function signShc(key: Pick<TestShcKey, 'privateKey' | 'kid'>, payload: Record<string, unknown> | string): string {
  const header = Buffer.from(JSON.stringify({ zip: 'DEF', alg: 'ES256', kid: key.kid })).toString('base64url')
  const bytes = Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload))
  const body = deflateRawSync(bytes).toString('base64url')
  const signature = sign('sha256', Buffer.from(`${header}.${body}`), { key: key.privateKey, dsaEncoding: 'ieee-p1363' })
  return `${header}.${body}.${signature.toString('base64url')}`
}

/** JWS → "shc:/" numeric QR text. */
export function toShcQr(jws: string): string {
  let digits = ''
  for (const ch of jws) digits += String(ch.charCodeAt(0) - 45).padStart(2, '0')
  return `shc:/${digits}`
}
