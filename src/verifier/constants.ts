// Defaults and size caps of the verifier SDK and `entente sync`, in one place. Pure values.

/** Countries a verified bundle holds (trusted plus unrecognized): ISO 3166-1 has 249 codes. */
export const MAX_COUNTRIES = 1000
/** Equivocation alarms a verified bundle keeps. */
export const MAX_ALARMS = 1000
/** One response of a sync as it crosses the wire (gzip or brotli compressed when the node offers it). */
export const DEFAULT_MAX_BUNDLE_BYTES = 64 * 1024 * 1024
/** One response after content decoding, and a mirror file: a bundle of 250 countries x 200 DSCs is ~70 MiB of JSON,
 * while its gzip form is ~15 MiB, so this cap is the larger one, and a compression bomb stops here. */
export const DEFAULT_MAX_DECOMPRESSED_BYTES = 256 * 1024 * 1024
/** A verified-bundle file read by `entente verify --bundle` or `entente sync`: what one bundle may decompress to. */
export const MAX_VERIFIED_BUNDLE_BYTES = DEFAULT_MAX_DECOMPRESSED_BYTES
/** One HTTP request of a sync. */
export const DEFAULT_SYNC_TIMEOUT_MS = 30_000
/** Home lists fetched to follow a root rotation (history pages of up to 1000). */
export const MAX_HOME_CHAIN_LISTS = 10_000
/** Sources one sync may name. */
export const MAX_SOURCES = 16
/**
 * Revocation partitions one sync fetches from one source: a federation-wide 100 million revoked hashes is ~41,000
 * partitions (each at most 4,096 hashes), so a first sync of it completes in one run. Beyond the cap the rest waits
 * for the next sync (the countries concerned are refused until then): a bound on one run's time and disk, not on
 * what a federation may hold.
 */
export const DEFAULT_MAX_PARTITIONS_PER_SYNC = 200_000
