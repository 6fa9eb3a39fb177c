// Size caps of a signed trust list at real sizes: 2,000 of the largest real DSCs fit and verify, a home list
// recognizing 250 countries with quorum evidence fits with room to spare, and the cap refuses with both numbers.
import { describe, expect, it } from 'vitest'
import { DEFAULT_LIMITS } from '../../src/config/node-config.js'
import { encodeListMessage } from '../../src/gossip/topics.js'
import { EntenteError } from '../../src/model/errors.js'
import { DEFAULT_MAX_TRUST_LIST_BYTES, TRUST_LIST_TYP } from '../../src/trust-list/constants.js'
import { decodeTrustList } from '../../src/trust-list/decode-trust-list.js'
import { generateRootKey } from '../../src/trust-list/root-key.js'
import { signDocument, signedDocumentBytes } from '../../src/trust-list/sign-document.js'
import { verifyTrustList } from '../../src/trust-list/verify-trust-list.js'
import { T0, TestCountry } from '../helpers/country.js'
import { dscEntries, LARGEST_VECTOR_DSC, recognitionsWithEvidence, TYPICAL_VECTOR_DSC, vectorDer } from '../helpers/dscs.js'

const gossipCap = Math.min(DEFAULT_LIMITS.maxGossipMessageBytes, DEFAULT_LIMITS.maxTrustListBytes)

describe('trust-list size caps', () => {
  it('2,000 of the largest real DSCs build, sign, pass the gossip size check and verify', async () => {
    const der = vectorDer(LARGEST_VECTOR_DSC)
    expect(der.length).toBeGreaterThan(2000)
    const gr = await TestCountry.create('GR', 'p256')
    gr.draft = { ...gr.draft, signers: dscEntries(der, 2000) }
    const list = await gr.next()
    const size = Buffer.byteLength(JSON.stringify(list.signed))
    // Before the unencoded payload and the new cap, 266 of these fitted.
    expect(size).toBeGreaterThan(1024 * 1024)
    expect(size).toBeLessThan(0.8 * DEFAULT_MAX_TRUST_LIST_BYTES)
    // Each DSC is carried once as base64 DER: well under 1.5x its DER size.
    expect(size / 2000 / der.length).toBeLessThan(1.45)
    expect(encodeListMessage(list.signed).byteLength).toBeLessThanOrEqual(gossipCap)
    const verified = await verifyTrustList(list.signed, { now: T0, country: 'GR' })
    expect(verified.payload.signers).toHaveLength(2000)
    expect(verified.size).toBe(size)
  })

  it('a home list recognizing 250 countries, each with a quorum of 5 approvals, fits with room for 2,000 more DSCs', async () => {
    const gr = await TestCountry.create('GR')
    const evidence = await recognitionsWithEvidence({ home: 'GR', count: 250, quorum: 5, diplomats: 7, head: { seq: 1, hash: 'a'.repeat(64) } })
    gr.draft = { ...gr.draft, ...evidence, quorum: 5 }
    // Signed as a list (evidence is checked against a chain elsewhere); here only its size and shape matter.
    const list = await gr.next()
    const decoded = decodeTrustList(list.signed)
    expect(decoded.payload.recognitions).toHaveLength(250)
    const room = DEFAULT_MAX_TRUST_LIST_BYTES - decoded.size
    const perLargestDsc = (Buffer.byteLength(JSON.stringify(dscEntries(vectorDer(LARGEST_VECTOR_DSC), 10))) / 10) * 1.05
    expect(room / perLargestDsc).toBeGreaterThan(2000)
  })

  it('signedDocumentBytes is the exact size of what signDocument returns', async () => {
    for (const type of ['ed25519', 'p256'] as const) {
      const key = await generateRootKey(type)
      for (const payload of [{ signers: dscEntries(vectorDer(TYPICAL_VECTOR_DSC), 3) }, { note: 'falls back to base64url \u{50000}' }]) {
        const signed = await signDocument(payload, [key, key], TRUST_LIST_TYP)
        expect(signedDocumentBytes(payload, [key, key], TRUST_LIST_TYP)).toBe(Buffer.byteLength(JSON.stringify(signed)))
      }
    }
  })

  it('ATTACK: a list over the cap is refused before parsing, naming its size and the limit', async () => {
    const gr = await TestCountry.create('GR')
    gr.draft = { ...gr.draft, signers: dscEntries(vectorDer(TYPICAL_VECTOR_DSC), 100) }
    const { signed } = await gr.next()
    const size = Buffer.byteLength(JSON.stringify(signed))
    const limit = size - 1
    const error = (() => {
      try {
        decodeTrustList(signed, limit)
      } catch (e) {
        return e
      }
      return undefined
    })()
    expect(error).toBeInstanceOf(EntenteError)
    expect((error as EntenteError).code).toBe('ERR_TRUST_LIST_TOO_LARGE')
    expect((error as EntenteError).message).toContain(`${size} bytes`)
    expect((error as EntenteError).message).toContain(`${limit}`)
    expect(decodeTrustList(signed, size).size).toBe(size)
  })

  it('measures a document given as an object as its JSON text, whatever its shape, before anything else runs', async () => {
    const { signed } = await (await TestCountry.create('GR')).next()
    const [signature] = signed.signatures
    const variants: unknown[] = [
      signed,
      { signatures: signed.signatures, payload: signed.payload },
      { ...signed, payload: `${signed.payload.slice(0, -1)}"é\\\u0001\u2028😀\ud800}` },
      { ...signed, signatures: [signature, { ...signature, signature: 'x"y' }] },
      { ...signed, header: { kid: 'x' } },
      { ...signed, toJSON: () => ({ payload: 'short' }) },
      { ...signed, signatures: [Object.assign(Object.create({ inherited: 1 }) as object, signature)] },
    ]
    for (const variant of variants) {
      const size = Buffer.byteLength(JSON.stringify(variant))
      expect(() => decodeTrustList(variant as typeof signed, size - 1)).toThrow(`is ${size} bytes`)
    }
  })
})
