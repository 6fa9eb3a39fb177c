// Builds a country's partitioned revocations: the partition payloads of a layout and the index that names them.
// From a whole set (`buildRevocationRelease`: unchanged partitions keep their seq and hash) or, for a node holding
// millions of entries, partition by partition (`buildRevocationPartition` + `buildRevocationIndex`, with the
// regions `planRevocationUpdate` names). Pure: `now` injected; signing is separate.
import { canonicalize } from '../model/canonical-json.js'
import { concatBytes, fromHex } from '../model/bytes.js'
import { fromBase64, sha256Hex, toBase64 } from '../model/encoding.js'
import { EntenteError } from '../model/errors.js'
import type { PartitionRef, RevocationIndexPayload, RevocationPartitionPayload, ShcRevocation } from '../model/schema.types.js'
import type { RevocationEntries } from './build-revocation-list.js'
import { normalizeEntries } from './build-revocation-list.js'
import { DCC_HASH_BYTES, DEFAULT_PARTITION_MAX_ENTRIES, DEFAULT_REVOCATION_VALIDITY_DAYS } from './constants.js'
import {
  DCC_HASH_TYPES,
  hexKeys,
  layoutKeys,
  maxPrefixDigits,
  packedKeys,
  parsePartitionId,
  partitionId,
  sortPackedHashes,
  sortShcEntries,
  type DccHashType,
  type RevocationGroup,
} from './partition-layout.js'

/** A country's whole revocation set in compact form. */
export interface RevocationSet {
  /** Per hash type: ascending, distinct 16-byte hashes, concatenated. */
  readonly dcc: Readonly<Record<DccHashType, Uint8Array>>
  /** One entry per (issuer, kid, rid), ascending by key. */
  readonly shc: readonly ShcRevocation[]
}

/** The compact set of entries as operators give them (base64 hashes of 16 or 32 bytes; 32 are cut to 16). */
export function revocationSet(entries: RevocationEntries): RevocationSet {
  const normalized = normalizeEntries(entries)
  const byType: Record<DccHashType, Uint8Array[]> = { UCI: [], COUNTRYCODEUCI: [], SIGNATURE: [] }
  for (const entry of normalized.dcc) {
    const bytes = fromBase64(entry.hash)
    if (bytes === undefined || (bytes.length !== 16 && bytes.length !== 32)) throw new EntenteError('ERR_REVOCATION_ENTRY', 'a DCC hash must be base64 of 16 or 32 bytes')
    byType[entry.hashType].push(bytes.subarray(0, DCC_HASH_BYTES))
  }
  const dcc = Object.fromEntries(DCC_HASH_TYPES.map((t) => [t, sortPackedHashes(concatBytes(byType[t]))])) as Record<DccHashType, Uint8Array>
  return { dcc, shc: sortShcEntries(normalized.shc).entries }
}

export interface PartitionContent {
  readonly id: string
  /** dcc/ partitions: the packed hashes. */
  readonly dcc?: Uint8Array
  /** shc/ partitions: the entries, ascending by key. */
  readonly shc?: readonly ShcRevocation[]
}

/** Every partition of a set under the deterministic layout, in id order. */
export function layoutRevocationSet(set: RevocationSet, maxEntries = DEFAULT_PARTITION_MAX_ENTRIES): PartitionContent[] {
  const out: PartitionContent[] = []
  for (const hashType of DCC_HASH_TYPES) {
    const packed = set.dcc[hashType]
    for (const leaf of layoutKeys(packedKeys(packed), maxEntries, '', maxPrefixDigits(`dcc/${hashType}`))) {
      out.push({ id: partitionId(`dcc/${hashType}`, leaf.prefix), dcc: packed.subarray(leaf.start * DCC_HASH_BYTES, leaf.end * DCC_HASH_BYTES) })
    }
  }
  const { entries, keys } = sortShcEntries(set.shc)
  for (const leaf of layoutKeys(hexKeys(keys), maxEntries, '', 64)) out.push({ id: partitionId('shc', leaf.prefix), shc: entries.slice(leaf.start, leaf.end) })
  return out.sort((a, b) => compare(a.id, b.id))
}

export interface BuildPartitionInput {
  readonly country: string
  readonly rootThumbprint: string
  readonly content: PartitionContent
  /** The latest partition with this id, if any: the new one continues its chain. */
  readonly previous?: { readonly seq: number; readonly hash: string } | undefined
  readonly now: Date
}

export function buildRevocationPartition(input: BuildPartitionInput): RevocationPartitionPayload {
  const { content, previous } = input
  const { group } = parsePartitionId(content.id)
  const base = {
    type: 'entente.revocation-partition' as const,
    version: 1 as const,
    country: input.country,
    rootThumbprint: input.rootThumbprint,
    id: content.id,
    seq: previous === undefined ? 1 : previous.seq + 1,
    prev: previous === undefined ? null : previous.hash,
    issuedAt: iso(wholeSeconds(input.now)),
  }
  if (group === 'shc') return { ...base, shc: [...(content.shc ?? [])] }
  return { ...base, dcc: toBase64(content.dcc ?? new Uint8Array()) }
}

/** Entries in a partition payload. */
export function partitionCount(payload: RevocationPartitionPayload): number {
  if (payload.shc !== undefined) return payload.shc.length
  // base64 length tells the byte count without decoding.
  const text = payload.dcc ?? ''
  const bytes = (text.length / 4) * 3 - (text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0)
  return bytes / DCC_HASH_BYTES
}

export function hashRevocationDocument(payload: RevocationPartitionPayload | RevocationIndexPayload): string {
  return sha256Hex(canonicalize(payload))
}

export interface BuildIndexInput {
  readonly country: string
  readonly rootThumbprint: string
  readonly partitions: readonly PartitionRef[]
  /** The country's latest index, or its last single revocation list: the index continues that chain. */
  readonly head?: { readonly seq: number; readonly hash: string } | undefined
  readonly now: Date
  readonly validityDays?: number
  readonly maxEntries?: number
}

export function buildRevocationIndex(input: BuildIndexInput): RevocationIndexPayload {
  const issued = wholeSeconds(input.now)
  const expires = new Date(issued.getTime() + (input.validityDays ?? DEFAULT_REVOCATION_VALIDITY_DAYS) * 86_400_000)
  const partitions = [...input.partitions].map((p) => ({ id: p.id, seq: p.seq, hash: p.hash, count: p.count })).sort((a, b) => compare(a.id, b.id))
  let dcc = 0
  let shc = 0
  for (const p of partitions) {
    if (p.id.startsWith('shc/')) shc += p.count
    else dcc += p.count
  }
  return {
    type: 'entente.revocation-index',
    version: 1,
    country: input.country,
    seq: input.head === undefined ? 1 : input.head.seq + 1,
    issuedAt: iso(issued),
    expiresAt: iso(expires),
    prev: input.head === undefined ? null : input.head.hash,
    rootThumbprint: input.rootThumbprint,
    maxEntries: input.maxEntries ?? DEFAULT_PARTITION_MAX_ENTRIES,
    partitions,
    totals: { dcc, shc },
  }
}

export interface BuildReleaseInput {
  readonly country: string
  readonly rootThumbprint: string
  readonly set: RevocationSet
  readonly head?: { readonly seq: number; readonly hash: string } | undefined
  /** The latest partition of every id ever published (current or retired): unchanged ones are reused as they are. */
  readonly previousPartitions?: ReadonlyMap<string, RevocationPartitionPayload>
  readonly now: Date
  readonly validityDays?: number
  readonly maxEntries?: number
}

export interface RevocationRelease {
  readonly index: RevocationIndexPayload
  /** Only the partitions that are new or changed (to sign and publish); the index names the others as before. */
  readonly partitions: readonly RevocationPartitionPayload[]
}

/** The next index of a whole set and the partitions that changed against the previous ones. */
export function buildRevocationRelease(input: BuildReleaseInput): RevocationRelease {
  const maxEntries = input.maxEntries ?? DEFAULT_PARTITION_MAX_ENTRIES
  const refs: PartitionRef[] = []
  const changed: RevocationPartitionPayload[] = []
  for (const content of layoutRevocationSet(input.set, maxEntries)) {
    const previous = input.previousPartitions?.get(content.id)
    const previousHash = previous === undefined ? undefined : hashRevocationDocument(previous)
    const fresh = buildRevocationPartition({
      country: input.country,
      rootThumbprint: input.rootThumbprint,
      content,
      previous: previous === undefined || previousHash === undefined ? undefined : { seq: previous.seq, hash: previousHash },
      now: input.now,
    })
    if (previous !== undefined && previousHash !== undefined && sameContent(previous, fresh)) {
      refs.push({ id: content.id, seq: previous.seq, hash: previousHash, count: partitionCount(previous) })
      continue
    }
    changed.push(fresh)
    refs.push({ id: content.id, seq: fresh.seq, hash: hashRevocationDocument(fresh), count: partitionCount(fresh) })
  }
  const index = buildRevocationIndex({ ...input, partitions: refs, maxEntries })
  return { index, partitions: changed }
}

function sameContent(a: RevocationPartitionPayload, b: RevocationPartitionPayload): boolean {
  return a.country === b.country && a.rootThumbprint === b.rootThumbprint && a.dcc === b.dcc && canonicalize(a.shc ?? null) === canonicalize(b.shc ?? null)
}

export interface UpdatePlanInput {
  /** The partitions the previous index names (none for a first index). */
  readonly previous: readonly PartitionRef[]
  /** Keys (hex: DCC hash, or SHC key digest) of entries added since, per group; entries already published excluded. */
  readonly added: ReadonlyMap<RevocationGroup, Iterable<string>>
}

export interface UpdatePlan {
  /** Partitions that stay exactly as they are. */
  readonly keep: readonly PartitionRef[]
  /** Prefixes whose entries must be read and laid out again (`layoutKeys` from that prefix); each yields new partitions. */
  readonly regions: readonly { readonly group: RevocationGroup; readonly prefix: string }[]
}

/**
 * Which partitions an addition touches, without reading any unchanged entry: each added key falls in the partition
 * whose prefix it starts with, or in an empty prefix under a split one. Only additions: the layout of a set that
 * also lost entries is built with `buildRevocationRelease` or by laying out the whole group again.
 */
export function planRevocationUpdate(input: UpdatePlanInput): UpdatePlan {
  const leaves = new Map<RevocationGroup, Set<string>>()
  const inner = new Map<RevocationGroup, Set<string>>()
  for (const ref of input.previous) {
    const { group, prefix } = parsePartitionId(ref.id)
    let set = leaves.get(group)
    if (set === undefined) leaves.set(group, (set = new Set()))
    set.add(prefix)
    let inside = inner.get(group)
    if (inside === undefined) inner.set(group, (inside = new Set()))
    for (let d = 0; d < prefix.length; d++) inside.add(prefix.slice(0, d))
  }
  const regions = new Map<string, { group: RevocationGroup; prefix: string }>()
  for (const [group, keys] of input.added) {
    const groupLeaves = leaves.get(group) ?? new Set<string>()
    const groupInner = inner.get(group) ?? new Set<string>()
    for (const key of keys) {
      for (let d = 0; d <= key.length; d++) {
        const prefix = key.slice(0, d)
        if (groupLeaves.has(prefix) || !groupInner.has(prefix)) {
          regions.set(partitionId(group, prefix), { group, prefix })
          break
        }
      }
    }
  }
  return { keep: input.previous.filter((ref) => !regions.has(ref.id)), regions: [...regions.values()] }
}

/** The inclusive range of `bytes`-long keys that start with hex `prefix`, for a range query over stored keys. */
export function prefixRange(prefix: string, bytes: number): { readonly low: Uint8Array; readonly high: Uint8Array } {
  const low = fromHex(prefix.padEnd(bytes * 2, '0'))
  const high = fromHex(prefix.padEnd(bytes * 2, 'f'))
  if (low === undefined || high === undefined || low.length !== bytes) throw new EntenteError('ERR_REVOCATION_SCHEMA', `prefix ${prefix} is not hex of at most ${bytes} bytes`)
  return { low, high }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

function wholeSeconds(now: Date): Date {
  // Whole seconds, like trust lists: timestamps compare the same in every language.
  return new Date(Math.floor(now.getTime() / 1000) * 1000)
}

function iso(date: Date): string {
  return date.toISOString().replace('.000Z', 'Z')
}
