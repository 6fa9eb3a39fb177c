// Turns an operator's request to revoke certificates into revocation-list entries: DCC hashes as given, or computed
// from a UCI the way the EU DCC revocation specification hashes it; SHC rids per issuer and key. Pure: no I/O.
import { sha256, toBase64 } from '../model/encoding.js'
import { EntenteError } from '../model/errors.js'
import type { DccRevocation, ShcRevocation } from '../model/schema.types.js'
import type { RevocationEntries } from './build-revocation-list.js'

/** Entries one request may add: a revocation list holds at most 20 000 of each kind anyway. */
export const MAX_ENTRIES_PER_REQUEST = 1000
const HASH = /^(?:[A-Za-z0-9+/]{22}==|[A-Za-z0-9+/]{43}=)$/
const HASH_TYPES = new Set(['UCI', 'COUNTRYCODEUCI', 'SIGNATURE'])
const THUMBPRINT = /^[A-Za-z0-9_-]{43}$/
const RID = /^[A-Za-z0-9_-]{1,24}$/
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/

/**
 * The gateway form of a DCC revocation hash: standard base64 of the first 16 bytes of SHA-256.
 * `UCI` hashes the UCI, `COUNTRYCODEUCI` the issuing country code followed by the UCI.
 */
export function dccRevocationHash(hashType: 'UCI' | 'COUNTRYCODEUCI', uci: string, country: string): string {
  const input = hashType === 'UCI' ? uci : `${country}${uci}`
  return toBase64(sha256(input).subarray(0, 16))
}

/**
 * `{ dcc?: [{hashType, hash} | {uci}], shc?: [{issuer, kid, rid, revokedAt?}] }`. A `{uci}` entry adds both the
 * UCI and the COUNTRYCODEUCI hash for `country` (the node's), so verifiers that check either find it.
 */
export function parseRevocationRequest(request: unknown, country: string): RevocationEntries {
  if (typeof request !== 'object' || request === null || Array.isArray(request)) throw bad('the request must be an object with dcc and/or shc')
  const { dcc = [], shc = [], ...rest } = request as Record<string, unknown>
  if (Object.keys(rest).length > 0) throw bad(`unknown field ${Object.keys(rest)[0] ?? ''}`)
  if (!Array.isArray(dcc) || !Array.isArray(shc)) throw bad('dcc and shc must be arrays')
  if (dcc.length + shc.length === 0) throw bad('nothing to revoke')
  if (dcc.length + shc.length > MAX_ENTRIES_PER_REQUEST) throw bad(`at most ${MAX_ENTRIES_PER_REQUEST} entries per request`)
  return { dcc: dcc.flatMap((e, i) => dccEntry(e, i, country)), shc: shc.map((e, i) => shcEntry(e, i)) }
}

function dccEntry(entry: unknown, index: number, country: string): DccRevocation[] {
  const where = `dcc[${index}]`
  if (typeof entry !== 'object' || entry === null) throw bad(`${where} must be an object`)
  const { hashType, hash, uci, ...rest } = entry as Record<string, unknown>
  if (Object.keys(rest).length > 0) throw bad(`${where}: unknown field ${Object.keys(rest)[0] ?? ''}`)
  if (uci !== undefined) {
    if (hashType !== undefined || hash !== undefined) throw bad(`${where}: give uci, or hashType and hash, not both`)
    if (typeof uci !== 'string' || uci.length === 0 || uci.length > 256) throw bad(`${where}: uci must be 1..256 characters`)
    return [
      { hashType: 'UCI', hash: dccRevocationHash('UCI', uci, country) },
      { hashType: 'COUNTRYCODEUCI', hash: dccRevocationHash('COUNTRYCODEUCI', uci, country) },
    ]
  }
  if (typeof hashType !== 'string' || !HASH_TYPES.has(hashType)) throw bad(`${where}: hashType must be UCI, COUNTRYCODEUCI or SIGNATURE`)
  if (typeof hash !== 'string' || !HASH.test(hash)) throw bad(`${where}: hash must be standard base64 of 16 or 32 bytes`)
  return [{ hashType: hashType as DccRevocation['hashType'], hash }]
}

function shcEntry(entry: unknown, index: number): ShcRevocation {
  const where = `shc[${index}]`
  if (typeof entry !== 'object' || entry === null) throw bad(`${where} must be an object`)
  const { issuer, kid, rid, revokedAt, ...rest } = entry as Record<string, unknown>
  if (Object.keys(rest).length > 0) throw bad(`${where}: unknown field ${Object.keys(rest)[0] ?? ''}`)
  if (typeof issuer !== 'string' || !issuer.startsWith('https://') || issuer.length > 256) throw bad(`${where}: issuer must be an https URL`)
  if (typeof kid !== 'string' || !THUMBPRINT.test(kid)) throw bad(`${where}: kid must be the issuer key's JWK thumbprint`)
  if (typeof rid !== 'string' || !RID.test(rid)) throw bad(`${where}: rid must be base64url of at most 24 characters`)
  if (revokedAt === undefined) return { issuer, kid, rid }
  if (typeof revokedAt !== 'string' || !TIMESTAMP.test(revokedAt) || Number.isNaN(Date.parse(revokedAt))) {
    throw bad(`${where}: revokedAt must be an RFC 3339 UTC time in whole seconds`)
  }
  return { issuer, kid, rid, revokedAt }
}

function bad(message: string): EntenteError {
  return new EntenteError('ERR_REVOCATION_ENTRY', message)
}
