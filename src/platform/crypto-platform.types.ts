// The few primitives verification needs from its runtime: hashing, inflation, X.509 parsing and signature checks.
// The core reaches them only through this interface, so the same code runs on Node (node:crypto and node:zlib, for
// speed) and in a browser or any other JavaScript runtime (WebCrypto plus small pure libraries).

export type PublicKeyType = 'ec' | 'rsa' | 'rsa-pss' | 'ed25519' | 'other'
export type EcCurve = 'P-256' | 'P-384' | 'P-521'

/** A parsed public key. `spki` (DER SubjectPublicKeyInfo) is its identity: the same key in any encoding gives the
 * same bytes, and any platform can verify with it. */
export interface PublicKey {
  readonly type: PublicKeyType
  /** Set for EC keys on a supported curve. */
  readonly curve: EcCurve | undefined
  /** Set for RSA keys. */
  readonly modulusBits: number | undefined
  readonly spki: Uint8Array
}

export type SignatureScheme =
  /** ieee-p1363: raw r||s (COSE, JOSE); der: ASN.1 (WebAuthn). */
  | { readonly name: 'ECDSA'; readonly hash: 'SHA-256' | 'SHA-384' | 'SHA-512'; readonly encoding: 'ieee-p1363' | 'der' }
  | { readonly name: 'RSA-PSS'; readonly hash: 'SHA-256'; readonly saltLength: number }
  | { readonly name: 'RSASSA-PKCS1-v1_5'; readonly hash: 'SHA-256' }
  | { readonly name: 'Ed25519' }

export interface X509Fields {
  readonly key: PublicKey
  readonly notBefore: Date
  readonly notAfter: Date
  /** Extended key usage OIDs; undefined when the certificate has no (or an empty) EKU extension. */
  readonly extendedKeyUsage: readonly string[] | undefined
  /** The subject's C attribute, upper-cased, when it holds two letters. */
  readonly subjectCountry: string | undefined
}

export type PublicJwkInput =
  | { readonly kty: 'EC'; readonly crv: EcCurve; readonly x: string; readonly y: string }
  | { readonly kty: 'OKP'; readonly crv: 'Ed25519'; readonly x: string }
  | { readonly kty: 'RSA'; readonly n: string; readonly e: string }

export interface CryptoPlatform {
  readonly name: string
  sha256(data: Uint8Array | string): Uint8Array
  /** Inflates zlib (`raw: false`) or raw DEFLATE data; throws EntenteError ERR_DECODE_TOO_LARGE beyond
   * `maxOutputLength` (without producing more than about that much) and ERR_DECODE_ZLIB on invalid data. */
  inflate(data: Uint8Array, options: { readonly raw: boolean; readonly maxOutputLength: number }): Uint8Array
  /** Throws EntenteError ERR_DECODE_SIGNER when the DER is not a certificate with a readable key and validity. */
  parseX509(der: Uint8Array): X509Fields
  /** Rejects a JWK that is not a valid public key (a point off its curve, say). */
  publicKeyFromJwk(jwk: PublicJwkInput): Promise<PublicKey>
  /** true only when the signature verifies; malformed keys or signatures give false, never an exception. */
  verify(scheme: SignatureScheme, key: PublicKey, data: Uint8Array, signature: Uint8Array): boolean | Promise<boolean>
}
