// Byte encodings and digests used across Entente. Pure: no I/O (node:crypto hashing only).
import { createHash } from 'node:crypto'

export function sha256(data: Uint8Array | string): Uint8Array {
  return createHash('sha256').update(data).digest()
}

export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex')
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

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

/** Strict standard base64 with padding. */
export function fromBase64(text: string): Uint8Array | undefined {
  if (!BASE64.test(text)) return undefined
  return new Uint8Array(Buffer.from(text, 'base64'))
}

export function toBase64(data: Uint8Array): string {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64')
}

export function utf8(data: Uint8Array): string {
  return new TextDecoder('utf-8', { fatal: true }).decode(data)
}
