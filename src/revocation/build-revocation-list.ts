// Builds the payload of a country's next revocation list from its held head and the revoked entries (a complete
// snapshot, sorted and without duplicates, so equal content gives equal bytes). Pure: `now` injected.
import type { DccRevocation, RevocationListPayload, ShcRevocation } from '../model/schema.types.js'
import { DEFAULT_REVOCATION_VALIDITY_DAYS } from './constants.js'
import type { RevocationListHead } from './revocation-list.types.js'

export interface RevocationEntries {
  readonly dcc: readonly DccRevocation[]
  readonly shc: readonly ShcRevocation[]
}

export interface BuildRevocationListInput {
  readonly country: string
  readonly rootThumbprint: string
  readonly entries: RevocationEntries
  readonly head?: RevocationListHead
  readonly now: Date
  readonly validityDays?: number
}

const DAY_MS = 24 * 60 * 60 * 1000

export function buildRevocationList(input: BuildRevocationListInput): RevocationListPayload {
  const { head, now } = input
  // Whole seconds, like trust lists: timestamps compare the same in every language.
  const issued = new Date(Math.floor(now.getTime() / 1000) * 1000)
  const expires = new Date(issued.getTime() + (input.validityDays ?? DEFAULT_REVOCATION_VALIDITY_DAYS) * DAY_MS)
  return {
    type: 'entente.revocation-list',
    version: 1,
    country: input.country,
    seq: head === undefined ? 1 : head.payload.seq + 1,
    issuedAt: iso(issued),
    expiresAt: iso(expires),
    prev: head === undefined ? null : head.hash,
    rootThumbprint: input.rootThumbprint,
    ...normalizeEntries(input.entries),
  }
}

/** Sorted, deduplicated entries; of two SHC entries for one rid the wider one (no revokedAt, or the later) is kept. */
export function normalizeEntries(entries: RevocationEntries): { dcc: DccRevocation[]; shc: ShcRevocation[] } {
  const dcc = new Map<string, DccRevocation>()
  for (const e of entries.dcc) dcc.set(`${e.hashType}\n${e.hash}`, { hashType: e.hashType, hash: e.hash })
  const shc = new Map<string, ShcRevocation>()
  for (const e of entries.shc) {
    const key = `${e.issuer}\n${e.kid}\n${e.rid}`
    const previous = shc.get(key)
    const wider =
      previous === undefined
        ? e
        : previous.revokedAt === undefined || e.revokedAt === undefined
          ? { issuer: e.issuer, kid: e.kid, rid: e.rid }
          : previous.revokedAt > e.revokedAt
            ? previous
            : e
    shc.set(key, wider.revokedAt === undefined ? { issuer: wider.issuer, kid: wider.kid, rid: wider.rid } : { issuer: wider.issuer, kid: wider.kid, rid: wider.rid, revokedAt: wider.revokedAt })
  }
  return {
    dcc: [...dcc.entries()].sort(([a], [b]) => compare(a, b)).map(([, e]) => e),
    shc: [...shc.entries()].sort(([a], [b]) => compare(a, b)).map(([, e]) => e),
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

function iso(date: Date): string {
  return date.toISOString().replace('.000Z', 'Z')
}
