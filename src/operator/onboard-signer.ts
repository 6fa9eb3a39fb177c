// The operator's gate for signers: checks a proposed EU DCC DSC or SHC issuer key and returns its trust-list entry;
// revokes and adds signers on a draft. Pure: no I/O, `now` is supplied by the caller; never keeps private key material.
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto'
import { AsnConvert } from '@peculiar/asn1-schema'
import { ECParameters } from '@peculiar/asn1-ecc'
import {
  BasicConstraints,
  Certificate,
  ExtendedKeyUsage,
  id_ce_basicConstraints,
  id_ce_extKeyUsage,
  id_ce_keyUsage,
  KeyUsage,
  KeyUsageFlags,
  Version,
  type SubjectPublicKeyInfo,
} from '@peculiar/asn1-x509'
import { calculateJwkThumbprint } from 'jose'
import { dscAllowsType } from '../certificates/dcc/dcc-key-usage.js'
import { dscKid, parseDsc } from '../certificates/dcc/parse-dsc.js'
import { fromBase64, fromBase64url, toBase64 } from '../model/encoding.js'
import { EntenteError } from '../model/errors.js'
import type {
  DccSigner,
  RevokedSigner,
  ShcSigner,
  Signer,
  SignerPublicJwk,
  TrustListDraft,
  Usage,
} from '../model/schema.types.js'
import { schemaValidators } from '../model/schemas.js'

export type SignerRequest =
  | { format: 'dcc'; certificate: string /* PEM, or base64 DER */; usage?: Usage[] }
  | {
      format: 'shc'
      issuer: string
      jwk: Record<string, unknown>
      usage?: Usage[]
      validFrom?: string
      validUntil?: string
    }

export interface OnboardContext {
  /** The operator's country: a DSC's subject C must be exactly this. */
  readonly country: string
  readonly now: Date
  /** The signers already in the draft, for kid collision and duplicate checks. */
  readonly existing: readonly Signer[]
}

export type RevocationReason = RevokedSigner['reason']

export interface RevokeRequest {
  kid: string
  /** Default 'unspecified'. */
  reason?: RevocationReason
  /** RFC 3339; default `now`. Normalized to whole seconds, UTC, Z. */
  revokedAt?: string
}

/** Canonical order of usages in entries, so the same decision always yields the same bytes. */
const USAGES: readonly Usage[] = ['vaccination', 'test', 'recovery']
const REASONS: readonly RevocationReason[] = ['key-compromise', 'superseded', 'cessation-of-operation', 'unspecified']

// Caps before any parsing: the trust list stores at most 16384 base64 characters (12288 DER bytes) per certificate.
const MAX_CERTIFICATE_TEXT = 65_536
const MAX_DER_BYTES = 12_288
const MAX_ISSUER_LENGTH = 512
const MAX_X5C = 10
// As the schema: the signed list's byte cap (checked on every draft edit) binds first for large certificates.
const MAX_SIGNERS = 10_000
const MAX_REVOKED = 20_000

const RSA_MIN_BITS = 2048
// Larger moduli add nothing against known attacks but make every verifier's signature check slower (CPU exhaustion).
const RSA_MAX_BITS = 8192
const SHC_DEFAULT_YEARS = 2

const OID_EC_PUBLIC_KEY = '1.2.840.10045.2.1'
const OID_RSA_ENCRYPTION = '1.2.840.113549.1.1.1'
const OID_RSASSA_PSS = '1.2.840.113549.1.1.10'
const OID_COUNTRY = '2.5.4.6'
const NAMED_CURVES: Readonly<Record<string, { name: string; node: string }>> = {
  '1.2.840.10045.3.1.7': { name: 'P-256', node: 'prime256v1' },
  '1.3.132.0.34': { name: 'P-384', node: 'secp384r1' },
}
const CURVE_NAMES: Readonly<Record<string, string>> = {
  '1.3.132.0.35': 'P-521',
  '1.3.132.0.10': 'secp256k1',
  '1.3.36.3.3.2.8.1.1.7': 'brainpoolP256r1',
}
// Extensions a DSC may mark critical: the ones the profile defines or verifiers know. Every critical extension the
// real DSCs carry is among KU, basic constraints and EKU; an unknown critical one must make the certificate unusable
// (RFC 5280 §4.2), so it is refused here rather than discovered by some verifier later.
const KNOWN_EXTENSIONS: ReadonlySet<string> = new Set([
  '2.5.29.14', // subjectKeyIdentifier
  '2.5.29.15', // keyUsage
  '2.5.29.16', // privateKeyUsagePeriod
  '2.5.29.17', // subjectAltName
  '2.5.29.18', // issuerAltName
  '2.5.29.19', // basicConstraints
  '2.5.29.31', // cRLDistributionPoints
  '2.5.29.32', // certificatePolicies
  '2.5.29.35', // authorityKeyIdentifier
  '2.5.29.37', // extKeyUsage
  '2.5.29.46', // freshestCRL
  '1.3.6.1.5.5.7.1.1', // authorityInfoAccess
  '1.3.6.1.5.5.7.1.3', // qcStatements
  '1.3.6.1.5.5.7.1.11', // subjectInfoAccess
])
// Every JWK member that carries private (or symmetric) key material, RFC 7518 §6.
const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const

// ---------------------------------------------------------------------------------------------------------------
// onboardSigner

export async function onboardSigner(request: unknown, context: OnboardContext): Promise<Signer> {
  try {
    assertClock(context.now)
    const parsed = parseSignerRequest(request)
    const signer = parsed.format === 'dcc' ? onboardDcc(parsed, context) : await onboardShc(parsed, context)
    assertNotPresent(signer, context.existing)
    // Backstop: whatever the checks above missed, an entry that breaks the contract never reaches a draft.
    schemaValidators().check('draft.v1', { ...emptyDraftOf(), signers: [signer] }, 'ERR_SIGNER_MALFORMED')
    return signer
  } catch (error) {
    throw asEntenteError(error)
  }
}

function onboardDcc(request: Extract<SignerRequest, { format: 'dcc' }>, context: OnboardContext): DccSigner {
  const der = certificateDer(request.certificate)
  const cert = parseCertificate(der)
  const tbs = cert.tbsCertificate

  checkDccKey(tbs.subjectPublicKeyInfo)

  // The checks below read the certificate the way verifiers will: a DSC they cannot parse is useless.
  try {
    parseDsc(der)
  } catch (error) {
    throw new EntenteError('ERR_SIGNER_MALFORMED', 'the certificate cannot be read by the verifier', { cause: error })
  }
  checkDscProfile(cert)

  const notBefore = tbs.validity.notBefore.getTime()
  const notAfter = tbs.validity.notAfter.getTime()
  if (Number.isNaN(notBefore.getTime()) || Number.isNaN(notAfter.getTime()) || notAfter < notBefore) {
    throw new EntenteError('ERR_SIGNER_MALFORMED', 'the certificate validity period is unreadable or inverted')
  }
  if (notAfter.getTime() < context.now.getTime()) {
    throw new EntenteError('ERR_SIGNER_EXPIRED', `the certificate expired at ${isoSeconds(notAfter)}`, {
      details: { notAfter: isoSeconds(notAfter) },
    })
  }
  if (notBefore.getTime() > context.now.getTime()) {
    throw new EntenteError('ERR_SIGNER_NOT_YET_VALID', `the certificate is not valid before ${isoSeconds(notBefore)}`, {
      details: { notBefore: isoSeconds(notBefore) },
    })
  }

  // A DSC may only sign for its own country (hcert §5.2); an operator must not publish another country's signers.
  const countries = subjectCountries(cert)
  if (countries.length !== 1 || countries[0] !== context.country) {
    const found = countries.length === 0 ? 'no C attribute' : `C=${countries.join(', C=')}`
    throw new EntenteError(
      'ERR_SIGNER_COUNTRY_MISMATCH',
      `the certificate subject has ${found}; this node signs for ${context.country}`,
      { details: { subjectCountries: countries } },
    )
  }

  const usage = dccUsage(cert, request.usage)
  return {
    format: 'dcc',
    kid: dscKid(der),
    certificate: toBase64(der),
    usage,
    // Rounded inward so the entry never widens the certificate's own validity.
    validFrom: isoSeconds(ceilSeconds(notBefore)),
    validUntil: isoSeconds(floorSeconds(notAfter)),
  }
}

/** PEM (exactly one CERTIFICATE block) or base64 DER → DER bytes. */
function certificateDer(text: string): Uint8Array {
  // Checked before anything else: private key material must be refused even when it comes with a certificate.
  if (/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/.test(text)) {
    throw new EntenteError('ERR_SIGNER_PRIVATE_KEY', 'a private key was sent; send only the certificate')
  }
  let body: string
  if (text.includes('-----BEGIN')) {
    const blocks = [...text.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----([^-]*)-----END ([A-Z0-9 ]+)-----/g)]
    const first = blocks[0]
    if (blocks.length !== 1 || first === undefined) {
      throw new EntenteError('ERR_SIGNER_MALFORMED', `expected exactly one PEM block, found ${blocks.length}`)
    }
    if (first[1] !== 'CERTIFICATE' || first[3] !== 'CERTIFICATE') {
      throw new EntenteError('ERR_SIGNER_MALFORMED', `expected a PEM CERTIFICATE block, found ${first[1] ?? '?'}`)
    }
    body = first[2] ?? ''
  } else {
    body = text
  }
  const der = fromBase64(body.replace(/\s+/g, ''))
  if (der === undefined || der.length === 0) {
    throw new EntenteError('ERR_SIGNER_MALFORMED', 'the certificate is neither PEM nor standard base64 DER')
  }
  if (der.length > MAX_DER_BYTES) {
    throw new EntenteError('ERR_SIGNER_MALFORMED', `the certificate is larger than ${MAX_DER_BYTES} bytes`)
  }
  return der
}

function parseCertificate(der: Uint8Array): Certificate {
  let cert: Certificate
  try {
    cert = AsnConvert.parse(der, Certificate)
  } catch (error) {
    if (isPrivateKeyDer(der)) {
      throw new EntenteError('ERR_SIGNER_PRIVATE_KEY', 'a private key was sent; send only the certificate')
    }
    throw new EntenteError('ERR_SIGNER_MALFORMED', 'not an X.509 certificate', { cause: error })
  }
  // The kid hashes these exact bytes: trailing data or a non-DER encoding would give one certificate many kids
  // (and let it slip past the duplicate check).
  const reencoded = new Uint8Array(AsnConvert.serialize(cert))
  if (!sameBytes(reencoded, der)) {
    throw new EntenteError('ERR_SIGNER_MALFORMED', 'the certificate is not exactly one DER-encoded certificate')
  }
  return cert
}

function isPrivateKeyDer(der: Uint8Array): boolean {
  for (const type of ['pkcs8', 'sec1', 'pkcs1'] as const) {
    try {
      createPrivateKey({ key: Buffer.from(der), format: 'der', type })
      return true
    } catch {
      // not this encoding
    }
  }
  return false
}

/** EC P-256 / P-384 with a named curve, or RSA ≥ 2048 bits with e = 65537; nothing else. */
function checkDccKey(spki: SubjectPublicKeyInfo): void {
  const algorithm = spki.algorithm.algorithm
  const spkiDer = new Uint8Array(AsnConvert.serialize(spki))

  if (algorithm === OID_EC_PUBLIC_KEY) {
    const raw = spki.algorithm.parameters
    const params = raw === undefined || raw === null ? new Uint8Array() : new Uint8Array(raw)
    // CVE-2020-0601: explicit domain parameters let a key claim a well-known curve with an attacker's generator.
    // OpenSSL maps explicit P-256 parameters back to prime256v1, so this must be decided on the ASN.1 itself.
    if (params[0] === 0x30) {
      throw new EntenteError(
        'ERR_SIGNER_EXPLICIT_EC_PARAMS',
        'the EC key carries explicit curve parameters; only named curves (RFC 5480) are accepted',
      )
    }
    if (params[0] !== 0x06) {
      throw new EntenteError('ERR_SIGNER_UNSUPPORTED_KEY', 'the EC key names no curve (implicitCurve or missing parameters)')
    }
    let oid: string | undefined
    try {
      oid = AsnConvert.parse(params, ECParameters).namedCurve
    } catch (error) {
      throw new EntenteError('ERR_SIGNER_MALFORMED', 'the EC curve identifier is unreadable', { cause: error })
    }
    const curve = oid === undefined ? undefined : NAMED_CURVES[oid]
    if (oid === undefined || curve === undefined) {
      const name = oid === undefined ? 'unknown' : (CURVE_NAMES[oid] ?? oid)
      throw new EntenteError('ERR_SIGNER_UNSUPPORTED_KEY', `EC curve ${name} is not accepted; use P-256 or P-384`)
    }
    const key = importSpki(spkiDer)
    if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== curve.node) {
      throw new EntenteError('ERR_SIGNER_MALFORMED', `the key does not decode as an ${curve.name} key`)
    }
    return
  }

  if (algorithm === OID_RSA_ENCRYPTION || algorithm === OID_RSASSA_PSS) {
    const key = importSpki(spkiDer)
    const bits = key.asymmetricKeyDetails?.modulusLength
    const exponent = key.asymmetricKeyDetails?.publicExponent
    if (bits === undefined || exponent === undefined) {
      throw new EntenteError('ERR_SIGNER_MALFORMED', 'the RSA key does not decode')
    }
    if (bits < RSA_MIN_BITS) {
      throw new EntenteError('ERR_SIGNER_WEAK_KEY', `RSA key of ${bits} bits; at least ${RSA_MIN_BITS} are required`)
    }
    if (bits > RSA_MAX_BITS) {
      throw new EntenteError('ERR_SIGNER_UNSUPPORTED_KEY', `RSA key of ${bits} bits; at most ${RSA_MAX_BITS} are accepted`)
    }
    // Exactly 65537: small exponents (e = 3) enable Bleichenbacher-style forgeries against lenient PKCS#1 v1.5
    // verifiers, and larger ones are refused by some verifier libraries; every real DSC uses 65537.
    if (exponent !== 65537n) {
      throw new EntenteError('ERR_SIGNER_WEAK_KEY', `RSA public exponent ${exponent}; only 65537 is accepted`)
    }
    return
  }

  throw new EntenteError(
    'ERR_SIGNER_UNSUPPORTED_KEY',
    `key algorithm ${algorithm} is not accepted; use EC P-256, EC P-384 or RSA`,
  )
}

/**
 * The EU DCC certificate profile for a Document Signer Certificate: X.509 v3, not a CA, a key usage (when present)
 * that allows digital signatures and no certificate or CRL signing. A DSC without a keyUsage extension is accepted:
 * RFC 5280 reads it as unrestricted, and real DSCs in use omit it.
 */
function checkDscProfile(cert: Certificate): void {
  const tbs = cert.tbsCertificate
  if (tbs.version !== Version.v3) {
    throw new EntenteError('ERR_SIGNER_NOT_V3', `the certificate is X.509 v${tbs.version + 1}; a DSC must be v3 (it carries its key usage in extensions)`)
  }
  const extensions = tbs.extensions ?? []
  const ids = extensions.map((extension) => extension.extnID)
  const repeated = ids.find((id, i) => ids.indexOf(id) !== i)
  if (repeated !== undefined) {
    throw new EntenteError('ERR_SIGNER_MALFORMED', `the certificate carries extension ${repeated} more than once`)
  }
  const unknownCritical = extensions.find((extension) => extension.critical && !KNOWN_EXTENSIONS.has(extension.extnID))
  if (unknownCritical !== undefined) {
    throw new EntenteError(
      'ERR_SIGNER_CRITICAL_EXTENSION',
      `the certificate has a critical extension ${unknownCritical.extnID} that verifiers do not know; they must refuse it`,
      { details: { extension: unknownCritical.extnID } },
    )
  }

  const basic = extensions.find((extension) => extension.extnID === id_ce_basicConstraints)
  if (basic !== undefined) {
    let constraints: BasicConstraints
    try {
      constraints = AsnConvert.parse(basic.extnValue, BasicConstraints)
    } catch (error) {
      throw new EntenteError('ERR_SIGNER_MALFORMED', 'the basic constraints extension is unreadable', { cause: error })
    }
    if (constraints.cA) {
      throw new EntenteError(
        'ERR_SIGNER_CA_CERTIFICATE',
        'the certificate is a CA certificate (basicConstraints cA=true), e.g. a CSCA; send the Document Signer Certificate it issued',
      )
    }
  }

  const keyUsage = extensions.find((extension) => extension.extnID === id_ce_keyUsage)
  if (keyUsage === undefined) return
  let flags: number
  try {
    flags = AsnConvert.parse(keyUsage.extnValue, KeyUsage).toNumber()
  } catch (error) {
    throw new EntenteError('ERR_SIGNER_MALFORMED', 'the key usage extension is unreadable', { cause: error })
  }
  const names = keyUsageNames(flags)
  // A DSC signs health certificates only; a key that may sign certificates or CRLs belongs to a CA.
  if ((flags & (KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign)) !== 0) {
    throw new EntenteError(
      'ERR_SIGNER_CA_KEY_USAGE',
      `the certificate's key usage (${names.join(', ')}) is a CA's: a DSC must not have keyCertSign or cRLSign`,
      { details: { keyUsage: names } },
    )
  }
  if ((flags & KeyUsageFlags.digitalSignature) === 0) {
    throw new EntenteError(
      'ERR_SIGNER_NO_DIGITAL_SIGNATURE',
      `the certificate's key usage (${names.join(', ') || 'none'}) lacks digitalSignature, which a DSC needs to sign`,
      { details: { keyUsage: names } },
    )
  }
}

function keyUsageNames(flags: number): string[] {
  return Object.entries(KeyUsageFlags).flatMap(([name, bit]) => (typeof bit === 'number' && (flags & bit) !== 0 ? [name] : []))
}

function importSpki(spkiDer: Uint8Array): KeyObject {
  try {
    return createPublicKey({ key: Buffer.from(spkiDer), format: 'der', type: 'spki' })
  } catch (error) {
    // e.g. an EC point that is not on the curve
    throw new EntenteError('ERR_SIGNER_MALFORMED', 'the public key is invalid', { cause: error })
  }
}

function subjectCountries(cert: Certificate): string[] {
  return cert.tbsCertificate.subject.flatMap((rdn) =>
    rdn.filter((attribute) => attribute.type === OID_COUNTRY).map((attribute) => attribute.value.toString()),
  )
}

/** The usages the DSC's EKU allows (hcert §A.4, read exactly as the verifier reads it), narrowed by the request. */
function dccUsage(cert: Certificate, requested: readonly Usage[] | undefined): Usage[] {
  const extensions = cert.tbsCertificate.extensions ?? []
  const ekuExtensions = extensions.filter((extension) => extension.extnID === id_ce_extKeyUsage)
  if (ekuExtensions.length > 1) {
    throw new EntenteError('ERR_SIGNER_MALFORMED', 'the certificate has more than one extended key usage extension')
  }
  let eku: string[] | undefined
  const extension = ekuExtensions[0]
  if (extension !== undefined) {
    try {
      eku = [...AsnConvert.parse(extension.extnValue, ExtendedKeyUsage)]
    } catch (error) {
      throw new EntenteError('ERR_SIGNER_MALFORMED', 'the extended key usage extension is unreadable', { cause: error })
    }
    // An empty EKU lists no restriction: the verifier (and vector common/CO15) treat it as absent.
    if (eku.length === 0) eku = undefined
  }
  const allowed = USAGES.filter((usage) => dscAllowsType(eku, usage))
  if (allowed.length === 0) {
    throw new EntenteError(
      'ERR_SIGNER_USAGE',
      `the certificate's extended key usage (${(eku ?? []).join(', ')}) allows no DCC type; it needs the EU OIDs 1.3.6.1.4.1.1847.2021.1.1–3`,
      { details: { extendedKeyUsage: eku } },
    )
  }
  if (requested === undefined) return allowed
  const refused = requested.filter((usage) => !allowed.includes(usage))
  if (refused.length > 0) {
    throw new EntenteError(
      'ERR_SIGNER_USAGE',
      `the certificate's extended key usage does not allow ${refused.join(', ')} (it allows ${allowed.join(', ')})`,
      { details: { requested, allowed } },
    )
  }
  return USAGES.filter((usage) => requested.includes(usage))
}

async function onboardShc(request: Extract<SignerRequest, { format: 'shc' }>, context: OnboardContext): Promise<ShcSigner> {
  const { jwk, kid } = await checkShcJwk(request.jwk)
  checkIssuer(request.issuer)

  const nowSeconds = floorSeconds(context.now)
  const validFrom = request.validFrom === undefined ? nowSeconds : ceilSeconds(parseTimestamp(request.validFrom, 'validFrom'))
  const validUntil =
    request.validUntil === undefined ? addYears(nowSeconds, SHC_DEFAULT_YEARS) : floorSeconds(parseTimestamp(request.validUntil, 'validUntil'))
  if (validUntil.getTime() <= validFrom.getTime()) {
    throw new EntenteError('ERR_HTTP_BAD_REQUEST', `validUntil ${isoSeconds(validUntil)} is not after validFrom ${isoSeconds(validFrom)}`)
  }
  if (validUntil.getTime() < context.now.getTime()) {
    throw new EntenteError('ERR_SIGNER_EXPIRED', `validUntil ${isoSeconds(validUntil)} has passed`)
  }
  // Same rule as for DSCs: a key enters the list once it may sign.
  if (validFrom.getTime() > context.now.getTime()) {
    throw new EntenteError('ERR_SIGNER_NOT_YET_VALID', `validFrom ${isoSeconds(validFrom)} is in the future`)
  }

  return {
    format: 'shc',
    kid,
    issuer: request.issuer,
    jwk,
    usage: USAGES.filter((usage) => (request.usage ?? ['vaccination']).includes(usage)),
    validFrom: isoSeconds(validFrom),
    validUntil: isoSeconds(validUntil),
  }
}

/** Keeps only the public members; the kid becomes the RFC 7638 thumbprint. */
async function checkShcJwk(input: Record<string, unknown>): Promise<{ jwk: SignerPublicJwk; kid: string }> {
  const privateMembers = PRIVATE_JWK_MEMBERS.filter((member) => Object.hasOwn(input, member))
  if (privateMembers.length > 0) {
    throw new EntenteError('ERR_SIGNER_PRIVATE_KEY', `the JWK holds private key material (${privateMembers.join(', ')}); send only the public key`)
  }
  const { kty, crv, x, y, use, alg, kid, x5c } = input
  if (typeof kty !== 'string') throw new EntenteError('ERR_SIGNER_MALFORMED', 'the JWK has no kty')
  if (kty !== 'EC' || crv !== 'P-256') {
    const what = kty === 'EC' ? `curve ${typeof crv === 'string' ? crv : '(none)'}` : `key type ${kty}`
    throw new EntenteError('ERR_SIGNER_UNSUPPORTED_KEY', `${what} is not accepted; SMART Health Cards use EC P-256 (ES256)`)
  }
  if (!isCoordinate(x) || !isCoordinate(y)) {
    throw new EntenteError('ERR_SIGNER_MALFORMED', 'the JWK x and y must each be 32 bytes of base64url')
  }
  let key: KeyObject
  try {
    key = createPublicKey({ key: { kty, crv, x, y }, format: 'jwk' })
  } catch (error) {
    throw new EntenteError('ERR_SIGNER_MALFORMED', 'the JWK is not a point on P-256', { cause: error })
  }
  // SMART Health Cards require both (spec "Determining keys associated with an issuer"); verifiers filter on them.
  if (use !== 'sig' || alg !== 'ES256') {
    throw new EntenteError('ERR_SIGNER_JWK_USE_ALG', `the JWK must have use "sig" and alg "ES256" (found use ${show(use)}, alg ${show(alg)})`)
  }
  const thumbprint = await calculateJwkThumbprint({ kty, crv, x, y }, 'sha256')
  if (kid !== undefined && kid !== thumbprint) {
    throw new EntenteError('ERR_SIGNER_KID_MISMATCH', `the JWK kid ${show(kid)} is not its RFC 7638 thumbprint ${thumbprint}`, {
      details: { thumbprint },
    })
  }
  const jwk: SignerPublicJwk = { kty, crv, x, y, use, alg, kid: thumbprint }
  if (x5c !== undefined) jwk.x5c = checkX5c(x5c, key)
  return { jwk, kid: thumbprint }
}

function isCoordinate(value: unknown): value is string {
  if (typeof value !== 'string' || value.length !== 43) return false
  return fromBase64url(value)?.length === 32
}

/** x5c is optional, but when present its leaf must certify this very key, or verifiers using the chain see another key. */
function checkX5c(x5c: unknown, key: KeyObject): string[] {
  const isText = (item: unknown): item is string => typeof item === 'string'
  if (!Array.isArray(x5c) || x5c.length === 0 || x5c.length > MAX_X5C || !x5c.every(isText)) {
    throw new EntenteError('ERR_SIGNER_MALFORMED', `x5c must be an array of 1 to ${MAX_X5C} base64 certificates`)
  }
  const chain: string[] = x5c
  const ders = chain.map((item) => fromBase64(item))
  if (ders.some((der) => der === undefined || der.length === 0 || der.length > MAX_DER_BYTES)) {
    throw new EntenteError('ERR_SIGNER_MALFORMED', 'x5c entries must be standard base64 DER certificates')
  }
  const leaf = parseCertificate(ders[0] as Uint8Array)
  const leafKey = importSpki(new Uint8Array(AsnConvert.serialize(leaf.tbsCertificate.subjectPublicKeyInfo)))
  if (!leafKey.equals(key)) {
    throw new EntenteError('ERR_SIGNER_MALFORMED', 'x5c[0] certifies a different key than the JWK')
  }
  return [...chain]
}

/** Cards carry `iss` verbatim and verifiers compare it byte for byte, so it is checked, never normalized. */
function checkIssuer(issuer: string): void {
  const fail = (why: string): never => {
    throw new EntenteError('ERR_SIGNER_ISSUER_URL', `issuer ${JSON.stringify(issuer.slice(0, 80))} ${why}`)
  }
  if (issuer.length > MAX_ISSUER_LENGTH) fail(`is longer than ${MAX_ISSUER_LENGTH} characters`)
  if (!/^[\x21-\x7e]+$/.test(issuer)) fail('must be printable ASCII without spaces')
  let url: URL
  try {
    url = new URL(issuer)
  } catch {
    return fail('is not a URL')
  }
  if (url.protocol !== 'https:') fail('must be an https URL')
  if (url.username !== '' || url.password !== '') fail('must not contain credentials')
  if (issuer.includes('?')) fail('must not have a query')
  if (issuer.includes('#')) fail('must not have a fragment')
  // SHC: the issuer's keys live at `${iss}/.well-known/jwks.json`; a trailing slash would double it.
  if (issuer.endsWith('/')) fail('must not end with a slash')
}

function assertNotPresent(signer: Signer, existing: readonly Signer[]): void {
  for (const other of existing) {
    if (other.kid !== signer.kid) continue
    if (sameKey(other, signer)) {
      throw new EntenteError('ERR_SIGNER_EXISTS', `signer ${signer.kid} is already in the list`, { details: { kid: signer.kid } })
    }
    // DCC kids are 64-bit truncated hashes: a colliding certificate can be manufactured, and would shadow this one.
    throw new EntenteError('ERR_SIGNER_KID_COLLISION', `kid ${signer.kid} already names a different signer`, {
      details: { kid: signer.kid },
    })
  }
}

function sameKey(a: Signer, b: Signer): boolean {
  if (a.format === 'dcc' && b.format === 'dcc') return a.certificate === b.certificate
  if (a.format === 'shc' && b.format === 'shc') return a.jwk.x === b.jwk.x && a.jwk.y === b.jwk.y
  return false
}

// ---------------------------------------------------------------------------------------------------------------
// Draft edits

/** A new draft with `signer` appended. Revoked kids stay taken: a revoked key never returns under its kid. */
export function addSigner(draft: TrustListDraft, signer: Signer): TrustListDraft {
  assertNotPresent(signer, draft.signers)
  if (draft.revokedSigners.some((revoked) => revoked.kid === signer.kid)) {
    throw new EntenteError('ERR_SIGNER_KID_COLLISION', `kid ${signer.kid} was revoked; it cannot be reused`, {
      details: { kid: signer.kid },
    })
  }
  if (draft.signers.length >= MAX_SIGNERS) {
    throw new EntenteError('ERR_HTTP_BAD_REQUEST', `the list already holds the maximum of ${MAX_SIGNERS} signers`)
  }
  return { ...draft, signers: [...draft.signers, signer] }
}

/** A new draft where the signer `kid` moved from `signers` to `revokedSigners`. */
export function revokeSigner(draft: TrustListDraft, request: unknown, now: Date): TrustListDraft {
  try {
    assertClock(now)
    const { kid, reason = 'unspecified', revokedAt } = parseRevokeRequest(request)
    if (draft.revokedSigners.some((revoked) => revoked.kid === kid)) {
      throw new EntenteError('ERR_SIGNER_ALREADY_REVOKED', `signer ${kid} is already revoked`, { details: { kid } })
    }
    if (!draft.signers.some((signer) => signer.kid === kid)) {
      throw new EntenteError('ERR_SIGNER_NOT_FOUND', `no signer ${kid} in the list`, { details: { kid } })
    }
    if (draft.revokedSigners.length >= MAX_REVOKED) {
      throw new EntenteError('ERR_HTTP_BAD_REQUEST', `the list already holds the maximum of ${MAX_REVOKED} revoked signers`)
    }
    const at = revokedAt === undefined ? floorSeconds(now) : floorSeconds(parseTimestamp(revokedAt, 'revokedAt'))
    // The signer leaves `signers` now; a future revokedAt would claim it stays trusted until then, which it does not.
    if (at.getTime() > now.getTime()) {
      throw new EntenteError('ERR_HTTP_BAD_REQUEST', `revokedAt ${isoSeconds(at)} is in the future`)
    }
    return {
      ...draft,
      signers: draft.signers.filter((signer) => signer.kid !== kid),
      revokedSigners: [...draft.revokedSigners, { kid, revokedAt: isoSeconds(at), reason }],
    }
  } catch (error) {
    throw asEntenteError(error)
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Request shapes

function parseSignerRequest(request: unknown): SignerRequest {
  const body = plainObject(request, 'the request')
  if (body.format === 'dcc') {
    onlyKeys(body, ['format', 'certificate', 'usage'])
    const certificate = body.certificate
    if (typeof certificate !== 'string' || certificate.length === 0) bad('certificate must be a non-empty string (PEM or base64 DER)')
    if (certificate.length > MAX_CERTIFICATE_TEXT) bad(`certificate is longer than ${MAX_CERTIFICATE_TEXT} characters`)
    const usage = parseUsage(body.usage)
    return { format: 'dcc', certificate, ...(usage === undefined ? {} : { usage }) }
  }
  if (body.format === 'shc') {
    onlyKeys(body, ['format', 'issuer', 'jwk', 'usage', 'validFrom', 'validUntil'])
    const { issuer, validFrom, validUntil } = body
    if (typeof issuer !== 'string') bad('issuer must be a string (https URL)')
    const jwk = plainObject(body.jwk, 'jwk')
    if (validFrom !== undefined && typeof validFrom !== 'string') bad('validFrom must be an RFC 3339 timestamp')
    if (validUntil !== undefined && typeof validUntil !== 'string') bad('validUntil must be an RFC 3339 timestamp')
    const usage = parseUsage(body.usage)
    return {
      format: 'shc',
      issuer,
      jwk,
      ...(usage === undefined ? {} : { usage }),
      ...(validFrom === undefined ? {} : { validFrom }),
      ...(validUntil === undefined ? {} : { validUntil }),
    }
  }
  return bad('format must be "dcc" or "shc"')
}

function parseUsage(value: unknown): Usage[] | undefined {
  if (value === undefined) return undefined
  if (
    !Array.isArray(value) ||
    value.length === 0 ||
    !value.every((item) => (USAGES as readonly unknown[]).includes(item)) ||
    new Set(value).size !== value.length
  ) {
    return bad(`usage must be a non-empty list of distinct values from ${USAGES.join(', ')}`)
  }
  return value as Usage[]
}

function parseRevokeRequest(request: unknown): RevokeRequest {
  const body = plainObject(request, 'the request')
  onlyKeys(body, ['kid', 'reason', 'revokedAt'])
  const { kid, reason, revokedAt } = body
  if (typeof kid !== 'string' || kid.length === 0 || kid.length > 64) bad('kid must be a string of 1 to 64 characters')
  if (reason !== undefined && !(REASONS as readonly unknown[]).includes(reason)) bad(`reason must be one of ${REASONS.join(', ')}`)
  if (revokedAt !== undefined && typeof revokedAt !== 'string') bad('revokedAt must be an RFC 3339 timestamp')
  return {
    kid,
    ...(reason === undefined ? {} : { reason: reason as RevocationReason }),
    ...(revokedAt === undefined ? {} : { revokedAt }),
  }
}

function plainObject(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return bad(`${what} must be a JSON object`)
  return value as Record<string, unknown>
}

/** Unknown members are refused: a misspelt `validUntil` silently ignored would publish the wrong window. */
function onlyKeys(body: Record<string, unknown>, allowed: readonly string[]): void {
  const unknown = Object.keys(body).filter((key) => !allowed.includes(key))
  if (unknown.length > 0) bad(`unknown member ${JSON.stringify(unknown[0])}; allowed: ${allowed.join(', ')}`)
}

function bad(message: string): never {
  throw new EntenteError('ERR_HTTP_BAD_REQUEST', message)
}

function show(value: unknown): string {
  return value === undefined ? '(none)' : JSON.stringify(value).slice(0, 80)
}

// ---------------------------------------------------------------------------------------------------------------
// Time and small helpers

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|([+-])(\d{2}):(\d{2}))$/

/** Strict RFC 3339 with a zone; rejects what Date.parse would roll over (Feb 30) or guess (no zone). */
function parseTimestamp(text: string, field: string): Date {
  const m = RFC3339.exec(text)
  if (m === null) bad(`${field} must be an RFC 3339 timestamp with Z or an offset`)
  const millis = m[1] === undefined ? 0 : Number(m[1].slice(1, 4).padEnd(3, '0'))
  const local = new Date(`${text.slice(0, 19)}.${String(millis).padStart(3, '0')}Z`)
  // Date rolls Feb 30 over to March; a real date reads back exactly as written.
  if (Number.isNaN(local.getTime()) || local.toISOString().slice(0, 19) !== text.slice(0, 19)) {
    bad(`${field} ${JSON.stringify(text)} is not a real date and time`)
  }
  const [offsetHours, offsetMins] = [Number(m[4] ?? 0), Number(m[5] ?? 0)]
  if (offsetHours > 23 || offsetMins > 59) bad(`${field} has an impossible UTC offset`)
  const offsetMinutes = (m[3] === '-' ? -1 : 1) * (offsetHours * 60 + offsetMins)
  return new Date(local.getTime() - offsetMinutes * 60_000)
}

/** An invalid clock would make every validity comparison false, and so pass: fail closed instead. */
function assertClock(now: Date): void {
  if (!(now instanceof Date) || Number.isNaN(now.getTime())) throw new EntenteError('ERR_INTERNAL', 'the clock passed in is not a valid date')
}

function floorSeconds(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000)
}

function ceilSeconds(date: Date): Date {
  return new Date(Math.ceil(date.getTime() / 1000) * 1000)
}

function addYears(date: Date, years: number): Date {
  const next = new Date(date.getTime())
  next.setUTCFullYear(next.getUTCFullYear() + years)
  return next
}

/** RFC 3339, whole seconds, UTC, Z. */
function isoSeconds(date: Date): string {
  return floorSeconds(date).toISOString().replace('.000Z', 'Z')
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i])
}

function emptyDraftOf(): TrustListDraft {
  return { signers: [], revokedSigners: [], vaccines: [], recognitions: [], diplomats: [], quorum: 1 }
}

/** Only EntenteError leaves this module: anything a parser throws on hostile input is a malformed signer. */
function asEntenteError(error: unknown): EntenteError {
  if (error instanceof EntenteError) return error
  return new EntenteError('ERR_SIGNER_MALFORMED', 'the signer could not be read', { cause: error })
}

// ---------------------------------------------------------------------------------------------------------------
// Listing

export type SignerState = 'active' | 'expired' | 'not yet valid' | 'revoked'

export interface SignerRow {
  kid: string
  /** Absent for a revoked signer: the list keeps only its kid. */
  format?: Signer['format']
  usage?: Usage[]
  validFrom?: string
  validUntil?: string
  state: SignerState
  revokedAt?: string
  reason?: RevocationReason
}

/** Every signer of a draft with its state at `now`, listed ones first, then the revoked. */
export function signerRows(draft: TrustListDraft, now: Date): SignerRow[] {
  assertClock(now)
  const at = now.getTime()
  const listed = draft.signers.map((signer): SignerRow => {
    const state: SignerState = Date.parse(signer.validUntil) < at ? 'expired' : Date.parse(signer.validFrom) > at ? 'not yet valid' : 'active'
    return { kid: signer.kid, format: signer.format, usage: signer.usage, validFrom: signer.validFrom, validUntil: signer.validUntil, state }
  })
  const revoked = draft.revokedSigners.map((r): SignerRow => ({ kid: r.kid, state: 'revoked', revokedAt: r.revokedAt, reason: r.reason }))
  return [...listed, ...revoked]
}
