// Defaults of the trust-list core; a node's config may tighten the size cap.
export const TRUST_LIST_TYP = 'entente-trust-list+jws'
/**
 * 8 MiB. Measured on signed lists (unencoded JWS payload): a DSC entry costs 1.33× its DER plus ~195 bytes (908 bytes
 * for a median 534-byte EC P-256 DSC, 2,976 for the largest real DSCs of ~2,080 bytes, 2,260 for an RSA-4096 one of
 * 1,547), and a home list recognizing 250 countries with a quorum of 5 approvals each is 0.73 MB. So one list holds
 * 2,000 of the largest DSCs next to such a home list with ~25 % to spare (~9,200 median EC DSCs alone). Gossip,
 * catch-up and upload limits follow from this value.
 */
export const DEFAULT_MAX_TRUST_LIST_BYTES = 8 * 1024 * 1024
/** Room around a signed list in an upload body or file (whitespace a client may add, a trailing newline). */
export const UPLOAD_ENVELOPE_BYTES = 64 * 1024
/** Tolerated clock difference between the signer and the verifier. */
export const DEFAULT_CLOCK_SKEW_MS = 5 * 60 * 1000
export const DEFAULT_VALIDITY_DAYS = 30
