// Attacks by a country's own operator, who holds the root key but not the diplomats' passkeys: every list here is
// validly signed by the root, so only the governance and evidence rules stand between the operator and trust.
// Each test fails when the check it names is removed.
import { beforeEach, describe, expect, it } from 'vitest'
import type { Approval, Diplomat, Recognition } from '../../src/model/schema.types.js'
import { governanceEntry } from '../../src/trust-list/handover.js'
import { generateRootKey, rootOf } from '../../src/trust-list/root-key.js'
import type { VerifiedTrustList } from '../../src/trust-list/trust-list.types.js'
import { recognitionEntry, type RecognitionEntry } from '../../src/trust-list/verify-recognitions.js'
import { verifyTrustList, verifyTrustListChain } from '../../src/trust-list/verify-trust-list.js'
import { T0, TestCountry, type TestList } from '../helpers/country.js'
import { SoftAuthenticator } from '../helpers/webauthn.js'

const HOME = 'GR'
let gr: TestCountry
let alice: SoftAuthenticator
let bob: SoftAuthenticator
let carol: SoftAuthenticator
let puppet1: SoftAuthenticator
let puppet2: SoftAuthenticator
let cn: RecognitionEntry
let genesis: TestList

const at = (list: TestList) => ({ seq: list.payload.seq, hash: list.hash })

function dip(who: SoftAuthenticator, name: string): Diplomat {
  return who.diplomat({ name })
}

/** Approvals of `entry` by `who`, bound to `head` (the list in force when it was proposed). */
function approvals(who: SoftAuthenticator[], entry: RecognitionEntry, head: TestList, action: 'recognize' | 'withdraw' = 'recognize'): Approval[] {
  return who.map((w) => w.approve({ action, country: HOME, entry, head: at(head), diplomat: w.diplomat({ name: names.get(w) ?? 'x' }) }))
}

function govern(who: SoftAuthenticator[], next: { diplomats: Diplomat[]; quorum: number }, head: TestList): Approval[] {
  const entry = governanceEntry(next)
  return who.map((w) => w.approve({ action: 'govern', country: HOME, entry, head: at(head), diplomat: w.diplomat({ name: names.get(w) ?? 'x' }) }))
}

const names = new Map<SoftAuthenticator, string>()

async function verifyAgainst(list: TestList, head: TestList): Promise<VerifiedTrustList> {
  return verifyTrustList(list.signed, { now: T0, head })
}

beforeEach(async () => {
  gr = await TestCountry.create(HOME)
  alice = SoftAuthenticator.create('ES256')
  bob = SoftAuthenticator.create('ES256')
  carol = SoftAuthenticator.create('EdDSA')
  puppet1 = SoftAuthenticator.create('ES256')
  puppet2 = SoftAuthenticator.create('ES256')
  for (const [w, n] of [[alice, 'Alice'], [bob, 'Bob'], [carol, 'Carol'], [puppet1, 'Puppet 1'], [puppet2, 'Puppet 2']] as const) names.set(w, n)
  cn = recognitionEntry({ country: 'CN', rootThumbprint: (await generateRootKey('p256')).thumbprint, scopes: ['vaccination'] })
  // Bootstrap: the first list naming diplomats sets them (3 diplomats, quorum 2).
  gr.draft = { ...gr.draft, diplomats: [dip(alice, 'Alice'), dip(bob, 'Bob'), dip(carol, 'Carol')], quorum: 2 }
  genesis = await gr.next()
})

describe('governance: who decides is itself decided by the diplomats in force', () => {
  it('a new diplomat set approved by a quorum of the previous diplomats is accepted, and the new quorum then decides', async () => {
    const dave = SoftAuthenticator.create('ES256')
    names.set(dave, 'Dave')
    const next = { diplomats: [...gr.draft.diplomats, dip(dave, 'Dave')], quorum: 3 }
    gr.draft = { ...gr.draft, ...next, governanceApprovals: govern([alice, bob], next, genesis) }
    const changed = await gr.next()
    expect(changed.payload.changes).toEqual(['governance'])
    expect(changed.payload.governance.since).toBe(2)
    await expect(verifyAgainst(changed, genesis)).resolves.toMatchObject({ payload: { quorum: 3 } })

    gr.draft = { ...gr.draft, recognitions: [{ ...cn, approvals: approvals([alice, bob, dave], cn, changed) }] }
    const recognized = await gr.next()
    await expect(verifyAgainst(recognized, changed)).resolves.toMatchObject({ payload: { recognitions: [{ country: 'CN' }] } })
    // Two of the new quorum of three are not enough.
    const short = await gr.next({ advance: false, edit: (p) => void (p.recognitions = [{ ...cn, approvals: approvals([alice, dave], cn, changed) }]) })
    await expect(verifyAgainst(short, changed)).rejects.toMatchObject({ code: 'ERR_RECOGNITION_UNDER_QUORUM' })
  })

  it('puppet passkeys: the operator adds two passkeys of its own without the diplomats → ERR_GOVERNANCE_UNAPPROVED', async () => {
    const next = { diplomats: [dip(puppet1, 'Puppet 1'), dip(puppet2, 'Puppet 2')], quorum: 2 }
    gr.draft = { ...gr.draft, ...next }
    const puppets = await gr.next({ advance: false })
    await expect(verifyAgainst(puppets, genesis)).rejects.toMatchObject({ code: 'ERR_GOVERNANCE_UNAPPROVED' })
    // The puppets approving their own installation does not help: they are not the previous diplomats.
    const selfApproved = await gr.next({ advance: false, edit: (p) => void (p.governance = { since: p.seq, approvals: govern([puppet1, puppet2], next, genesis) }) })
    await expect(verifyAgainst(selfApproved, genesis)).rejects.toMatchObject({ code: 'ERR_RECOGNITION_UNKNOWN_CREDENTIAL' })
  })

  it('puppet recognition: approvals by passkeys that are not in force never recognize a country', async () => {
    const payloadDiplomats = [...gr.draft.diplomats, dip(puppet1, 'Puppet 1'), dip(puppet2, 'Puppet 2')]
    // Even if a list smuggles the puppets in and recognizes CN in the same list, the evidence is judged by the
    // diplomats of the head, where the puppets are unknown.
    gr.draft = { ...gr.draft, diplomats: payloadDiplomats, governanceApprovals: [], recognitions: [{ ...cn, approvals: approvals([puppet1, puppet2], cn, genesis) }] }
    const list = await gr.next({ advance: false })
    await expect(verifyAgainst(list, genesis)).rejects.toMatchObject({ code: 'ERR_GOVERNANCE_UNAPPROVED' })
    // Without touching the diplomats, the puppets' approvals are simply not by a diplomat in force.
    const plain = await gr.next({ advance: false, edit: (p) => void ((p.diplomats = genesis.payload.diplomats), (p.changes = []), (p.governance = { since: 1 })) })
    await expect(verifyAgainst(plain, genesis)).rejects.toMatchObject({ code: 'ERR_RECOGNITION_UNKNOWN_CREDENTIAL' })
  })

  it('lowered quorum: 3 → 2 signed offline by the root alone → ERR_GOVERNANCE_UNAPPROVED', async () => {
    const next = { diplomats: gr.draft.diplomats, quorum: 3 }
    gr.draft = { ...gr.draft, ...next, governanceApprovals: govern([alice, bob], next, genesis) }
    const strict = await gr.next()
    await expect(verifyAgainst(strict, genesis)).resolves.toMatchObject({ payload: { quorum: 3 } })
    const lowered = await gr.next({ advance: false, edit: (p) => void ((p.quorum = 2), (p.changes = ['governance']), (p.governance = { since: p.seq })) })
    await expect(verifyAgainst(lowered, strict)).rejects.toMatchObject({ code: 'ERR_GOVERNANCE_UNAPPROVED' })
  })

  it('quorum 1 with several diplomats is never allowed → ERR_GOVERNANCE_QUORUM', async () => {
    const lowered = await gr.next({ edit: (p) => void ((p.quorum = 1), (p.changes = ['governance']), (p.governance = { since: p.seq })) })
    await expect(verifyAgainst(lowered, genesis)).rejects.toMatchObject({ code: 'ERR_GOVERNANCE_QUORUM' })
    // A lowered quorum is refused on its own too, so a first-contact verifier cannot be fooled either.
    await expect(verifyTrustList(lowered.signed, { now: T0 })).rejects.toMatchObject({ code: 'ERR_GOVERNANCE_QUORUM' })
  })

  it('removal of diplomats to reach quorum: dropping Bob and Carol needs a quorum of all three', async () => {
    const next = { diplomats: [dip(alice, 'Alice')], quorum: 1 }
    gr.draft = { ...gr.draft, ...next, governanceApprovals: govern([alice], next, genesis) }
    const alone = await gr.next({ advance: false })
    await expect(verifyAgainst(alone, genesis)).rejects.toMatchObject({ code: 'ERR_GOVERNANCE_UNAPPROVED' })
    gr.draft = { ...gr.draft, governanceApprovals: govern([alice, bob], next, genesis) }
    const agreed = await gr.next({ advance: false })
    await expect(verifyAgainst(agreed, genesis)).resolves.toMatchObject({ payload: { quorum: 1 } })
  })

  it('the declared changes must be the real ones: a governance change dressed as an ordinary list → ERR_TRUST_LIST_HANDOVER', async () => {
    const next = { diplomats: [...gr.draft.diplomats, dip(puppet1, 'Puppet 1')], quorum: 2 }
    gr.draft = { ...gr.draft, ...next, governanceApprovals: govern([alice, bob], next, genesis) }
    const hidden = await gr.next({ edit: (p) => void (p.changes = []) })
    await expect(verifyAgainst(hidden, genesis)).rejects.toMatchObject({ code: 'ERR_TRUST_LIST_HANDOVER' })
  })

  it('a governance epoch cannot be moved without a change → ERR_GOVERNANCE_EPOCH', async () => {
    const moved = await gr.next({ edit: (p) => void (p.governance = { since: p.seq }) })
    await expect(verifyAgainst(moved, genesis)).rejects.toMatchObject({ code: 'ERR_GOVERNANCE_EPOCH' })
  })
})

describe('evidence is bound to a chain position', () => {
  async function recognizeCn(head: TestList): Promise<TestList> {
    gr.draft = { ...gr.draft, recognitions: [{ ...cn, approvals: approvals([alice, bob], cn, head) }] }
    return gr.next()
  }

  it('approval replay after withdrawal: approvals of a withdrawn recognition copied into a later list → ERR_RECOGNITION_STALE', async () => {
    const recognized = await recognizeCn(genesis)
    const old = recognized.payload.recognitions[0] as Recognition
    gr.draft = { ...gr.draft, recognitions: [], withdrawals: [{ ...cn, approvals: approvals([bob, carol], cn, recognized, 'withdraw') }] }
    const withdrawn = await gr.next()
    expect(withdrawn.payload.changes).toEqual(['withdrawals'])
    await expect(verifyAgainst(withdrawn, recognized)).resolves.toBeDefined()

    // The operator puts the old evidence back (dropping the withdrawal, as a list may not hold both).
    gr.draft = { ...gr.draft, recognitions: [old], withdrawals: [] }
    const replayed = await gr.next({ advance: false })
    await expect(verifyAgainst(replayed, withdrawn)).rejects.toMatchObject({ code: 'ERR_RECOGNITION_STALE' })

    // Dropping the withdrawal alone is refused too: it would erase what later evidence must be newer than.
    gr.draft = { ...gr.draft, recognitions: [], withdrawals: [] }
    const dropped = await gr.next({ advance: false })
    await expect(verifyAgainst(dropped, withdrawn)).rejects.toMatchObject({ code: 'ERR_RECOGNITION_STALE' })

    // Fresh approvals, made after the withdrawal was published, recognize CN again.
    gr.draft = { ...gr.draft, recognitions: [{ ...cn, approvals: approvals([alice, carol], cn, withdrawn) }], withdrawals: [] }
    const again = await gr.next()
    await expect(verifyAgainst(again, withdrawn)).resolves.toMatchObject({ payload: { recognitions: [{ country: 'CN' }] } })
  })

  it('dropping a recognition first does not reset the floor: old evidence pasted back later is refused', async () => {
    const recognized = await recognizeCn(genesis)
    const old = recognized.payload.recognitions[0] as Recognition
    gr.draft = { ...gr.draft, recognitions: [], withdrawals: [{ ...cn, approvals: approvals([bob, carol], cn, recognized, 'withdraw') }] }
    const withdrawn = await gr.next()
    const narrowed = { ...cn, scopes: ['test' as const] }
    gr.draft = { ...gr.draft, recognitions: [{ ...narrowed, approvals: approvals([alice, bob], narrowed, withdrawn) }], withdrawals: [] }
    const again = await gr.next()
    await expect(verifyAgainst(again, withdrawn)).resolves.toBeDefined()
    // The root alone drops CN (not a handover, no approvals needed to reduce trust) ...
    gr.draft = { ...gr.draft, recognitions: [] }
    const dropped = await gr.next()
    await expect(verifyAgainst(dropped, again)).resolves.toBeDefined()
    expect(dropped.payload.floors).toEqual({ CN: again.payload.seq - 1 })
    // ... then pastes back the first, broader recognition: its evidence is below the floor.
    gr.draft = { ...gr.draft, recognitions: [old] }
    const pasted = await gr.next({ advance: false })
    await expect(verifyAgainst(pasted, dropped)).rejects.toMatchObject({ code: 'ERR_RECOGNITION_STALE' })
    await expect(verifyTrustList(pasted.signed, { now: T0 })).rejects.toMatchObject({ code: 'ERR_RECOGNITION_STALE' })
    // Lowering the floor to make room is refused too.
    const lowered = await gr.next({ advance: false, edit: (p) => void (p.floors = {}) })
    await expect(verifyAgainst(lowered, dropped)).rejects.toMatchObject({ code: 'ERR_RECOGNITION_STALE' })
  })

  it('a walker that skipped the ordinary list the approvals are bound to still accepts honest changes', async () => {
    const ordinary = await gr.next()
    // A governance change and a recognition, both approved at the ordinary seq 2, published at seqs 3 and 4.
    const dave = SoftAuthenticator.create('ES256')
    names.set(dave, 'Dave')
    const next = { diplomats: [...gr.draft.diplomats, dip(dave, 'Dave')], quorum: 2 }
    gr.draft = { ...gr.draft, ...next, governanceApprovals: govern([alice, bob], next, ordinary) }
    const changed = await gr.next()
    await expect(verifyAgainst(changed, genesis)).resolves.toMatchObject({ gap: true })
    const recognized = await recognizeCn(changed)
    const plain = await gr.next()
    gr.draft = { ...gr.draft, recognitions: [], withdrawals: [{ ...cn, approvals: approvals([alice, dave], cn, plain, 'withdraw') }] }
    const withdrawn = await gr.next()
    // Holding seq 4, the walker skips the ordinary seq 5 the withdrawal was approved at.
    await expect(verifyAgainst(withdrawn, recognized)).resolves.toMatchObject({ gap: true, payload: { withdrawals: [{ country: 'CN' }] } })
  })

  it('a list may not both recognize and withdraw the same country → ERR_RECOGNITION_CONFLICT', async () => {
    const recognized = await recognizeCn(genesis)
    const list = await gr.next({
      advance: false,
      edit: (p) => {
        p.withdrawals = [{ ...cn, approvals: approvals([alice, bob], cn, recognized, 'withdraw') }]
        p.changes = ['withdrawals']
      },
    })
    await expect(verifyAgainst(list, recognized)).rejects.toMatchObject({ code: 'ERR_RECOGNITION_CONFLICT' })
    await expect(verifyTrustList(list.signed, { now: T0 })).rejects.toMatchObject({ code: 'ERR_RECOGNITION_CONFLICT' })
  })

  it('evidence split across governance epochs: an approval from before the diplomats changed does not count → ERR_RECOGNITION_STALE', async () => {
    const dave = SoftAuthenticator.create('ES256')
    names.set(dave, 'Dave')
    const next = { diplomats: [...gr.draft.diplomats, dip(dave, 'Dave')], quorum: 2 }
    gr.draft = { ...gr.draft, ...next, governanceApprovals: govern([alice, bob], next, genesis) }
    const changed = await gr.next()
    // Alice approved under the old epoch (head = genesis), Dave under the new one.
    gr.draft = { ...gr.draft, recognitions: [{ ...cn, approvals: [...approvals([alice], cn, genesis), ...approvals([dave], cn, changed)] }] }
    const split = await gr.next({ advance: false })
    await expect(verifyAgainst(split, changed)).rejects.toMatchObject({ code: 'ERR_RECOGNITION_STALE' })
  })

  it('evidence bound to a position that the list has not reached, or to another list at that seq, is refused', async () => {
    const future = await gr.next({ advance: false, edit: (p) => void (p.recognitions = [{ ...cn, approvals: approvals([alice, bob], cn, { ...genesis, payload: { ...genesis.payload, seq: 2 } }) }]) })
    await expect(verifyAgainst(future, genesis)).rejects.toMatchObject({ code: 'ERR_RECOGNITION_STALE' })
    const forked = await gr.next({ advance: false, edit: (p) => void (p.recognitions = [{ ...cn, approvals: approvals([alice, bob], cn, { ...genesis, hash: 'f'.repeat(64) }) }]) })
    await expect(verifyAgainst(forked, genesis)).rejects.toMatchObject({ code: 'ERR_RECOGNITION_STALE' })
  })

  it('a recognition carried unchanged keeps its evidence across a governance change', async () => {
    const recognized = await recognizeCn(genesis)
    const next = { diplomats: [dip(alice, 'Alice'), dip(carol, 'Carol')], quorum: 2 }
    gr.draft = { ...gr.draft, ...next, governanceApprovals: govern([alice, carol], next, recognized) }
    const changed = await gr.next()
    // Bob left, but his approval of CN was made in his epoch: the entry is carried, not re-judged.
    await expect(verifyAgainst(changed, recognized)).resolves.toMatchObject({ payload: { recognitions: [{ country: 'CN' }] } })
    const alone = await verifyTrustList(changed.signed, { now: T0 })
    expect(alone.carriedFromEarlierEpoch).toEqual(['CN'])
  })
})

describe('handovers cannot be skipped', () => {
  it('a verifier with a gap that hides a governance handover must walk it → ERR_TRUST_LIST_HANDOVER_MISSING', async () => {
    const next = { diplomats: [dip(puppet1, 'Puppet 1'), dip(puppet2, 'Puppet 2')], quorum: 2 }
    // The operator publishes an unapproved governance change at seq 2 and an ordinary list at seq 3 on top of it.
    gr.draft = { ...gr.draft, ...next }
    const handover = await gr.next()
    gr.draft = { ...gr.draft, recognitions: [{ ...cn, approvals: approvals([puppet1, puppet2], cn, handover) }] }
    const later = await gr.next()
    expect(later.payload.lastHandover).toEqual(at(handover))
    // A verifier holding seq 1 cannot jump to seq 3 ...
    await expect(verifyAgainst(later, genesis)).rejects.toMatchObject({ code: 'ERR_TRUST_LIST_HANDOVER_MISSING' })
    // ... and walking the handover refuses the puppets.
    await expect(verifyTrustListChain([genesis.signed, handover.signed, later.signed], { now: T0 })).rejects.toMatchObject({ code: 'ERR_GOVERNANCE_UNAPPROVED' })
  })

  it('a gap without a handover is fine, and a lying lastHandover is a chain break', async () => {
    const second = await gr.next()
    const third = await gr.next()
    await expect(verifyAgainst(third, genesis)).resolves.toMatchObject({ gap: true })
    expect(second.payload.lastHandover).toEqual(at(genesis))
    const lying = await gr.next({ advance: false, edit: (p) => void (p.lastHandover = { seq: 2, hash: second.hash }) })
    await expect(verifyAgainst(lying, third)).rejects.toMatchObject({ code: 'ERR_TRUST_LIST_CHAIN' })
  })
})

describe('recovery below quorum is a root rotation, and it is never silent', () => {
  it('a governance reset outside a rotation is refused; inside one it verifies and is flagged', async () => {
    const next = { diplomats: [dip(puppet1, 'New 1'), dip(puppet2, 'New 2')], quorum: 2 }
    gr.draft = { ...gr.draft, ...next }
    const noRotation = await gr.next({ advance: false, edit: (p) => void (p.governance = { since: p.seq, reset: true }) })
    await expect(verifyAgainst(noRotation, genesis)).rejects.toMatchObject({ code: 'ERR_GOVERNANCE_UNAPPROVED' })

    const newRoot = await generateRootKey('p256')
    const old = gr.root
    const rotated = await gr.next({
      edit: (p) => {
        p.root = rootOf(newRoot)
        p.previousRoot = rootOf(old)
        p.changes = ['root', 'governance']
        p.governance = { since: p.seq, reset: true }
      },
      signWith: [old, newRoot],
    })
    const verified = await verifyAgainst(rotated, genesis)
    expect(verified.governanceReset).toBe(true)
    expect(verified.rootRotated).toBe(true)
  })
})
