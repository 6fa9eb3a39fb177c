// A compact, read-only view of verified revocation partitions for certificate checks. A partition is opened on the
// first lookup that falls into it (by its id's prefix), then kept: a DCC partition as one byte array of sorted 16-byte
// hashes (binary search), an SHC partition as a Map. Building the view costs only the index's partition ids, so a
// verifier holding a federation's 100 million hashes starts as fast as one holding none, and keeps in memory only
// the partitions its certificates touched. A lookup costs a few Map probes and one binary search, whatever the total
// size. Pure; checks no signatures (the opener hands over verified payloads).
import { fromBase64, toHex } from '../model/bytes.js'
import { EntenteError } from '../model/errors.js'
import type { RevocationPartitionPayload } from '../model/schema.types.js'
import { DCC_HASH_BYTES } from './constants.js'
import { compareHashAt, parsePartitionId, shcKey, type DccHashType, type RevocationGroup } from './partition-layout.js'

export interface RevocationLookup {
  /**
   * Whether a DCC hash (16 bytes or the whole 32-byte digest; the first 16 bytes are compared) is revoked. Throws
   * what the partition's opener throws when the partition that would hold it cannot be opened.
   */
  isDccRevoked(hashType: DccHashType, hash: Uint8Array): boolean
  /** undefined: not revoked; null: every card with this rid; a Date: cards issued (nbf) before it. */
  shcRevokedAt(issuer: string, kid: string, rid: string): Date | null | undefined
  /** Partitions named, and how many of them are open now. */
  readonly counts: { readonly partitions: number; readonly open: number }
}

/** A partition an index names: its id, and how to get its verified payload (called once, on first use). */
export interface LazyPartition {
  readonly id: string
  readonly open: () => RevocationPartitionPayload
}

interface Slot {
  readonly open: () => RevocationPartitionPayload
  dcc?: Uint8Array
  shc?: Map<string, Date | null>
}

interface Group {
  /** Slots by hex prefix. */
  readonly byPrefix: Map<string, Slot>
  /** Prefix lengths in use, ascending (a handful at most). */
  readonly depths: number[]
}

/** The lookup over `partitions`, each opened when a lookup first needs it. */
export function createLazyRevocationLookup(partitions: Iterable<LazyPartition>): RevocationLookup {
  const groups = new Map<RevocationGroup, Group>()
  let named = 0
  let open = 0
  for (const partition of partitions) {
    named++
    const { group, prefix } = parsePartitionId(partition.id)
    let g = groups.get(group)
    if (g === undefined) groups.set(group, (g = { byPrefix: new Map(), depths: [] }))
    g.byPrefix.set(prefix, { open: partition.open })
    if (!g.depths.includes(prefix.length)) g.depths.push(prefix.length)
  }
  for (const g of groups.values()) g.depths.sort((a, b) => a - b)

  /** The slot whose prefix `hex` starts with (partitions never overlap, so at most one prefix length matches). */
  const slotOf = (group: RevocationGroup, hex: string): Slot | undefined => {
    const g = groups.get(group)
    if (g === undefined) return undefined
    for (const depth of g.depths) {
      const slot = g.byPrefix.get(hex.slice(0, depth))
      if (slot !== undefined) return slot
    }
    return undefined
  }
  const opened = (slot: Slot, group: RevocationGroup): Slot => {
    if (slot.dcc !== undefined || slot.shc !== undefined) return slot
    // A failed open is not remembered: the next lookup tries again (a sync may have brought the file back).
    const payload = slot.open()
    if (group === 'shc') {
      slot.shc = new Map((payload.shc ?? []).map((e) => [shcKey(e), e.revokedAt === undefined ? null : new Date(e.revokedAt)]))
    } else {
      const bytes = fromBase64(payload.dcc ?? '')
      // Verified partitions always decode: anything else must not pass for an empty one.
      if (bytes === undefined) throw new EntenteError('ERR_REVOCATION_SCHEMA', `partition ${payload.id}: dcc is not base64`)
      slot.dcc = bytes
    }
    open++
    return slot
  }

  return {
    isDccRevoked(hashType, hash) {
      if (hash.byteLength < DCC_HASH_BYTES) return false
      const key = hash.subarray(0, DCC_HASH_BYTES)
      const group: RevocationGroup = `dcc/${hashType}`
      const slot = slotOf(group, toHex(key))
      return slot === undefined ? false : contains(opened(slot, group).dcc as Uint8Array, key)
    },
    shcRevokedAt(issuer, kid, rid) {
      const key = shcKey({ issuer, kid, rid })
      const slot = slotOf('shc', key)
      return slot === undefined ? undefined : (opened(slot, 'shc').shc as Map<string, Date | null>).get(key)
    },
    get counts() {
      return { partitions: named, open }
    },
  }
}

/** The lookup over payloads already at hand (verified). */
export function createRevocationLookup(partitions: Iterable<RevocationPartitionPayload>): RevocationLookup {
  return createLazyRevocationLookup([...partitions].map((p) => ({ id: p.id, open: () => p })))
}

function contains(sorted: Uint8Array, key: Uint8Array): boolean {
  let lo = 0
  let hi = sorted.length / DCC_HASH_BYTES - 1
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1
    const at = mid * DCC_HASH_BYTES
    const order = compareHashAt(sorted, at, key, 0)
    if (order === 0) return true
    if (order < 0) lo = mid + 1
    else hi = mid - 1
  }
  return false
}
