// Human-comparable form of a root thumbprint: hex in groups of four, to read aloud over the phone. Pure.
import { fromBase64url, toHex } from '../model/bytes.js'

/** '' for text that is not base64url: nothing to read aloud. */
export function fingerprintGroups(thumbprint: string): string {
  return toHex(fromBase64url(thumbprint) ?? new Uint8Array()).toUpperCase().match(/.{4}/g)?.join(' ') ?? ''
}
