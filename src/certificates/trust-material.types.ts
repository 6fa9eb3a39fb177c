// Format-neutral trust material a verifier judges certificates against, shaped like the signer
// entries of Entente's signed trust lists. Types only.

export type Usage = 'vaccination' | 'test' | 'recovery'

/** EU DCC Document Signer Certificate. */
export interface DccSigner {
  format: 'dcc'
  /** Standard base64 of the first 8 bytes of SHA-256 of the DER certificate. */
  kid: string
  /** Base64 DER X.509 certificate, or the DER itself (a verifier's prepared state keeps the bytes). */
  certificate: string | Uint8Array
  /** Certificate types this signer may sign (checked in addition to the DSC's own extended key usage). */
  usage: Usage[]
  /** ISO 8601; the trust list's own window for this signer, checked in addition to the X.509 validity. */
  validFrom?: string
  validUntil?: string
}

/** A public JWK as SHC issuers publish it (RFC 7517 members plus the SHC `crlVersion`). */
export type PublicJwk = JsonWebKey & { kid?: string; crlVersion?: number; x5c?: string[] }

/** SMART Health Card issuer key. */
export interface ShcSigner {
  format: 'shc'
  /** RFC 7638 thumbprint of `jwk`. */
  kid: string
  /** Exact `iss` of the cards this key signs. `'*'` binds the key to any issuer (direct `--jwks` trust only). */
  issuer: string
  /** Public key, EC P-256, `use` 'sig', `alg` 'ES256'. */
  jwk: PublicJwk
  usage: Usage[]
  validFrom?: string
  validUntil?: string
}

export type Signer = DccSigner | ShcSigner

export interface RevokedSigner {
  kid: string
  /** ISO 8601: from this instant on, nothing this signer signed is accepted. */
  revokedAt: string
  reason?: 'key-compromise' | 'superseded' | 'cessation-of-operation' | 'unspecified'
  /** Limits the revocation to one country's signer of that kid. */
  country?: string
}

/**
 * A revoked certificate.
 * DCC (EU DCC revocation lists): `hash` is standard base64 of SHA-256 (or its first 16 bytes, as the
 * gateway distributes it) of the UCI (`UCI`), of issuing country + UCI (`COUNTRYCODEUCI`), or of the
 * COSE signature (`SIGNATURE`; for ECDSA only r).
 * SHC (issuer CRL, method `rid`): cards of `issuer`/`kid` with `vc.rid` equal to `rid` are revoked; with
 * `revokedAt` only cards whose `nbf` is before it.
 */
export type RevokedCertificate =
  | { format: 'dcc'; hashType: 'UCI' | 'COUNTRYCODEUCI' | 'SIGNATURE'; hash: string; kid?: string }
  | { format: 'shc'; issuer: string; kid: string; rid: string; revokedAt?: string }

export interface AcceptedVaccine {
  /** EU value set vaccine-medicinal-product code, e.g. EU/1/20/1528. */
  product: string
  dosesForCompletion: number
  /** Days after the last dose during which the certificate is accepted. */
  validityDays: number
  /** Days after the completing dose before the certificate is accepted (default 0). */
  daysAfterLastDose?: number
}

export interface PolicyRules {
  /** Maximum age of a test's sample collection time, in hours. */
  testMaxAgeHours?: number
  /** Days after the first positive test during which a recovery certificate is accepted. */
  recoveryValidityDays?: number
}

/** The home country's rules. When absent, only cryptographic validity is judged. */
export interface Policy {
  vaccines: AcceptedVaccine[]
  rules?: PolicyRules
}

/** The home country recognizes `country` for `scopes` (optionally only some of its vaccines). */
export interface Recognition {
  country: string
  scopes: Usage[]
  vaccines?: string[]
}

export interface TrustMaterial {
  /** Signers per issuing country (ISO 3166-1 alpha-2). Key `'*'`: signers whose country is not asserted. */
  signers: Record<string, Signer[]>
  revokedSigners?: RevokedSigner[]
  revokedCertificates?: RevokedCertificate[]
  /** The verifier's own country: always recognized for every scope when `recognition` is given. */
  home?: string
  /** When present, a certificate must come from a recognized country for its type. */
  recognition?: Recognition[]
  policy?: Policy
}
