// Signed-document encoding: signers emit RFC 7797 unencoded payloads, decoders accept that and the older base64url
// form, refuse any mix or other crit/b64 header, and a foreign JWS client (jose's own verify) checks what we sign.
import { calculateJwkThumbprint, flattenedVerify, generalVerify, importJWK } from 'jose'
import { describe, expect, it } from 'vitest'
import { canonicalize } from '../../src/model/canonical-json.js'
import { EntenteError, type EntenteErrorCode } from '../../src/model/errors.js'
import type { SignedTrustList } from '../../src/model/schema.types.js'
import { buildRevocationList } from '../../src/revocation/build-revocation-list.js'
import { signRevocationList } from '../../src/revocation/sign-revocation-list.js'
import { verifyRevocationList } from '../../src/revocation/verify-revocation-list.js'
import { TRUST_LIST_TYP } from '../../src/trust-list/constants.js'
import { payloadTextOf } from '../../src/trust-list/decode-signed-document.js'
import { decodeTrustList } from '../../src/trust-list/decode-trust-list.js'
import { detectEquivocation, verifyEquivocationProof } from '../../src/trust-list/equivocation.js'
import { generateRootKey, rootThumbprint, verifyRootSignatureBytes, type RootSigningKey } from '../../src/trust-list/root-key.js'
import { signDocument } from '../../src/trust-list/sign-document.js'
import { verifyTrustList } from '../../src/trust-list/verify-trust-list.js'
import { encodeListMessage } from '../../src/gossip/topics.js'
import { schemaValidators } from '../../src/model/schemas.js'
import { forgeSign, T0, TestCountry } from '../helpers/country.js'

function header(signed: { signatures: readonly { protected: string }[] }, index = 0): Record<string, unknown> {
  return JSON.parse(Buffer.from(signed.signatures[index]?.protected ?? '', 'base64url').toString()) as Record<string, unknown>
}

function codeOf(run: () => unknown): EntenteErrorCode | undefined {
  try {
    run()
  } catch (error) {
    expect(error).toBeInstanceOf(EntenteError)
    return (error as EntenteError).code
  }
  return undefined
}

async function asyncCodeOf(run: () => Promise<unknown>): Promise<EntenteErrorCode | undefined> {
  return run().then(
    () => undefined,
    (error: unknown) => {
      expect(error).toBeInstanceOf(EntenteError)
      return (error as EntenteError).code
    },
  )
}

/** The same payload signed the way lists were signed before: base64url payload, no b64/crit. */
async function legacySign(payload: unknown, keys: readonly RootSigningKey[]): Promise<SignedTrustList> {
  return forgeSign(payload, keys)
}

describe('signDocument', () => {
  it('emits the canonical JSON text as the payload, with b64:false made critical', async () => {
    const gr = await TestCountry.create('GR')
    const { signed, payload, hash } = await gr.next()
    expect(signed.payload).toBe(canonicalize(payload))
    expect(header(signed)).toEqual({ alg: 'EdDSA', kid: gr.root.thumbprint, typ: TRUST_LIST_TYP, b64: false, crit: ['b64'] })
    const decoded = decodeTrustList(signed)
    expect(decoded.encoding).toBe('unencoded')
    expect(decoded.hash).toBe(hash)
    expect(payloadTextOf(signed)).toBe(signed.payload)
  })

  it('both forms of one payload verify and have the same identity hash', async () => {
    for (const type of ['ed25519', 'p256'] as const) {
      const cy = await TestCountry.create('CY', type)
      const list = await cy.next()
      const legacy = await legacySign(list.payload, [cy.root])
      const fresh = await verifyTrustList(list.signed, { now: T0, country: 'CY' })
      const old = await verifyTrustList(JSON.stringify(legacy), { now: T0, country: 'CY' })
      expect(decodeTrustList(legacy).encoding).toBe('base64url')
      expect(old.hash).toBe(fresh.hash)
      expect(payloadTextOf(legacy)).toBe(list.signed.payload)
      // A held old-form head chains to a new-form successor.
      const next = await cy.next({ now: new Date(T0.getTime() + 60_000) })
      await expect(verifyTrustList(next.signed, { now: T0, head: { payload: old.payload, hash: old.hash }, clockSkewMs: 3_600_000 })).resolves.toMatchObject({ gap: false })
    }
  })

  it('a foreign JWS client (jose general and flattened verify) verifies a list we sign', async () => {
    const gr = await TestCountry.create('GR', 'p256')
    const { signed, payload } = await gr.next()
    const key = await importJWK(gr.root.publicJwk, 'ES256')
    // The JSON the node serves, parsed by a client that knows nothing of Entente.
    const wire = JSON.parse(JSON.stringify(signed)) as { payload: string; signatures: { protected: string; signature: string }[] }
    const general = await generalVerify(wire, key)
    expect(general.protectedHeader).toMatchObject({ b64: false, crit: ['b64'] })
    expect(JSON.parse(new TextDecoder().decode(general.payload))).toEqual(payload)
    const flat = await flattenedVerify({ payload: wire.payload, ...wire.signatures[0]! }, key, { crit: { b64: true } })
    expect(new TextDecoder().decode(flat.payload)).toBe(wire.payload)
    // And it refuses a tampered copy, as we do.
    await expect(generalVerify({ ...wire, payload: wire.payload.replace('"GR"', '"CY"') }, key)).rejects.toThrow()
  })

  it('a revocation list is signed in the same form and verifies', async () => {
    const root = await generateRootKey('ed25519')
    const payload = buildRevocationList({ country: 'GR', rootThumbprint: root.thumbprint, now: T0, entries: { dcc: [], shc: [] } })
    const signed = await signRevocationList(payload, root)
    expect(signed.payload).toBe(canonicalize(payload))
    expect(header(signed)).toMatchObject({ b64: false, crit: ['b64'] })
    await expect(verifyRevocationList(signed, { now: T0, country: 'GR', roots: [{ thumbprint: root.thumbprint, jwk: root.publicJwk }] })).resolves.toMatchObject({ payload: { country: 'GR' } })
  })

  it('a payload with code points other JWS libraries refuse unencoded falls back to base64url', async () => {
    const root = await generateRootKey()
    const signed = await signDocument({ note: 'unassigned \u{50000}' }, [root], TRUST_LIST_TYP)
    expect(signed.payload).toMatch(/^[A-Za-z0-9_-]+$/)
    expect(header(signed).b64).toBeUndefined()
  })

  it('the gossip encoding and the signed-list schema carry the unencoded form', async () => {
    const gr = await TestCountry.create('GR')
    const { signed } = await gr.next()
    const message = JSON.parse(new TextDecoder().decode(encodeListMessage(signed))) as SignedTrustList
    expect(message.payload).toBe(signed.payload)
    expect(() => schemaValidators().check('signed-trust-list.v1', signed, 'ERR_TRUST_LIST_MALFORMED')).not.toThrow()
  })

  it('equivocation proofs made of unencoded lists verify, and mixed-form pairs too', async () => {
    const gr = await TestCountry.create('GR')
    const one = await gr.next({ advance: false })
    const other = await gr.next({ advance: false, edit: (p) => (p.quorum = 5) })
    const a = await verifyTrustList(one.signed, { now: T0 })
    const b = await verifyTrustList(await legacySign(other.payload, [gr.root]), { now: T0 })
    const proof = detectEquivocation(a, b)
    expect(proof).toBeDefined()
    await expect(verifyEquivocationProof(proof, { now: T0 })).resolves.toMatchObject({ country: 'GR', seq: 1 })
  })

  describe('attacks', () => {
    it('b64:false header on a base64url payload → ERR_TRUST_LIST_MALFORMED', async () => {
      const gr = await TestCountry.create('GR')
      const { signed, payload } = await gr.next()
      const encoded = Buffer.from(canonicalize(payload)).toString('base64url')
      expect(codeOf(() => decodeTrustList({ ...signed, payload: encoded }))).toBe('ERR_TRUST_LIST_MALFORMED')
      // Even when the signature really covers those base64url bytes as unencoded text.
      const forged = await forgeSign(new TextEncoder().encode(encoded), [gr.root], { b64: false, crit: ['b64'] })
      expect(codeOf(() => decodeTrustList({ ...forged, payload: encoded }))).toBe('ERR_TRUST_LIST_MALFORMED')
    })

    it('a base64url-form header on a JSON text payload → ERR_TRUST_LIST_MALFORMED', async () => {
      const gr = await TestCountry.create('GR')
      const { payload } = await gr.next()
      const legacy = await legacySign(payload, [gr.root])
      expect(codeOf(() => decodeTrustList({ ...legacy, payload: canonicalize(payload) }))).toBe('ERR_TRUST_LIST_MALFORMED')
    })

    it('signatures mixing the two forms → ERR_TRUST_LIST_MALFORMED', async () => {
      const gr = await TestCountry.create('GR')
      const next = await generateRootKey('p256')
      const rotation = await gr.rotate()
      const legacy = await legacySign(rotation.payload, [next])
      const mixed = { payload: rotation.signed.payload, signatures: [rotation.signed.signatures[0]!, legacy.signatures[0]!] }
      expect(codeOf(() => decodeTrustList(mixed))).toBe('ERR_TRUST_LIST_MALFORMED')
    })

    it('any other crit/b64 combination → ERR_TRUST_LIST_MALFORMED', async () => {
      const gr = await TestCountry.create('GR')
      const { payload } = await gr.next()
      const text = canonicalize(payload)
      const bytes = new TextEncoder().encode(text)
      const cases: [Record<string, unknown>, boolean][] = [
        [{ b64: false }, true], // not critical: a verifier ignorant of b64 would check other bytes
        [{ b64: true, crit: ['b64'] }, false],
        [{ b64: false, crit: ['b64', 'exp'], exp: 1 }, true],
        [{ crit: ['exp'], exp: 1 }, false],
      ]
      for (const [extra, unencoded] of cases) {
        let forged: SignedTrustList
        try {
          forged = await forgeSign(bytes, [gr.root], extra)
        } catch {
          continue // jose itself refuses to produce it
        }
        const attempt = { ...forged, payload: unencoded ? text : forged.payload }
        expect(codeOf(() => decodeTrustList(attempt)), JSON.stringify(extra)).toBe('ERR_TRUST_LIST_MALFORMED')
      }
    })

    it('tampering with the unencoded text (whitespace, key order, value) is refused', async () => {
      const gr = await TestCountry.create('GR')
      const { signed, payload } = await gr.next()
      const spaced = JSON.stringify(payload, null, 1)
      expect(codeOf(() => decodeTrustList({ ...signed, payload: spaced }))).toBe('ERR_TRUST_LIST_NOT_CANONICAL')
      const { country, ...rest } = payload
      const reordered = JSON.stringify({ ...rest, country })
      expect(codeOf(() => decodeTrustList({ ...signed, payload: reordered }))).toBe('ERR_TRUST_LIST_NOT_CANONICAL')
      const changed = canonicalize({ ...payload, quorum: 2 })
      expect(await asyncCodeOf(() => verifyTrustList({ ...signed, payload: changed }, { now: T0 }))).toBe('ERR_TRUST_LIST_SIGNATURE')
    })
  })
})

describe('root thumbprints', () => {
  it('are RFC 7638 thumbprints, the same as a foreign implementation (jose) computes, for both key types', async () => {
    for (const type of ['ed25519', 'p256', 'ed25519', 'p256'] as const) {
      const key = await generateRootKey(type)
      const ours = await rootThumbprint(key.publicJwk)
      expect(ours).toBe(await calculateJwkThumbprint(key.publicJwk, 'sha256'))
      expect(ours).toBe(key.thumbprint)
      // Members a thumbprint does not cover change nothing.
      expect(await rootThumbprint({ ...key.publicJwk, kid: 'x', use: 'sig' } as unknown as typeof key.publicJwk)).toBe(ours)
    }
  })
})

describe('root signature checks', () => {
  it('agree with a foreign JWS verifier (jose) on genuine, tampered, cross-key and malformed signatures, for both key types and payload forms', async () => {
    const ed = await generateRootKey('ed25519')
    const p256 = await generateRootKey('p256')
    for (const root of [ed, p256]) {
      // The second payload holds a character RFC 7797 text cannot carry, so it is signed in the base64url form.
      for (const payload of [{ note: 'plain' }, { note: 'unassigned \u{50000}' }]) {
        const signed = await signDocument(payload, [root], TRUST_LIST_TYP)
        const sig = signed.signatures[0] as { protected: string; signature: string }
        const key = await importJWK(root.publicJwk, root.alg)
        const jose = (payloadText: string, signature: string) =>
          flattenedVerify({ payload: payloadText, protected: sig.protected, signature }, key).then(
            () => true,
            () => false,
          )
        const cases: [string, string][] = [
          [signed.payload, sig.signature],
          [`${signed.payload} `, sig.signature],
          [signed.payload, `${sig.signature.slice(0, -4)}AAAA`],
          [signed.payload, 'not base64url!'],
        ]
        for (const [text, signature] of cases) expect(await verifyRootSignatureBytes(root.publicJwk, sig.protected, text, signature), `${root.alg} ${text.slice(0, 20)}`).toBe(await jose(text, signature))
        expect(await verifyRootSignatureBytes(root.publicJwk, sig.protected, signed.payload, sig.signature)).toBe(true)
        // Another root's key never verifies it.
        const other = root === ed ? await generateRootKey('ed25519') : await generateRootKey('p256')
        expect(await verifyRootSignatureBytes(other.publicJwk, sig.protected, signed.payload, sig.signature)).toBe(false)
      }
    }
  })
})
