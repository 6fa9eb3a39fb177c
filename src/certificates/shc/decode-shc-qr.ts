// SMART Health Card QR text ("shc:/" numeric mode, single or chunked) → compact JWS.
// Pure: no I/O; throws only EntenteError.
import { allocBytes, latin1Text } from '../../model/bytes.js'
import { EntenteError } from '../../model/errors.js'
import { defaultLimits, type DecodeLimits } from '../constants.js'

export const SHC_PREFIX = 'shc:/'

const CHUNK_SEPARATOR = /\s+(?=shc:\/)/
const CHUNK = /^shc:\/(\d+)\/(\d+)\/(\d+)$/

function pairValue(hi: number, lo: number, at: number): number {
  const value = hi * 10 + lo
  if (value > 77) throw new EntenteError('ERR_DECODE_SHC_NUMERIC', `digit pair ${value} is above 77 at ${at}`)
  return value + 45
}

/** Each pair of digits is one character: value + 45 (so values above 77 are invalid). */
export function decodeShcNumeric(digits: string, start = 0): string {
  if ((digits.length - start) % 2 !== 0) throw new EntenteError('ERR_DECODE_SHC_NUMERIC', 'odd number of digits')
  const codes = allocBytes((digits.length - start) / 2)
  for (let i = start, o = 0; i < digits.length; i += 2, o++) {
    const hi = digits.charCodeAt(i) - 48
    const lo = digits.charCodeAt(i + 1) - 48
    if (hi < 0 || hi > 9 || lo < 0 || lo > 9) throw new EntenteError('ERR_DECODE_SHC_NUMERIC', `non-digit at ${i}`)
    codes[o] = pairValue(hi, lo, i)
  }
  return latin1Text(codes)
}

/**
 * A single QR ("shc:/" then digits only) in one pass: undefined as soon as a character is not a digit (chunk
 * headers, chunk separators, garbage), so the caller takes the general path, which explains the error.
 * One pass instead of a whitespace regex, a "/" search and then the decoding: this runs on every SHC scan.
 */
function decodeSingleQr(payload: string): string | undefined {
  const start = SHC_PREFIX.length
  const codes = allocBytes((payload.length - start) >> 1)
  let o = 0
  let i = start
  for (; i + 1 < payload.length; i += 2) {
    const hi = payload.charCodeAt(i) - 48
    const lo = payload.charCodeAt(i + 1) - 48
    if (hi < 0 || hi > 9 || lo < 0 || lo > 9) return undefined
    codes[o++] = pairValue(hi, lo, i)
  }
  if (i < payload.length) {
    const last = payload.charCodeAt(i) - 48
    if (last < 0 || last > 9) return undefined
    throw new EntenteError('ERR_DECODE_SHC_NUMERIC', 'odd number of digits')
  }
  return latin1Text(codes)
}

export interface DecodedShcQr {
  jws: string
  /** Number of QR chunks the JWS came in. */
  chunks: number
}

/**
 * Chunks are separated by whitespace before each further "shc:/"; any other whitespace is an error
 * (the validation SDK's trailing-character cases).
 */
export function decodeShcQr(payload: string, limits: DecodeLimits = defaultLimits): DecodedShcQr {
  if (payload.length > limits.maxPayloadChars) {
    throw new EntenteError('ERR_DECODE_TOO_LARGE', `payload longer than ${limits.maxPayloadChars} characters`)
  }
  if (!payload.startsWith(SHC_PREFIX)) throw new EntenteError('ERR_DECODE_PREFIX', 'payload does not start with "shc:/"')
  if (payload.length === SHC_PREFIX.length) throw new EntenteError('ERR_DECODE_SHC_NUMERIC', 'no digits after "shc:/"')
  const single = decodeSingleQr(payload)
  if (single !== undefined) return { jws: single, chunks: 1 }
  const parts = payload.split(CHUNK_SEPARATOR)
  if (parts.length > limits.maxShcChunks) throw new EntenteError('ERR_DECODE_TOO_LARGE', `more than ${limits.maxShcChunks} QR chunks`)
  let total: number | undefined
  const byIndex = new Map<number, string>()
  for (const part of parts) {
    const chunk = CHUNK.exec(part)
    if (chunk === null) throw new EntenteError('ERR_DECODE_SHC_NUMERIC', 'QR text is not "shc:/<digits>" or "shc:/<i>/<n>/<digits>"')
    const index = Number(chunk[1])
    const count = Number(chunk[2])
    // A single QR carries no chunk header: "shc:/1/1/…" is malformed.
    if (count < 2 || count > limits.maxShcChunks) throw new EntenteError('ERR_DECODE_SHC_NUMERIC', `invalid chunk count ${count}`)
    if (index < 1 || index > count) throw new EntenteError('ERR_DECODE_SHC_NUMERIC', `chunk index ${index} out of range 1..${count}`)
    if (total !== undefined && total !== count) throw new EntenteError('ERR_DECODE_SHC_NUMERIC', 'chunks disagree on the chunk count')
    if (byIndex.has(index)) throw new EntenteError('ERR_DECODE_SHC_NUMERIC', `chunk ${index} appears twice`)
    total = count
    byIndex.set(index, decodeShcNumeric(chunk[3] ?? ''))
  }
  if (total === undefined || byIndex.size !== total) {
    throw new EntenteError('ERR_DECODE_SHC_NUMERIC', `${byIndex.size} of ${total ?? '?'} QR chunks present`)
  }
  let jws = ''
  for (let i = 1; i <= total; i++) jws += byIndex.get(i) ?? ''
  return { jws, chunks: total }
}
