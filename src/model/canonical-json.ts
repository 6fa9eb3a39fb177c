// RFC 8785 JSON Canonicalization Scheme: the exact bytes Entente signs and hashes.
// Pure: no I/O. Throws only EntenteError.
import { EntenteError } from './errors.js'

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue }

const MAX_DEPTH = 64

export function canonicalize(value: unknown): string {
  return serialize(value, 0)
}

export function canonicalBytes(value: unknown): Uint8Array {
  return new TextEncoder().encode(canonicalize(value))
}

/**
 * Whether `text` is exactly `canonicalize(value)`, throwing whatever `canonicalize` throws. The usual case, `value`
 * freshly parsed from canonical `text`, takes a fast path: JSON.stringify (native) yields the canonical text whenever
 * every object's keys already come in sorted order, every value is plain JSON with finite numbers within the depth
 * limit, and no string holds a lone surrogate (JSON.stringify escapes those as \udxxx, RFC 8785 refuses them: any
 * `\ud` in the text sends it to the full serializer). Anything else is judged by `canonicalize` itself.
 */
export function isCanonicalText(value: unknown, text: string): boolean {
  if (!text.includes('\\ud') && isSortedPlainJson(value, 0) && JSON.stringify(value) === text) return true
  return canonicalize(value) === text
}

/** True when JSON.stringify(value) serializes exactly as `serialize` would (short of lone surrogates). */
function isSortedPlainJson(value: unknown, depth: number): boolean {
  if (depth > MAX_DEPTH) return false
  if (value === null) return true
  switch (typeof value) {
    case 'boolean':
    case 'string':
      return true
    case 'number':
      return Number.isFinite(value)
    case 'object': {
      const proto: unknown = Object.getPrototypeOf(value)
      if (proto === Array.prototype) {
        // Holes and undefined items serialize differently (JSON.stringify writes null): they are not plain JSON.
        for (const item of value as unknown[]) if (!isSortedPlainJson(item, depth + 1)) return false
        return true
      }
      // Dates, buffers and anything with toJSON serialize differently in the two.
      if (proto !== Object.prototype && proto !== null) return false
      let previous: string | undefined
      for (const key of Object.keys(value)) {
        if (previous !== undefined && !(previous < key)) return false
        previous = key
        if (!isSortedPlainJson((value as Record<string, unknown>)[key], depth + 1)) return false
      }
      return true
    }
    default:
      return false
  }
}

function serialize(value: unknown, depth: number): string {
  if (depth > MAX_DEPTH) throw new EntenteError('ERR_TRUST_LIST_SCHEMA', 'JSON nested too deeply')
  if (value === null) return 'null'
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false'
    case 'number':
      // RFC 8785 §3.2.2.3: ECMAScript Number-to-String, which JSON.stringify applies; NaN/Infinity are not JSON.
      if (!Number.isFinite(value)) throw new EntenteError('ERR_TRUST_LIST_SCHEMA', 'non-finite number is not JSON')
      return JSON.stringify(value)
    case 'string':
      if (!isWellFormed(value)) throw new EntenteError('ERR_TRUST_LIST_SCHEMA', 'string with a lone surrogate')
      return JSON.stringify(value)
    case 'object': {
      if (Array.isArray(value)) return `[${value.map((item: unknown) => serialize(item, depth + 1)).join(',')}]`
      const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined)
      // §3.2.3: keys sorted by UTF-16 code units, which is what the default string comparison does.
      entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      return `{${entries.map(([k, v]) => `${serialize(k, depth)}:${serialize(v, depth + 1)}`).join(',')}}`
    }
    default:
      throw new EntenteError('ERR_TRUST_LIST_SCHEMA', `${typeof value} is not JSON`)
  }
}

function isWellFormed(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1)
      if (!(next >= 0xdc00 && next <= 0xdfff)) return false
      i++
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      return false
    }
  }
  return true
}
