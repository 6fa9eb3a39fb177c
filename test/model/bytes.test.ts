// The byte helpers give the same answers on both paths: Node's Buffer (as the Node entry points run them) and the
// portable code browsers run, loaded here as a second copy of the module with no usable Buffer in sight. Random and
// malformed inputs alike; where Node's own Buffer answers the same question, it is the reference.
import fc from 'fast-check'
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import * as native from '../../src/model/bytes.js'

type Bytes = typeof native

async function loadWith(buffer: unknown): Promise<Bytes> {
  vi.stubGlobal('Buffer', buffer)
  try {
    vi.resetModules()
    return await import('../../src/model/bytes.js')
  } finally {
    vi.unstubAllGlobals()
  }
}

let portable: Bytes
beforeAll(async () => {
  portable = await loadWith(undefined)
})
afterEach(() => vi.unstubAllGlobals())

const same = (a: Uint8Array | undefined, b: Uint8Array | undefined): void => {
  expect(a === undefined ? undefined : [...a]).toEqual(b === undefined ? undefined : [...b])
}

const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/
const STRICT_BASE64URL = /^[A-Za-z0-9_-]*$/
// Characters each decoder must weigh: both alphabets, padding, whitespace, other ASCII, non-ASCII, a lone surrogate.
const tricky = fc.constantFrom(...'AQgw+/=-_ \n\t.*%\u00e9\u0000\u0130\ud800'.split(''), 'A', 'Z', 'a', 'z', '0', '9', 'f', 'F')
const trickyText = fc.string({ unit: tricky, maxLength: 24 })
// Valid encodings with a few characters inserted, removed or swapped: near misses are where decoders differ.
const mutated = (encode: (bytes: Uint8Array) => string) =>
  fc.tuple(fc.uint8Array({ maxLength: 40 }), fc.nat(60), fc.string({ unit: tricky, maxLength: 3 }), fc.nat(3)).map(([bytes, at, insert, op]) => {
    const text = encode(bytes)
    const p = Math.min(at, text.length)
    if (op === 0) return text
    if (op === 1) return text.slice(0, p) + insert + text.slice(p)
    if (op === 2) return text.slice(0, p) + text.slice(p + insert.length)
    return text.slice(0, p) + insert + text.slice(p + insert.length)
  })
// Any UTF-16 code units, unpaired surrogates included.
const anyText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 40 }).map((codes) => String.fromCharCode(...codes)),
)
const runs = { numRuns: 3000 }

describe('byte helpers: the portable path', () => {
  it('is the one loaded without a Buffer, or with a Buffer that lacks base64url (the npm polyfill)', async () => {
    expect(Buffer.isBuffer(native.fromBase64Transient('QUJD'))).toBe(true)
    expect(Buffer.isBuffer(portable.fromBase64Transient('QUJD'))).toBe(false)
    const polyfilled = await loadWith({ isEncoding: (encoding: string) => encoding !== 'base64url', from: () => expect.unreachable() })
    same(polyfilled.fromBase64Transient('QUJD'), Uint8Array.of(65, 66, 67))
    expect(polyfilled.toBase64url(Uint8Array.of(251, 255))).toBe('-_8')
  })
})

describe('byte helpers: both paths agree', () => {
  it('base64 and base64url encoding, as Node encodes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), fc.nat(8), (bytes, offset) => {
        // A view into a larger buffer: the helpers must read only the view.
        const view = new Uint8Array([...new Uint8Array(offset), ...bytes, 7]).subarray(offset, offset + bytes.length)
        for (const bytesApi of [native, portable]) {
          expect(bytesApi.toBase64(view)).toBe(Buffer.from(bytes).toString('base64'))
          expect(bytesApi.toBase64url(view)).toBe(Buffer.from(bytes).toString('base64url'))
        }
      }),
      runs,
    )
  })

  it('strict base64 decoding: exactly the padded standard texts, the same bytes', () => {
    const agrees = (text: string): void => {
      const decoded = native.fromBase64(text)
      if (STRICT_BASE64.test(text)) same(decoded, Buffer.from(text, 'base64'))
      else expect(decoded, JSON.stringify(text)).toBeUndefined()
      same(portable.fromBase64(text), decoded)
      same(native.fromBase64Transient(text), decoded)
      same(portable.fromBase64Transient(text), decoded)
    }
    fc.assert(fc.property(fc.oneof(trickyText, mutated((b) => Buffer.from(b).toString('base64'))), agrees), { numRuns: 8000 })
    for (const text of ['', '====', 'QQ==', 'QR==', 'QUI=', 'QUJ=', 'QUJD', 'Q===', 'QQ=', 'QQ==QQ==', 'Q=Q=', 'AB=C', 'ab-_', 'QU I=', 'QUJD\n', '\u00e9QUJ', 'A\u0130AA']) agrees(text)
  })

  it('strict base64url decoding: the alphabet only, no padding, never 4k+1 characters', () => {
    const agrees = (text: string): void => {
      const decoded = native.fromBase64url(text)
      if (STRICT_BASE64URL.test(text) && text.length % 4 !== 1) same(decoded, Buffer.from(text, 'base64url'))
      else expect(decoded, JSON.stringify(text)).toBeUndefined()
      same(portable.fromBase64url(text), decoded)
    }
    fc.assert(fc.property(fc.oneof(trickyText, mutated((b) => Buffer.from(b).toString('base64url'))), agrees), { numRuns: 8000 })
    // Trailing bits beyond the last byte are dropped, not refused, as Node does.
    for (const text of ['', 'A', 'AB', 'AF', 'ABC', 'ABD', 'QQ==', 'Q+/A', '-_-_', 'AAAAA']) agrees(text)
  })

  it('the size of a string as JSON: the UTF-8 length of JSON.stringify(text)', () => {
    const jsonish = fc.string({ unit: fc.constantFrom(...'a"\\/ \n\t\u0000\u001f\u007f~{}:,\u00e9\u2028\ud83d\ude00\ud800'.split('')), maxLength: 30 })
    fc.assert(
      fc.property(fc.oneof(anyText, jsonish), (text) => {
        const size = Buffer.byteLength(JSON.stringify(text))
        expect(native.jsonStringSize(text)).toBe(size)
        expect(portable.jsonStringSize(text)).toBe(size)
      }),
      runs,
    )
  })

  it('UTF-8 encoding, lossy decoding and length, as Node does them', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const bytes = Buffer.from(text, 'utf8')
        same(native.utf8Bytes(text), bytes)
        same(portable.utf8Bytes(text), bytes)
        expect(native.utf8Length(text)).toBe(bytes.length)
        expect(portable.utf8Length(text)).toBe(bytes.length)
      }),
      runs,
    )
    // Malformed sequences (overlong, truncated, surrogates, above U+10FFFF) and a BOM, which Node keeps.
    const utf8ish = fc.array(fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(0xef, 0xbb, 0xbf, 0xed, 0xa0, 0xc0, 0xf4, 0x90, 0x80)), { maxLength: 40 })
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 40 }), utf8ish.map((b) => Uint8Array.from(b))), fc.boolean(), (bytes, bom) => {
        const input = bom ? Uint8Array.of(0xef, 0xbb, 0xbf, ...bytes) : bytes
        const text = Buffer.from(input).toString('utf8')
        expect(native.utf8Text(input)).toBe(text)
        expect(portable.utf8Text(input)).toBe(text)
      }),
      runs,
    )
  })

  it('latin1 both ways, as Node does it (one byte per character, code units cut to 8 bits)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), anyText, (bytes, text) => {
        expect(native.latin1Text(bytes)).toBe(Buffer.from(bytes).toString('latin1'))
        expect(portable.latin1Text(bytes)).toBe(Buffer.from(bytes).toString('latin1'))
        same(native.latin1Bytes(text), Buffer.from(text, 'latin1'))
        same(portable.latin1Bytes(text), Buffer.from(text, 'latin1'))
      }),
      runs,
    )
    // Longer than one chunk of the portable decoder.
    const long = Uint8Array.from({ length: 20_000 }, (_, i) => i % 256)
    expect(portable.latin1Text(long)).toBe(Buffer.from(long).toString('latin1'))
  })

  it('hex both ways: lowercase out; in, even-length hex of either case only', () => {
    const hexish = fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEFgG x'.split('')), maxLength: 20 })
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), hexish, (bytes, text) => {
        expect(native.toHex(bytes)).toBe(Buffer.from(bytes).toString('hex'))
        expect(portable.toHex(bytes)).toBe(Buffer.from(bytes).toString('hex'))
        const decoded = native.fromHex(text)
        if (/^(?:[0-9a-fA-F]{2})*$/.test(text)) same(decoded, Buffer.from(text, 'hex'))
        else expect(decoded).toBeUndefined()
        same(portable.fromHex(text), decoded)
      }),
      runs,
    )
  })

  it('allocBytes: the size asked for (content unspecified: callers overwrite it)', () => {
    for (const size of [0, 1, 806, 10_000]) {
      expect(native.allocBytes(size)).toHaveLength(size)
      expect(portable.allocBytes(size)).toHaveLength(size)
    }
  })

  it('concat and compare, as Node does them', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 6 }), { maxLength: 5 }), (parts) => {
        same(native.concatBytes(parts), Buffer.concat(parts))
        same(portable.concatBytes(parts), Buffer.concat(parts))
        const [a = new Uint8Array(), b = new Uint8Array()] = parts
        expect(native.compareBytes(a, b)).toBe(Buffer.compare(a, b))
        expect(portable.compareBytes(a, b)).toBe(Buffer.compare(a, b))
      }),
      runs,
    )
  })
})
