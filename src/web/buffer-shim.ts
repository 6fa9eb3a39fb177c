// Gives the browser bundle the npm `buffer` package wherever the shared core names the global Buffer (esbuild
// `inject`): the core still uses Buffer in places, and browsers have none. The package predates Node's 'base64url'
// encoding, which the core uses for JWS parts and thumbprints; it is taught here (its base64 decoder already reads
// the URL-safe alphabet without padding, so decoding maps onto it; encoding converts the alphabet).
import { Buffer } from 'buffer'

type Encoding = Parameters<typeof Buffer.isEncoding>[0]
const BASE64URL = 'base64url'
const plain = (encoding: unknown): unknown => (typeof encoding === 'string' && encoding.toLowerCase() === BASE64URL ? 'base64' : encoding)
const toUrl = (base64: string): string => base64.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')

const from = Buffer.from.bind(Buffer) as (...args: unknown[]) => Buffer
const byteLength = Buffer.byteLength.bind(Buffer) as (...args: unknown[]) => number
const isEncoding = Buffer.isEncoding.bind(Buffer)
interface Methods {
  toString: (this: Buffer, ...args: unknown[]) => string
  write: (this: Buffer, ...args: unknown[]) => number
}
const proto = Buffer.prototype as unknown as Methods
const { toString, write } = proto

Object.assign(Buffer, {
  from: (value: unknown, encodingOrOffset?: unknown, length?: unknown) => (typeof value === 'string' ? from(value, plain(encodingOrOffset)) : from(value, encodingOrOffset, length)),
  byteLength: (value: unknown, encoding?: unknown) => byteLength(value, plain(encoding)),
  isEncoding: (encoding: Encoding) => encoding.toLowerCase() === BASE64URL || isEncoding(encoding),
})
proto.toString = function (this: Buffer, encoding?: unknown, start?: unknown, end?: unknown): string {
  return plain(encoding) === encoding ? toString.call(this, encoding, start, end) : toUrl(toString.call(this, 'base64', start, end))
}
proto.write = function (this: Buffer, ...args: unknown[]): number {
  return write.apply(this, args.map(plain))
}

export { Buffer }
