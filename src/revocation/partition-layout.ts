// The deterministic layout of a country's revocations into partitions: for each group (DCC hash type, or SHC), a
// hex prefix is one partition when at most `maxEntries` entries start with it, else it splits into its 16 children;
// empty prefixes are no partition. Equal sets give equal layouts, whatever order or history built them. Pure.
import { sha256Hex } from '../model/encoding.js'
import { EntenteError } from '../model/errors.js'
import type { ShcRevocation } from '../model/schema.types.js'
import { DCC_HASH_BYTES } from './constants.js'

export type DccHashType = 'UCI' | 'COUNTRYCODEUCI' | 'SIGNATURE'
export const DCC_HASH_TYPES: readonly DccHashType[] = ['UCI', 'COUNTRYCODEUCI', 'SIGNATURE']
/** `dcc/UCI`, `dcc/COUNTRYCODEUCI`, `dcc/SIGNATURE` or `shc`: one prefix tree each. */
export type RevocationGroup = `dcc/${DccHashType}` | 'shc'
export const REVOCATION_GROUPS: readonly RevocationGroup[] = ['dcc/COUNTRYCODEUCI', 'dcc/SIGNATURE', 'dcc/UCI', 'shc']

const ID = /^(dcc\/(?:UCI|COUNTRYCODEUCI|SIGNATURE)|shc)\/([0-9a-f]*)$/

export interface ParsedPartitionId {
  readonly group: RevocationGroup
  readonly prefix: string
}

export function partitionId(group: RevocationGroup, prefix: string): string {
  return `${group}/${prefix}`
}

export function parsePartitionId(id: string): ParsedPartitionId {
  const match = ID.exec(id)
  const group = match?.[1] as RevocationGroup | undefined
  const prefix = match?.[2]
  if (group === undefined || prefix === undefined || prefix.length > maxPrefixDigits(group)) {
    throw new EntenteError('ERR_REVOCATION_SCHEMA', `not a revocation partition id: ${id.slice(0, 80)}`)
  }
  return { group, prefix }
}

/** Hex digits in a group's key: 32 for the 16-byte DCC hashes, 64 for SHC key digests. */
export function maxPrefixDigits(group: RevocationGroup): number {
  return group === 'shc' ? 64 : DCC_HASH_BYTES * 2
}

/** The key an SHC entry is placed and looked up by: SHA-256 hex of issuer, kid and rid joined by newlines. */
export function shcKey(entry: { readonly issuer: string; readonly kid: string; readonly rid: string }): string {
  return sha256Hex(`${entry.issuer}\n${entry.kid}\n${entry.rid}`)
}

/** A leaf of the layout: `prefix`, and the entries [start, end) of the sorted input it holds. */
export interface LayoutLeaf {
  readonly prefix: string
  readonly start: number
  readonly end: number
}

/** Sorted keys of one group, read digit by digit: packed DCC hashes or SHC key digests. */
export interface SortedKeys {
  readonly length: number
  /** Hex digit `depth` (0-based) of key `index`, 0..15. */
  digit(index: number, depth: number): number
}

export function packedKeys(packed: Uint8Array): SortedKeys {
  if (packed.byteLength % DCC_HASH_BYTES !== 0) throw new EntenteError('ERR_REVOCATION_ENTRY', `packed hashes must be ${DCC_HASH_BYTES} bytes each`)
  return {
    length: packed.byteLength / DCC_HASH_BYTES,
    digit(index, depth) {
      const byte = packed[index * DCC_HASH_BYTES + (depth >> 1)] ?? 0
      return depth % 2 === 0 ? byte >> 4 : byte & 15
    },
  }
}

export function hexKeys(keys: readonly string[]): SortedKeys {
  return { length: keys.length, digit: (index, depth) => parseInt(keys[index]?.[depth] ?? '0', 16) }
}

/**
 * The leaves under `prefix` of sorted keys that all start with `prefix`: the whole layout when `prefix` is ''.
 * Cost O(leaves × 16 × log n): children are found by binary search, never by scanning.
 */
export function layoutKeys(keys: SortedKeys, maxEntries: number, prefix = '', maxDigits = 64): LayoutLeaf[] {
  if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new EntenteError('ERR_REVOCATION_ENTRY', 'maxEntries must be a positive integer')
  const leaves: LayoutLeaf[] = []
  const visit = (node: string, start: number, end: number): void => {
    if (end === start) return
    // A full-length prefix names one key, so recursion always ends.
    if (end - start <= maxEntries || node.length >= maxDigits) {
      leaves.push({ prefix: node, start, end })
      return
    }
    const depth = node.length
    let from = start
    for (let digit = 0; digit < 16; digit++) {
      const to = digit === 15 ? end : firstAtLeast(keys, depth, digit + 1, from, end)
      visit(node + digit.toString(16), from, to)
      from = to
    }
  }
  visit(prefix, 0, keys.length)
  return leaves
}

function firstAtLeast(keys: SortedKeys, depth: number, digit: number, from: number, to: number): number {
  let lo = from
  let hi = to
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (keys.digit(mid, depth) < digit) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** Order of the 16-byte hashes at `aAt` in `a` and `bAt` in `b`. A plain loop: as fast as a native compare call for 16 bytes. */
export function compareHashAt(a: Uint8Array, aAt: number, b: Uint8Array, bAt: number): number {
  for (let k = 0; k < DCC_HASH_BYTES; k++) {
    const d = a[aAt + k]! - b[bAt + k]!
    if (d !== 0) return d
  }
  return 0
}

/**
 * Sorts packed 16-byte hashes ascending and drops duplicates, in O(n) buckets by the first two bytes plus small
 * sorts: fast enough for millions of hashes.
 */
export function sortPackedHashes(packed: Uint8Array): Uint8Array {
  const width = DCC_HASH_BYTES
  if (packed.byteLength % width !== 0) throw new EntenteError('ERR_REVOCATION_ENTRY', `packed hashes must be ${width} bytes each`)
  const n = packed.byteLength / width
  const counts = new Uint32Array(65537)
  for (let i = 0; i < n; i++) counts[(packed[i * width]! << 8) + packed[i * width + 1]! + 1]! += 1
  for (let b = 1; b < 65537; b++) counts[b]! += counts[b - 1]!
  const order = new Uint32Array(n)
  const next = counts.slice(0, 65536)
  for (let i = 0; i < n; i++) order[next[(packed[i * width]! << 8) + packed[i * width + 1]!]!++] = i
  const out = new Uint8Array(packed.byteLength)
  let written = 0
  const byHash = (a: number, b: number): number => compareHashAt(packed, a * width, packed, b * width)
  for (let b = 0; b < 65536; b++) {
    const from = counts[b]!
    const to = counts[b + 1]!
    if (from === to) continue
    const bucket = order.subarray(from, to)
    // Buckets hold n / 65536 hashes on average: sorting them is cheap.
    if (bucket.length > 1) bucket.sort(byHash)
    for (const i of bucket) {
      // Duplicates are adjacent after sorting: keep the first.
      if (written > 0 && compareHashAt(out, (written - 1) * width, packed, i * width) === 0) continue
      for (let k = 0; k < width; k++) out[written * width + k] = packed[i * width + k]!
      written++
    }
  }
  return new Uint8Array(out.buffer, out.byteOffset, written * width)
}

/** SHC entries ascending by their key, one per key (the caller has merged duplicates). */
export function sortShcEntries(entries: readonly ShcRevocation[]): { entries: ShcRevocation[]; keys: string[] } {
  const keyed = entries.map((entry) => ({ entry, key: shcKey(entry) })).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
  return { entries: keyed.map((k) => k.entry), keys: keyed.map((k) => k.key) }
}
