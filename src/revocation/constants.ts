// Defaults of certificate revocation lists; a node's config caps them like trust lists.
export const REVOCATION_LIST_TYP = 'entente-revocation-list+jws'
/** 1 MiB, like a trust list: about 20 000 gateway-style DCC hashes; what gossip and HTTP carry cheaply. */
export const DEFAULT_MAX_REVOCATION_LIST_BYTES = 1024 * 1024
/** Shorter than a trust list's 30 days: revocation data that is not refreshed should stop counting soon. */
export const DEFAULT_REVOCATION_VALIDITY_DAYS = 7
