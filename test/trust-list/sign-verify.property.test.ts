// Property: for any well-formed draft, verify(sign(build(draft))) returns exactly the built payload,
// and no random bytes make the decoder throw anything but an EntenteError.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { EntenteError } from '../../src/model/errors.js'
import type { TrustListDraft } from '../../src/model/schema.types.js'
import { buildTrustList } from '../../src/trust-list/build-trust-list.js'
import { generateRootKey, rootOf } from '../../src/trust-list/root-key.js'
import { signTrustList } from '../../src/trust-list/sign-trust-list.js'
import { verifyTrustList } from '../../src/trust-list/verify-trust-list.js'
import { T0 } from '../helpers/country.js'

const isoSecond = fc
  .integer({ min: Date.parse('2020-01-01T00:00:00Z') / 1000, max: Date.parse('2035-01-01T00:00:00Z') / 1000 })
  .map((s) => new Date(s * 1000).toISOString().replace('.000Z', 'Z'))

const draftArb: fc.Arbitrary<TrustListDraft> = fc.record({
  signers: fc.constant([]),
  revokedSigners: fc.uniqueArray(
    fc.record({
      kid: fc.string({ minLength: 1, maxLength: 44 }),
      revokedAt: isoSecond,
      reason: fc.constantFrom('key-compromise', 'superseded', 'cessation-of-operation', 'unspecified'),
    }),
    { maxLength: 5, selector: (r) => r.kid },
  ),
  vaccines: fc.uniqueArray(
    fc.record({
      product: fc.string({ minLength: 1, maxLength: 30 }),
      dosesForCompletion: fc.integer({ min: 1, max: 9 }),
      validityDays: fc.integer({ min: 1, max: 3650 }),
    }),
    { maxLength: 5, selector: (v) => v.product },
  ),
  recognitions: fc.constant([]),
  diplomats: fc.constant([]),
  quorum: fc.integer({ min: 1, max: 200 }),
})

describe('sign → verify', () => {
  it('round-trips any draft exactly', async () => {
    const key = await generateRootKey()
    await fc.assert(
      fc.asyncProperty(draftArb, fc.constantFrom('GR', 'CY', 'IL', 'DE', 'CN'), async (draft, country) => {
        const payload = buildTrustList({ country, root: rootOf(key), draft, now: T0 })
        const verified = await verifyTrustList(await signTrustList(payload, [key]), { now: T0, country })
        expect(verified.payload).toEqual(payload)
      }),
      { numRuns: 60 },
    )
  })

  it('never throws anything but EntenteError on random input', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string(),
          fc.uint8Array({ maxLength: 2048 }),
          fc.jsonValue().map((v) => JSON.stringify(v)),
          fc.record({ payload: fc.base64String(), signatures: fc.array(fc.record({ protected: fc.base64String(), signature: fc.base64String() })) }).map((v) =>
            JSON.stringify(v),
          ),
        ),
        async (input) => {
          const error = await verifyTrustList(input, { now: T0 }).then(
            () => undefined,
            (e: unknown) => e,
          )
          expect(error).toBeInstanceOf(EntenteError)
        },
      ),
      { numRuns: 1000 },
    )
  })
})
