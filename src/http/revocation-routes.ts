// Routes of partitioned certificate revocations: the current index of a country (ETag, short cache) and partitions
// by content hash (immutable, cached for a year), gzip or brotli when asked; the operator's queue (list, remove).
// Reads only the store.
import type { Context, Hono } from 'hono'
import { CompressedBodies, preferredEncoding } from './content-encoding.js'
import { EntenteError } from '../model/errors.js'
import type { OperatorService } from '../operator/operator-service.js'
import type { RevocationRepository } from '../store/revocation-repository.js'

const COUNTRY = /^[A-Z]{2}$/
const HASH = /^[0-9a-f]{64}$/
/** Compressed documents kept between requests: a full revocation sync asks for every partition of a country once. */
const COMPRESSED_CACHE_BYTES = 64 * 1024 * 1024

export function mountRevocationIndexRoutes(app: Hono, held: () => RevocationRepository): void {
  const compressed = new CompressedBodies(COMPRESSED_CACHE_BYTES)
  const stored = (c: Context, hash: string, body: () => Buffer, cacheControl: string) => storedResponse(c, compressed, hash, body, cacheControl)
  app.get('/v1/revocations/:country/index', (c) => {
    const country = c.req.param('country')
    if (!COUNTRY.test(country)) throw new EntenteError('ERR_HTTP_BAD_REQUEST', 'country must be an ISO 3166-1 alpha-2 code')
    const head = held().partitions.indexHead(country)
    if (head === undefined) throw new EntenteError('ERR_HTTP_NOT_FOUND', `no revocation index held for ${country}`)
    return stored(c, head.hash, () => Buffer.from(JSON.stringify(head.signed)), 'public, max-age=30')
  })
  app.get('/v1/revocations/:country/partitions/:hash', (c) => {
    const country = c.req.param('country')
    const hash = c.req.param('hash')
    if (!COUNTRY.test(country)) throw new EntenteError('ERR_HTTP_BAD_REQUEST', 'country must be an ISO 3166-1 alpha-2 code')
    if (!HASH.test(hash)) throw new EntenteError('ERR_HTTP_BAD_REQUEST', 'hash must be 64 lower-case hex digits')
    const notHeld = () => new EntenteError('ERR_HTTP_NOT_FOUND', `no revocation partition ${hash} of ${country}`)
    // Neither parsed nor decoded to text: a full revocation sync asks for thousands, and the node keeps serving.
    if (held().partitions.partitionCountry(hash) !== country) throw notHeld()
    // Content-addressed: the bytes under a hash never change.
    return stored(
      c,
      hash,
      () => {
        const json = held().partitions.partitionJson(hash)
        if (json === undefined) throw notHeld()
        return json
      },
      'public, max-age=31536000, immutable',
    )
  })
}

/** The bulk import route: its body is capped by BULK_IMPORT_MAX_BYTES (body-limits.ts); instead of the request timeout it must keep arriving at a rate (request-deadlines.ts). */
const BULK_IMPORT_PATH = '/v1/operator/certificate-revocations/import'

/** Whether a request is the bulk import, which the body cap, the request timeout and the request deadlines treat apart. */
export function isBulkImport(method: string, path: string): boolean {
  return method === 'POST' && path === BULK_IMPORT_PATH
}

export function mountOperatorRevocationQueueRoutes(operator: Hono, service: () => OperatorService): void {
  // Packed records (src/revocation/bulk-revocation-file.ts), published at once: a body, not JSON.
  operator.post('/certificate-revocations/import', async (c) => {
    if (c.req.header('content-type')?.split(';')[0]?.trim() !== 'application/octet-stream') {
      throw new EntenteError('ERR_HTTP_BAD_REQUEST', 'the body must be application/octet-stream (ENTREVB1 records)')
    }
    const days = c.req.query('validityDays')
    const validityDays = days === undefined ? undefined : Number(days)
    if (validityDays !== undefined && !Number.isInteger(validityDays)) throw new EntenteError('ERR_HTTP_BAD_REQUEST', 'validityDays must be an integer')
    // Read as it arrives: a body of 20 million records (340 MB) is never held whole (see importCertificateRevocations).
    const result = await service().importRevocations(c.req.raw.body ?? new Uint8Array(0), validityDays === undefined ? {} : { validityDays })
    const published = result.published
    return c.json(
      {
        records: result.records,
        added: result.added,
        ...(published?.revocationIndex === undefined ? {} : { index: { seq: published.revocationIndex.seq, hash: published.revocationIndex.hash }, partitions: published.partitions ?? 0 }),
        ...(published === undefined ? {} : { trustList: { seq: published.trustList.seq, hash: published.trustList.hash } }),
      },
      200,
    )
  })
  operator.get('/certificate-revocations', (c) => {
    const afterId = intQuery(c, 'after', 0)
    const limit = Math.min(Math.max(intQuery(c, 'limit', 1000), 1), 1000)
    return c.json(service().pendingRevocations({ afterId, limit }), 200, { 'cache-control': 'no-store' })
  })
  operator.post('/certificate-revocations/remove', async (c) => {
    let body: unknown
    try {
      body = await c.req.json()
    } catch {
      throw new EntenteError('ERR_HTTP_BAD_REQUEST', 'the body must be JSON {"ids": [queue ids]}')
    }
    const ids = typeof body === 'object' && body !== null ? (body as { ids?: unknown }).ids : undefined
    return c.json(await service().removePendingRevocations(ids), 200)
  })
}

async function storedResponse(c: Context, compressed: CompressedBodies, hash: string, body: () => Buffer, cacheControl: string): Promise<Response> {
  const coding = preferredEncoding(c.req.header('accept-encoding'))
  // One ETag per coding (RFC 9110 §8.8.3): a cache must not answer a gzip request with identity bytes.
  const etag = coding === 'identity' ? `"${hash}"` : `"${hash}-${coding}"`
  const headers = { etag, 'cache-control': cacheControl, vary: 'accept-encoding' }
  const match = c.req.header('if-none-match')
  if (match !== undefined && match.split(',').some((t) => t.trim().replace(/^W\//, '') === etag || t.trim() === '*')) return c.body(null, 304, headers)
  // Read from the store at most once, whether compressed or sent as is.
  let raw: Buffer | undefined
  const read = () => (raw ??= body())
  const packed = coding === 'identity' ? undefined : await compressed.get(hash, coding, read)
  const bytes = packed ?? read()
  return c.body(bytes as Uint8Array<ArrayBuffer>, 200, {
    ...headers,
    ...(packed === undefined ? { etag: `"${hash}"` } : { 'content-encoding': coding }),
    'content-type': 'application/json',
    'content-length': String(bytes.length),
  })
}

function intQuery(c: Context, name: string, fallback: number): number {
  const value = c.req.query(name)
  if (value === undefined) return fallback
  if (!/^\d{1,15}$/.test(value)) throw new EntenteError('ERR_HTTP_BAD_REQUEST', `${name} must be a non-negative integer`)
  return Number(value)
}
