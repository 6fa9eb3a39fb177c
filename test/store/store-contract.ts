// The store contract: every TrustStore implementation runs this suite.
import { describe, expect, it } from 'vitest'
import { EntenteError } from '../../src/model/errors.js'
import { acceptTrustList } from '../../src/store/accept-trust-list.js'
import type { TrustStore } from '../../src/store/store.types.js'
import { emptyDraft } from '../../src/trust-list/build-trust-list.js'
import { verifyTrustList } from '../../src/trust-list/verify-trust-list.js'
import { T0, TestCountry } from '../helpers/country.js'

export function describeStoreContract(name: string, open: () => Promise<TrustStore> | TrustStore): void {
  describe(`store contract: ${name}`, () => {
    it('starts empty', async () => {
      const store = await open()
      expect(store.heads()).toEqual([])
      expect(store.lastChangeId()).toBe(0)
      expect(store.equivocations()).toEqual([])
      store.close()
    })

    it('appends, keeps history, moves the head, and returns the exact JWS', async () => {
      const store = await open()
      const gr = await TestCountry.create('GR')
      const one = await gr.next()
      const two = await gr.next()
      const v1 = await verifyTrustList(one.signed, { now: T0 })
      const v2 = await verifyTrustList(two.signed, { now: T0, head: v1 })
      store.append(v1, { expectedHead: undefined, receivedAt: T0 })
      store.append(v2, { expectedHead: v1.hash, receivedAt: T0 })
      expect(store.head('GR')).toMatchObject({ seq: 2, hash: two.hash, signed: two.signed })
      expect(store.history('GR').map((l) => l.seq)).toEqual([1, 2])
      expect(store.history('GR', { afterSeq: 1 }).map((l) => l.seq)).toEqual([2])
      expect(store.get('GR', 1)?.signed).toEqual(one.signed)
      expect(store.get('GR', 3)).toBeUndefined()
      store.close()
    })

    it('refuses a write verified against a head that has since moved (no lost update)', async () => {
      const store = await open()
      const gr = await TestCountry.create('GR')
      const v1 = await verifyTrustList((await gr.next()).signed, { now: T0 })
      const v2 = await verifyTrustList((await gr.next()).signed, { now: T0, head: v1 })
      store.append(v1, { expectedHead: undefined, receivedAt: T0 })
      const error = (() => {
        try {
          store.append(v2, { expectedHead: undefined, receivedAt: T0 })
        } catch (e) {
          return e
        }
        return undefined
      })()
      expect((error as EntenteError).code).toBe('ERR_STORE_CONFLICT')
      expect(store.head('GR')?.seq).toBe(1)
      store.close()
    })

    it('never lowers a head even when asked directly (rollback defence in the store)', async () => {
      const store = await open()
      const gr = await TestCountry.create('GR')
      const v1 = await verifyTrustList((await gr.next()).signed, { now: T0 })
      const v2 = await verifyTrustList((await gr.next()).signed, { now: T0, head: v1 })
      store.append(v2, { expectedHead: undefined, receivedAt: T0 })
      expect(() => store.append(v1, { expectedHead: v2.hash, receivedAt: T0 })).toThrow(EntenteError)
      expect(store.head('GR')?.seq).toBe(2)
      store.close()
    })

    it('reports changes since a token: only heads that moved after it', async () => {
      const store = await open()
      const [gr, cy] = [await TestCountry.create('GR'), await TestCountry.create('CY')]
      for (const c of [gr, cy]) {
        await acceptTrustList(store, (await c.next()).signed, { now: T0 })
      }
      const token = store.lastChangeId()
      expect(store.changedSince(0).map((l) => l.country)).toEqual(['CY', 'GR'])
      expect(store.changedSince(token)).toEqual([])
      await acceptTrustList(store, (await gr.next()).signed, { now: T0 })
      expect(store.changedSince(token).map((l) => [l.country, l.seq])).toEqual([['GR', 2]])
      store.close()
    })

    it('keeps equivocation proofs once, whatever order they arrive in', async () => {
      const store = await open()
      const gr = await TestCountry.create('GR')
      const one = await gr.next({ advance: false })
      const fork = await gr.next({ advance: false, edit: (p) => (p.quorum = 4) })
      expect((await acceptTrustList(store, one.signed, { now: T0 })).status).toBe('accepted')
      const outcome = await acceptTrustList(store, fork.signed, { now: T0 })
      expect(outcome).toMatchObject({ status: 'equivocation', isNew: true })
      if (outcome.status !== 'equivocation') throw new Error('unreachable')
      expect(store.recordEquivocation(outcome.proof, { detectedAt: T0 }).isNew).toBe(false)
      expect(store.equivocations('GR')).toHaveLength(1)
      expect(store.equivocations('CY')).toHaveLength(0)
      // The equivocating list never becomes the head.
      expect(store.head('GR')?.hash).toBe(one.hash)
      store.close()
    })

    it('keeps a draft per country, validated', async () => {
      const store = await open()
      expect(store.draft('GR')).toBeUndefined()
      const draft = { ...emptyDraft(2), vaccines: [{ product: 'EU/1/20/1528', dosesForCompletion: 2, validityDays: 270 }] }
      store.saveDraft('GR', draft, { updatedAt: T0 })
      expect(store.draft('GR')).toEqual(draft)
      expect(() => store.saveDraft('GR', { ...draft, quorum: 0 }, { updatedAt: T0 })).toThrow(EntenteError)
      expect(store.draft('GR')).toEqual(draft)
      store.close()
    })
  })
}
