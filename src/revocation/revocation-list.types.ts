// Types of the revocation-list core.
import type { RevocationListPayload, SignedRevocationList } from '../model/schema.types.js'
import type { RootPublicJwk } from '../trust-list/root-key.js'

/** A revocation list whose signature, schema and chain rules have been checked. */
export interface VerifiedRevocationList {
  readonly signed: SignedRevocationList
  readonly payload: RevocationListPayload
  /** SHA-256 hex of the canonical payload: what `prev` of the next list names. */
  readonly hash: string
  /** Size in bytes of the serialized JWS. */
  readonly size: number
}

/** The latest revocation list of a country the caller has accepted. */
export interface RevocationListHead {
  readonly payload: RevocationListPayload
  readonly hash: string
}

/** A root the caller trusts for the country (from its verified trust list). */
export interface TrustedRoot {
  readonly thumbprint: string
  readonly jwk: RootPublicJwk
}
