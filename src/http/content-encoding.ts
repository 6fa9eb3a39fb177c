// Content negotiation of response codings (RFC 9110): which of brotli, gzip and identity a client prefers, and a
// bounded cache of compressed immutable bodies. Compression runs on the thread pool, never on the event loop.
import { promisify } from 'node:util'
import { brotliCompress, constants, gzip } from 'node:zlib'

export type ContentCoding = 'br' | 'gzip' | 'identity'

/**
 * RFC 9110 §12.5.3: the coding with the highest q-value among brotli, gzip (also `x-gzip`) and identity; a coding
 * not listed takes the weight of `*`, except identity, which stays acceptable unless refused by name or by `*;q=0`.
 * Ties go to the smaller body (br, then gzip). Identity is also the answer when nothing else is acceptable: it is
 * always safe to send.
 */
export function preferredEncoding(header: string | undefined): ContentCoding {
  if (header === undefined) return 'identity'
  const weights = new Map<string, number>()
  for (const element of header.split(',')) {
    const [raw = '', ...params] = element.split(';').map((part) => part.trim().toLowerCase())
    const name = raw === 'x-gzip' ? 'gzip' : raw
    let q = 1
    for (const param of params) {
      const match = /^q\s*=\s*(0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/.exec(param)
      if (match !== null) q = Number(match[1])
      // A weight that does not parse is read as 0: identity is always safe to send.
      else if (/^q\s*=/.test(param)) q = 0
    }
    weights.set(name, Math.max(weights.get(name) ?? 0, q))
  }
  const any = weights.get('*')
  const weight = (name: ContentCoding): number => weights.get(name) ?? (name === 'identity' ? (any === 0 ? 0 : Math.max(any ?? 0, 0.001)) : any ?? 0)
  let best: ContentCoding = 'identity'
  let bestWeight = 0
  for (const candidate of ['br', 'gzip', 'identity'] as const) {
    if (weight(candidate) > bestWeight) [best, bestWeight] = [candidate, weight(candidate)]
  }
  return best
}

const gzipAsync = promisify(gzip)
const brotliAsync = promisify(brotliCompress)

/** Compresses on the libuv thread pool; brotli at quality 5, where it beats gzip -6 in size and still runs fast. */
export async function compress(body: Buffer, coding: Exclude<ContentCoding, 'identity'>): Promise<Buffer> {
  return coding === 'gzip' ? gzipAsync(body) : brotliAsync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 5, [constants.BROTLI_PARAM_SIZE_HINT]: body.length } })
}

/**
 * Compressed forms of content-addressed bodies (the bytes under a hash never change), least recently used first
 * out once the total passes `maxBytes`. A body that does not shrink is remembered as such and sent as is.
 */
export class CompressedBodies {
  readonly #entries = new Map<string, Buffer | null>()
  #bytes = 0

  constructor(private readonly maxBytes: number) {}

  async get(key: string, coding: Exclude<ContentCoding, 'identity'>, body: () => Buffer): Promise<Buffer | undefined> {
    const id = `${coding}:${key}`
    const cached = this.#entries.get(id)
    if (cached !== undefined) {
      this.#entries.delete(id)
      this.#entries.set(id, cached)
      return cached ?? undefined
    }
    const raw = body()
    const packed = await compress(raw, coding)
    const kept = packed.length < raw.length ? packed : null
    this.#entries.set(id, kept)
    this.#bytes += kept?.length ?? 0
    for (const [old, value] of this.#entries) {
      if (this.#bytes <= this.maxBytes) break
      this.#entries.delete(old)
      this.#bytes -= value?.length ?? 0
    }
    return kept ?? undefined
  }
}
