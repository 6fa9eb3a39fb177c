// Strict RFC 9285 base45 decoding: invalid characters, a dangling single character and triples above
// 65535 are errors. Pure: no I/O; throws only EntenteError.
// A table-driven loop rather than @digitalbazaar/base45's decode: this is the hot path of every HC1
// verification and the loop is ~5x faster; a property test holds both to identical results.
import { EntenteError } from '../../model/errors.js'

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:'
// Char code → value, 255 for characters outside the alphabet. Frozen content, never written after init.
const TABLE: Readonly<Uint8Array> = (() => {
  const table = new Uint8Array(128).fill(255)
  for (let i = 0; i < ALPHABET.length; i++) table[ALPHABET.charCodeAt(i)] = i
  return table
})()

function value(text: string, i: number): number {
  const code = text.charCodeAt(i)
  const v = code < 128 ? (TABLE[code] as number) : 255
  if (v === 255) throw new EntenteError('ERR_DECODE_BASE45', `invalid base45 character at ${i}`)
  return v
}

export function decodeBase45(text: string): Uint8Array {
  const rest = text.length % 3
  if (rest === 1) throw new EntenteError('ERR_DECODE_BASE45', 'invalid base45 length')
  const full = text.length - rest
  const out = new Uint8Array((full / 3) * 2 + (rest === 2 ? 1 : 0))
  let o = 0
  for (let i = 0; i < full; i += 3) {
    const n = value(text, i) + value(text, i + 1) * 45 + value(text, i + 2) * 2025
    if (n > 0xffff) throw new EntenteError('ERR_DECODE_BASE45', `base45 triple at ${i} exceeds 65535`)
    out[o++] = n >> 8
    out[o++] = n & 0xff
  }
  if (rest === 2) {
    const n = value(text, full) + value(text, full + 1) * 45
    if (n > 0xff) throw new EntenteError('ERR_DECODE_BASE45', 'final base45 pair exceeds 255')
    out[o] = n
  }
  return out
}
