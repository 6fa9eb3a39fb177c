// The catch-up protocol /entente/catch-up/1.0.0: a client opens one stream and sends requests one at a time; the
// server answers each. Frames are unsigned-varint length-prefixed UTF-8 JSON, capped in size, each round trip under
// a deadline. This module moves and shape-checks messages only: it never verifies or stores a list (the gossip
// service passes every pulled list to acceptTrustList).
//
//   request                                                  response
//   {"type":"summary"}                                       {"type":"summary","heads":[{"country","seq","hash","root"?}],"alarms":[id]}
//     (root: the head's root thumbprint, so a client skips countries it anchors no root of without downloading them;
//     optional, peers that predate it omit it)
//   {"type":"history","country","afterSeq","limit"}          {"type":"history","lists":[SignedTrustList, ...]}  (ascending seq)
//   {"type":"alarms","ids":[id, ...]}                        {"type":"alarms","proofs":[EquivocationProof, ...]}
//   {"type":"revocations","known":{"GR":3,...}}              {"type":"revocations","lists":[SignedRevocationList, ...]}
//     (revocation-list heads newer than the client's `known` seqs; peers that predate it answer an error, which
//     ends only the revocation part of a session)
//   {"type":"revocation-indexes","known":{"GR":7,...}}       {"type":"revocation-indexes","indexes":[SignedRevocationIndex, ...]}
//     (revocation-index heads newer than the client's `known` seqs)
//   {"type":"revocation-partitions","hashes":[hash, ...]}    {"type":"revocation-partitions","partitions":[SignedRevocationPartition, ...]}
//     (the partitions with these content hashes that the server holds, within the response budget; peers that
//     predate partitioned revocations answer an error, which ends only that part of a session)
//   {"type":"offer","heads":{"GR":4,...}}                    {"type":"offer"}
//     (sent last: the client's trust-list heads newer than the server's summary named. Gossip cannot carry a list
//     to a peer whose subscription it has not seen yet, so the server pulls these back in a session of its own;
//     peers that predate it answer an error, which ends nothing but the offer)
//   anything else                                            {"type":"error","code":"..."} and the server closes
//
// An alarm id is "<country>:<seq>:<hashA>:<hashB>" with the two list hashes in ascending order.
import type { Stream } from '@libp2p/interface'
import { lpStream, type LengthPrefixedStream } from '@libp2p/utils'
import { EntenteError, type EntenteErrorCode } from '../model/errors.js'
import type { SignedTrustList } from '../model/schema.types.js'
import type { RevocationRepository } from '../store/revocation-repository.js'
import type { StoredEquivocation, TrustStore } from '../store/store.types.js'
import {
  CATCH_UP_ALARMS_PER_REQUEST,
  CATCH_UP_IDLE_TIMEOUT_MS,
  CATCH_UP_MAX_REQUEST_BYTES,
  CATCH_UP_MAX_REQUESTS_PER_SESSION,
  CATCH_UP_MAX_SUMMARY_ALARMS,
  CATCH_UP_MAX_SUMMARY_COUNTRIES,
  CATCH_UP_MIN_RESPONSE_BYTES,
  CATCH_UP_PAGE_LISTS,
  CATCH_UP_REQUEST_TIMEOUT_MS,
} from './constants.js'

/** Partitions asked for per request (their hashes fit the 16 KiB request cap several times over). */
export const CATCH_UP_PARTITIONS_PER_REQUEST = 64
/** Partition requests per country and session; the next session continues with what is still missing. */
export const CATCH_UP_PARTITION_REQUESTS_PER_COUNTRY = 64

/** Codes for catch-up protocol failures: counted per peer and dropped, never thrown at the peer. */
export const CATCH_UP_MALFORMED: EntenteErrorCode = 'ERR_GOSSIP_PROTOCOL'
export const CATCH_UP_TOO_LARGE: EntenteErrorCode = 'ERR_GOSSIP_TOO_LARGE'
export const CATCH_UP_TIMEOUT: EntenteErrorCode = 'ERR_GOSSIP_TIMEOUT'
export const CATCH_UP_REFUSED: EntenteErrorCode = 'ERR_GOSSIP_REFUSED'

export interface HeadSummary {
  readonly country: string
  readonly seq: number
  readonly hash: string
  /** The head's root thumbprint (absent from peers that predate it). */
  readonly root?: string
}

export interface CatchUpSummary {
  readonly heads: readonly HeadSummary[]
  readonly alarms: readonly string[]
}

export type CatchUpRequest =
  | { readonly type: 'summary' }
  | { readonly type: 'history'; readonly country: string; readonly afterSeq: number; readonly limit: number }
  | { readonly type: 'alarms'; readonly ids: readonly string[] }
  | { readonly type: 'revocations'; readonly known: Readonly<Record<string, number>> }
  | { readonly type: 'revocation-indexes'; readonly known: Readonly<Record<string, number>> }
  | { readonly type: 'revocation-partitions'; readonly hashes: readonly string[] }
  | { readonly type: 'offer'; readonly heads: Readonly<Record<string, number>> }

export type CatchUpResponse =
  | ({ readonly type: 'summary' } & CatchUpSummary)
  /** Lists are opaque here: acceptTrustList verifies each. */
  | { readonly type: 'history'; readonly lists: readonly unknown[] }
  /** Proofs are opaque here: verifyEquivocationProof verifies each. */
  | { readonly type: 'alarms'; readonly proofs: readonly unknown[] }
  /** Revocation lists are opaque here: acceptRevocationList verifies each. */
  | { readonly type: 'revocations'; readonly lists: readonly unknown[] }
  /** Indexes and partitions are opaque here: acceptRevocationIndex / acceptRevocationPartition verify each. */
  | { readonly type: 'revocation-indexes'; readonly indexes: readonly unknown[] }
  | { readonly type: 'revocation-partitions'; readonly partitions: readonly unknown[] }
  | { readonly type: 'offer' }
  | { readonly type: 'error'; readonly code: string }

/** The largest response either side sends or accepts: room for a page of lists, or one proof of two lists. */
export function maxResponseBytes(maxListBytes: number): number {
  return Math.max(CATCH_UP_MIN_RESPONSE_BYTES, 2 * maxListBytes + CATCH_UP_MAX_REQUEST_BYTES)
}

export function alarmId(equivocation: Pick<StoredEquivocation, 'country' | 'seq' | 'hashes'>): string {
  const [a, b] = [...equivocation.hashes].sort()
  return `${equivocation.country}:${equivocation.seq}:${a ?? ''}:${b ?? ''}`
}

// ---- shapes ---------------------------------------------------------------------------------------------------

const COUNTRY = /^[A-Z]{2}$/
const HASH = /^[0-9a-f]{64}$/
const THUMBPRINT = /^[A-Za-z0-9_-]{43}$/
const ALARM_ID = /^[A-Z]{2}:[1-9][0-9]{0,15}:[0-9a-f]{64}:[0-9a-f]{64}$/

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
const isSeq = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 1
const isAfterSeq = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0

function malformed(message: string): EntenteError {
  return new EntenteError(CATCH_UP_MALFORMED, `catch-up: ${message}`)
}

function parseFrame(bytes: Uint8Array): Record<string, unknown> {
  let value: unknown
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
  } catch (cause) {
    throw new EntenteError(CATCH_UP_MALFORMED, 'catch-up: frame is not UTF-8 JSON', { cause })
  }
  if (!isObject(value) || typeof value.type !== 'string') throw malformed('frame is not a typed JSON object')
  return value
}

/** A country → seq map, as every request that names what one side holds carries it. */
function parseSeqs(value: unknown, what: string): Record<string, number> {
  if (!isObject(value)) throw malformed(`${what} is not an object`)
  const entries = Object.entries(value)
  if (entries.length > CATCH_UP_MAX_SUMMARY_COUNTRIES) throw malformed(`${what}: too many countries`)
  if (!entries.every(([country, seq]) => COUNTRY.test(country) && isSeq(seq))) throw malformed(`${what}: bad country or seq`)
  return Object.fromEntries(entries) as Record<string, number>
}

export function parseRequest(bytes: Uint8Array): CatchUpRequest {
  const value = parseFrame(bytes)
  switch (value.type) {
    case 'summary':
      return { type: 'summary' }
    case 'history': {
      const { country, afterSeq, limit } = value
      if (typeof country !== 'string' || !COUNTRY.test(country)) throw malformed('history: bad country')
      if (!isAfterSeq(afterSeq)) throw malformed('history: bad afterSeq')
      if (!isSeq(limit)) throw malformed('history: bad limit')
      return { type: 'history', country, afterSeq, limit: Math.min(limit, CATCH_UP_PAGE_LISTS) }
    }
    case 'alarms': {
      const { ids } = value
      if (!Array.isArray(ids) || ids.length > CATCH_UP_ALARMS_PER_REQUEST) throw malformed('alarms: bad ids')
      if (!ids.every((id) => typeof id === 'string' && ALARM_ID.test(id))) throw malformed('alarms: bad id')
      return { type: 'alarms', ids: ids as string[] }
    }
    case 'revocations':
      return { type: 'revocations', known: parseSeqs(value.known, 'revocations: known') }
    case 'revocation-indexes':
      return { type: 'revocation-indexes', known: parseSeqs(value.known, 'revocation-indexes: known') }
    case 'offer':
      return { type: 'offer', heads: parseSeqs(value.heads, 'offer: heads') }
    case 'revocation-partitions': {
      const { hashes } = value
      if (!Array.isArray(hashes) || hashes.length === 0 || hashes.length > CATCH_UP_PARTITIONS_PER_REQUEST) throw malformed('revocation-partitions: bad hashes')
      if (!hashes.every((h) => typeof h === 'string' && HASH.test(h))) throw malformed('revocation-partitions: bad hash')
      return { type: 'revocation-partitions', hashes: hashes as string[] }
    }
    default:
      throw malformed(`unknown request type`)
  }
}

export function parseResponse(bytes: Uint8Array, expected: CatchUpRequest['type']): CatchUpResponse {
  const value = parseFrame(bytes)
  if (value.type === 'error') {
    // A refusal (rate limit, shutdown) is no bad answer: its own code, so the client does not hold it against the peer.
    throw new EntenteError(CATCH_UP_REFUSED, `catch-up: peer answered error ${typeof value.code === 'string' ? value.code.slice(0, 64) : '?'}`)
  }
  if (value.type !== expected) throw malformed(`expected a ${expected} response`)
  switch (expected) {
    case 'summary': {
      const { heads, alarms } = value
      if (!Array.isArray(heads) || heads.length > CATCH_UP_MAX_SUMMARY_COUNTRIES) throw malformed('summary: bad heads')
      if (!Array.isArray(alarms) || alarms.length > CATCH_UP_MAX_SUMMARY_ALARMS) throw malformed('summary: bad alarms')
      const seen = new Set<string>()
      for (const head of heads) {
        if (!isObject(head)) throw malformed('summary: bad head')
        const { country, seq, hash, root } = head
        if (typeof country !== 'string' || !COUNTRY.test(country) || seen.has(country)) throw malformed('summary: bad country')
        if (!isSeq(seq) || typeof hash !== 'string' || !HASH.test(hash)) throw malformed('summary: bad seq or hash')
        if (root !== undefined && (typeof root !== 'string' || !THUMBPRINT.test(root))) throw malformed('summary: bad root')
        seen.add(country)
      }
      if (!alarms.every((id) => typeof id === 'string' && ALARM_ID.test(id))) throw malformed('summary: bad alarm id')
      return {
        type: 'summary',
        heads: heads.map((h: Record<string, unknown>) => ({ country: h.country, seq: h.seq, hash: h.hash, ...(h.root === undefined ? {} : { root: h.root }) }) as HeadSummary),
        alarms: alarms as string[],
      }
    }
    case 'history': {
      const { lists } = value
      if (!Array.isArray(lists) || lists.length > CATCH_UP_PAGE_LISTS) throw malformed('history: bad lists')
      return { type: 'history', lists }
    }
    case 'alarms': {
      const { proofs } = value
      if (!Array.isArray(proofs) || proofs.length > CATCH_UP_ALARMS_PER_REQUEST) throw malformed('alarms: bad proofs')
      return { type: 'alarms', proofs }
    }
    case 'revocations': {
      const { lists } = value
      if (!Array.isArray(lists) || lists.length > CATCH_UP_PAGE_LISTS) throw malformed('revocations: bad lists')
      return { type: 'revocations', lists }
    }
    case 'revocation-indexes': {
      const { indexes } = value
      if (!Array.isArray(indexes) || indexes.length > CATCH_UP_PAGE_LISTS) throw malformed('revocation-indexes: bad indexes')
      return { type: 'revocation-indexes', indexes }
    }
    case 'revocation-partitions': {
      const { partitions } = value
      if (!Array.isArray(partitions) || partitions.length > CATCH_UP_PARTITIONS_PER_REQUEST) throw malformed('revocation-partitions: bad partitions')
      return { type: 'revocation-partitions', partitions }
    }
    case 'offer':
      return { type: 'offer' }
  }
}

function encode(message: CatchUpRequest | CatchUpResponse): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(message))
}

// ---- serving --------------------------------------------------------------------------------------------------

/** Answers one request from the store (and the revocation lists, when the node keeps them). Reads only. */
export function answerRequest(store: TrustStore, request: CatchUpRequest, budgetBytes: number, revocations?: RevocationRepository): CatchUpResponse {
  switch (request.type) {
    case 'summary': {
      // Stored summaries: no list is read to name its head.
      const heads = store
        .headSummaries()
        .slice(0, CATCH_UP_MAX_SUMMARY_COUNTRIES)
        .map((h) => ({ country: h.country, seq: h.seq, hash: h.hash, root: h.rootThumbprint }))
      // When there are more proofs than a summary names, name the newest: those are the ones peers likely lack.
      const alarms = store.equivocations().slice(-CATCH_UP_MAX_SUMMARY_ALARMS).map(alarmId)
      return { type: 'summary', heads, alarms }
    }
    case 'history': {
      const lists: SignedTrustList[] = []
      let bytes = 0
      for (const list of store.history(request.country, { afterSeq: request.afterSeq, limit: request.limit })) {
        // Always at least one list, so a page makes progress whatever the list sizes.
        if (lists.length > 0 && bytes + list.size > budgetBytes) break
        lists.push(list.signed)
        bytes += list.size
      }
      return { type: 'history', lists }
    }
    case 'alarms': {
      const wanted = new Set(request.ids)
      const countries = new Set(request.ids.map((id) => id.slice(0, 2)))
      const proofs: unknown[] = []
      let bytes = 0
      for (const country of countries) {
        for (const stored of store.equivocations(country)) {
          if (!wanted.has(alarmId(stored))) continue
          const size = stored.proof.lists.reduce((n, l) => n + l.payload.length + 512, 0)
          if (proofs.length > 0 && bytes + size > budgetBytes) return { type: 'alarms', proofs }
          proofs.push(stored.proof)
          bytes += size
        }
      }
      return { type: 'alarms', proofs }
    }
    case 'revocations': {
      const lists: unknown[] = []
      let bytes = 0
      // Rows first, documents only for the heads the client lacks.
      for (const ref of revocations?.headRefs() ?? []) {
        if (ref.seq <= (request.known[ref.country] ?? 0)) continue
        const head = revocations?.head(ref.country)
        if (head === undefined) continue
        if (lists.length >= CATCH_UP_PAGE_LISTS || (lists.length > 0 && bytes + head.size > budgetBytes)) break
        lists.push(head.signed)
        bytes += head.size
      }
      return { type: 'revocations', lists }
    }
    case 'revocation-indexes': {
      const indexes: unknown[] = []
      let bytes = 0
      // Rows first, documents only for the heads the client lacks.
      for (const ref of revocations?.partitions.feed.heads() ?? []) {
        if (ref.seq <= (request.known[ref.country] ?? 0)) continue
        const head = revocations?.partitions.indexHead(ref.country)
        if (head === undefined) continue
        if (indexes.length >= CATCH_UP_PAGE_LISTS || (indexes.length > 0 && bytes + head.size > budgetBytes)) break
        indexes.push(head.signed)
        bytes += head.size
      }
      return { type: 'revocation-indexes', indexes }
    }
    case 'revocation-partitions': {
      const partitions: unknown[] = []
      let bytes = 0
      for (const hash of request.hashes) {
        const held = revocations?.partitions.partition(hash)
        if (held === undefined) continue
        // Always at least one, so a request makes progress whatever the partition sizes.
        if (partitions.length > 0 && bytes + held.size > budgetBytes) break
        partitions.push(held.signed)
        bytes += held.size
      }
      return { type: 'revocation-partitions', partitions }
    }
    case 'offer':
      return { type: 'offer' }
  }
}

function isEndOfStream(error: unknown): boolean {
  return error instanceof Error && (error.name === 'UnexpectedEOFError' || error.name === 'StreamClosedError')
}

/**
 * Serves one inbound stream until the client closes it, goes idle, or sends a bad request. Never throws: failures
 * abort the stream and are reported through `onError`.
 */
export async function serveCatchUp(
  stream: Stream,
  answer: (request: CatchUpRequest) => CatchUpResponse | Promise<CatchUpResponse>,
  options: { readonly maxResponseBytes: number; readonly signal?: AbortSignal; readonly onError?: (error: unknown) => void },
): Promise<void> {
  const lp = lpStream(stream, { maxDataLength: CATCH_UP_MAX_REQUEST_BYTES })
  try {
    for (let served = 0; served < CATCH_UP_MAX_REQUESTS_PER_SESSION; served++) {
      const signal = withDeadline(options.signal, CATCH_UP_IDLE_TIMEOUT_MS)
      let frame
      try {
        frame = await lp.read({ signal })
      } catch (error) {
        if (isEndOfStream(error)) break
        throw error
      }
      let response: CatchUpResponse
      try {
        response = await answer(parseRequest(frame.subarray()))
      } catch (error) {
        const code = error instanceof EntenteError ? error.code : 'ERR_INTERNAL'
        await lp.write(encode({ type: 'error', code }), { signal })
        throw error
      }
      await lp.write(encode(response), { signal })
    }
    await stream.close({ signal: withDeadline(options.signal, CATCH_UP_REQUEST_TIMEOUT_MS) })
  } catch (error) {
    stream.abort(error instanceof Error ? error : new Error(String(error)))
    options.onError?.(error)
  }
}

// ---- asking ---------------------------------------------------------------------------------------------------

/** The client end of one session. Every method throws EntenteError on a bad, late or oversized response. */
export class CatchUpClient {
  readonly #stream: Stream
  readonly #lp: LengthPrefixedStream<Stream>
  readonly #signal: AbortSignal | undefined

  constructor(stream: Stream, options: { readonly maxResponseBytes: number; readonly signal?: AbortSignal }) {
    this.#stream = stream
    this.#lp = lpStream(stream, { maxDataLength: options.maxResponseBytes, maxBufferSize: options.maxResponseBytes + 16 })
    this.#signal = options.signal
  }

  async summary(): Promise<CatchUpSummary> {
    const response = await this.#ask({ type: 'summary' })
    if (response.type !== 'summary') throw malformed('expected a summary')
    return response
  }

  /** Up to `limit` lists after `afterSeq`, as the peer sent them (unverified). */
  async history(country: string, afterSeq: number, limit: number): Promise<readonly unknown[]> {
    const response = await this.#ask({ type: 'history', country, afterSeq, limit })
    if (response.type !== 'history') throw malformed('expected a history page')
    return response.lists
  }

  /** The proofs named by `ids` that the peer holds (unverified). */
  async alarms(ids: readonly string[]): Promise<readonly unknown[]> {
    const response = await this.#ask({ type: 'alarms', ids })
    if (response.type !== 'alarms') throw malformed('expected alarms')
    return response.proofs
  }

  /** Revocation-list heads newer than `known` (unverified). */
  async revocations(known: Readonly<Record<string, number>>): Promise<readonly unknown[]> {
    const response = await this.#ask({ type: 'revocations', known })
    if (response.type !== 'revocations') throw malformed('expected revocation lists')
    return response.lists
  }

  /** Revocation-index heads newer than `known` (unverified). */
  async revocationIndexes(known: Readonly<Record<string, number>>): Promise<readonly unknown[]> {
    const response = await this.#ask({ type: 'revocation-indexes', known })
    if (response.type !== 'revocation-indexes') throw malformed('expected revocation indexes')
    return response.indexes
  }

  /** The partitions with these hashes that the peer holds (unverified). */
  async revocationPartitions(hashes: readonly string[]): Promise<readonly unknown[]> {
    const response = await this.#ask({ type: 'revocation-partitions', hashes })
    if (response.type !== 'revocation-partitions') throw malformed('expected revocation partitions')
    return response.partitions
  }

  /** Names the client's heads newer than the server's summary; the server may pull them back. */
  async offer(heads: Readonly<Record<string, number>>): Promise<void> {
    const response = await this.#ask({ type: 'offer', heads })
    if (response.type !== 'offer') throw malformed('expected an offer acknowledgement')
  }

  async close(): Promise<void> {
    try {
      await this.#stream.close({ signal: withDeadline(this.#signal, CATCH_UP_REQUEST_TIMEOUT_MS) })
    } catch (error) {
      this.abort(error)
    }
  }

  abort(error: unknown): void {
    this.#stream.abort(error instanceof Error ? error : new Error(String(error)))
  }

  async #ask(request: CatchUpRequest): Promise<CatchUpResponse> {
    const signal = withDeadline(this.#signal, CATCH_UP_REQUEST_TIMEOUT_MS)
    try {
      await this.#lp.write(encode(request), { signal })
      const frame = await this.#lp.read({ signal })
      return parseResponse(frame.subarray(), request.type)
    } catch (error) {
      throw asProtocolError(error, signal)
    }
  }
}

function asProtocolError(error: unknown, signal: AbortSignal): EntenteError {
  if (error instanceof EntenteError) return error
  if (signal.aborted) return new EntenteError(CATCH_UP_TIMEOUT, 'catch-up: peer did not answer in time', { cause: error })
  const name = error instanceof Error ? error.name : ''
  if (name === 'InvalidDataLengthError' || name === 'InvalidDataLengthLengthError') {
    return new EntenteError(CATCH_UP_TOO_LARGE, 'catch-up: response over the size cap', { cause: error })
  }
  return new EntenteError(CATCH_UP_MALFORMED, `catch-up: stream failed (${name || 'error'})`, { cause: error })
}

function withDeadline(signal: AbortSignal | undefined, ms: number): AbortSignal {
  const timeout = AbortSignal.timeout(ms)
  return signal === undefined ? timeout : AbortSignal.any([signal, timeout])
}
