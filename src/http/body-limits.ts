// Request body caps of the operator API: uploads of signed lists may be as large as the list cap allows (plus the
// JSON envelope), every other request is capped by maxBodyBytes. Refusals name the limit and the size sent.
import type { MiddlewareHandler } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { EntenteError } from '../model/errors.js'
import { BULK_IMPORT_MAX_BYTES } from '../revocation/bulk-revocation-file.js'
import { isBulkImport } from './revocation-routes.js'
import { UPLOAD_ENVELOPE_BYTES } from '../trust-list/constants.js'

/** Operator routes that take a signed document as their body. */
const UPLOAD = /\/(trust-lists|revocation-lists|revocation-indexes|revocation-partitions)$/

export function operatorBodyLimit(limits: { readonly maxBodyBytes: number; readonly maxTrustListBytes: number }): MiddlewareHandler {
  const capped = (maxSize: number, what: string): MiddlewareHandler =>
    bodyLimit({
      maxSize,
      onError: (c) => {
        throw tooLarge(c.req.header('content-length'), maxSize, what)
      },
    })
  const upload = capped(Math.max(limits.maxBodyBytes, limits.maxTrustListBytes + UPLOAD_ENVELOPE_BYTES), 'a signed list upload (limits.maxTrustListBytes plus 64 KiB)')
  const other = capped(limits.maxBodyBytes, 'operator requests (limits.maxBodyBytes)')
  const bulk = streamCapped(BULK_IMPORT_MAX_BYTES, 'a bulk revocation import (20 million records)')
  return (c, next) => (c.req.method === 'POST' && UPLOAD.test(c.req.path) ? upload : isBulkImport(c.req.method, c.req.path) ? bulk : other)(c, next)
}

/**
 * A cap for a body the route reads as a stream: a declared length over it is refused before reading, and the stream
 * fails once more bytes than that arrived. hono's bodyLimit buffers a body sent without a length (twice its size
 * while it grows), which an import of hundreds of megabytes must never do.
 */
export function streamCapped(maxSize: number, what: string): MiddlewareHandler {
  return async (c, next) => {
    const declared = c.req.header('content-length')
    if (Number(declared) > maxSize) throw tooLarge(declared, maxSize, what)
    const body = c.req.raw.body
    if (body !== null) {
      let size = 0
      const counted = new TransformStream<Uint8Array, Uint8Array>({
        transform: (chunk, controller) => {
          size += chunk.byteLength
          if (size > maxSize) throw tooLarge(declared, maxSize, what)
          controller.enqueue(chunk)
        },
      })
      c.req.raw = new Request(c.req.raw, { body: body.pipeThrough(counted), duplex: 'half' } as RequestInit)
    }
    await next()
  }
}

function tooLarge(declaredLength: string | undefined, maxSize: number, what: string): EntenteError {
  const declared = Number(declaredLength)
  const size = Number.isSafeInteger(declared) && declared > maxSize ? `${declared} bytes` : `over ${maxSize} bytes`
  return new EntenteError('ERR_HTTP_BODY_TOO_LARGE', `the body is ${size}; the limit for ${what} is ${maxSize} bytes`, { details: { limit: maxSize } })
}
