// The packed form of a bulk revocation import: an 8-byte header `ENTREVB1` then fixed-width 17-byte records (one
// hash-type byte: 1 UCI, 2 COUNTRYCODEUCI, 3 SIGNATURE; then the first 16 bytes of the DCC hash). Pure: no I/O.
import { compareBytes, concatBytes, fromBase64, latin1Bytes } from '../model/bytes.js'
import { EntenteError } from '../model/errors.js'
import { DCC_HASH_BYTES } from './constants.js'
import type { RevocationGroup } from './partition-layout.js'
import { dccRevocationHash } from './parse-revocation-request.js'

export const BULK_MAGIC = latin1Bytes('ENTREVB1')
export const BULK_RECORD_BYTES = 1 + DCC_HASH_BYTES
/** The largest import body: 20 million records (a country's cap of published plus queued entries). */
export const BULK_IMPORT_MAX_BYTES = 8 + 17 * 20_000_000
const HASH_TYPES = ['UCI', 'COUNTRYCODEUCI', 'SIGNATURE'] as const

/**
 * Splits packed records into one packed buffer of keys per group (in file order, not yet sorted or deduplicated), a
 * range of records at a time so a caller can yield between ranges: `check` every range, then `copy` every range.
 */
export class BulkRevocationRecords {
  readonly count: number
  readonly #records: Uint8Array
  readonly #sizes = [0, 0, 0]
  readonly #written = [0, 0, 0]
  #packed: Uint8Array[] | undefined

  constructor(body: Uint8Array) {
    if (body.byteLength < BULK_MAGIC.byteLength || compareBytes(body.subarray(0, BULK_MAGIC.byteLength), BULK_MAGIC) !== 0) {
      throw new EntenteError('ERR_REVOCATION_ENTRY', 'a bulk revocation import starts with the header ENTREVB1')
    }
    this.#records = body.subarray(BULK_MAGIC.byteLength)
    this.count = Math.floor(this.#records.byteLength / BULK_RECORD_BYTES)
    if (this.#records.byteLength % BULK_RECORD_BYTES !== 0) {
      throw new EntenteError('ERR_REVOCATION_ENTRY', `record ${this.count + 1}: truncated (records are ${BULK_RECORD_BYTES} bytes)`, { details: { record: this.count + 1 } })
    }
  }

  /** Checks records [from, to) (numbered from 1 in errors) and counts them per hash type. */
  check(from: number, to: number): void {
    for (let i = from; i < Math.min(to, this.count); i++) {
      const type = this.#records[i * BULK_RECORD_BYTES] ?? 0
      if (type < 1 || type > 3) throw new EntenteError('ERR_REVOCATION_ENTRY', `record ${i + 1}: hash type byte ${type} is not 1 (UCI), 2 (COUNTRYCODEUCI) or 3 (SIGNATURE)`, { details: { record: i + 1 } })
      this.#sizes[type - 1]! += 1
    }
  }

  /** Copies the keys of records [from, to) to their group, once every record was checked. */
  copy(from: number, to: number): void {
    const packed = (this.#packed ??= this.#sizes.map((n) => new Uint8Array(n * DCC_HASH_BYTES)))
    const records = this.#records
    for (let i = from; i < Math.min(to, this.count); i++) {
      const at = i * BULK_RECORD_BYTES
      const t = (records[at] as number) - 1
      const out = packed[t] as Uint8Array
      let w = this.#written[t] as number
      for (let b = 1; b < BULK_RECORD_BYTES; b++) out[w++] = records[at + b] as number
      this.#written[t] = w
    }
  }

  groups(): Map<RevocationGroup, Uint8Array> {
    const out = new Map<RevocationGroup, Uint8Array>()
    HASH_TYPES.forEach((hashType, t) => {
      const packed = this.#packed?.[t]
      if (packed !== undefined && packed.byteLength > 0) out.set(`dcc/${hashType}`, packed)
    })
    return out
  }
}

/** Packed records, one group's keys each (in file order, not yet sorted or deduplicated), in one go. */
export function parseBulkRevocations(body: Uint8Array): Map<RevocationGroup, Uint8Array> {
  const records = new BulkRevocationRecords(body)
  records.check(0, records.count)
  records.copy(0, records.count)
  return records.groups()
}

/**
 * The packed form of a text file: one `HASHTYPE:BASE64` (hash of 16 or more bytes) or one UCI per line (a line without
 * a known `TYPE:` prefix, hashed as the EU revocation spec does, in both UCI forms, like `revocation add --uci`);
 * blank lines and `#` comments are skipped. Errors name the line.
 */
export function packBulkText(text: string, country: string): Uint8Array {
  const records: Uint8Array[] = [BULK_MAGIC]
  const lines = text.split('\n')
  const record = (type: number, hash: Uint8Array): void => {
    const r = new Uint8Array(BULK_RECORD_BYTES)
    r[0] = type
    r.set(hash.subarray(0, DCC_HASH_BYTES), 1)
    records.push(r)
  }
  lines.forEach((raw, i) => {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) return
    const colon = line.indexOf(':')
    const type = colon < 0 ? -1 : HASH_TYPES.indexOf(line.slice(0, colon) as (typeof HASH_TYPES)[number])
    if (type < 0) {
      if (line.length > 256) throw new EntenteError('ERR_REVOCATION_ENTRY', `line ${i + 1}: a UCI is at most 256 characters`, { details: { line: i + 1 } })
      // dccRevocationHash gives base64 of 16 bytes: it always decodes.
      record(1, fromBase64(dccRevocationHash('UCI', line, country)) as Uint8Array)
      record(2, fromBase64(dccRevocationHash('COUNTRYCODEUCI', line, country)) as Uint8Array)
      return
    }
    const hash = fromBase64(line.slice(colon + 1))
    if (hash === undefined || hash.length < DCC_HASH_BYTES) throw new EntenteError('ERR_REVOCATION_ENTRY', `line ${i + 1}: the hash must be base64 of 16 or more bytes`, { details: { line: i + 1 } })
    record(type + 1, hash)
  })
  return concatBytes(records)
}
