// Types of the trust-list core.
import type { RootPublicJwk } from './root-key.js'
import type { SignedTrustList, TrustListPayload } from '../model/schema.types.js'

/** A list whose signatures, schema and chain rules have been checked. */
export interface VerifiedTrustList {
  readonly signed: SignedTrustList
  readonly payload: TrustListPayload
  /** SHA-256 hex of the canonical payload: what `prev` of the next list names and what equivocation compares. */
  readonly hash: string
  /** Size in bytes of the serialized JWS. */
  readonly size: number
  /** The root key changed in this list, handed over by the previous root's co-signature. */
  readonly rootRotated: boolean
  /** The list skipped seq numbers after the caller's head (allowed; `prev` could not be checked). */
  readonly gap: boolean
  /** A root rotation replaced the diplomats without their quorum (recovery): to be surfaced, never silent. */
  readonly governanceReset: boolean
  /** Countries whose evidence belongs to an earlier governance epoch and could not be re-checked on its own. */
  readonly carriedFromEarlierEpoch: readonly string[]
}

/** What the caller already trusts for the list's country. */
export interface TrustListHead {
  readonly payload: TrustListPayload
  readonly hash: string
}

/** A pinned root: by full key or by thumbprint only. */
export type RootAnchor = { readonly jwk: RootPublicJwk } | { readonly thumbprint: string }
