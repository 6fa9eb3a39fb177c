// Byte encodings and digests used across Entente. Pure: no I/O (hashing through the crypto platform).
import { cryptoPlatform } from '../platform/crypto-platform.js'
import { toHex } from './bytes.js'

// The byte codecs live in bytes.ts (the one module that may use Node's Buffer); re-exported for existing importers.
export { fromBase64, fromBase64Transient, fromBase64url, toBase64, toBase64url, toHex } from './bytes.js'

export function sha256(data: Uint8Array | string): Uint8Array {
  return cryptoPlatform().sha256(data)
}

export function sha256Hex(data: Uint8Array | string): string {
  return toHex(cryptoPlatform().sha256(data))
}

export function utf8(data: Uint8Array): string {
  return new TextDecoder('utf-8', { fatal: true }).decode(data)
}
