// Byte encodings and digests used across Entente. Pure: no I/O (hashing through the crypto platform).
import { cryptoPlatform } from '../platform/crypto-platform.js'

export function sha256(data: Uint8Array | string): Uint8Array {
  return cryptoPlatform().sha256(data)
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))

export function toHex(data: Uint8Array): string {
  let text = ''
  for (const byte of data) text += HEX[byte] ?? ''
  return text
}

export function sha256Hex(data: Uint8Array | string): string {
  return toHex(cryptoPlatform().sha256(data))
}

export function toBase64url(data: Uint8Array): string {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64url')
}

const BASE64URL = /^[A-Za-z0-9_-]*$/

/** Strict: rejects characters outside the base64url alphabet instead of skipping them as Buffer does. */
export function fromBase64url(text: string): Uint8Array | undefined {
  if (!BASE64URL.test(text) || text.length % 4 === 1) return undefined
  return new Uint8Array(Buffer.from(text, 'base64url'))
}

/**
 * Strict standard base64 with padding: exactly the texts of /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/,
 * judged without a regex pass over the text (the cost of loading thousands of DSCs). Buffer decodes the base64 and
 * base64url alphabets and skips any other character (or stops at a misplaced '='), so whole quads with at most two
 * trailing '=' that hold no '-' or '_' and decode to their full length's worth of bytes hold no other character.
 */
export function fromBase64(text: string): Uint8Array | undefined {
  const bytes = fromBase64Transient(text)
  return bytes === undefined ? undefined : new Uint8Array(bytes)
}

/** As fromBase64, without the copy: small results share Buffer's pool, so only for bytes used and dropped at once. */
export function fromBase64Transient(text: string): Buffer | undefined {
  if (text.length % 4 !== 0 || text.includes('-') || text.includes('_')) return undefined
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0
  const bytes = Buffer.from(text, 'base64')
  return bytes.length === (text.length / 4) * 3 - padding ? bytes : undefined
}

export function toBase64(data: Uint8Array): string {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64')
}

export function utf8(data: Uint8Array): string {
  return new TextDecoder('utf-8', { fatal: true }).decode(data)
}
