// zlib and raw DEFLATE inflation with a hard output cap. Pure: no I/O (inflation through the crypto platform);
// throws only EntenteError.
import { cryptoPlatform } from '../platform/crypto-platform.js'

/** Inflates `data`; output beyond `maxOutputLength` raises ERR_DECODE_TOO_LARGE instead of exhausting memory. */
export function inflateCapped(data: Uint8Array, options: { raw: boolean; maxOutputLength: number }): Uint8Array {
  return cryptoPlatform().inflate(data, options)
}
