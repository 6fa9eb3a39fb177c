// Defaults of certificate revocation lists; a node's config caps them like trust lists.
export const REVOCATION_LIST_TYP = 'entente-revocation-list+jws'
/** 1 MiB, like a trust list: about 20 000 gateway-style DCC hashes; what gossip and HTTP carry cheaply. */
export const DEFAULT_MAX_REVOCATION_LIST_BYTES = 1024 * 1024
/** Shorter than a trust list's 30 days: revocation data that is not refreshed should stop counting soon. */
export const DEFAULT_REVOCATION_VALIDITY_DAYS = 7

export const REVOCATION_INDEX_TYP = 'entente-revocation-index+jws'
export const REVOCATION_PARTITION_TYP = 'entente-revocation-partition+jws'
/**
 * A hash prefix is one partition while at most this many entries start with it. 4096 DCC hashes are ~87 KB of
 * base64: small enough for one gossip message and a quick download, large enough that 10 million hashes need only
 * ~4,000 partitions (an index of ~450 KB).
 */
export const DEFAULT_PARTITION_MAX_ENTRIES = 4096
/** Width of a DCC hash inside a partition: the EU gateway's 16-byte prefix of the SHA-256 digest. */
export const DCC_HASH_BYTES = 16
/** An index names at most this many partitions (the schema's cap): room for ~100 million hashes in one country. */
export const MAX_INDEX_PARTITIONS = 65_536
/** 16 MiB: an index of 65,536 partitions is ~7 MiB of JSON. */
export const DEFAULT_MAX_REVOCATION_INDEX_BYTES = 16 * 1024 * 1024
/** 1 MiB: a partition of 4096 SHC entries (the largest kind) is ~600 KB. */
export const DEFAULT_MAX_REVOCATION_PARTITION_BYTES = 1024 * 1024
