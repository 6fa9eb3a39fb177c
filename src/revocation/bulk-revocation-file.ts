// The packed form of a bulk revocation import: an 8-byte header `ENTREVB1` then fixed-width 17-byte records (one
// hash-type byte: 1 UCI, 2 COUNTRYCODEUCI, 3 SIGNATURE; then the first 16 bytes of the DCC hash). Pure: no I/O.
import { allocBytes, compareBytes, concatBytes, fromBase64, latin1Bytes } from '../model/bytes.js'
import { EntenteError } from '../model/errors.js'
import { DCC_HASH_BYTES } from './constants.js'
import type { RevocationGroup } from './partition-layout.js'
import { dccRevocationHash } from './parse-revocation-request.js'

export const BULK_MAGIC = latin1Bytes('ENTREVB1')
export const BULK_RECORD_BYTES = 1 + DCC_HASH_BYTES
/** The largest import body: 20 million records (a country's cap of published plus queued entries). */
export const BULK_IMPORT_MAX_BYTES = 8 + 17 * 20_000_000
const HASH_TYPES = ['UCI', 'COUNTRYCODEUCI', 'SIGNATURE'] as const

/** Keys per block a reader fills (1 MB): no copy or allocation is ever larger, and a key's block is its index >> 16. */
export const PACKED_BLOCK_KEYS = 65_536

/**
 * Reads packed records as the body arrives, in chunks of any size: checks each record (numbered from 1 in errors)
 * and copies its key to its group's blocks of PACKED_BLOCK_KEYS keys (every block full but the last; keys in file
 * order, not yet sorted or deduplicated). A chunk is not kept once pushed, so the body is never held whole.
 */
export class BulkRevocationReader {
  #count = 0
  readonly #header = new Uint8Array(BULK_MAGIC.byteLength)
  #headerBytes = 0
  /** The start of a record split between two chunks. */
  readonly #partial = new Uint8Array(BULK_RECORD_BYTES)
  #partialBytes = 0
  readonly #blocks: Uint8Array[][] = HASH_TYPES.map(() => [])
  /** Bytes written to the last block of each group. */
  readonly #filled = HASH_TYPES.map(() => 0)

  /** Records read so far. */
  get count(): number {
    return this.#count
  }

  push(chunk: Uint8Array): void {
    let at = 0
    if (this.#headerBytes < BULK_MAGIC.byteLength) {
      at = Math.min(BULK_MAGIC.byteLength - this.#headerBytes, chunk.byteLength)
      this.#header.set(chunk.subarray(0, at), this.#headerBytes)
      this.#headerBytes += at
      if (this.#headerBytes < BULK_MAGIC.byteLength) return
      if (compareBytes(this.#header, BULK_MAGIC) !== 0) throw noHeader()
    }
    if (this.#partialBytes > 0) {
      const n = Math.min(BULK_RECORD_BYTES - this.#partialBytes, chunk.byteLength - at)
      this.#partial.set(chunk.subarray(at, at + n), this.#partialBytes)
      this.#partialBytes += n
      at += n
      if (this.#partialBytes < BULK_RECORD_BYTES) return
      this.#record(this.#partial, 0)
      this.#partialBytes = 0
    }
    for (; at + BULK_RECORD_BYTES <= chunk.byteLength; at += BULK_RECORD_BYTES) this.#record(chunk, at)
    this.#partial.set(chunk.subarray(at), 0)
    this.#partialBytes = chunk.byteLength - at
  }

  /** Each group's blocks, once the whole body was pushed; refuses a body without its header or with a cut record. */
  groups(): Map<RevocationGroup, Uint8Array[]> {
    if (this.#headerBytes < BULK_MAGIC.byteLength) throw noHeader()
    if (this.#partialBytes > 0) {
      throw new EntenteError('ERR_REVOCATION_ENTRY', `record ${this.#count + 1}: truncated (records are ${BULK_RECORD_BYTES} bytes)`, { details: { record: this.#count + 1 } })
    }
    const out = new Map<RevocationGroup, Uint8Array[]>()
    HASH_TYPES.forEach((hashType, t) => {
      const blocks = this.#blocks[t] as Uint8Array[]
      const last = blocks.pop()
      if (last !== undefined) out.set(`dcc/${hashType}`, [...blocks, last.subarray(0, this.#filled[t])])
    })
    return out
  }

  #record(bytes: Uint8Array, at: number): void {
    this.#count++
    const type = bytes[at] ?? 0
    if (type < 1 || type > 3) {
      throw new EntenteError('ERR_REVOCATION_ENTRY', `record ${this.#count}: hash type byte ${type} is not 1 (UCI), 2 (COUNTRYCODEUCI) or 3 (SIGNATURE)`, { details: { record: this.#count } })
    }
    const blocks = this.#blocks[type - 1] as Uint8Array[]
    let w = this.#filled[type - 1] as number
    let block = blocks[blocks.length - 1]
    if (block === undefined || w === block.byteLength) {
      block = allocBytes(PACKED_BLOCK_KEYS * DCC_HASH_BYTES)
      blocks.push(block)
      w = 0
    }
    for (let b = 1; b < BULK_RECORD_BYTES; b++) block[w++] = bytes[at + b] as number
    this.#filled[type - 1] = w
  }
}

function noHeader(): EntenteError {
  return new EntenteError('ERR_REVOCATION_ENTRY', 'a bulk revocation import starts with the header ENTREVB1')
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
