// Certificate revocation as verification asks it: one question per verdict, asked only after the signature verified
// and the issuing country is known, answered by a callback. Here: the question, the adapter for lookups shaped like
// the revocation partitions' (`isDccRevoked`, `shcRevokedAt`) and the set-backed lookup trust material gets.
// Pure: no I/O.
import { toBase64 } from '../model/encoding.js'
import type { RevokedCertificate } from './trust-material.types.js'

export type DccHashType = 'UCI' | 'COUNTRYCODEUCI' | 'SIGNATURE'

/** In the order a hit is reported. */
export const DCC_HASH_TYPES: readonly DccHashType[] = ['UCI', 'COUNTRYCODEUCI', 'SIGNATURE']

/** A certificate's revocation identity, computed once from the decoded certificate. */
export type RevocationCheck =
  | {
      format: 'dcc'
      /** Issuing country as the verdict states it (undefined when the trust does not assert one). */
      country: string | undefined
      kid: string
      /** Full SHA-256 per hash type; UCI and COUNTRYCODEUCI are absent when the certificate has no UCI or country. */
      hashes: Readonly<Partial<Record<DccHashType, Uint8Array>>>
    }
  | {
      format: 'shc'
      country: string | undefined
      issuer: string
      kid: string
      rid: string
      /** The card's issuance time (nbf): "rid.t" revokes only cards issued before t. */
      iat: Date
    }

export type RevocationHit = { format: 'dcc'; hashType: DccHashType } | { format: 'shc'; revokedAt: Date | null }

/** Undefined: not revoked. Called at most once per verdict. */
export type IsRevoked = (check: RevocationCheck) => RevocationHit | undefined

/** One country's revocations, as the set-backed lookup here and the partition lookup both answer them. */
export interface RevocationLookup {
  /** `hash` is a full SHA-256; an entry matches by its first 16 bytes (the prefix the EU gateway distributes) or whole. */
  isDccRevoked(hashType: DccHashType, hash: Uint8Array): boolean
  /** undefined: not revoked; null: every card with that rid; a date: cards issued before it. */
  shcRevokedAt(issuer: string, kid: string, rid: string): Date | null | undefined
}

export function askLookup(lookup: RevocationLookup, check: RevocationCheck): RevocationHit | undefined {
  if (check.format === 'dcc') {
    for (const hashType of DCC_HASH_TYPES) {
      const hash = check.hashes[hashType]
      if (hash !== undefined && lookup.isDccRevoked(hashType, hash)) {
        return { format: 'dcc', hashType }
      }
    }
    return undefined
  }
  const at = lookup.shcRevokedAt(check.issuer, check.kid, check.rid)
  if (at === undefined) return undefined
  return at === null || check.iat.getTime() < at.getTime() ? { format: 'shc', revokedAt: at } : undefined
}

/** The callback for per-country lookups: a country's revocations apply only to that country's certificates. */
export function revocationCallback(lookupOf: (country: string) => RevocationLookup | undefined): IsRevoked {
  return (check) => {
    const lookup = check.country === undefined ? undefined : lookupOf(check.country)
    return lookup === undefined ? undefined : askLookup(lookup, check)
  }
}

/** Set-backed revocations: hashType → base64 of the (16- or 32-byte) hash, and `${issuer}\n${kid}\n${rid}` → time. */
export interface RevocationSets {
  readonly revokedDccHashes: ReadonlyMap<string, ReadonlySet<string>>
  /** undefined value: every card with that rid. */
  readonly revokedShcRids: ReadonlyMap<string, Date | undefined>
}

export function shcRidKey(issuer: string, kid: string, rid: string): string {
  return `${issuer}\n${kid}\n${rid}`
}

export function setLookup(sets: RevocationSets): RevocationLookup {
  return {
    isDccRevoked: (hashType, hash) => {
      const set = sets.revokedDccHashes.get(hashType)
      // Lists carry the 128-bit prefix or the full hash: both are asked.
      return set !== undefined && (set.has(toBase64(hash.subarray(0, 16))) || (hash.length > 16 && set.has(toBase64(hash))))
    },
    shcRevokedAt: (issuer, kid, rid) => {
      const key = shcRidKey(issuer, kid, rid)
      return sets.revokedShcRids.has(key) ? (sets.revokedShcRids.get(key) ?? null) : undefined
    },
  }
}

export function revocationSets(revoked: readonly RevokedCertificate[]): RevocationSets {
  const revokedDccHashes = new Map<string, Set<string>>()
  const revokedShcRids = new Map<string, Date | undefined>()
  for (const entry of revoked) {
    if (entry.format === 'dcc') {
      const set = revokedDccHashes.get(entry.hashType) ?? new Set<string>()
      set.add(entry.hash)
      revokedDccHashes.set(entry.hashType, set)
    } else {
      const key = shcRidKey(entry.issuer, entry.kid, entry.rid)
      const at = entry.revokedAt === undefined ? undefined : new Date(entry.revokedAt)
      const previous = revokedShcRids.get(key)
      // Duplicate rids: keep the widest revocation (no timestamp beats any, later beats earlier); an unreadable time
      // must not silently narrow it, so it counts as none.
      const widest =
        revokedShcRids.has(key) && (previous === undefined || at === undefined)
          ? undefined
          : at !== undefined && Number.isNaN(at.getTime())
            ? undefined
            : previous !== undefined && at !== undefined && previous > at
              ? previous
              : at
      revokedShcRids.set(key, widest)
    }
  }
  return { revokedDccHashes, revokedShcRids }
}
