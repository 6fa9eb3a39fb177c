// The one error type of Entente: every failure carries a code from one union, so callers switch on codes.
// Pure: no I/O.
import type { CertificateErrorCode } from '../certificates/error-codes.js'
import type { OperatorErrorCode } from '../operator/error-codes.js'
import type { RecognitionErrorCode } from '../trust-list/recognition-error-codes.js'
import type { VerifierErrorCode } from '../verifier/error-codes.js'

export type TrustListErrorCode =
  | 'ERR_TRUST_LIST_MALFORMED'
  | 'ERR_TRUST_LIST_TOO_LARGE'
  | 'ERR_TRUST_LIST_SCHEMA'
  | 'ERR_TRUST_LIST_NOT_CANONICAL'
  | 'ERR_TRUST_LIST_SIGNATURE'
  | 'ERR_TRUST_LIST_WRONG_ROOT'
  | 'ERR_TRUST_LIST_ROTATION'
  | 'ERR_TRUST_LIST_COUNTRY_MISMATCH'
  | 'ERR_TRUST_LIST_ROLLBACK'
  | 'ERR_TRUST_LIST_DUPLICATE'
  | 'ERR_TRUST_LIST_EQUIVOCATION'
  | 'ERR_TRUST_LIST_CHAIN'
  | 'ERR_TRUST_LIST_EXPIRED'
  | 'ERR_TRUST_LIST_NOT_YET_VALID'
  /** The list follows a handover (root, governance, withdrawals) the caller has not walked: fetch it first. */
  | 'ERR_TRUST_LIST_HANDOVER_MISSING'
  /** The declared `changes` are not what the list changes. */
  | 'ERR_TRUST_LIST_HANDOVER'
  | 'ERR_EQUIVOCATION_PROOF_INVALID'

export type ConfigErrorCode =
  | 'ERR_CONFIG_NOT_FOUND'
  | 'ERR_CONFIG_INVALID'
  | 'ERR_INIT_EXISTS'
  | 'ERR_KEY_INVALID'
  | 'ERR_KEY_FILE_PERMISSIONS'
  | 'ERR_USAGE'
  | 'ERR_INPUT_TOO_LARGE'
  // Offline root: a private key where only the public half belongs (or the reverse), a node that cannot sign.
  | 'ERR_KEY_PRIVATE_MATERIAL'
  | 'ERR_KEY_NOT_PRIVATE'
  | 'ERR_OFFLINE_ROOT'
  | 'ERR_SIGN_DRAFT_INVALID'
  // The node directory is in use by a running node (or another local publish).
  | 'ERR_NODE_RUNNING'
  // A port a launch needs is held by another process (found before anything starts).
  | 'ERR_PORT_IN_USE'

export type GossipErrorCode =
  | 'ERR_GOSSIP_PROTOCOL'
  | 'ERR_GOSSIP_TOO_LARGE'
  | 'ERR_GOSSIP_TIMEOUT'
  // A catch-up server refused a request: over the per-peer rate limit, or it answered an error frame.
  | 'ERR_GOSSIP_RATE_LIMITED'
  | 'ERR_GOSSIP_REFUSED'

/** Admission of countries (src/admission): pins, quarantine, caps. */
export type AdmissionErrorCode =
  | 'ERR_ADMISSION_OWN_COUNTRY'
  | 'ERR_ADMISSION_NOT_PINNED'
  | 'ERR_ADMISSION_NOT_QUARANTINED'
  | 'ERR_ADMISSION_UNANCHORED'
  | 'ERR_ADMISSION_LIMIT'

export type StoreErrorCode =
  | 'ERR_STORE'
  | 'ERR_STORE_CONFLICT'
  | 'ERR_STORE_MIGRATION'
  | 'ERR_NOT_FOUND'
  // Backup and restore of the store file: an output that exists, a file that is no intact Entente store.
  | 'ERR_BACKUP_EXISTS'
  | 'ERR_BACKUP_INVALID'

export type HttpErrorCode =
  | 'ERR_HTTP_NOT_FOUND'
  | 'ERR_HTTP_METHOD_NOT_ALLOWED'
  | 'ERR_HTTP_BODY_TOO_LARGE'
  | 'ERR_HTTP_UNSUPPORTED_MEDIA_TYPE'
  | 'ERR_HTTP_MALFORMED_JSON'
  | 'ERR_HTTP_BAD_REQUEST'
  | 'ERR_HTTP_UNAUTHORIZED'
  | 'ERR_HTTP_TIMEOUT'
  | 'ERR_HTTP_UNAVAILABLE'
  /** Too many requests of one kind from one client: answered 429 with Retry-After. */
  | 'ERR_HTTP_RATE_LIMITED'
  /** A JSON body nested deeper than any Entente document: refused before it is parsed. */
  | 'ERR_HTTP_JSON_TOO_DEEP'
  /** http.tls names a certificate or key that is missing, unreadable, not PEM, or not a matching pair. */
  | 'ERR_TLS_CERTIFICATE'
  | 'ERR_INTERNAL'
  /** The runtime lacks a primitive verification needs (WebCrypto outside a secure context, say). */
  | 'ERR_PLATFORM'

export type EntenteErrorCode =
  | TrustListErrorCode
  | ConfigErrorCode
  | StoreErrorCode
  | CertificateErrorCode
  | OperatorErrorCode
  | RecognitionErrorCode
  | HttpErrorCode
  | GossipErrorCode
  | VerifierErrorCode
  | AdmissionErrorCode

export class EntenteError extends Error {
  constructor(
    readonly code: EntenteErrorCode,
    message: string,
    options?: { cause?: unknown; details?: Record<string, unknown> },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.name = new.target.name
    this.details = options?.details
  }

  readonly details: Record<string, unknown> | undefined
}

export function isEntenteError(error: unknown, code?: EntenteErrorCode): error is EntenteError {
  return error instanceof EntenteError && (code === undefined || error.code === code)
}
