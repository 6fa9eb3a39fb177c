// The intake's verdict → gossip action tables and the peer guard's strikes and bans, as pure functions (no network).
// The junk-list case goes through a real Intake over an in-memory store: seq > 1 with prev null is the sender's fault.
import { TopicValidatorResult } from '@libp2p/gossipsub'
import { afterEach, describe, expect, it } from 'vitest'
import { Admission } from '../../src/admission/admission.js'
import { DEFAULT_LIMITS } from '../../src/config/node-config.js'
import { gossipCounters } from '../../src/gossip/gossip-metrics.js'
import { Intake, listAction, proofAction, revocationAction, type ListVerdict } from '../../src/gossip/intake.js'
import { PeerGuard } from '../../src/gossip/peer-guard.js'
import { nodeMetrics } from '../../src/metrics/metrics.js'
import type { SignedTrustList } from '../../src/model/schema.types.js'
import { acceptTrustList } from '../../src/store/accept-trust-list.js'
import { SqliteStore } from '../../src/store/sqlite-store.js'
import { TestCountry } from '../helpers/country.js'
import { MAX_BYTES, NOW } from './helpers.js'

const { Accept, Ignore, Reject } = TopicValidatorResult

describe('verdict → gossip action', () => {
  const cases: readonly (readonly [string, ListVerdict, TopicValidatorResult, boolean, boolean])[] = [
    ['accepted', { kind: 'accepted', list: {} as never }, Accept, false, false],
    ['duplicate (our head again: forwarded)', { kind: 'ignored', reason: 'duplicate', country: 'GR', seq: 1 }, Accept, false, false],
    ['stale', { kind: 'ignored', reason: 'stale', country: 'GR', seq: 1 }, Ignore, false, false],
    ['equivocation (the proof travels instead)', { kind: 'equivocation', country: 'GR', seq: 1 }, Ignore, false, false],
    ['unanchored (never a dial)', { kind: 'unanchored', country: 'ZZ', reason: 'unanchored' }, Ignore, false, false],
    ['bad signature', { kind: 'invalid', code: 'ERR_TRUST_LIST_SIGNATURE', peerAtFault: true }, Reject, false, true],
    ['junk chain (decoder: seq > 1, prev null)', { kind: 'invalid', code: 'ERR_TRUST_LIST_CHAIN', peerAtFault: true }, Reject, false, true],
    ['signed fork (verified chain break)', { kind: 'invalid', code: 'ERR_TRUST_LIST_CHAIN', peerAtFault: false }, Ignore, true, false],
    ['signed list past an unseen handover', { kind: 'invalid', code: 'ERR_TRUST_LIST_HANDOVER_MISSING', peerAtFault: false }, Ignore, true, false],
    ['expired (their clock may differ)', { kind: 'invalid', code: 'ERR_TRUST_LIST_EXPIRED', peerAtFault: false }, Ignore, false, false],
    ['our store failed', { kind: 'invalid', code: 'ERR_STORE', peerAtFault: false }, Ignore, false, false],
  ]
  it.each(cases)('%s', (_name, verdict, result, catchUp, strike) => {
    expect(listAction(verdict)).toEqual({ result, catchUp, strike })
  })

  it('alarms and revocation lists', () => {
    expect(proofAction('new').result).toBe(Accept)
    expect(proofAction('known').result).toBe(Accept)
    expect(proofAction('invalid')).toEqual({ result: Reject, catchUp: false, strike: true })
    for (const v of ['unheld', 'capped', 'failed'] as const) expect(proofAction(v)).toEqual({ result: Ignore, catchUp: false, strike: false })
    expect(revocationAction('accepted').result).toBe(Accept)
    expect(revocationAction('stale').result).toBe(Ignore)
    expect(revocationAction({ invalid: 'ERR_REVOCATION_WRONG_ROOT' }).result).toBe(Ignore)
    expect(revocationAction({ invalid: 'ERR_REVOCATION_SIGNATURE' })).toEqual({ result: Reject, catchUp: false, strike: true })
  })
})

describe('intake of junk lists', () => {
  const stores: SqliteStore[] = []
  afterEach(() => {
    for (const s of stores.splice(0)) s.close()
  })

  async function intakeHolding(gr: TestCountry, seed: SignedTrustList) {
    const store = SqliteStore.open(':memory:')
    stores.push(store)
    const metrics = nodeMetrics()
    const admission = new Admission({ store, limits: DEFAULT_LIMITS, metrics, now: () => NOW })
    admission.repository.pin('GR', gr.root.thumbprint, NOW)
    await acceptTrustList(store, seed, { now: NOW })
    const log: string[] = []
    const intake = new Intake(
      { store, admission, metrics, counters: gossipCounters(metrics), now: () => NOW, log: (l) => log.push(l), onAccepted: () => undefined, onProof: () => undefined },
      { maxMessageBytes: MAX_BYTES },
    )
    return intake
  }

  it('seq > 1 with prev null is Reject (the sender\'s fault, no catch-up), signed or not; a signed fork is Ignore + catch-up', async () => {
    const gr = await TestCountry.create('GR')
    const gr1 = await gr.next()
    const intake = await intakeHolding(gr, gr1.signed)
    const junk = await gr.next({ advance: false, edit: (p) => Object.assign(p, { seq: 3, prev: null }) })
    const unsigned: SignedTrustList = { payload: junk.signed.payload, signatures: gr1.signed.signatures }
    for (const list of [junk.signed, unsigned]) {
      const verdict = await intake.acceptList(list, 'gossip', 'peer')
      expect(verdict).toMatchObject({ kind: 'invalid', peerAtFault: true })
      expect(listAction(verdict)).toEqual({ result: Reject, catchUp: false, strike: true })
    }
    // Validly signed by the anchored root, chaining onto another seq 1 than ours: a fork the sender may hold.
    const fork = await gr.next({ advance: false, edit: (p) => Object.assign(p, { prev: 'f'.repeat(64) }) })
    const verdict = await intake.acceptList(fork.signed, 'gossip', 'peer')
    expect(verdict).toEqual({ kind: 'invalid', code: 'ERR_TRUST_LIST_CHAIN', peerAtFault: false })
    expect(listAction(verdict)).toEqual({ result: Ignore, catchUp: true, strike: false })
    // The same fork with a wrong signature is the sender's fault: signatures are checked before chain rules.
    const forged: SignedTrustList = { payload: fork.signed.payload, signatures: gr1.signed.signatures }
    expect(listAction(await intake.acceptList(forged, 'gossip', 'peer'))).toEqual({ result: Reject, catchUp: false, strike: true })
  })
})

describe('peer guard', () => {
  it('bans after the strikes, for the ban period, and forgets strikes older than it', () => {
    let now = 0
    const guard = new PeerGuard({ limits: { banAfterStrikes: 3, banMs: 1000 }, now: () => now })
    expect(guard.strike('p', '198.18.0.9')).toBe(false)
    expect(guard.strike('p', '198.18.0.9')).toBe(false)
    expect(guard.isBanned('p')).toBe(false)
    expect(guard.strike('p', '198.18.0.9')).toBe(true)
    expect(guard.isBanned('p')).toBe(true)
    expect(guard.isBanned('198.18.0.9')).toBe(true)
    expect(guard.bannedCount()).toBe(2)
    now = 999
    expect(guard.isBanned('p')).toBe(true)
    now = 1000
    expect(guard.isBanned('p')).toBe(false)
    expect(guard.bannedCount()).toBe(0)
    // Two strikes, then a pause longer than the ban period: the count starts again.
    guard.strike('q')
    guard.strike('q')
    now += 1001
    expect(guard.strike('q')).toBe(false)
    expect(guard.isBanned('q')).toBe(false)
  })
})
