import { describe, expect, it } from 'vitest'
import { EntenteError } from '../../src/model/errors.js'
import { detectEquivocation, verifyEquivocationProof } from '../../src/trust-list/equivocation.js'
import { verifyTrustList } from '../../src/trust-list/verify-trust-list.js'
import { T0, TestCountry } from '../helpers/country.js'

async function fork() {
  const gr = await TestCountry.create('GR')
  const one = await gr.next()
  const a = await gr.next({ advance: false })
  const b = await gr.next({ advance: false, edit: (p) => (p.quorum = 5) })
  const [va, vb] = [await verifyTrustList(a.signed, { now: T0 }), await verifyTrustList(b.signed, { now: T0 })]
  return { gr, one, a, b, va, vb }
}

describe('equivocation', () => {
  it('two validly signed lists with the same country and seq and different bytes yield a proof', async () => {
    const { va, vb } = await fork()
    const proof = detectEquivocation(va, vb)
    expect(proof).toMatchObject({ type: 'entente.equivocation-proof', country: 'GR', seq: 2 })
    // Order-independent: the same pair in either order is the same proof.
    expect(detectEquivocation(vb, va)).toEqual(proof)
    const verified = await verifyEquivocationProof(proof, { now: T0 })
    expect(verified.hashes).toEqual([va.hash, vb.hash].sort())
  })

  it('is not raised for the same list signed twice (ECDSA signatures differ, payloads do not)', async () => {
    const gr = await TestCountry.create('GR', 'p256')
    const a = await gr.next({ advance: false })
    const b = await gr.next({ advance: false })
    expect(a.signed.signatures[0]!.signature).not.toBe(b.signed.signatures[0]!.signature)
    const [va, vb] = [await verifyTrustList(a.signed, { now: T0 }), await verifyTrustList(b.signed, { now: T0 })]
    expect(detectEquivocation(va, vb)).toBeUndefined()
  })

  it('is not raised across seqs or countries', async () => {
    const { gr, va } = await fork()
    const three = await verifyTrustList((await gr.next()).signed, { now: T0 })
    expect(detectEquivocation(va, three)).toBeUndefined()
    const cy = await TestCountry.create('CY')
    const other = await verifyTrustList((await cy.next()).signed, { now: T0 })
    expect(detectEquivocation(va, other)).toBeUndefined()
  })

  it('a list under another root does not convict the country (forgery, not proof)', async () => {
    const { va } = await fork()
    const mallory = await TestCountry.create('GR')
    await mallory.next()
    const fake = await verifyTrustList((await mallory.next()).signed, { now: T0 })
    expect(fake.payload.seq).toBe(va.payload.seq)
    expect(detectEquivocation(va, fake)).toBeUndefined()
  })

  it('proof verification rejects tampering, a pair that agrees, and a wrong pinned root', async () => {
    const { va, vb, a } = await fork()
    const proof = detectEquivocation(va, vb)!
    const reject = async (input: unknown, anchor?: { thumbprint: string }) => {
      const e = await verifyEquivocationProof(input, { now: T0, ...(anchor ? { anchor } : {}) }).catch((x: unknown) => x)
      expect(e).toBeInstanceOf(EntenteError)
      expect((e as EntenteError).code).toBe('ERR_EQUIVOCATION_PROOF_INVALID')
    }
    await reject({ ...proof, lists: [a.signed, a.signed] })
    await reject({ ...proof, lists: [proof.lists[0], { ...proof.lists[1], payload: proof.lists[0]!.payload }] })
    await reject({ ...proof, seq: 9 })
    await reject({ ...proof, country: 'CY' })
    await reject({ ...proof, extra: 1 })
    const other = await TestCountry.create('GR')
    await reject(proof, { thumbprint: other.root.thumbprint })
  })

  it('stays valid after the lists expire: a lie stays a lie', async () => {
    const { va, vb } = await fork()
    const proof = detectEquivocation(va, vb)!
    await expect(verifyEquivocationProof(proof, { now: new Date('2030-01-01T00:00:00Z') })).resolves.toBeDefined()
  })
})
