// isoSeconds is a faster toISOString for verdict times: it must write exactly what toISOString writes.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { isoSeconds } from '../../src/certificates/iso-seconds.js'

function reference(seconds: number): string | undefined {
  const date = new Date(seconds * 1000)
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString()
}

describe('isoSeconds', () => {
  it('agrees with Date.prototype.toISOString on whole, fractional, extreme and invalid times', () => {
    for (const s of [0, -0.0001, 1687450764.656, 1620324000, 253402300799.999, 253402300800, -62198755200, -1e6, 8.64e12, 8.64e12 + 1, NaN, Infinity]) {
      expect(isoSeconds(s), String(s)).toBe(reference(s))
    }
    expect(isoSeconds(undefined)).toBeUndefined()
    fc.assert(
      fc.property(fc.oneof(fc.double({ min: -1e13, max: 1e13, noNaN: true }), fc.integer({ min: 0, max: 4_102_444_800 })), (s) => {
        expect(isoSeconds(s)).toBe(reference(s))
      }),
      { seed: 20_240_601, numRuns: 5000 },
    )
  })
})
