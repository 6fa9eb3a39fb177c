import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { canonicalize, isCanonicalText } from '../../src/model/canonical-json.js'
import { fromBase64, fromBase64Transient } from '../../src/model/encoding.js'
import { EntenteError } from '../../src/model/errors.js'

describe('canonicalize (RFC 8785)', () => {
  it('matches the RFC 8785 examples', () => {
    // RFC 8785 §3.2.2 and §3.2.3 (sorting by UTF-16 code units, number and string serialization).
    // eslint-disable-next-line no-loss-of-precision -- the RFC's own input exercises number serialization
    expect(canonicalize({ numbers: [333333333.33333329, 1e30, 4.5, 2e-3, 0.000000000000000000000000001], string: '€$\u000f\nA\'B"\\\\"/', literals: [null, true, false] })).toBe(
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    )
    expect(canonicalize({ '\u20ac': 'Euro Sign', '\r': 'Carriage Return', '\ufb33': 'Hebrew Letter Dalet With Dagesh', '1': 'One', '\ud83d\ude00': 'Emoji: Grinning Face', '\u0080': 'Control', '\u00f6': 'Latin Small Letter O With Diaeresis' })).toBe(
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","ö":"Latin Small Letter O With Diaeresis","€":"Euro Sign","😀":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    )
    expect(canonicalize(-0)).toBe('0')
  })

  it('rejects what is not JSON, with an EntenteError', () => {
    for (const bad of [Number.NaN, Infinity, () => 1, Symbol('x'), 10n, '\ud800', { a: '\udc00' }]) {
      expect(() => canonicalize(bad)).toThrow(EntenteError)
    }
  })

  it('is stable: key order never matters and canonical text is a fixed point', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const once = canonicalize(value)
        expect(canonicalize(JSON.parse(once))).toBe(once)
        expect(JSON.parse(once)).toEqual(JSON.parse(JSON.stringify(value)))
      }),
      { numRuns: 500 },
    )
  })

  it('is independent of insertion order', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 12 }), (dict) => {
        const reversed = Object.fromEntries(Object.entries(dict).reverse())
        expect(canonicalize(reversed)).toBe(canonicalize(dict))
      }),
      { numRuns: 300 },
    )
  })
})

describe('isCanonicalText', () => {
  // The verdict (and any error) of comparing with the full serializer, whatever path isCanonicalText takes.
  const reference = (value: unknown, text: string): boolean | string => {
    try {
      return canonicalize(value) === text
    } catch (error) {
      return (error as EntenteError).code
    }
  }
  const actual = (value: unknown, text: string): boolean | string => {
    try {
      return isCanonicalText(value, text)
    } catch (error) {
      return (error as EntenteError).code
    }
  }

  it('gives the verdict of canonicalize for parsed texts, canonical or not', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.boolean(), (value, sorted) => {
        const text = sorted ? canonicalize(value) : JSON.stringify(value)
        const parsed: unknown = JSON.parse(text)
        expect(actual(parsed, text)).toBe(reference(parsed, text))
        expect(actual(parsed, canonicalize(value))).toBe(true)
      }),
      { numRuns: 500 },
    )
  })

  it('refuses what the fast path alone would let through', () => {
    const cases: [unknown, string][] = [
      [{ b: 1, a: 2 }, '{"b":1,"a":2}'],
      [{ 10: 1, 9: 2 }, '{"9":2,"10":1}'],
      [{ a: '\ud800' }, '{"a":"\\ud800"}'],
      [{ '\udc00': 1 }, '{"\\udc00":1}'],
      [[Infinity], '[null]'],
      [[undefined], '[null]'],
      // eslint-disable-next-line no-sparse-arrays -- a hole serializes differently in the two
      [[1, , 2], '[1,null,2]'],
      [{ a: new Date(0) }, `{"a":"${new Date(0).toISOString()}"}`],
      [{ a: { toJSON: () => 1 } }, '{"a":1}'],
      [JSON.parse(`${'['.repeat(80)}${']'.repeat(80)}`), `${'['.repeat(80)}${']'.repeat(80)}`],
      [{ a: 1, b: undefined }, '{"a":1}'],
      [{ a: 'x\\udzz' }, '{"a":"x\\\\udzz"}'],
    ]
    for (const [value, text] of cases) expect(actual(value, text)).toBe(reference(value, text))
    expect(isCanonicalText({ a: 1, b: undefined }, '{"a":1}')).toBe(true)
    expect(isCanonicalText({ a: 'x\\udzz' }, '{"a":"x\\\\udzz"}')).toBe(true)
    expect(() => isCanonicalText({ a: '\ud800' }, '{"a":"\\ud800"}')).toThrow(EntenteError)
  })
})

describe('fromBase64 (and fromBase64Transient)', () => {
  const STRICT = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/
  const agrees = (text: string) => {
    const decoded = fromBase64(text)
    if (STRICT.test(text)) expect(decoded).toEqual(new Uint8Array(Buffer.from(text, 'base64')))
    else expect(decoded, JSON.stringify(text)).toBeUndefined()
    const transient = fromBase64Transient(text)
    expect(transient === undefined ? undefined : new Uint8Array(transient)).toEqual(decoded)
  }

  it('accepts exactly the strict padded base64 texts', () => {
    const chars = fc.constantFrom(...'AQgw+/=-_ \n.*\u00e9\u0000'.split(''), 'A', 'Z', 'a', 'z', '0', '9')
    fc.assert(fc.property(fc.string({ unit: chars, maxLength: 24 }), agrees), { numRuns: 5000 })
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), fc.nat(60), fc.string({ unit: chars, maxLength: 3 }), (bytes, at, insert) => {
        const text = Buffer.from(bytes).toString('base64')
        const position = Math.min(at, text.length)
        agrees(text)
        agrees(text.slice(0, position) + insert + text.slice(position))
        agrees(text.slice(0, position) + text.slice(position + insert.length))
      }),
      { numRuns: 3000 },
    )
    for (const text of ['', '====', 'QQ==', 'QR==', 'QUI=', 'QUJD', 'Q===', 'QQ=', 'QQ==QQ==', 'Q=Q=', 'AB=C', 'ab-_', 'QU I=', 'QUJD\n']) agrees(text)
  })
})
