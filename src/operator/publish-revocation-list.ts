// Certificate revocation for the operator: add entries to this country's pending revocations, and publish them as
// the next signed, chained revocation list (verified like any incoming one, then stored only on the head it was built
// on); or prepare it unsigned for an offline root and accept the upload signed elsewhere.
import { EntenteError } from '../model/errors.js'
import { buildRevocationList, normalizeEntries, type RevocationEntries } from '../revocation/build-revocation-list.js'
import { decodeRevocationList, type RevocationListInput } from '../revocation/decode-revocation-list.js'
import { parseRevocationRequest } from '../revocation/parse-revocation-request.js'
import { signRevocationList } from '../revocation/sign-revocation-list.js'
import type { RevocationListHead } from '../revocation/revocation-list.types.js'
import { rootsOf, verifyRevocationList } from '../revocation/verify-revocation-list.js'
import type { DccRevocation, RevocationListPayload, ShcRevocation } from '../model/schema.types.js'
import { decodeTrustList } from '../trust-list/decode-trust-list.js'
import type { RevocationRepository, StoredRevocationList } from '../store/revocation-repository.js'
import type { TrustStore } from '../store/store.types.js'
import type { RootSigningKey } from '../trust-list/root-key.js'

/** Adds the request's entries to the pending revocations of `country`; returns the whole pending set. */
export function addCertificateRevocations(revocations: RevocationRepository, country: string, request: unknown, now: Date): RevocationEntries {
  const added = parseRevocationRequest(request, country)
  const current = revocations.draft(country)
  const merged = normalizeEntries({ dcc: [...current.dcc, ...added.dcc], shc: [...current.shc, ...added.shc] })
  if (merged.dcc.length > 20_000 || merged.shc.length > 20_000) throw new EntenteError('ERR_REVOCATION_ENTRY', 'a revocation list holds at most 20000 entries of each kind')
  revocations.saveDraft(country, merged, { updatedAt: now })
  return merged
}

export interface PrepareRevocationsInput {
  readonly trust: TrustStore
  readonly revocations: RevocationRepository
  readonly country: string
  readonly now: Date
  readonly validityDays: number
}

export interface PreparedRevocationList {
  readonly payload: RevocationListPayload
  /** The last queue row it includes: publishing settles the queue up to it. */
  readonly queueUpTo: number
  /** The held head it was built on: storing it later requires this head to be unchanged. */
  readonly head: RevocationListHead | undefined
}

/** The unsigned next revocation list (every pending entry), named for the root of the country's current trust list. */
export function prepareRevocationList(input: PrepareRevocationsInput): PreparedRevocationList {
  const { trust, revocations, country, now } = input
  // The list is signed by the root of the country's current trust list: publish a trust list first.
  const trustHead = trust.head(country)
  if (trustHead === undefined) throw new EntenteError('ERR_REVOCATION_WRONG_ROOT', `publish a trust list of ${country} before its revocation list`)
  refuseAfterIndex(revocations, country)
  const head = revocationHead(revocations, country)
  // The former pending set plus the queue (an offline root signs single lists, at most 20,000 entries of each kind).
  const draft = revocations.draft(country)
  const rows = revocations.partitions.queued(country, { limit: 40_001 })
  const queued = rows.map((q) => q.entry)
  const payload = buildRevocationList({
    country,
    rootThumbprint: trustHead.rootThumbprint,
    entries: normalizeEntries({
      dcc: [...draft.dcc, ...queued.filter((e): e is DccRevocation => 'hashType' in e)],
      shc: [...draft.shc, ...queued.filter((e): e is ShcRevocation => 'rid' in e)],
    }),
    ...(head === undefined ? {} : { head }),
    now,
    validityDays: input.validityDays,
  })
  return { payload, head, queueUpTo: rows.at(-1)?.id ?? 0 }
}

export interface PublishRevocationsInput extends PrepareRevocationsInput {
  readonly rootKey: RootSigningKey
  readonly maxBytes?: number
}

export async function publishRevocationList(input: PublishRevocationsInput): Promise<StoredRevocationList> {
  const { trust, country, rootKey } = input
  const trustHead = trust.head(country)
  if (trustHead !== undefined && trustHead.rootThumbprint !== rootKey.thumbprint) {
    throw new EntenteError('ERR_REVOCATION_WRONG_ROOT', `the root key ${rootKey.thumbprint} is not ${country}'s current root ${trustHead.rootThumbprint}`)
  }
  const { payload, head, queueUpTo } = prepareRevocationList(input)
  const signed = await signRevocationList(payload, rootKey)
  const stored = await storeOwnRevocationList(input, signed, head, input.maxBytes)
  settle(input.revocations, country, payload, input.now, queueUpTo)
  return stored
}

/** After a single list is stored: its entries become the former pending set (the snapshot), and leave the queue. */
function settle(revocations: RevocationRepository, country: string, payload: RevocationListPayload, now: Date, queueUpTo?: number): void {
  revocations.saveDraft(country, { dcc: payload.dcc, shc: payload.shc }, { updatedAt: now })
  if (queueUpTo !== undefined) revocations.partitions.dequeueUpTo(country, queueUpTo)
  else revocations.partitions.dequeueEntries(country, { dcc: payload.dcc, shc: payload.shc })
}

/** A revocation list of this country signed offline: accepted only as the direct successor of the held head. */
export async function acceptUploadedRevocationList(
  stores: { readonly trust: TrustStore; readonly revocations: RevocationRepository },
  input: RevocationListInput,
  options: { readonly country: string; readonly now: Date; readonly maxBytes: number },
): Promise<StoredRevocationList> {
  const { payload, hash } = decodeRevocationList(input, options.maxBytes)
  if (payload.country !== options.country) {
    throw new EntenteError('ERR_REVOCATION_COUNTRY_MISMATCH', `this node publishes ${options.country}, not ${payload.country}`)
  }
  refuseAfterIndex(stores.revocations, options.country)
  const head = revocationHead(stores.revocations, options.country)
  if (head !== undefined && payload.seq <= head.payload.seq) {
    if (payload.seq === head.payload.seq && hash === head.hash) throw new EntenteError('ERR_REVOCATION_DUPLICATE', `revocation list seq ${payload.seq} is already held`)
    throw new EntenteError('ERR_STORE_CONFLICT', `revocation list seq ${payload.seq} was prepared from an older head; the node is at seq ${head.payload.seq}: prepare and sign again`)
  }
  const stored = await storeOwnRevocationList({ ...stores, now: options.now, country: options.country }, input, head, options.maxBytes)
  settle(stores.revocations, options.country, payload, options.now)
  return stored
}

/** The checks every peer and verifier apply, then one append bound to the head the list was built on (no retry). */
async function storeOwnRevocationList(
  input: { readonly trust: TrustStore; readonly revocations: RevocationRepository; readonly country: string; readonly now: Date },
  signed: RevocationListInput,
  head: RevocationListHead | undefined,
  maxBytes: number | undefined,
): Promise<StoredRevocationList> {
  const { trust, revocations, country, now } = input
  const trustHead = trust.head(country)
  if (trustHead === undefined) throw new EntenteError('ERR_REVOCATION_WRONG_ROOT', `no trust list of ${country} is held, so no root to check its revocations against`)
  const roots = rootsOf(decodeTrustList(trustHead.signed, Number.MAX_SAFE_INTEGER).payload)
  const verified = await verifyRevocationList(signed, { now, country, roots, ...(head === undefined ? {} : { head }), ...(maxBytes === undefined ? {} : { maxBytes }) })
  return revocations.append(verified, { expectedHead: head?.hash, receivedAt: now })
}

/** Once a country publishes revocation indexes, its chain continues there: no single list may fork it. */
function refuseAfterIndex(revocations: RevocationRepository, country: string): void {
  if (revocations.partitions.indexHeadRef(country) !== undefined) {
    throw new EntenteError('ERR_REVOCATION_CHAIN', `${country} publishes revocation indexes now; single revocation lists would fork its chain`)
  }
}

function revocationHead(revocations: RevocationRepository, country: string): RevocationListHead | undefined {
  const held = revocations.head(country)
  if (held === undefined) return undefined
  const { payload, hash } = decodeRevocationList(held.signed, Number.MAX_SAFE_INTEGER)
  return { payload, hash }
}
