// CBOR decoding for COSE/CWT with Maps kept as Maps (integer keys) and every failure as EntenteError.
// Pure: no I/O; a new Decoder per call, so no decoder state is shared between verifications.
import { Decoder, Tag } from 'cbor-x'
import { EntenteError } from '../../model/errors.js'
import type { CertificateErrorCode } from '../error-codes.js'

export { Tag }

export type CborDecode = (data: Uint8Array, what: string, code?: CertificateErrorCode) => unknown

export function createCborDecoder(): CborDecode {
  const decoder = new Decoder({ mapsAsObjects: false, useRecords: false, structuredClone: false })
  return (data, what, code = 'ERR_DECODE_CBOR') => {
    try {
      // cbor-x rejects trailing bytes after the first item ("end of buffer not reached").
      return decoder.decode(data) as unknown
    } catch (error) {
      throw new EntenteError(code, `invalid CBOR in ${what}: ${error instanceof Error ? error.message : String(error)}`, {
        cause: error,
      })
    }
  }
}

/** CBOR map → plain JSON value for the hcert payload (string keys only; dates as ISO strings). */
export function cborToJson(value: unknown, depth = 0): unknown {
  if (depth > 32) throw new EntenteError('ERR_DECODE_HCERT', 'hcert nesting too deep')
  // Strings and numbers are most of an hcert's leaves: answer them before the instanceof checks.
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' || value === null) return value
  if (value instanceof Map) {
    const out: Record<string, unknown> = {}
    for (const [k, v] of value) {
      if (typeof k !== 'string') throw new EntenteError('ERR_DECODE_HCERT', 'hcert map key is not a string')
      const converted = cborToJson(v, depth + 1)
      // A "__proto__" key must stay data: assigning it would replace the object's prototype.
      if (k === '__proto__') Object.defineProperty(out, k, { value: converted, enumerable: true, writable: true, configurable: true })
      else out[k] = converted
    }
    return out
  }
  if (Array.isArray(value)) return value.map((v) => cborToJson(v, depth + 1))
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new EntenteError('ERR_DECODE_HCERT', 'invalid date in hcert')
    // Tagged dates (tag 0/1) become ISO strings; whole seconds without the ".000".
    return value.toISOString().replace('.000Z', 'Z')
  }
  if (value instanceof Uint8Array || value instanceof Tag) {
    throw new EntenteError('ERR_DECODE_HCERT', 'unexpected binary or tagged value in hcert')
  }
  if (value === undefined) return null
  if (typeof value === 'bigint') return Number(value)
  return value
}
