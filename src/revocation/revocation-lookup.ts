// A compact, read-only view of verified revocation partitions for certificate checks: each DCC partition stays one
// Buffer of sorted 16-byte hashes (binary search), SHC entries sit in a Map. A lookup costs a few Map probes and
// one binary search of at most one partition, whatever the total size. Pure; checks no signatures (verify first).
import type { RevocationPartitionPayload } from '../model/schema.types.js'
import { DCC_HASH_BYTES } from './constants.js'
import { parsePartitionId, type DccHashType } from './partition-layout.js'

export interface RevocationLookup {
  /** Whether a DCC hash (16 bytes or the whole 32-byte digest; the first 16 bytes are compared) is revoked. */
  isDccRevoked(hashType: DccHashType, hash: Uint8Array): boolean
  /** undefined: not revoked; null: every card with this rid; a Date: cards issued (nbf) before it. */
  shcRevokedAt(issuer: string, kid: string, rid: string): Date | null | undefined
  readonly counts: { readonly dcc: number; readonly shc: number; readonly partitions: number }
}

interface DccGroup {
  /** Partition bytes by hex prefix. */
  readonly byPrefix: Map<string, Buffer>
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
    const bytes = Buffer.from(partition.dcc ?? '', 'base64')
    dcc += bytes.length / DCC_HASH_BYTES
    dccGroup.byPrefix.set(prefix, bytes)
    if (!dccGroup.depths.includes(prefix.length)) dccGroup.depths.push(prefix.length)
  }
  for (const g of groups.values()) g.depths.sort((a, b) => a - b)

  return {
    isDccRevoked(hashType, hash) {
      const g = groups.get(hashType)
      if (g === undefined || hash.byteLength < DCC_HASH_BYTES) return false
      const key = Buffer.from(hash.buffer, hash.byteOffset, DCC_HASH_BYTES)
      const hex = key.toString('hex')
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

function contains(sorted: Buffer, key: Buffer): boolean {
  let lo = 0
  let hi = sorted.length / DCC_HASH_BYTES - 1
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1
    const at = mid * DCC_HASH_BYTES
    const order = sorted.compare(key, 0, DCC_HASH_BYTES, at, at + DCC_HASH_BYTES)
    if (order === 0) return true
    if (order < 0) lo = mid + 1
    else hi = mid - 1
  }
  return false
}
