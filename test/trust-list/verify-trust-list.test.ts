// Every rejection of verifyTrustList as an attack: each test fails if its check is removed.
import { describe, expect, it } from 'vitest'
import { canonicalize } from '../../src/model/canonical-json.js'
import { EntenteError, type EntenteErrorCode } from '../../src/model/errors.js'
import { DEFAULT_MAX_TRUST_LIST_BYTES } from '../../src/trust-list/constants.js'
import { generateRootKey, rootOf } from '../../src/trust-list/root-key.js'
import { verifyTrustList, verifyTrustListChain, type VerifyTrustListOptions } from '../../src/trust-list/verify-trust-list.js'
import type { TrustListInput } from '../../src/trust-list/decode-trust-list.js'
import { forgeSign, T0, TestCountry } from '../helpers/country.js'

async function rejects(input: TrustListInput, options: VerifyTrustListOptions, code: EntenteErrorCode): Promise<void> {
  const error = await verifyTrustList(input, options).then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(EntenteError)
  expect((error as EntenteError).code).toBe(code)
}

const HOUR = 3_600_000

describe('verifyTrustList', () => {
  it('accepts a freshly signed list and reports its hash and size', async () => {
    const gr = await TestCountry.create('GR')
    const list = await gr.next()
    const verified = await verifyTrustList(JSON.stringify(list.signed), { now: T0, country: 'GR' })
    expect(verified.payload).toEqual(list.payload)
    expect(verified.hash).toBe(list.hash)
    expect(verified.hash).toMatch(/^[0-9a-f]{64}$/)
    expect(verified.size).toBe(JSON.stringify(list.signed).length)
    expect(verified.rootRotated).toBe(false)
  })

  it('accepts bytes, strings and objects alike, for both key types', async () => {
    for (const type of ['ed25519', 'p256'] as const) {
      const cy = await TestCountry.create('CY', type)
      const { signed } = await cy.next()
      const text = JSON.stringify(signed)
      for (const input of [text, new TextEncoder().encode(text), signed]) {
        await expect(verifyTrustList(input, { now: T0 })).resolves.toMatchObject({ payload: { country: 'CY' } })
      }
    }
  })

  it('chains: seq 2 whose prev is the held head is accepted', async () => {
    const gr = await TestCountry.create('GR')
    const one = await gr.next()
    const two = await gr.next({ now: new Date(T0.getTime() + HOUR) })
    const verified = await verifyTrustList(two.signed, { now: T0, head: one, clockSkewMs: 2 * HOUR })
    expect(verified.payload.prev).toBe(one.hash)
    expect(verified.gap).toBe(false)
  })

  describe('attacks', () => {
    it('forged signature: payload altered after signing → ERR_TRUST_LIST_SIGNATURE', async () => {
      const gr = await TestCountry.create('GR')
      const { signed, payload } = await gr.next()
      const altered = { ...payload, quorum: 7 }
      const forged = { ...signed, payload: canonicalize(altered) }
      await rejects(forged, { now: T0 }, 'ERR_TRUST_LIST_SIGNATURE')
    })

    it('forged signature: signature bytes flipped → ERR_TRUST_LIST_SIGNATURE', async () => {
      const gr = await TestCountry.create('GR', 'p256')
      const { signed } = await gr.next()
      const sig = signed.signatures[0]!
      const bytes = Buffer.from(sig.signature, 'base64url')
      bytes[5] = bytes[5]! ^ 0x01
      const forged = { ...signed, signatures: [{ ...sig, signature: bytes.toString('base64url') }] }
      await rejects(forged, { now: T0 }, 'ERR_TRUST_LIST_SIGNATURE')
    })

    it('wrong root: a list under an attacker root is refused against the pinned root', async () => {
      const gr = await TestCountry.create('GR')
      const mallory = await TestCountry.create('GR')
      const { signed } = await mallory.next()
      await rejects(signed, { now: T0, anchor: { thumbprint: gr.root.thumbprint } }, 'ERR_TRUST_LIST_WRONG_ROOT')
      await rejects(signed, { now: T0, anchor: { jwk: gr.root.publicJwk } }, 'ERR_TRUST_LIST_WRONG_ROOT')
    })

    it('wrong root: naming the real root but signed by another key → ERR_TRUST_LIST_WRONG_ROOT', async () => {
      const gr = await TestCountry.create('GR')
      const { payload } = await gr.next()
      const attacker = await generateRootKey()
      await rejects(await forgeSign(payload, [attacker]), { now: T0 }, 'ERR_TRUST_LIST_WRONG_ROOT')
    })

    it('wrong root: the head root must sign the successor (no silent root swap)', async () => {
      const gr = await TestCountry.create('GR')
      const one = await gr.next()
      const attacker = await generateRootKey()
      const next = await gr.next({ advance: false, edit: (p) => (p.root = rootOf(attacker)), signWith: [attacker] })
      await rejects(next.signed, { now: T0, head: one }, 'ERR_TRUST_LIST_WRONG_ROOT')
    })

    it('country mismatch: a valid list of CY offered as GR → ERR_TRUST_LIST_COUNTRY_MISMATCH', async () => {
      const cy = await TestCountry.create('CY')
      const { signed } = await cy.next()
      await rejects(signed, { now: T0, country: 'GR' }, 'ERR_TRUST_LIST_COUNTRY_MISMATCH')
    })

    it('country mismatch against the head, even when signed by the same root', async () => {
      const gr = await TestCountry.create('GR')
      const one = await gr.next()
      const other = await gr.next({ advance: false, edit: (p) => (p.country = 'CY') })
      await rejects(other.signed, { now: T0, head: one }, 'ERR_TRUST_LIST_COUNTRY_MISMATCH')
    })

    it('rollback: an older validly signed list never replaces the head → ERR_TRUST_LIST_ROLLBACK', async () => {
      const gr = await TestCountry.create('GR')
      const one = await gr.next()
      const two = await gr.next()
      await rejects(one.signed, { now: T0, head: two }, 'ERR_TRUST_LIST_ROLLBACK')
    })

    it('replay of the head itself is a duplicate, not an update', async () => {
      const gr = await TestCountry.create('GR')
      const one = await gr.next()
      await rejects(one.signed, { now: T0, head: one }, 'ERR_TRUST_LIST_DUPLICATE')
    })

    it('equivocation: same seq, other bytes → ERR_TRUST_LIST_EQUIVOCATION', async () => {
      const gr = await TestCountry.create('GR')
      const one = await gr.next()
      const fork = await gr.next({ advance: false, edit: (p) => ((p.seq = 1), (p.prev = null), (p.quorum = 3)) })
      await rejects(fork.signed, { now: T0, head: one }, 'ERR_TRUST_LIST_EQUIVOCATION')
    })

    it('broken chain: prev does not name the held head → ERR_TRUST_LIST_CHAIN', async () => {
      const gr = await TestCountry.create('GR')
      const one = await gr.next()
      const two = await gr.next({ edit: (p) => (p.prev = 'a'.repeat(64)) })
      await rejects(two.signed, { now: T0, head: one }, 'ERR_TRUST_LIST_CHAIN')
    })

    it('broken chain: seq 1 must have prev null, later lists must not', async () => {
      const gr = await TestCountry.create('GR')
      const bad = await gr.next({ edit: (p) => (p.prev = 'b'.repeat(64)) })
      await rejects(bad.signed, { now: T0 }, 'ERR_TRUST_LIST_CHAIN')
    })

    it('expired (freeze attack): a list past expiresAt → ERR_TRUST_LIST_EXPIRED', async () => {
      const gr = await TestCountry.create('GR')
      const { signed, payload } = await gr.next({ validityDays: 1 })
      const justAfter = new Date(Date.parse(payload.expiresAt))
      await rejects(signed, { now: justAfter }, 'ERR_TRUST_LIST_EXPIRED')
      await expect(verifyTrustList(signed, { now: new Date(justAfter.getTime() - 1) })).resolves.toBeDefined()
    })

    it('not yet valid: issued beyond the clock skew → ERR_TRUST_LIST_NOT_YET_VALID', async () => {
      const gr = await TestCountry.create('GR')
      const { signed } = await gr.next({ now: new Date(T0.getTime() + 2 * HOUR) })
      await rejects(signed, { now: T0 }, 'ERR_TRUST_LIST_NOT_YET_VALID')
    })

    it('schema violation: a well-signed payload with an unknown field → ERR_TRUST_LIST_SCHEMA', async () => {
      const gr = await TestCountry.create('GR')
      const { payload } = await gr.next()
      await rejects(await forgeSign({ ...payload, extra: true }, [gr.root]), { now: T0 }, 'ERR_TRUST_LIST_SCHEMA')
      await rejects(await forgeSign({ ...payload, country: 'gr' }, [gr.root]), { now: T0 }, 'ERR_TRUST_LIST_SCHEMA')
      await rejects(await forgeSign({ ...payload, seq: 0 }, [gr.root]), { now: T0 }, 'ERR_TRUST_LIST_SCHEMA')
    })

    it('schema violation: expiresAt not after issuedAt', async () => {
      const gr = await TestCountry.create('GR')
      const { payload } = await gr.next()
      await rejects(await forgeSign({ ...payload, expiresAt: payload.issuedAt }, [gr.root]), { now: T0 }, 'ERR_TRUST_LIST_SCHEMA')
    })

    it('non-canonical payload (same JSON, other bytes) → ERR_TRUST_LIST_NOT_CANONICAL', async () => {
      const gr = await TestCountry.create('GR')
      const { payload } = await gr.next()
      const pretty = new TextEncoder().encode(JSON.stringify(payload, null, 2))
      await rejects(await forgeSign(pretty, [gr.root]), { now: T0 }, 'ERR_TRUST_LIST_NOT_CANONICAL')
    })

    it('oversized document → ERR_TRUST_LIST_TOO_LARGE before anything is parsed', async () => {
      const gr = await TestCountry.create('GR')
      const { signed } = await gr.next()
      await rejects(signed, { now: T0, maxBytes: 200 }, 'ERR_TRUST_LIST_TOO_LARGE')
      await rejects('{'.repeat(DEFAULT_MAX_TRUST_LIST_BYTES + 1), { now: T0 }, 'ERR_TRUST_LIST_TOO_LARGE')
    })

    it('malformed input → ERR_TRUST_LIST_MALFORMED', async () => {
      const gr = await TestCountry.create('GR')
      const { signed, payload } = await gr.next()
      await rejects('not json', { now: T0 }, 'ERR_TRUST_LIST_MALFORMED')
      await rejects({ payload: '!!', signatures: signed.signatures }, { now: T0 }, 'ERR_TRUST_LIST_MALFORMED')
      await rejects({ ...signed, signatures: [] }, { now: T0 }, 'ERR_TRUST_LIST_MALFORMED')
      await rejects(await forgeSign(payload, [gr.root], { typ: 'JWT' }), { now: T0 }, 'ERR_TRUST_LIST_MALFORMED')
      const none = Buffer.from(JSON.stringify({ alg: 'none', kid: gr.root.thumbprint, typ: 'entente-trust-list+jws' })).toString('base64url')
      await rejects({ ...signed, signatures: [{ protected: none, signature: '' }] }, { now: T0 }, 'ERR_TRUST_LIST_MALFORMED')
      await rejects(await forgeSign(payload, [gr.root], { crit: ['b64'], b64: true }), { now: T0 }, 'ERR_TRUST_LIST_MALFORMED')
      // Two signatures under one kid could smuggle an unchecked one.
      await rejects({ ...signed, signatures: [signed.signatures[0]!, signed.signatures[0]!] }, { now: T0 }, 'ERR_TRUST_LIST_MALFORMED')
    })

    it('lying root thumbprint → ERR_TRUST_LIST_MALFORMED', async () => {
      const gr = await TestCountry.create('GR')
      const other = await generateRootKey()
      const { payload } = await gr.next()
      const lying = { ...payload, root: { jwk: payload.root.jwk, thumbprint: other.thumbprint } }
      await rejects(await forgeSign(lying, [gr.root]), { now: T0 }, 'ERR_TRUST_LIST_MALFORMED')
    })
  })

  describe('root rotation', () => {
    it('follows a chain of three roots from the first pinned root', async () => {
      const gr = await TestCountry.create('GR')
      const pinned = gr.root.thumbprint
      const lists = [await gr.next(), await gr.rotate(), await gr.next(), await gr.rotate({ type: 'ed25519' }), await gr.next()]
      const verified = await verifyTrustListChain(
        lists.map((l) => l.signed),
        { now: T0, anchor: { thumbprint: pinned }, country: 'GR' },
      )
      expect(verified.map((v) => v.rootRotated)).toEqual([false, true, false, true, false])
      expect(new Set(verified.map((v) => v.payload.root.thumbprint)).size).toBe(3)
      expect(verified.at(-1)?.payload.root.thumbprint).toBe(gr.root.thumbprint)
    })

    it('refuses a new root that the trusted root did not co-sign', async () => {
      const gr = await TestCountry.create('GR')
      const one = await gr.next()
      const next = await generateRootKey()
      const previousRoot = rootOf(gr.root)
      const hijack = await gr.next({
        advance: false,
        edit: (p) => ((p.root = rootOf(next)), (p.previousRoot = previousRoot)),
        signWith: [next],
      })
      await rejects(hijack.signed, { now: T0, head: one }, 'ERR_TRUST_LIST_WRONG_ROOT')
    })

    it('refuses a rotation the new root did not sign (no proof of possession)', async () => {
      const gr = await TestCountry.create('GR')
      const one = await gr.next()
      const next = await generateRootKey()
      const previousRoot = rootOf(gr.root)
      const { payload } = await gr.next({
        advance: false,
        edit: (p) => ((p.root = rootOf(next)), (p.previousRoot = previousRoot)),
        signWith: [gr.root, next],
      })
      await rejects(await forgeSign(payload, [gr.root]), { now: T0, head: one }, 'ERR_TRUST_LIST_ROTATION')
    })

    it('refuses a rotation that does not name the trusted root as previousRoot', async () => {
      const gr = await TestCountry.create('GR')
      const one = await gr.next()
      const next = await generateRootKey()
      const { payload } = await gr.next({ advance: false, edit: (p) => (p.root = rootOf(next)), signWith: [gr.root, next] })
      await rejects(await forgeSign(payload, [gr.root, next]), { now: T0, head: one }, 'ERR_TRUST_LIST_ROTATION')
    })

    it('a verifier pinned to the old root cannot skip the handover list', async () => {
      const gr = await TestCountry.create('GR')
      const pinned = gr.root.thumbprint
      await gr.next()
      await gr.rotate()
      const after = await gr.next()
      await rejects(after.signed, { now: T0, anchor: { thumbprint: pinned } }, 'ERR_TRUST_LIST_WRONG_ROOT')
    })

    it('a chain with a tampered middle link fails', async () => {
      const gr = await TestCountry.create('GR')
      const a = await gr.next()
      const b = await gr.rotate()
      const c = await gr.next()
      const tampered = { ...b.signed, signatures: b.signed.signatures.slice(1) }
      const error = await verifyTrustListChain([a.signed, tampered, c.signed], { now: T0 }).catch((e: unknown) => e)
      expect((error as EntenteError).code).toBe('ERR_TRUST_LIST_WRONG_ROOT')
    })
  })

  it('a gap in seq is allowed but flagged, and the root must still be the trusted one', async () => {
    const gr = await TestCountry.create('GR')
    const one = await gr.next()
    await gr.next()
    const three = await gr.next()
    const verified = await verifyTrustList(three.signed, { now: T0, head: one })
    expect(verified.gap).toBe(true)
  })
})
