// zlib and raw DEFLATE inflation with a hard output cap. Pure: no I/O; throws only EntenteError.
import { inflateRawSync, inflateSync } from 'node:zlib'
import { EntenteError } from '../model/errors.js'

/** Inflates `data`; output beyond `maxOutputLength` raises ERR_DECODE_TOO_LARGE instead of exhausting memory. */
export function inflateCapped(data: Uint8Array, options: { raw: boolean; maxOutputLength: number }): Buffer {
  try {
    const inflate = options.raw ? inflateRawSync : inflateSync
    return inflate(data, { maxOutputLength: options.maxOutputLength })
  } catch (error) {
    // zlib reports the cap as a RangeError with code ERR_BUFFER_TOO_LARGE.
    if ((error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new EntenteError('ERR_DECODE_TOO_LARGE', `inflated data exceeds ${options.maxOutputLength} bytes`, {
        cause: error,
      })
    }
    throw new EntenteError('ERR_DECODE_ZLIB', options.raw ? 'invalid raw DEFLATE data' : 'invalid zlib data', {
      cause: error,
    })
  }
}
