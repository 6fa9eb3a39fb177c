// Errors as RFC 9457 problem JSON: one table maps every error code to an HTTP status.
// Never leaks a stack trace or an internal message to the client.
import type { Context } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { EntenteError, type EntenteErrorCode } from '../model/errors.js'

const STATUS: Partial<Record<EntenteErrorCode, ContentfulStatusCode>> = {
  ERR_HTTP_NOT_FOUND: 404,
  ERR_NOT_FOUND: 404,
  ERR_SIGNER_NOT_FOUND: 404,
  ERR_HTTP_METHOD_NOT_ALLOWED: 405,
  ERR_HTTP_BODY_TOO_LARGE: 413,
  ERR_TRUST_LIST_TOO_LARGE: 413,
  ERR_INPUT_TOO_LARGE: 413,
  ERR_HTTP_UNSUPPORTED_MEDIA_TYPE: 415,
  ERR_HTTP_UNAUTHORIZED: 401,
  ERR_HTTP_RATE_LIMITED: 429,
  ERR_TLS_CERTIFICATE: 500,
  ERR_HTTP_TIMEOUT: 503,
  ERR_HTTP_UNAVAILABLE: 503,
  ERR_VALUESETS_UNAVAILABLE: 503,
  ERR_STORE_CONFLICT: 409,
  // The node holds no root key: the operator prepares, signs offline and uploads instead.
  ERR_OFFLINE_ROOT: 409,
  ERR_NODE_RUNNING: 409,
  ERR_SIGNER_EXISTS: 409,
  ERR_SIGNER_KID_COLLISION: 409,
  ERR_SIGNER_ALREADY_REVOKED: 409,
  ERR_TRUST_LIST_DUPLICATE: 409,
  ERR_TRUST_LIST_ROLLBACK: 409,
  ERR_TRUST_LIST_EQUIVOCATION: 409,
  ERR_DIPLOMAT_INVITE_UNKNOWN: 404,
  ERR_DIPLOMAT_INVITE_USED: 410,
  ERR_DIPLOMAT_INVITE_EXPIRED: 410,
  ERR_DIPLOMAT_SESSION: 401,
  ERR_DIPLOMAT_UNKNOWN_CREDENTIAL: 401,
  ERR_DIPLOMAT_CSRF: 403,
  ERR_DIPLOMAT_EXISTS: 409,
  ERR_DIPLOMAT_NOT_FOUND: 404,
  ERR_DIPLOMAT_PROPOSAL_NOT_FOUND: 404,
  ERR_DIPLOMAT_PROPOSAL_EXISTS: 409,
  ERR_DIPLOMAT_PROPOSAL_CLOSED: 409,
  ERR_DIPLOMAT_ALREADY_APPROVED: 409,
  ERR_DIPLOMAT_COUNTRY_UNKNOWN: 422,
  ERR_DIPLOMAT_BUSY: 429,
  ERR_DIPLOMAT_NOT_PUBLISHED: 409,
  ERR_DIPLOMAT_NOT_IN_FORCE: 403,
  ERR_DIPLOMAT_FINGERPRINT_MISMATCH: 422,
  // A draft whose recognition evidence does not verify cannot be published: the request was understood and refused.
  ERR_RECOGNITION_UNKNOWN_CREDENTIAL: 422,
  ERR_RECOGNITION_SIGNATURE: 422,
  ERR_RECOGNITION_WRONG_ENTRY: 422,
  ERR_RECOGNITION_DUPLICATE_DIPLOMAT: 422,
  ERR_RECOGNITION_REPLAY: 422,
  ERR_RECOGNITION_UNDER_QUORUM: 422,
  ERR_RECOGNITION_USER_VERIFICATION: 422,
  ERR_RECOGNITION_ORIGIN: 422,
  ERR_RECOGNITION_RP_ID: 422,
  ERR_RECOGNITION_MALFORMED: 422,
  ERR_RECOGNITION_STALE: 422,
  ERR_RECOGNITION_CONFLICT: 422,
  ERR_GOVERNANCE_UNAPPROVED: 422,
  ERR_GOVERNANCE_QUORUM: 422,
  ERR_GOVERNANCE_EPOCH: 422,
  ERR_REVOCATION_TOO_LARGE: 413,
  ERR_REVOCATION_ENTRY: 400,
  ERR_REVOCATION_DUPLICATE: 409,
  ERR_REVOCATION_ROLLBACK: 409,
  ERR_REVOCATION_EQUIVOCATION: 409,
  ERR_ADMISSION_OWN_COUNTRY: 409,
  ERR_ADMISSION_NOT_PINNED: 404,
  ERR_ADMISSION_NOT_QUARANTINED: 404,
  ERR_ADMISSION_UNANCHORED: 422,
  ERR_ADMISSION_LIMIT: 409,
  ERR_INTERNAL: 500,
  ERR_STORE: 500,
  ERR_KEY_FILE_PERMISSIONS: 500,
  ERR_CONFIG_NOT_FOUND: 500,
}

// Documents that parse but fail verification are unprocessable (422); other refusals are bad requests.
const UNPROCESSABLE = ['ERR_TRUST_LIST', 'ERR_SIGNER', 'ERR_REVOCATION', 'ERR_RECOGNITION']

/** Everything else is the client's fault: a request the node understood and refused. */
export function statusOf(code: EntenteErrorCode): ContentfulStatusCode {
  return STATUS[code] ?? (UNPROCESSABLE.some((prefix) => code.startsWith(prefix)) ? 422 : 400)
}

export interface Problem {
  readonly type: string
  readonly title: string
  readonly status: number
  readonly detail: string
  readonly code: EntenteErrorCode
}

export function problemOf(error: unknown): Problem {
  if (error instanceof EntenteError) {
    const status = statusOf(error.code)
    // Server-side failures get a generic detail: their messages may name files or internals.
    const detail = status >= 500 && error.code !== 'ERR_HTTP_TIMEOUT' && error.code !== 'ERR_HTTP_UNAVAILABLE' ? 'internal error' : error.message
    return { type: `https://entente.example/problems/${error.code}`, title: titleOf(error.code), status, detail, code: error.code }
  }
  if (error instanceof HTTPException) {
    const code: EntenteErrorCode =
      error.status === 413 ? 'ERR_HTTP_BODY_TOO_LARGE' : error.status === 504 || error.status === 503 ? 'ERR_HTTP_TIMEOUT' : error.status === 401 ? 'ERR_HTTP_UNAUTHORIZED' : 'ERR_HTTP_BAD_REQUEST'
    return problemOf(new EntenteError(code, error.message || titleOf(code)))
  }
  return problemOf(new EntenteError('ERR_INTERNAL', 'internal error'))
}

export function problemResponse(c: Context, error: unknown): Response {
  const problem = problemOf(error)
  const headers: Record<string, string> = { 'content-type': 'application/problem+json', 'cache-control': 'no-store' }
  if (problem.code === 'ERR_HTTP_UNAUTHORIZED') headers['www-authenticate'] = 'Bearer realm="entente-operator"'
  return c.body(JSON.stringify(problem), problem.status as ContentfulStatusCode, headers)
}

function titleOf(code: EntenteErrorCode): string {
  return code
    .replace(/^ERR_/, '')
    .toLowerCase()
    .replace(/_/g, ' ')
    .replace(/^./, (c) => c.toUpperCase())
}
