// Defaults and size caps of the verifier SDK and `entente sync`, in one place. Pure values.

/** Countries a verified bundle holds (trusted plus unrecognized): ISO 3166-1 has 249 codes. */
export const MAX_COUNTRIES = 1000
/** Equivocation alarms a verified bundle keeps. */
export const MAX_ALARMS = 1000
/** A bundle fetched from one source (a full one of 250 countries at the 1 MiB list cap would be larger, but no
 * real federation comes close; a node refusing to serve more than this is a hint, not a limit). */
export const DEFAULT_MAX_BUNDLE_BYTES = 64 * 1024 * 1024
/** A verified-bundle file read by `entente verify --bundle` or `entente sync`. */
export const MAX_VERIFIED_BUNDLE_BYTES = 128 * 1024 * 1024
/** One HTTP request of a sync. */
export const DEFAULT_SYNC_TIMEOUT_MS = 30_000
/** Home lists fetched to follow a root rotation (history pages of up to 1000). */
export const MAX_HOME_CHAIN_LISTS = 10_000
/** Sources one sync may name. */
export const MAX_SOURCES = 16
