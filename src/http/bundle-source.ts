// Serves the bundle: the latest unexpired trust list per country plus alarms, certificate revocation lists and (when
// given) revocation indexes, as full or delta documents with strong ETags, in identity, gzip and brotli. Never holds
// the event loop for long: a body is assembled from each stored document's JSON bytes (never parsed) in slices that
// yield between them, hashed as it goes, and compressed on the libuv thread pool. The full bundle is built once per
// store change, so 200s and 304s cost a lookup. The change token is "<listId>.<alarmId>.<revocationId>" plus
// ".<indexId>" when revocation indexes are served; shorter tokens read the missing ids as 0 (such a client receives
// those documents once).
import { createHash } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import { promisify } from 'node:util'
import { brotliCompress, constants as zlib, gzip } from 'node:zlib'
import { EntenteError } from '../model/errors.js'
import type { StoredDocumentRef } from '../store/chained-document-table.js'
import type { RevocationRepository } from '../store/revocation-repository.js'
import type { StoredEquivocation, TrustListSummary, TrustStore } from '../store/store.types.js'

export type BundleEncoding = 'br' | 'gzip' | 'identity'

export interface BundleResponse {
  readonly full: boolean
  readonly token: string
  /** Length of the identity body. */
  readonly bytes: number
  /** Strong ETag per encoding: each encoding is its own representation (RFC 9110 §8.8.3). */
  readonly etags: Readonly<Record<BundleEncoding, string>>
  /** The body in `encoding`, compressed once per response (on the thread pool) and then kept. */
  body(encoding: BundleEncoding): Promise<Buffer>
  /** The body in `encoding` if it is already at hand (identity always is), without waiting. */
  bodyAtHand(encoding: BundleEncoding): Buffer | undefined
}

/**
 * A kind of chained, root-signed document the bundle carries beside the trust lists (revocation lists, revocation
 * indexes): rows without their documents, and a document's stored JSON text by row id. Row ids only grow and a
 * stored row never changes, so the bytes are read once per row.
 */
export interface BundleDocumentFeed {
  lastChangeId(): number
  /** Latest document per country. */
  heads(): readonly StoredDocumentRef[]
  head(country: string): StoredDocumentRef | undefined
  /** Heads appended after change id `afterId`. */
  changedSince(afterId: number): readonly StoredDocumentRef[]
  /** The stored JSON text of row `id`, exactly as served (undefined: purged since). */
  json(id: number): Uint8Array | undefined
}

export interface BundleSourceInit {
  readonly store: TrustStore
  /** Certificate revocation lists: bundle.v1 `revocations` (`revocationListFeed` adapts the repository). */
  readonly revocations?: BundleDocumentFeed
  /**
   * Signed revocation indexes: bundle.v1 `revocationIndexes` (latest per country; in a delta the changed ones and
   * the ones a carried trust list names). Given, the token gains a fourth id.
   */
  readonly revocationIndexes?: BundleDocumentFeed
  /** The id of the last purge of the trust tables (a purge can remove lists without a new change id). */
  readonly lastPurge?: () => number
}

/** Handovers a delta carries at most, newest kept (bundle.v1 holds 1000 lists). */
const MAX_DELTA_HANDOVERS = 200
/** A delta whose lists weigh more than half the full bundle (and more than this) is answered with the full bundle. */
const DELTA_FULL_INSTEAD_BYTES = 4 * 1024 * 1024
/** Deltas kept for clients asking from the same token: at most this many, of at most this many bytes together. */
const DELTA_CACHE_ENTRIES = 16
const DELTA_CACHE_BYTES = 32 * 1024 * 1024
/** Longest run of synchronous work while assembling a body, and the bytes hashed or copied in one step. */
const SLICE_MS = 8
const STEP_BYTES = 1024 * 1024
/** Brotli quality for bodies compressed once per change: near gzip's speed, smaller output. */
const BROTLI_QUALITY = 5

const TOKEN = /^(\d{1,15})\.(\d{1,15})(?:\.(\d{1,15}))?(?:\.(\d{1,15}))?$/
/** bundle.v1 allows this many alarms (and verifiers keep as many): a node never serves more, oldest first. */
export const MAX_BUNDLE_ALARMS = 1000

const compressGzip = promisify(gzip)
const compressBrotli = promisify(brotliCompress)

/** A row to carry: which table, which row, and the ref to read it by. */
interface Piece {
  readonly feed: BundleDocumentFeed
  readonly ref: StoredDocumentRef
}

interface BundleParts {
  readonly token: string
  readonly since?: string
  readonly full: boolean
  readonly lists: readonly Piece[]
  readonly alarms: readonly StoredEquivocation[]
  readonly revocations: readonly Piece[]
  readonly revocationIndexes?: readonly Piece[]
}

export class BundleSource {
  readonly #store: TrustStore
  readonly #lists: BundleDocumentFeed
  readonly #revocations: BundleDocumentFeed | undefined
  readonly #indexes: BundleDocumentFeed | undefined
  readonly #lastPurge: () => number
  /** Each carried row's JSON bytes, as views into the current full body (so they cost no memory of their own). */
  #bytes = new Map<BundleDocumentFeed, Map<number, Buffer>>()
  #cached: { key: string; validUntil: number; response: BundleResponse } | undefined
  /** At most one full build at a time: a change during a build waits for it, then builds again. */
  #building: { key: string; promise: Promise<BundleResponse> } | undefined
  readonly #deltas = new Map<string, { bytes: number; validUntil: number; promise: Promise<BundleResponse> }>()

  constructor(init: BundleSourceInit) {
    this.#store = init.store
    this.#lists = trustListFeed(init.store)
    this.#revocations = init.revocations
    this.#indexes = init.revocationIndexes
    this.#lastPurge = init.lastPurge ?? (() => 0)
  }

  /** The current change token, without building anything. */
  token(): string {
    const ids = [this.#store.lastChangeId(), this.#store.lastEquivocationId(), this.#revocations?.lastChangeId() ?? 0]
    if (this.#indexes !== undefined) ids.push(this.#indexes.lastChangeId())
    return ids.join('.')
  }

  /** The full bundle if the one held is current: the common case, answered without a promise. */
  current(now: Date): BundleResponse | undefined {
    const cached = this.#cached
    if (cached === undefined || now.getTime() >= cached.validUntil || cached.key !== `${this.token()}/${this.#lastPurge()}`) return undefined
    return cached.response
  }

  async full(now: Date, attempt = 0): Promise<BundleResponse> {
    const token = this.token()
    const key = `${token}/${this.#lastPurge()}`
    const cached = this.#cached
    if (cached !== undefined && cached.key === key && now.getTime() < cached.validUntil) return cached.response
    const building = this.#building
    if (building !== undefined) {
      if (building.key === key) return building.promise
      await building.promise.catch(() => undefined)
      return this.full(now, attempt)
    }
    const promise = this.#buildFull(key, token, now)
    this.#building = { key, promise }
    try {
      return await promise
    } catch (error) {
      // A purge removed a row during the build: the purge id moved, so the next build has a new key.
      if (attempt < 2 && error instanceof EntenteError && error.code === 'ERR_STORE_CONFLICT') return this.full(now, attempt + 1)
      throw error
    } finally {
      if (this.#building?.promise === promise) this.#building = undefined
    }
  }

  async #buildFull(key: string, token: string, now: Date): Promise<BundleResponse> {
    const live = (ref: StoredDocumentRef): boolean => Date.parse(ref.expiresAt) > now.getTime()
    const lists = this.#store.headSummaries().filter(live)
    const revocations = (this.#revocations?.heads() ?? []).filter(live)
    const indexes = this.#indexes === undefined ? undefined : this.#indexes.heads().filter(live)
    const parts: BundleParts = {
      token,
      full: true,
      lists: lists.map((ref) => ({ feed: this.#lists, ref })),
      alarms: this.#store.equivocationsSince(0).slice(0, MAX_BUNDLE_ALARMS),
      revocations: revocations.map((ref) => ({ feed: this.#revocations as BundleDocumentFeed, ref })),
      ...(indexes === undefined ? {} : { revocationIndexes: indexes.map((ref) => ({ feed: this.#indexes as BundleDocumentFeed, ref })) }),
    }
    const { response, views } = await this.#assemble(parts)
    // The views replace the previous cache: rows no longer carried fall out, the previous body can be collected.
    this.#bytes = views
    // Valid until the first included document expires: then it must drop out of the bundle.
    const validUntil = Math.min(...[...lists, ...revocations, ...(indexes ?? [])].map((l) => Date.parse(l.expiresAt)), Number.MAX_SAFE_INTEGER)
    this.#cached = { key, validUntil, response }
    return response
  }

  /** What changed after `since`; a token this node never issued (ahead of it) gets the full bundle. */
  async since(since: string, now: Date): Promise<BundleResponse> {
    const match = TOKEN.exec(since)
    if (match === null) throw new EntenteError('ERR_HTTP_BAD_REQUEST', 'since must be a token from a previous bundle')
    const [listId, alarmId, revocationId, indexId] = [Number(match[1]), Number(match[2]), Number(match[3] ?? 0), Number(match[4] ?? 0)]
    const token = this.token()
    if (
      listId > this.#store.lastChangeId() ||
      alarmId > this.#store.lastEquivocationId() ||
      revocationId > (this.#revocations?.lastChangeId() ?? 0) ||
      indexId > (this.#indexes?.lastChangeId() ?? 0)
    ) {
      return this.full(now)
    }
    const key = `${since}>${token}/${this.#lastPurge()}`
    const cached = this.#deltas.get(key)
    if (cached !== undefined && now.getTime() < cached.validUntil) {
      // Refreshed as the most recently used.
      this.#deltas.delete(key)
      this.#deltas.set(key, cached)
      return cached.promise
    }
    const live = (ref: StoredDocumentRef): boolean => Date.parse(ref.expiresAt) > now.getTime()
    const heads = this.#store.summariesChangedSince(listId).filter(live)
    // A client this far behind is better served by the full bundle (cached, and no larger).
    const deltaBytes = heads.reduce((sum, l) => sum + l.size, 0)
    if (deltaBytes > DELTA_FULL_INSTEAD_BYTES && deltaBytes * 2 > this.#store.headSummaries().reduce((sum, l) => sum + l.size, 0)) return this.full(now)
    // Handovers appended since the token travel with the heads (expired ones too, as links): a verifier that skipped
    // them could not chain on. Bounded; beyond it the verifier walks the history itself.
    const carried = new Set(heads.map((l) => l.id))
    const handovers = this.#store.handoversSince(listId, MAX_DELTA_HANDOVERS + heads.length).filter((l) => !carried.has(l.id)).slice(-MAX_DELTA_HANDOVERS)
    const revocations = this.#changedAndNamed(this.#revocations, revocationId, heads, now)
    const indexes = this.#indexes === undefined ? undefined : this.#changedAndNamed(this.#indexes, indexId, heads, now)
    const parts: BundleParts = {
      token,
      since,
      full: false,
      lists: [...handovers, ...heads].map((ref) => ({ feed: this.#lists, ref })),
      alarms: this.#store.equivocationsSince(alarmId).slice(0, MAX_BUNDLE_ALARMS),
      revocations,
      ...(indexes === undefined ? {} : { revocationIndexes: indexes }),
    }
    const promise = this.#assemble(parts).then(({ response }) => response)
    // Valid until the first carried head expires (handovers travel expired as well).
    const validUntil = Math.min(...[...heads, ...revocations.map((p) => p.ref), ...(indexes ?? []).map((p) => p.ref)].map((l) => Date.parse(l.expiresAt)), Number.MAX_SAFE_INTEGER)
    this.#rememberDelta(key, validUntil, promise)
    return promise
  }

  #rememberDelta(key: string, validUntil: number, promise: Promise<BundleResponse>): void {
    const entry = { bytes: 0, validUntil, promise }
    this.#deltas.delete(key)
    this.#deltas.set(key, entry)
    promise.then(
      (response) => {
        entry.bytes = response.bytes
        let total = 0
        for (const [k, e] of [...this.#deltas].reverse()) {
          total += e.bytes
          if (total > DELTA_CACHE_BYTES) this.#deltas.delete(k)
        }
      },
      () => this.#deltas.delete(key),
    )
    while (this.#deltas.size > DELTA_CACHE_ENTRIES) this.#deltas.delete(this.#deltas.keys().next().value as string)
  }

  /**
   * Documents of `feed` changed after `afterId`, plus the heads that the delta's trust lists name but the delta
   * would not carry (sent before the token): a client may have set them aside then (it did not trust that country
   * yet), and without the named document it must refuse the country's certificates.
   */
  #changedAndNamed(feed: BundleDocumentFeed | undefined, afterId: number, lists: readonly TrustListSummary[], now: Date): Piece[] {
    if (feed === undefined) return []
    const live = (ref: StoredDocumentRef): boolean => Date.parse(ref.expiresAt) > now.getTime()
    const changed = feed.changedSince(afterId).filter(live)
    const countries = new Set(changed.map((r) => r.country))
    const named: StoredDocumentRef[] = []
    for (const list of lists) {
      if (countries.has(list.country) || list.revocationList === null) continue
      const held = feed.head(list.country)
      if (held === undefined || held.seq < list.revocationList.seq || !live(held)) continue
      named.push(held)
      countries.add(list.country)
    }
    return [...changed, ...named].map((ref) => ({ feed, ref }))
  }

  /**
   * Writes the bundle JSON from stored bytes, in the key order bundle.v1 documents show, yielding between slices.
   * Returns the response and, for each carried row, a view of its bytes inside the new body.
   */
  async #assemble(parts: BundleParts): Promise<{ response: BundleResponse; views: Map<BundleDocumentFeed, Map<number, Buffer>> }> {
    const slicer = new Slicer()
    const chunks: Buffer[] = []
    const rows: { piece: Piece; at: number }[] = []
    let length = 0
    const text = (value: string): void => {
      const chunk = Buffer.from(value)
      chunks.push(chunk)
      length += chunk.length
    }
    const documents = async (name: string, pieces: readonly Piece[], first: boolean): Promise<void> => {
      text(`${first ? '' : ','}"${name}":[`)
      for (const [i, piece] of pieces.entries()) {
        if (i > 0) text(',')
        const bytes = this.#bytesOf(piece)
        rows.push({ piece, at: chunks.length })
        chunks.push(bytes)
        length += bytes.length
        await slicer.pause()
      }
      text(']')
    }
    text(`{"type":"entente.bundle","version":1,"token":${JSON.stringify(parts.token)},`)
    if (parts.since !== undefined) text(`"since":${JSON.stringify(parts.since)},`)
    text(`"full":${parts.full},`)
    await documents('lists', parts.lists, true)
    text(',"alarms":[')
    for (const [i, alarm] of parts.alarms.entries()) {
      text(`${i > 0 ? ',' : ''}${JSON.stringify(alarm.proof)}`)
      await slicer.pause()
    }
    text(']')
    await documents('revocations', parts.revocations, false)
    if (parts.revocationIndexes !== undefined) await documents('revocationIndexes', parts.revocationIndexes, false)
    text('}')

    // One buffer, copied and hashed a step at a time.
    const body = Buffer.allocUnsafeSlow(length)
    const hash = createHash('sha256')
    const offsets: number[] = []
    let at = 0
    for (const chunk of chunks) {
      offsets.push(at)
      for (let from = 0; from < chunk.length; from += STEP_BYTES) {
        const step = chunk.subarray(from, from + STEP_BYTES)
        step.copy(body, at + from)
        hash.update(step)
        await slicer.pause()
      }
      at += chunk.length
    }
    const views = new Map<BundleDocumentFeed, Map<number, Buffer>>()
    for (const { piece, at: index } of rows) {
      const start = offsets[index] as number
      let feedViews = views.get(piece.feed)
      if (feedViews === undefined) views.set(piece.feed, (feedViews = new Map<number, Buffer>()))
      feedViews.set(piece.ref.id, body.subarray(start, start + (chunks[index] as Buffer).length))
    }
    const etag = hash.digest('base64url')
    return { response: encodedResponse(body, etag, parts), views }
  }

  #bytesOf({ feed, ref }: Piece): Buffer {
    const held = this.#bytes.get(feed)?.get(ref.id)
    if (held !== undefined) return held
    const bytes = feed.json(ref.id)
    // Only a purge removes rows; the next request builds again under the new purge id.
    if (bytes === undefined) throw new EntenteError('ERR_STORE_CONFLICT', `the stored document ${ref.country} seq ${ref.seq} was removed while the bundle was built`)
    return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  }
}

function encodedResponse(body: Buffer, hash: string, parts: BundleParts): BundleResponse {
  const encoded: Partial<Record<BundleEncoding, Promise<Buffer>>> = { identity: Promise.resolve(body) }
  const done: Partial<Record<BundleEncoding, Buffer>> = { identity: body }
  const compress = (encoding: BundleEncoding): Promise<Buffer> => {
    if (encoding === 'gzip') return compressGzip(body, { level: 6, chunkSize: 64 * 1024 })
    return compressBrotli(body, {
      chunkSize: 64 * 1024,
      params: { [zlib.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY, [zlib.BROTLI_PARAM_MODE]: zlib.BROTLI_MODE_TEXT, [zlib.BROTLI_PARAM_SIZE_HINT]: body.length },
    })
  }
  return {
    full: parts.full,
    token: parts.token,
    bytes: body.length,
    etags: { identity: `"${hash}"`, gzip: `"${hash}-gzip"`, br: `"${hash}-br"` },
    body: (encoding) => {
      let promise = encoded[encoding]
      if (promise === undefined) {
        promise = compress(encoding)
        encoded[encoding] = promise
        promise.then(
          (bytes) => (done[encoding] = bytes),
          // A failed compression is tried again by the next request.
          () => delete encoded[encoding],
        )
      }
      return promise
    },
    bodyAtHand: (encoding) => done[encoding],
  }
}

/** Yields to the event loop (setImmediate: after pending I/O) once the current run of work passed SLICE_MS. */
class Slicer {
  #since = performance.now()

  async pause(): Promise<void> {
    if (performance.now() - this.#since < SLICE_MS) return
    await new Promise<void>((resolve) => setImmediate(resolve))
    this.#since = performance.now()
  }
}

function trustListFeed(store: TrustStore): BundleDocumentFeed {
  return {
    lastChangeId: () => store.lastChangeId(),
    heads: () => store.headSummaries(),
    head: (country) => store.headSummaries().find((l) => l.country === country),
    changedSince: (afterId) => store.summariesChangedSince(afterId),
    json: (id) => store.listJson(id),
  }
}

/**
 * The bundle's view of the revocation list repository, which hands out parsed documents only: each row is
 * serialized once and kept by row id (rows never change), at the cost of parsing every head when listing them.
 */
export function revocationListFeed(repository: Pick<RevocationRepository, 'lastChangeId' | 'heads' | 'head' | 'changedSince'>): BundleDocumentFeed {
  const serialized = new Map<number, Buffer>()
  const remember = <T extends { id: number; signed: unknown }>(documents: readonly T[]): T[] => {
    for (const document of documents) if (!serialized.has(document.id)) serialized.set(document.id, Buffer.from(JSON.stringify(document.signed)))
    return [...documents]
  }
  return {
    lastChangeId: () => repository.lastChangeId(),
    heads: () => {
      const heads = remember(repository.heads())
      // Older rows fall out of the memo once it holds far more than the heads.
      if (serialized.size > 2 * heads.length + 256) {
        const live = new Set(heads.map((h) => h.id))
        for (const id of serialized.keys()) if (!live.has(id)) serialized.delete(id)
      }
      return heads
    },
    head: (country) => {
      const head = repository.head(country)
      return head === undefined ? undefined : remember([head])[0]
    },
    changedSince: (afterId) => remember(repository.changedSince(afterId)),
    json: (id) => serialized.get(id),
  }
}
