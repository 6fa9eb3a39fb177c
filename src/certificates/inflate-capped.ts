// zlib and raw DEFLATE inflation with a hard output cap. Pure: no I/O; throws only EntenteError.
import { inflateRawSync, inflateSync } from 'node:zlib'
import { EntenteError } from '../model/errors.js'

// zlib's default output chunk is 16 KiB, allocated on every call even for a 400-byte COSE message, and the
// decoded views keep it alive. Certificates inflate to 1–4x their compressed size, so a chunk of 4x the input
// usually holds the whole output; a larger output is still inflated correctly, in several chunks.
const MIN_CHUNK = 1024
const MAX_CHUNK = 16 * 1024

/** Inflates `data`; output beyond `maxOutputLength` raises ERR_DECODE_TOO_LARGE instead of exhausting memory. */
export function inflateCapped(data: Uint8Array, options: { raw: boolean; maxOutputLength: number }): Buffer {
  const chunkSize = Math.min(MAX_CHUNK, Math.max(MIN_CHUNK, data.length * 4))
  try {
    const inflate = options.raw ? inflateRawSync : inflateSync
    return inflate(data, { maxOutputLength: options.maxOutputLength, chunkSize })
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
