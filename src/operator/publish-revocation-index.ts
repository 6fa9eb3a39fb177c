// Certificate revocation for the operator, partitioned: a queue of entries to publish (list, remove, re-add), and a
// publish that signs only the partitions the queued entries touch plus the next index. A publish is never refused
// for size: partitions split as they grow, and a very large queue is published in batches (the rest stays queued).
import { slicer } from '../model/time-slice.js'
import { canonicalize } from '../model/canonical-json.js'
import { fromBase64, sha256 } from '../model/encoding.js'
import { EntenteError } from '../model/errors.js'
import type { PartitionRef, ShcRevocation } from '../model/schema.types.js'
import { normalizeEntries, type RevocationEntries } from '../revocation/build-revocation-list.js'
import { PACKED_BLOCK_KEYS } from '../revocation/bulk-revocation-file.js'
import { buildRevocationIndex, buildRevocationPartition, hashRevocationDocument, planRevocationUpdate, prefixRange, type PartitionContent } from '../revocation/build-revocation-partitions.js'
import { DCC_HASH_BYTES, DEFAULT_PARTITION_MAX_ENTRIES } from '../revocation/constants.js'
import { decodeRevocationList } from '../revocation/decode-revocation-list.js'
import { hexKeys, layoutKeys, packedKeys, partitionId, REVOCATION_GROUPS, type RevocationGroup } from '../revocation/partition-layout.js'
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
  if (revocations.partitions.indexHeadRef(country) !== undefined || limits.maxRevocationListEntries <= 0) return true
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
  const head = revocations.partitions.indexHeadRef(country) === undefined ? revocations.head(country) : undefined
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
  /**
   * Longest run of work between yields to the event loop, in ms (default PUBLISH_SLICE_MS): a publish of a million
   * entries takes seconds, and the node keeps answering HTTP and gossip meanwhile. 0 yields after every step;
   * Infinity never yields. The result does not depend on it.
   */
  readonly sliceMs?: number
  /**
   * DCC keys a bulk import already stored (see import-revocations.ts), each group packed and ascending: they plan
   * the partitions to lay out again like queued keys do, but are read back with the stored entries, never merged.
   */
  readonly imported?: ReadonlyMap<RevocationGroup, Buffer>
}

export interface PublishedRevocations {
  readonly index: StoredRevocationIndex
  /**
   * The partitions this publish stored (new or changed), by id and content hash, to gossip after the index (their
   * documents are read back from the store one at a time: a first publish of 10 million hashes has ~250 MB of them).
   */
  readonly partitions: readonly { readonly id: string; readonly hash: string }[]
  /** Entries still queued (a very large queue is published in batches). */
  readonly queued: number
}

/** Default longest run of publish work between yields to the event loop (ms). */
export const PUBLISH_SLICE_MS = 10
/** Rows one step reads or writes (one statement or transaction): a few ms each. */
const ROWS_PER_STEP = 2000
/** Entries of a fresh array first written per step: 1 MB, a few ms of page faults. */
const TOUCH_PER_STEP = 262_144
/** A key's block in sortPacked: its index shifted by log2(PACKED_BLOCK_KEYS). */
const BLOCK_SHIFT = Math.log2(PACKED_BLOCK_KEYS)
/** JSON bytes of partitions stored per transaction (at least one partition): 16 partitions, about 1 MB, held 60 ms. */
const PARTITION_BYTES_PER_STEP = 256 * 1024

export async function publishRevocationIndex(input: PublishRevocationIndexInput): Promise<PublishedRevocations> {
  const { trust, revocations, country, rootKey, now } = input
  const store = revocations.partitions
  const maxEntries = input.maxEntries ?? DEFAULT_PARTITION_MAX_ENTRIES
  const slice = slicer(input.sliceMs ?? PUBLISH_SLICE_MS)
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
  await slice()
  // Entries no index counts: a publish stopped between its entries and its index (see the store). Laying out every
  // group again from the stored entries makes the next index count them all. Only more entries than counted: fewer
  // (an index held from peers over a store that lost its entries) must never lay out an emptier set.
  // Entries imported for this publish are stored but not counted yet: they are expected.
  let importedCount = 0
  for (const packed of input.imported?.values() ?? []) importedCount += packed.byteLength / DCC_HASH_BYTES
  const interrupted = store.publishedCount(country) > previous.reduce((n, ref) => n + ref.count, 0) + importedCount

  // 1: the queued rows this publish takes in (in queue order, a step at a time), reduced to what is new or wider
  // than what is published, then sorted once per group (DCC: bucket sort of packed keys, in slices).
  const queueUpTo = store.queueBoundary(country, (input.limits ?? DEFAULT_REVOCATION_LIMITS).maxRevocationsPerPublish)
  const dccKeys = new Map<RevocationGroup, Buffer[]>()
  const shcEntries: EntryToQueue[] = []
  for (let afterId = 0; ; ) {
    const rows = store.queuedForPublishAfter(country, afterId, queueUpTo, ROWS_PER_STEP)
    for (const row of rows) {
      const entry = touchedEntry(row)
      if (entry === undefined) continue
      if (entry.group === 'shc') {
        shcEntries.push(entry)
        continue
      }
      let keys = dccKeys.get(entry.group)
      if (keys === undefined) dccKeys.set(entry.group, (keys = []))
      keys.push(entry.key)
    }
    const last = rows.at(-1)
    if (last === undefined || rows.length < ROWS_PER_STEP) break
    afterId = last.id
    await slice()
  }
  const touched = new Map<RevocationGroup, EntryToQueue[]>()
  for (const [group, keys] of dccKeys) {
    const packed = await sortPacked(Buffer.concat(keys), slice)
    const entries: EntryToQueue[] = []
    const hashType = group.slice(4)
    for (let i = 0; i < packed.byteLength; i += DCC_HASH_BYTES) {
      entries.push({ group, key: packed.subarray(i, i + DCC_HASH_BYTES), entry: { hashType, hash: '' } })
      if (entries.length % ROWS_PER_STEP === 0) await slice()
    }
    touched.set(group, entries)
  }
  if (shcEntries.length > 0) touched.set('shc', shcEntries.sort((a, b) => Buffer.compare(a.key, b.key)))
  await slice()

  // 2: which partitions change: the ones the touched keys fall in; all of them under a new root (re-signed) or after
  // an interrupted publish.
  const rootChanged = indexHead !== undefined && indexHead.rootThumbprint !== rootKey.thumbprint
  let plan: { keep: readonly PartitionRef[]; regions: readonly Region[] }
  if (rootChanged || interrupted) {
    plan = { keep: [], regions: REVOCATION_GROUPS.map((group) => ({ group, prefix: '' })) }
  } else {
    // Planned a step of keys at a time: a plan is the union of the plans of its keys.
    const regions = new Map<string, Region>()
    const planKeys = async (group: RevocationGroup, keys: string[]): Promise<void> => {
      for (const region of planRevocationUpdate({ previous, added: new Map([[group, keys]]) }).regions) regions.set(partitionId(region.group, region.prefix), region)
      await slice()
    }
    for (const [group, entries] of touched) {
      for (let i = 0; i < entries.length; i += ROWS_PER_STEP) await planKeys(group, entries.slice(i, i + ROWS_PER_STEP).map((e) => e.key.toString('hex')))
    }
    for (const [group, packed] of input.imported ?? []) {
      const step = ROWS_PER_STEP * DCC_HASH_BYTES
      for (let i = 0; i < packed.byteLength; i += step) {
        const keys: string[] = []
        for (let j = i; j < Math.min(i + step, packed.byteLength); j += DCC_HASH_BYTES) keys.push(packed.toString('hex', j, j + DCC_HASH_BYTES))
        await planKeys(group, keys)
      }
    }
    plan = { keep: previous.filter((ref) => !regions.has(ref.id)), regions: [...regions.values()] }
  }

  // 3: each changed region read again (range reads), laid out, and its partitions built and signed.
  const refs: PartitionRef[] = [...plan.keep]
  const signed: ({ id: string; signed: Awaited<ReturnType<typeof signRevocationPartition>> } | undefined)[] = []
  const byRegion = await touchedByRegion(plan.regions, touched, slice)
  for (const region of plan.regions) {
    const contents = await regionContents(revocations, country, region, byRegion.get(partitionId(region.group, region.prefix)) ?? [], maxEntries, slice)
    for (const content of contents) {
      const latest = store.latestPartition(country, content.id)
      const payload = buildRevocationPartition({ country, rootThumbprint: rootKey.thumbprint, content, previous: latest, now })
      const count = content.dcc === undefined ? (content.shc?.length ?? 0) : content.dcc.byteLength / DCC_HASH_BYTES
      refs.push({ id: content.id, seq: payload.seq, hash: hashRevocationDocument(payload), count })
      // Building and signing a partition each take several ms (base64, canonical JSON, schema): a step each.
      await slice()
      signed.push({ id: content.id, signed: await signRevocationPartition(payload, rootKey) })
      await slice()
    }
  }

  // 4: the next index, continuing the chain (of the former single lists, for the first one); verified like any peer
  // would before anything is stored.
  // An index of 4,000 partitions takes 10 to 20 ms to build, to sign and to verify (schema, canonical JSON): a slice each.
  await slice('long step')
  const indexPayload = buildRevocationIndex({ country, rootThumbprint: rootKey.thumbprint, partitions: refs, head: chain, now, validityDays: input.validityDays, maxEntries })
  const roots = rootsOf(decodeTrustList(trustHead.signed, Number.MAX_SAFE_INTEGER).payload)
  await slice('long step')
  const signedIndex = await signRevocationIndex(indexPayload, rootKey)
  await slice('long step')
  const index = await verifyRevocationIndex(signedIndex, { now, country, roots, head: chain, maxBytes: Number.MAX_SAFE_INTEGER })

  // 5: stored in bounded transactions: partitions (each verified just before, and let go once stored: holding the
  // verified forms of a first publish's ~250 MB of partitions beside the signed ones doubled the heap, and with it
  // the garbage collector's pauses), entries (key order), then the index alone, only on the head it was built on;
  // then the queue rows it took in (a stop before that leaves rows already published: the next publish finds them
  // held and drops them).
  const partitions: { id: string; hash: string }[] = []
  for (let i = 0; i < signed.length; ) {
    const batch: VerifiedRevocationPartition[] = []
    for (let bytes = 0; i < signed.length && (batch.length === 0 || bytes < PARTITION_BYTES_PER_STEP); i++) {
      const item = signed[i]
      if (item === undefined) continue
      signed[i] = undefined
      const verified = await verifyRevocationPartition(item.signed, { index, roots })
      batch.push(verified)
      partitions.push({ id: verified.payload.id, hash: verified.hash })
      bytes += verified.size
      await slice()
    }
    store.putPartitions(batch, now)
    await slice()
  }
  for (const entries of touched.values()) {
    for (let i = 0; i < entries.length; i += ROWS_PER_STEP) {
      store.putEntries(country, entries.slice(i, i + ROWS_PER_STEP))
      await slice()
    }
  }
  await slice('long step')
  const stored = store.commitIndex(index, { expectedHead: indexHead?.hash, receivedAt: now })
  for (let afterId = store.firstQueueId(country) - 1; afterId >= 0 && afterId < queueUpTo; afterId += ROWS_PER_STEP) {
    store.dequeueRange(country, afterId, Math.min(afterId + ROWS_PER_STEP, queueUpTo))
    await slice()
  }
  return { index: stored, partitions, queued: store.queueCount(country) }
}

interface Region {
  readonly group: RevocationGroup
  readonly prefix: string
}

/** A queued row as it changes the published set, or undefined when it does not (a repeat; SHC no wider). */
function touchedEntry(row: ReturnType<RevocationRepository['partitions']['queuedForPublishAfter']>[number]): EntryToQueue | undefined {
  if (row.group !== 'shc') {
    // A DCC entry is its key: what the operator sent is not needed again.
    return row.held ? undefined : { group: row.group, key: row.key, entry: { hashType: row.group.slice(4), hash: '' } }
  }
  const queued = JSON.parse(row.entry) as ShcRevocation
  const held = row.published === null ? undefined : (JSON.parse(row.published) as ShcRevocation)
  const wider = held === undefined ? queued : widerShc(held, queued)
  if (held !== undefined && canonicalize(wider) === canonicalize(held)) return undefined
  return { group: row.group, key: row.key, entry: wider }
}

function widerShc(a: ShcRevocation, b: ShcRevocation): ShcRevocation {
  return normalizeEntries({ dcc: [], shc: [a, b] }).shc[0] ?? a
}

/** The touched entries of each region (regions never overlap), in one pass over the entries (kept in key order). */
async function touchedByRegion(regions: readonly Region[], touched: ReadonlyMap<RevocationGroup, readonly EntryToQueue[]>, slice: () => Promise<void>): Promise<Map<string, EntryToQueue[]>> {
  const out = new Map<string, EntryToQueue[]>()
  for (const [group, entries] of touched) {
    const prefixes = new Set(regions.filter((r) => r.group === group).map((r) => r.prefix))
    const lengths = [...new Set([...prefixes].map((p) => p.length))].sort((a, b) => a - b)
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i] as EntryToQueue
      // Only the first digits matter: the hex of the longest prefix, not of the whole key.
      const hex = entry.key.subarray(0, Math.ceil((lengths.at(-1) ?? 0) / 2)).toString('hex')
      const length = lengths.find((l) => prefixes.has(hex.slice(0, l)))
      if (length !== undefined) {
        const id = partitionId(group, hex.slice(0, length))
        let list = out.get(id)
        if (list === undefined) out.set(id, (list = []))
        list.push(entry)
      }
      if (i % ROWS_PER_STEP === ROWS_PER_STEP - 1) await slice()
    }
  }
  return out
}

/** The partitions of one region after this publish: published entries under its prefix plus the touched ones. */
async function regionContents(
  revocations: RevocationRepository,
  country: string,
  region: Region,
  inRegion: readonly EntryToQueue[],
  maxEntries: number,
  slice: () => Promise<void>,
): Promise<PartitionContent[]> {
  const { group, prefix } = region
  if (group === 'shc') {
    const entries = revocations.partitions.shcRange(country, prefix)
    for (const e of inRegion) entries.set(e.key.toString('hex'), e.entry as ShcRevocation)
    const keys = [...entries.keys()].sort()
    const ordered = keys.map((k) => entries.get(k) as ShcRevocation)
    return layoutKeys(hexKeys(keys), maxEntries, prefix, 64).map((leaf) => ({ id: partitionId(group, leaf.prefix), shc: ordered.slice(leaf.start, leaf.end) }))
  }
  // Published keys read a step at a time (a whole group may hold millions), merged with the touched ones: both
  // ascending and disjoint (a touched DCC key is one not published), so one merge orders them.
  const { low, high } = prefixRange(prefix, DCC_HASH_BYTES)
  const chunks: Buffer[] = []
  for (let after: Buffer | undefined; ; ) {
    const chunk = revocations.partitions.dccRangeAfter(country, group, low, high, after, ROWS_PER_STEP)
    if (chunk.byteLength > 0) chunks.push(chunk)
    if (chunk.byteLength < ROWS_PER_STEP * DCC_HASH_BYTES) break
    after = chunk.subarray(chunk.byteLength - DCC_HASH_BYTES)
    await slice()
  }
  const packed = await mergePacked(await concatSliced(chunks, slice), inRegion, slice)
  return layoutKeys(packedKeys(packed), maxEntries, prefix, 32).map((leaf) => ({
    id: partitionId(group, leaf.prefix),
    dcc: packed.subarray(leaf.start * DCC_HASH_BYTES, leaf.end * DCC_HASH_BYTES),
  }))
}

/**
 * Packed 16-byte hashes ascending (duplicates dropped), as `sortPackedHashes` sorts them (buckets by the first two
 * bytes, then small sorts), a step at a time. The keys come in one buffer or in blocks of PACKED_BLOCK_KEYS keys
 * (every block full but the last), as a bulk import reads them; the result is one buffer.
 */
export async function sortPacked(packed: Buffer | readonly Buffer[], slice: () => Promise<void>): Promise<Buffer> {
  const width = DCC_HASH_BYTES
  const blocks: readonly Buffer[] = packed instanceof Buffer ? blocksOf(packed) : (packed as readonly Buffer[])
  const n = blocks.reduce((sum, block) => sum + block.byteLength, 0) / width
  const blockOf = (i: number): Buffer => blocks[i >>> BLOCK_SHIFT] as Buffer
  const offsetOf = (i: number): number => (i & (PACKED_BLOCK_KEYS - 1)) * width
  const counts = new Uint32Array(65537)
  for (let i = 0; i < n; i++) {
    counts[blockOf(i).readUInt16BE(offsetOf(i)) + 1]! += 1
    if (i % (ROWS_PER_STEP * 10) === 0) await slice()
  }
  for (let b = 1; b < 65537; b++) counts[b]! += counts[b - 1]!
  const order = new Uint32Array(n)
  // The array's pages are first written here, in order and a step at a time: the scattered writes below would fault
  // them all in within their first step (at 10 million keys, 40 MB held the event loop 120 ms).
  for (let i = 0; i < n; i += TOUCH_PER_STEP) {
    order.fill(0, i, i + TOUCH_PER_STEP)
    await slice()
  }
  const next = counts.slice(0, 65536)
  for (let i = 0; i < n; i++) {
    order[next[blockOf(i).readUInt16BE(offsetOf(i))]!++] = i
    if (i % (ROWS_PER_STEP * 10) === 0) await slice()
  }
  const out = Buffer.allocUnsafe(n * width)
  let written = 0
  // Keys in a bucket share their first two bytes: the next four decide almost every comparison without a native call.
  // The answer is -1, 0 or 1, never the difference: a difference of two 32-bit words is no small integer, and the
  // sort boxed each one on the heap (~40 million numbers for 6 million keys, and the collector's pauses with them).
  const byHash = (a: number, b: number): number => {
    const ka = blockOf(a)
    const kb = blockOf(b)
    const oa = offsetOf(a)
    const ob = offsetOf(b)
    const wa = ka.readUInt32BE(oa + 2)
    const wb = kb.readUInt32BE(ob + 2)
    return wa < wb ? -1 : wa > wb ? 1 : ka.compare(kb, ob, ob + width, oa, oa + width)
  }
  // A step is a run of buckets holding about ROWS_PER_STEP keys: at 10 million keys 256 buckets took over 50 ms.
  let sinceStep = 0
  for (let b = 0; b < 65536; b++) {
    const start = counts[b] as number
    const end = counts[b + 1] as number
    if (end - start > 1) order.subarray(start, end).sort(byHash)
    for (let o = start; o < end; o++) {
      const i = order[o] as number
      const key = blockOf(i)
      const at = offsetOf(i)
      if (written > 0 && key.compare(out, (written - 1) * width, written * width, at, at + width) === 0) continue
      copyKey(key, at, out, written * width)
      written++
    }
    sinceStep += end - start + 1
    if (sinceStep >= ROWS_PER_STEP) {
      sinceStep = 0
      await slice()
    }
  }
  return out.subarray(0, written * width)
}

/**
 * One key's bytes from `source` at `from` to `target` at `to`. Buffer#copy of part of a buffer makes a view of that
 * part first: one short-lived object per key, 10 million per publish at that size, and the collector's pauses (over
 * 80 ms of event-loop hold) that came with them.
 */
function copyKey(source: Buffer, from: number, target: Buffer, to: number): void {
  for (let k = 0; k < DCC_HASH_BYTES; k++) target[to + k] = source[from + k] as number
}

/** One buffer of keys as views of PACKED_BLOCK_KEYS keys each (no copy). */
function blocksOf(packed: Buffer): Buffer[] {
  const size = PACKED_BLOCK_KEYS * DCC_HASH_BYTES
  return Array.from({ length: Math.ceil(packed.byteLength / size) }, (_, i) => packed.subarray(i * size, (i + 1) * size))
}

/** The chunks as one buffer, copied a chunk at a time: one Buffer.concat of a region of 10 million keys held 160 ms. */
async function concatSliced(chunks: readonly Buffer[], slice: () => Promise<void>): Promise<Buffer> {
  if (chunks.length === 1) return chunks[0] as Buffer
  const out = Buffer.allocUnsafe(chunks.reduce((n, chunk) => n + chunk.byteLength, 0))
  let at = 0
  for (const chunk of chunks) {
    at += chunk.copy(out, at)
    await slice()
  }
  return out
}

/** Merges ascending packed hashes with ascending keys not among them, a step at a time. */
async function mergePacked(published: Buffer, added: readonly EntryToQueue[], slice: () => Promise<void>): Promise<Buffer> {
  if (added.length === 0) return published
  const width = DCC_HASH_BYTES
  const n = published.byteLength / width
  const out = Buffer.allocUnsafe(published.byteLength + added.length * width)
  let i = 0
  let j = 0
  let written = 0
  while (i < n || j < added.length) {
    const key = added[j]?.key
    if (i < n && (key === undefined || published.compare(key, 0, width, i * width, (i + 1) * width) < 0)) {
      copyKey(published, i * width, out, written)
      i++
    } else {
      copyKey(key as Buffer, 0, out, written)
      j++
    }
    written += width
    if ((written / width) % ROWS_PER_STEP === 0) await slice()
  }
  return out
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
