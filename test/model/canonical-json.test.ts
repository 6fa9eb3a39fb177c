import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { canonicalize } from '../../src/model/canonical-json.js'
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
