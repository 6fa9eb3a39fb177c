// Request body caps of the operator API: uploads of signed lists may be as large as the list cap allows (plus the
// JSON envelope), every other request is capped by maxBodyBytes. Refusals name the limit and the size sent.
import type { MiddlewareHandler } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { EntenteError } from '../model/errors.js'
import { BULK_IMPORT_MAX_BYTES } from '../revocation/bulk-revocation-file.js'
import { UPLOAD_ENVELOPE_BYTES } from '../trust-list/constants.js'

/** Operator routes that take a signed document as their body. */
const UPLOAD = /\/(trust-lists|revocation-lists|revocation-indexes|revocation-partitions)$/
const BULK_IMPORT = /\/certificate-revocations\/import$/

export function operatorBodyLimit(limits: { readonly maxBodyBytes: number; readonly maxTrustListBytes: number }): MiddlewareHandler {
  const capped = (maxSize: number, what: string): MiddlewareHandler =>
    bodyLimit({
      maxSize,
      onError: (c) => {
        const declared = Number(c.req.header('content-length'))
        const size = Number.isSafeInteger(declared) && declared > maxSize ? `${declared} bytes` : `over ${maxSize} bytes`
        throw new EntenteError('ERR_HTTP_BODY_TOO_LARGE', `the body is ${size}; the limit for ${what} is ${maxSize} bytes`, { details: { limit: maxSize } })
      },
    })
  const upload = capped(Math.max(limits.maxBodyBytes, limits.maxTrustListBytes + UPLOAD_ENVELOPE_BYTES), 'a signed list upload (limits.maxTrustListBytes plus 64 KiB)')
  const other = capped(limits.maxBodyBytes, 'operator requests (limits.maxBodyBytes)')
  const bulk = capped(BULK_IMPORT_MAX_BYTES, 'a bulk revocation import (20 million records)')
  return (c, next) => (c.req.method === 'POST' && UPLOAD.test(c.req.path) ? upload : c.req.method === 'POST' && BULK_IMPORT.test(c.req.path) ? bulk : other)(c, next)
}
