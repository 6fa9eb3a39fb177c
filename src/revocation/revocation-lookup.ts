// A compact, read-only view of verified revocation partitions for certificate checks: each DCC partition stays one
// byte array of sorted 16-byte hashes (binary search), SHC entries sit in a Map. A lookup costs a few Map probes and
// one binary search of at most one partition, whatever the total size. Pure; checks no signatures (verify first).
import { fromBase64, toHex } from '../model/bytes.js'
import { EntenteError } from '../model/errors.js'
import type { RevocationPartitionPayload } from '../model/schema.types.js'
import { DCC_HASH_BYTES } from './constants.js'
import { compareHashAt, parsePartitionId, type DccHashType } from './partition-layout.js'

export interface RevocationLookup {
  /** Whether a DCC hash (16 bytes or the whole 32-byte digest; the first 16 bytes are compared) is revoked. */
  isDccRevoked(hashType: DccHashType, hash: Uint8Array): boolean
  /** undefined: not revoked; null: every card with this rid; a Date: cards issued (nbf) before it. */
  shcRevokedAt(issuer: string, kid: string, rid: string): Date | null | undefined
  readonly counts: { readonly dcc: number; readonly shc: number; readonly partitions: number }
}

interface DccGroup {
  /** Partition bytes by hex prefix. */
  readonly byPrefix: Map<string, Uint8Array>
  /** Prefix lengths in use, ascending (a handful at most). */
  readonly depths: number[]
}

export function createRevocationLookup(partitions: Iterable<RevocationPartitionPayload>): RevocationLookup {
  const groups = new Map<DccHashType, DccGroup>()
  const shc = new Map<string, Date | null>()
  let dcc = 0
  let count = 0
  for (const partition of partitions) {
    count++
    const { group, prefix } = parsePartitionId(partition.id)
    if (group === 'shc') {
      for (const entry of partition.shc ?? []) shc.set(`${entry.issuer}\n${entry.kid}\n${entry.rid}`, entry.revokedAt === undefined ? null : new Date(entry.revokedAt))
      continue
    }
    const hashType = group.slice(4) as DccHashType
    let dccGroup = groups.get(hashType)
    if (dccGroup === undefined) groups.set(hashType, (dccGroup = { byPrefix: new Map(), depths: [] }))
    const bytes = fromBase64(partition.dcc ?? '')
    // Verified partitions always decode: anything else must not pass for an empty one.
    if (bytes === undefined) throw new EntenteError('ERR_REVOCATION_SCHEMA', `partition ${partition.id}: dcc is not base64`)
    dcc += bytes.length / DCC_HASH_BYTES
    dccGroup.byPrefix.set(prefix, bytes)
    if (!dccGroup.depths.includes(prefix.length)) dccGroup.depths.push(prefix.length)
  }
  for (const g of groups.values()) g.depths.sort((a, b) => a - b)

  return {
    isDccRevoked(hashType, hash) {
      const g = groups.get(hashType)
      if (g === undefined || hash.byteLength < DCC_HASH_BYTES) return false
      const key = hash.subarray(0, DCC_HASH_BYTES)
      const hex = toHex(key)
      // Partitions never overlap, so at most one prefix length matches.
      for (const depth of g.depths) {
        const bytes = g.byPrefix.get(hex.slice(0, depth))
        if (bytes !== undefined) return contains(bytes, key)
      }
      return false
    },
    shcRevokedAt(issuer, kid, rid) {
      return shc.get(`${issuer}\n${kid}\n${rid}`)
    },
    counts: { dcc, shc: shc.size, partitions: count },
  }
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
