// The home root as a person types it: the grouped hex fingerprint the CLI prints (any case, spaces, colons or
// dashes) or the base64url thumbprint itself. Pure, and without Buffer: the page runs it in any browser.
import { EntenteError } from '../model/errors.js'

const HEX64 = /^[0-9a-f]{64}$/
const THUMBPRINT = /^[A-Za-z0-9_-]{43}$/
const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

/** The root thumbprint (base64url SHA-256) a typed fingerprint or thumbprint names; ERR_KEY_INVALID otherwise. */
export function parseRootInput(input: string): string {
  const trimmed = input.trim()
  if (THUMBPRINT.test(trimmed) && decodeBase64url(trimmed) !== undefined) return trimmed
  const hex = trimmed.toLowerCase().replace(/[\s:-]/g, '')
  if (HEX64.test(hex)) return encodeBase64url(hexBytes(hex))
  const digits = hex.replace(/[^0-9a-f]/g, '').length
  throw new EntenteError(
    'ERR_KEY_INVALID',
    digits > 0 && digits !== 64 && /^[0-9a-f]*$/.test(hex)
      ? `a root fingerprint has 64 hex digits (16 groups of 4); this has ${digits}`
      : 'give the home root fingerprint (16 groups of 4 hex digits) or its 43-character thumbprint',
  )
}

/** The CLI's grouped form (`entente root show`): upper-case hex in groups of four. */
export function fingerprintGroups(thumbprint: string): string {
  const bytes = decodeBase64url(thumbprint)
  if (bytes === undefined) return ''
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('').toUpperCase().match(/.{4}/g)?.join(' ') ?? ''
}

function hexBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16)
  return out
}

function encodeBase64url(bytes: Uint8Array): string {
  let out = ''
  let bits = 0
  let value = 0
  for (const byte of bytes) {
    value = (value << 8) | byte
    bits += 8
    while (bits >= 6) {
      bits -= 6
      out += B64URL[(value >> bits) & 63]
    }
  }
  if (bits > 0) out += B64URL[(value << (6 - bits)) & 63]
  return out
}

function decodeBase64url(text: string): Uint8Array | undefined {
  const out: number[] = []
  let bits = 0
  let value = 0
  for (const char of text) {
    const index = B64URL.indexOf(char)
    if (index < 0) return undefined
    value = ((value << 6) | index) & 0xffffff
    bits += 6
    if (bits >= 8) {
      bits -= 8
      out.push((value >> bits) & 0xff)
    }
  }
  return Uint8Array.from(out)
}
