// Parses a Document Signer Certificate (X.509 DER) into what verification needs: key, kid, validity, EKU, country.
// Pure: no I/O (node:crypto X.509 parsing only); throws only EntenteError.
import { X509Certificate, createHash, type KeyObject } from 'node:crypto'
import { EntenteError } from '../../model/errors.js'

export interface DscInfo {
  /** Standard base64 of the first 8 bytes of SHA-256 of the DER (hcert §3.3.1). */
  kid: string
  key: KeyObject
  /** 'ec' or 'rsa' (or another node key type, which no COSE alg here accepts). */
  keyType: string
  /** node's curve name for EC keys: prime256v1, secp384r1, secp521r1. */
  namedCurve: string | undefined
  notBefore: Date
  notAfter: Date
  /** Extended key usage OIDs; undefined when the certificate has no (or an empty) EKU extension. */
  extendedKeyUsage: readonly string[] | undefined
  /** Subject C, when present. */
  country: string | undefined
}

export function dscKid(der: Uint8Array): string {
  return createHash('sha256').update(der).digest().subarray(0, 8).toString('base64')
}

export function parseDsc(der: Uint8Array): DscInfo {
  let cert: X509Certificate
  try {
    cert = new X509Certificate(der)
  } catch (error) {
    throw new EntenteError('ERR_DECODE_SIGNER', 'invalid X.509 certificate', { cause: error })
  }
  const notBefore = new Date(cert.validFrom)
  const notAfter = new Date(cert.validTo)
  if (Number.isNaN(notBefore.getTime()) || Number.isNaN(notAfter.getTime())) {
    throw new EntenteError('ERR_DECODE_SIGNER', 'X.509 validity dates are unreadable')
  }
  const key = cert.publicKey
  const eku = cert.keyUsage as string[] | undefined
  const country = /(?:^|\n)C=([A-Za-z]{2})(?:\n|$)/.exec(cert.subject)?.[1]?.toUpperCase()
  return {
    kid: dscKid(der),
    key,
    keyType: key.asymmetricKeyType ?? 'unknown',
    namedCurve: key.asymmetricKeyDetails?.namedCurve,
    notBefore,
    notAfter,
    extendedKeyUsage: eku !== undefined && eku.length > 0 ? eku : undefined,
    country,
  }
}
