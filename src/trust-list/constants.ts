// Defaults of the trust-list core; a node's config may tighten the size cap.
export const TRUST_LIST_TYP = 'entente-trust-list+jws'
/** 1 MiB: ample for 5000 DSCs, small enough that gossip and HTTP stay cheap. */
export const DEFAULT_MAX_TRUST_LIST_BYTES = 1024 * 1024
/** Tolerated clock difference between the signer and the verifier. */
export const DEFAULT_CLOCK_SKEW_MS = 5 * 60 * 1000
export const DEFAULT_VALIDITY_DAYS = 30
