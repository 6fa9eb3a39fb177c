// Byte ↔ text conversions for the runtime-neutral core: base64, base64url, UTF-8, latin1, hex, concat, compare.
// Pure: no I/O, no imports. The only module of the core that names Buffer: Node's native codecs are several times
// faster than JavaScript loops on big data, so they are used where present; elsewhere portable code gives the same
// results (a property test holds the two paths to each other, invalid inputs included).

/** The part of Node's Buffer used here (typed locally: the core's types must not need @types/node). */
type NodeBytes = Uint8Array & { toString(encoding: 'base64' | 'base64url' | 'hex' | 'latin1' | 'utf8'): string }
interface NodeBufferClass {
  from(data: ArrayBufferLike, byteOffset: number, length: number): NodeBytes
  from(text: string, encoding: 'base64' | 'base64url' | 'hex' | 'latin1' | 'utf8'): NodeBytes
  allocUnsafe(size: number): NodeBytes
  byteLength(text: string): number
  concat(list: readonly Uint8Array[]): NodeBytes
  compare(a: Uint8Array, b: Uint8Array): number
  isEncoding(encoding: string): boolean
}

// Only a Buffer that speaks base64url as Node's does: the npm `buffer` polyfill an integrator's bundle may still inject
// lacks it (and decodes malformed base64 differently), so it gets the portable path.
const candidate = (globalThis as { Buffer?: NodeBufferClass }).Buffer
const NodeBuffer = typeof candidate?.isEncoding === 'function' && candidate.isEncoding('base64url') ? candidate : undefined

// A Buffer already (from allocBytes, utf8Bytes…) is used as it is: wrapping costs more than short conversions themselves.
const NodeBufferType = NodeBuffer as unknown as (abstract new () => NodeBytes) | undefined
const view = (data: Uint8Array): NodeBytes =>
  NodeBufferType !== undefined && data instanceof NodeBufferType ? data : (NodeBuffer as NodeBufferClass).from(data.buffer, data.byteOffset, data.byteLength)

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
const STANDARD = `${ALPHABET}+/`
const URL_SAFE = `${ALPHABET}-_`
const INVALID = 255
function decodeTable(alphabet: string): Readonly<Uint8Array> {
  const table = new Uint8Array(128).fill(INVALID)
  for (let i = 0; i < alphabet.length; i++) table[alphabet.charCodeAt(i)] = i
  return table
}
const STANDARD_VALUES = decodeTable(STANDARD)
const URL_SAFE_VALUES = decodeTable(URL_SAFE)

function encodeBase64(data: Uint8Array, alphabet: string, pad: boolean): string {
  let text = ''
  const full = data.length - (data.length % 3)
  for (let i = 0; i < full; i += 3) {
    const n = ((data[i] as number) << 16) | ((data[i + 1] as number) << 8) | (data[i + 2] as number)
    text += alphabet[n >> 18]! + alphabet[(n >> 12) & 63]! + alphabet[(n >> 6) & 63]! + alphabet[n & 63]!
  }
  if (data.length - full === 1) {
    const n = data[full] as number
    text += alphabet[n >> 2]! + alphabet[(n & 3) << 4]! + (pad ? '==' : '')
  } else if (data.length - full === 2) {
    const n = ((data[full] as number) << 8) | (data[full + 1] as number)
    text += alphabet[n >> 10]! + alphabet[(n >> 4) & 63]! + alphabet[(n & 15) << 2]! + (pad ? '=' : '')
  }
  return text
}

/**
 * The first `length` characters of `text` as unpadded base64 in `values`' alphabet; undefined for any other character.
 * Bits of a last partial character beyond the final byte are dropped, as Node does. `length` % 4 is never 1 here.
 */
function decodeBase64(text: string, length: number, values: Readonly<Uint8Array>): Uint8Array | undefined {
  const out = new Uint8Array(((length >> 2) * 3) + (length % 4 === 0 ? 0 : (length % 4) - 1))
  let o = 0
  let bits = 0
  let held = 0
  for (let i = 0; i < length; i++) {
    const code = text.charCodeAt(i)
    const value = code < 128 ? (values[code] as number) : INVALID
    if (value === INVALID) return undefined
    bits = (bits << 6) | value
    held += 6
    if (held >= 8) {
      held -= 8
      out[o++] = (bits >> held) & 0xff
      bits &= (1 << held) - 1
    }
  }
  return out
}

export function toBase64(data: Uint8Array): string {
  return NodeBuffer !== undefined ? view(data).toString('base64') : encodeBase64(data, STANDARD, true)
}

export function toBase64url(data: Uint8Array): string {
  return NodeBuffer !== undefined ? view(data).toString('base64url') : encodeBase64(data, URL_SAFE, false)
}

const BASE64URL = /^[A-Za-z0-9_-]*$/

/** Strict unpadded base64url: any character outside the alphabet, '=' included, and a 4k+1 length are refused. */
export function fromBase64url(text: string): Uint8Array | undefined {
  if (text.length % 4 === 1) return undefined
  if (NodeBuffer === undefined) return decodeBase64(text, text.length, URL_SAFE_VALUES)
  // Node skips characters outside the alphabet instead of refusing them: the regex refuses them first.
  if (!BASE64URL.test(text)) return undefined
  return new Uint8Array(NodeBuffer.from(text, 'base64url'))
}

/**
 * Strict standard base64 with padding: exactly the texts of /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/,
 * judged without a regex pass over the text (the cost of loading thousands of DSCs).
 */
export function fromBase64(text: string): Uint8Array | undefined {
  const bytes = fromBase64Transient(text)
  return bytes === undefined || NodeBuffer === undefined ? bytes : new Uint8Array(bytes)
}

/** As fromBase64, without the copy: on Node small results share Buffer's pool, so only for bytes used and dropped at once. */
export function fromBase64Transient(text: string): Uint8Array | undefined {
  if (text.length % 4 !== 0) return undefined
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0
  if (NodeBuffer === undefined) return decodeBase64(text, text.length - padding, STANDARD_VALUES)
  // Node decodes the base64 and base64url alphabets and skips any other character (or stops at a misplaced '='), so
  // whole quads with at most two trailing '=' that hold no '-' or '_' and decode to their full length's worth of bytes
  // hold no other character, once non-ASCII is ruled out: Node reads a character by its low byte, so 'İ' (U+0130)
  // would pass for '0'. Text as long as its UTF-8 is ASCII; counting is one fast native scan.
  if (text.includes('-') || text.includes('_') || NodeBuffer.byteLength(text) !== text.length) return undefined
  const bytes = NodeBuffer.from(text, 'base64')
  return bytes.length === (text.length / 4) * 3 - padding ? bytes : undefined
}

const encoder = new TextEncoder()
// Lossy as Node's toString('utf8'): malformed sequences become U+FFFD, and a leading BOM is kept, not eaten.
// Non-streaming decode() keeps no state between calls, so one shared decoder is safe.
const lossyDecoder = new TextDecoder('utf-8', { ignoreBOM: true })

/** UTF-8 of `text`; an unpaired surrogate becomes U+FFFD. */
export function utf8Bytes(text: string): Uint8Array {
  return NodeBuffer !== undefined ? NodeBuffer.from(text, 'utf8') : encoder.encode(text)
}

/** Text of UTF-8 bytes, lossy: malformed sequences become U+FFFD (for strict decoding use `utf8` in encoding.ts). */
export function utf8Text(data: Uint8Array): string {
  return NodeBuffer !== undefined ? view(data).toString('utf8') : lossyDecoder.decode(data)
}

// Anything but printable ASCII: control characters are escaped by JSON.stringify, the rest may take several bytes.
const NOT_PRINTABLE_ASCII = /[^ -~]/

/**
 * The UTF-8 size of JSON.stringify(text), without writing it out for the common case: printable ASCII counts its
 * quotes and backslashes (one escape byte each); any other text is serialized and measured.
 */
export function jsonStringSize(text: string): number {
  if (NOT_PRINTABLE_ASCII.test(text)) return utf8Length(JSON.stringify(text))
  let size = text.length + 2
  for (let at = text.indexOf('"'); at !== -1; at = text.indexOf('"', at + 1)) size++
  for (let at = text.indexOf('\\'); at !== -1; at = text.indexOf('\\', at + 1)) size++
  return size
}

/** Byte length of `text` in UTF-8, without encoding it (an unpaired surrogate counts as U+FFFD: 3 bytes). */
export function utf8Length(text: string): number {
  if (NodeBuffer !== undefined) return NodeBuffer.byteLength(text)
  let length = text.length
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (code < 0x80) continue
    if (code < 0x800) length += 1
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      // A pair: two code units, four bytes.
      length += 2
      i++
    } else length += 2
  }
  return length
}

/** One character per byte (U+0000 to U+00FF). Not TextDecoder('latin1'): that is windows-1252. */
export function latin1Text(data: Uint8Array): string {
  if (NodeBuffer !== undefined) return view(data).toString('latin1')
  let text = ''
  // Chunks keep the argument count far below engines' limits; apply takes the typed array as it is (spreading it
  // first is several times slower).
  for (let i = 0; i < data.length; i += 0x2000) text += String.fromCharCode.apply(null, data.subarray(i, i + 0x2000) as unknown as number[])
  return text
}

/** One byte per character: the low 8 bits of each UTF-16 code unit, as Node's 'latin1' encoding keeps. */
export function latin1Bytes(text: string): Uint8Array {
  if (NodeBuffer !== undefined) return NodeBuffer.from(text, 'latin1')
  const out = new Uint8Array(text.length)
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0xff
  return out
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))

/** Lowercase hex. */
export function toHex(data: Uint8Array): string {
  // A JavaScript table beats creating a Buffer view for the short digests and hashes most callers pass.
  if (NodeBuffer === undefined || data.length < 64) {
    let text = ''
    for (const byte of data) text += HEX[byte] ?? ''
    return text
  }
  return view(data).toString('hex')
}

const HEX_TEXT = /^(?:[0-9A-Fa-f]{2})*$/

/** Strict hex (either case): an odd length or any other character is refused, where Node would stop decoding there. */
export function fromHex(text: string): Uint8Array | undefined {
  if (!HEX_TEXT.test(text)) return undefined
  if (NodeBuffer !== undefined) return new Uint8Array(NodeBuffer.from(text, 'hex'))
  const out = new Uint8Array(text.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(i * 2, i * 2 + 2), 16)
  return out
}

/**
 * `size` bytes that the caller overwrites entirely before reading (their initial content is unspecified): on Node a
 * slice of Buffer's pool, several times cheaper than a zeroed array for the short scratch of each scan.
 */
export function allocBytes(size: number): Uint8Array {
  return NodeBuffer !== undefined ? NodeBuffer.allocUnsafe(size) : new Uint8Array(size)
}

export function concatBytes(list: readonly Uint8Array[]): Uint8Array {
  if (NodeBuffer !== undefined) return NodeBuffer.concat(list)
  let length = 0
  for (const part of list) length += part.length
  const out = new Uint8Array(length)
  let at = 0
  for (const part of list) {
    out.set(part, at)
    at += part.length
  }
  return out
}

/** Lexicographic order of two byte strings (a proper prefix first): -1, 0 or 1. */
export function compareBytes(a: Uint8Array, b: Uint8Array): -1 | 0 | 1 {
  if (NodeBuffer !== undefined) return NodeBuffer.compare(a, b) as -1 | 0 | 1
  const length = Math.min(a.length, b.length)
  for (let i = 0; i < length; i++) {
    if (a[i] !== b[i]) return (a[i] as number) < (b[i] as number) ? -1 : 1
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0
}
