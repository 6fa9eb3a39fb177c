// Certificate revocation for the operator, partitioned: a queue of entries to publish (list, remove, re-add), and a
// publish that signs only the partitions the queued entries touch plus the next index. A publish is never refused
// for size: partitions split as they grow, and a very large queue is published in batches (the rest stays queued).
import { canonicalize } from '../model/canonical-json.js'
import { fromBase64, sha256 } from '../model/encoding.js'
import { EntenteError } from '../model/errors.js'
import type { PartitionRef, ShcRevocation } from '../model/schema.types.js'
import { normalizeEntries, type RevocationEntries } from '../revocation/build-revocation-list.js'
import { buildRevocationIndex, buildRevocationPartition, hashRevocationDocument, planRevocationUpdate, type PartitionContent } from '../revocation/build-revocation-partitions.js'
import { DCC_HASH_BYTES, DEFAULT_PARTITION_MAX_ENTRIES } from '../revocation/constants.js'
import { decodeRevocationList } from '../revocation/decode-revocation-list.js'
import { hexKeys, layoutKeys, packedKeys, partitionId, REVOCATION_GROUPS, sortPackedHashes, type RevocationGroup } from '../revocation/partition-layout.js'
import { parseRevocationRequest } from '../revocation/parse-revocation-request.js'
import { signRevocationIndex, signRevocationPartition } from '../revocation/sign-revocation-partitions.js'
import { rootsOf } from '../revocation/verify-revocation-list.js'
import { verifyRevocationIndex, verifyRevocationPartition, type VerifiedRevocationPartition } from '../revocation/verify-revocation-partitions.js'
import type { RevocationRepository } from '../store/revocation-repository.js'
import { indexRefs, type EntryToQueue, type QueuedRevocation, type StoredRevocationIndex } from '../store/revocation-partition-store.js'
import type { TrustStore } from '../store/store.types.js'
import { decodeTrustList } from '../trust-list/decode-trust-list.js'
import type { RootSigningKey } from '../trust-list/root-key.js'

/** Revocation caps of a node (node.json `limits`): sized for 10 million hashes per country. */
export interface RevocationLimits {
  /** Published plus queued entries of this country. */
  readonly maxRevocationEntries: number
  /** Queue rows one publish takes in; the rest stay queued for the next publish. */
  readonly maxRevocationsPerPublish: number
  /**
   * A country publishes single revocation lists (what every verifier reads) while it holds at most this many entries
   * of each kind; beyond that, or when 0, partitioned indexes, for good (the index continues the list's chain).
   */
  readonly maxRevocationListEntries: number
}

export const DEFAULT_REVOCATION_LIMITS: RevocationLimits = { maxRevocationEntries: 20_000_000, maxRevocationsPerPublish: 1_000_000, maxRevocationListEntries: 10_000 }

/** Whether this country's next revocation publish is partitioned (see `maxRevocationListEntries`). */
export function publishesPartitioned(revocations: RevocationRepository, country: string, limits: RevocationLimits = DEFAULT_REVOCATION_LIMITS): boolean {
  if (revocations.partitions.indexHead(country) !== undefined || limits.maxRevocationListEntries <= 0) return true
  // The former pending set plus the queue: an upper bound of the next single list (overlaps count twice).
  const draft = revocations.draft(country)
  const queued = revocations.partitions.queueCounts(country, limits.maxRevocationListEntries)
  return draft.dcc.length + queued.dcc > limits.maxRevocationListEntries || draft.shc.length + queued.shc > limits.maxRevocationListEntries
}

/** Queue entries of a request; returns how many were new and the queue length. */
export function queueCertificateRevocations(
  revocations: RevocationRepository,
  country: string,
  request: unknown,
  now: Date,
  limits: RevocationLimits = DEFAULT_REVOCATION_LIMITS,
): { queued: number; added: number } {
  // The former pending set moves into the queue only with the first index: until then it is the published snapshot.
  const entries = toQueueEntries(parseRevocationRequest(request, country))
  const store = revocations.partitions
  if (store.publishedCount(country) + store.queueCount(country) + entries.length > limits.maxRevocationEntries) {
    throw new EntenteError('ERR_REVOCATION_TOO_LARGE', `${country} may hold at most ${limits.maxRevocationEntries} revoked entries (published and queued)`)
  }
  const added = store.enqueue(country, entries, now)
  return { queued: store.queueCount(country), added }
}

export function queuedCertificateRevocations(revocations: RevocationRepository, country: string, options: { afterId?: number; limit?: number } = {}): { total: number; entries: QueuedRevocation[] } {
  const store = revocations.partitions
  return { total: store.queueCount(country), entries: store.queued(country, { afterId: options.afterId ?? 0, limit: Math.min(options.limit ?? 1000, 1000) }) }
}

export function removeQueuedRevocations(revocations: RevocationRepository, country: string, ids: unknown): { removed: number; queued: number } {
  if (!Array.isArray(ids) || ids.length === 0 || ids.length > 10_000 || !ids.every((id) => Number.isSafeInteger(id) && (id as number) > 0)) {
    throw new EntenteError('ERR_REVOCATION_ENTRY', 'ids must be 1..10000 queue ids (positive integers)')
  }
  const store = revocations.partitions
  return { removed: store.dequeue(country, ids as number[]), queued: store.queueCount(country) }
}

/**
 * Moves what the node held before partitions (the former pending set, which also holds every published entry, and
 * the last single list's entries) into the queue once: the first index then carries all of it.
 */
export function importFormerRevocations(revocations: RevocationRepository, country: string, now: Date): void {
  const draft = revocations.draft(country)
  const head = revocations.partitions.indexHead(country) === undefined ? revocations.head(country) : undefined
  const listed = head === undefined ? { dcc: [], shc: [] } : decodeRevocationList(head.signed, Number.MAX_SAFE_INTEGER).payload
  if (draft.dcc.length + draft.shc.length + listed.dcc.length + listed.shc.length === 0) return
  const merged = normalizeEntries({ dcc: [...listed.dcc, ...draft.dcc], shc: [...listed.shc, ...draft.shc] })
  revocations.partitions.enqueue(country, toQueueEntries(merged), now)
  revocations.clearDraft(country)
}

export interface PublishRevocationIndexInput {
  readonly trust: TrustStore
  readonly revocations: RevocationRepository
  readonly country: string
  readonly rootKey: RootSigningKey
  readonly now: Date
  readonly validityDays: number
  readonly maxEntries?: number
  readonly limits?: RevocationLimits
}

export interface PublishedRevocations {
  readonly index: StoredRevocationIndex
  /** The partitions this publish signed (new or changed), to gossip after the index. */
  readonly partitions: readonly VerifiedRevocationPartition[]
  /** Entries still queued (a very large queue is published in batches). */
  readonly queued: number
}

export async function publishRevocationIndex(input: PublishRevocationIndexInput): Promise<PublishedRevocations> {
  const { trust, revocations, country, rootKey, now } = input
  const store = revocations.partitions
  const maxEntries = input.maxEntries ?? DEFAULT_PARTITION_MAX_ENTRIES
  // Signed by the root of the country's current trust list: publish a trust list first.
  const trustHead = trust.head(country)
  if (trustHead === undefined) throw new EntenteError('ERR_REVOCATION_WRONG_ROOT', `publish a trust list of ${country} before its revocations`)
  if (trustHead.rootThumbprint !== rootKey.thumbprint) {
    throw new EntenteError('ERR_REVOCATION_WRONG_ROOT', `the root key ${rootKey.thumbprint} is not ${country}'s current root ${trustHead.rootThumbprint}`)
  }
  importFormerRevocations(revocations, country, now)
  const chain = revocations.chainHead(country)
  const indexHead = store.indexHead(country)
  const previous = indexHead === undefined ? [] : indexRefs(indexHead)

  // 1: the queued rows this publish takes in, reduced to what is new or wider than what is published.
  const batch = store.queuedForPublish(country, (input.limits ?? DEFAULT_REVOCATION_LIMITS).maxRevocationsPerPublish)
  const queueUpTo = batch.reduce((max, row) => Math.max(max, row.id), 0)
  const touched = touchedEntries(batch)

  // 2: which partitions change: the ones the touched keys fall in; all of them under a new root (re-signed).
  const rootChanged = indexHead !== undefined && indexHead.rootThumbprint !== rootKey.thumbprint
  const plan = rootChanged
    ? { keep: [] as PartitionRef[], regions: REVOCATION_GROUPS.map((group) => ({ group, prefix: '' })) }
    : planRevocationUpdate({ previous, added: new Map([...touched].map(([group, entries]) => [group, entries.keys()])) })

  // 3: each changed region read again (one range read), laid out, and its partitions built and signed.
  const refs: PartitionRef[] = [...plan.keep]
  const signed: { id: string; signed: Awaited<ReturnType<typeof signRevocationPartition>> }[] = []
  const byRegion = touchedByRegion(plan.regions, touched)
  for (const region of plan.regions) {
    for (const content of regionContents(revocations, country, region, byRegion.get(partitionId(region.group, region.prefix)) ?? [], maxEntries)) {
      const latest = store.latestPartition(country, content.id)
      const payload = buildRevocationPartition({ country, rootThumbprint: rootKey.thumbprint, content, previous: latest, now })
      const count = content.dcc === undefined ? (content.shc?.length ?? 0) : content.dcc.byteLength / DCC_HASH_BYTES
      refs.push({ id: content.id, seq: payload.seq, hash: hashRevocationDocument(payload), count })
      signed.push({ id: content.id, signed: await signRevocationPartition(payload, rootKey) })
    }
  }

  // 4: the next index, continuing the chain (of the former single lists, for the first one); verified like any peer
  // would before anything is stored, and stored only on the head it was built on.
  const indexPayload = buildRevocationIndex({ country, rootThumbprint: rootKey.thumbprint, partitions: refs, head: chain, now, validityDays: input.validityDays, maxEntries })
  const roots = rootsOf(decodeTrustList(trustHead.signed, Number.MAX_SAFE_INTEGER).payload)
  const index = await verifyRevocationIndex(await signRevocationIndex(indexPayload, rootKey), { now, country, roots, head: chain, maxBytes: Number.MAX_SAFE_INTEGER })
  const partitions: VerifiedRevocationPartition[] = []
  for (const p of signed) partitions.push(await verifyRevocationPartition(p.signed, { index, roots }))
  const entries = [...touched.values()].flatMap((m) => [...m.values()])
  const stored = store.commitPublish({ country, entries, partitions, index, expectedHead: indexHead?.hash, queueUpTo, now })
  return { index: stored, partitions, queued: store.queueCount(country) }
}

/** Queued entries that change the published set, per group by hex key (a repeat is dropped, SHC widened). */
function touchedEntries(batch: ReturnType<RevocationRepository['partitions']['queuedForPublish']>): Map<RevocationGroup, Map<string, EntryToQueue>> {
  const touched = new Map<RevocationGroup, Map<string, EntryToQueue>>()
  for (const row of batch) {
    let entry: EntryToQueue['entry']
    if (row.group === 'shc') {
      const queued = JSON.parse(row.entry) as ShcRevocation
      const held = row.published === null ? undefined : (JSON.parse(row.published) as ShcRevocation)
      const wider = held === undefined ? queued : widerShc(held, queued)
      if (held !== undefined && canonicalize(wider) === canonicalize(held)) continue
      entry = wider
    } else {
      if (row.held) continue
      // A DCC entry is its key: what the operator sent is not needed again.
      entry = { hashType: row.group.slice(4), hash: '' }
    }
    let group = touched.get(row.group)
    if (group === undefined) touched.set(row.group, (group = new Map<string, EntryToQueue>()))
    group.set(row.key.toString('hex'), { group: row.group, key: row.key, entry })
  }
  return touched
}

function widerShc(a: ShcRevocation, b: ShcRevocation): ShcRevocation {
  return normalizeEntries({ dcc: [], shc: [a, b] }).shc[0] ?? a
}

/** The touched entries of each region (regions never overlap), in one pass over the entries. */
function touchedByRegion(
  regions: readonly { readonly group: RevocationGroup; readonly prefix: string }[],
  touched: ReadonlyMap<RevocationGroup, ReadonlyMap<string, EntryToQueue>>,
): Map<string, EntryToQueue[]> {
  const out = new Map<string, EntryToQueue[]>()
  for (const [group, entries] of touched) {
    const prefixes = new Set(regions.filter((r) => r.group === group).map((r) => r.prefix))
    const lengths = [...new Set([...prefixes].map((p) => p.length))].sort((a, b) => a - b)
    for (const [hex, entry] of entries) {
      const length = lengths.find((l) => prefixes.has(hex.slice(0, l)))
      if (length === undefined) continue
      const id = partitionId(group, hex.slice(0, length))
      let list = out.get(id)
      if (list === undefined) out.set(id, (list = []))
      list.push(entry)
    }
  }
  return out
}

/** The partitions of one region after this publish: published entries under its prefix plus the touched ones. */
function regionContents(
  revocations: RevocationRepository,
  country: string,
  region: { readonly group: RevocationGroup; readonly prefix: string },
  inRegion: readonly EntryToQueue[],
  maxEntries: number,
): PartitionContent[] {
  const { group, prefix } = region
  if (group === 'shc') {
    const entries = revocations.partitions.shcRange(country, prefix)
    for (const e of inRegion) entries.set(e.key.toString('hex'), e.entry as ShcRevocation)
    const keys = [...entries.keys()].sort()
    const ordered = keys.map((k) => entries.get(k) as ShcRevocation)
    return layoutKeys(hexKeys(keys), maxEntries, prefix, 64).map((leaf) => ({ id: partitionId(group, leaf.prefix), shc: ordered.slice(leaf.start, leaf.end) }))
  }
  const packed = sortPackedHashes(Buffer.concat([revocations.partitions.dccRange(country, group, prefix), ...inRegion.map((e) => e.key)]))
  return layoutKeys(packedKeys(packed), maxEntries, prefix, 32).map((leaf) => ({
    id: partitionId(group, leaf.prefix),
    dcc: packed.subarray(leaf.start * DCC_HASH_BYTES, leaf.end * DCC_HASH_BYTES),
  }))
}

function toQueueEntries(entries: RevocationEntries): EntryToQueue[] {
  return [
    ...entries.dcc.map((e) => {
      const bytes = fromBase64(e.hash)
      if (bytes === undefined || bytes.length < DCC_HASH_BYTES) throw new EntenteError('ERR_REVOCATION_ENTRY', 'a DCC hash must be base64 of 16 or 32 bytes')
      return { group: `dcc/${e.hashType}` as RevocationGroup, key: Buffer.from(bytes.subarray(0, DCC_HASH_BYTES)), entry: { hashType: e.hashType, hash: e.hash } }
    }),
    ...entries.shc.map((e) => ({ group: 'shc' as const, key: Buffer.from(sha256(`${e.issuer}\n${e.kid}\n${e.rid}`)), entry: e })),
  ]
}
