// Parses a Document Signer Certificate (X.509 DER) into what verification needs: key, kid, validity, EKU, country.
// Pure: no I/O (X.509 parsing through the crypto platform); throws only EntenteError.
import { sha256, toBase64 } from '../../model/encoding.js'
import type { EcCurve, PublicKey, PublicKeyType } from '../../platform/crypto-platform.types.js'
import { cryptoPlatform } from '../../platform/crypto-platform.js'

export interface DscInfo {
  /** Standard base64 of the first 8 bytes of SHA-256 of the DER (hcert §3.3.1). */
  kid: string
  key: PublicKey
  /** 'ec' or 'rsa' (or another key type, which no COSE alg here accepts). */
  keyType: PublicKeyType
  /** P-256, P-384 or P-521 for EC keys on those curves. */
  namedCurve: EcCurve | undefined
  notBefore: Date
  notAfter: Date
  /** Extended key usage OIDs; undefined when the certificate has no (or an empty) EKU extension. */
  extendedKeyUsage: readonly string[] | undefined
  /** Subject C, when present. */
  country: string | undefined
}

export function dscKid(der: Uint8Array): string {
  return toBase64(sha256(der).subarray(0, 8))
}

export function parseDsc(der: Uint8Array): DscInfo {
  const fields = cryptoPlatform().parseX509(der)
  return {
    kid: dscKid(der),
    key: fields.key,
    keyType: fields.key.type,
    namedCurve: fields.key.curve,
    notBefore: fields.notBefore,
    notAfter: fields.notAfter,
    extendedKeyUsage: fields.extendedKeyUsage,
    country: fields.subjectCountry,
  }
}
