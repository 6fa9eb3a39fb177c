// Attacks on admission, as the security review ran them, against real libp2p nodes on 127.0.0.1: a peer squats an
// unheld code, squats a country before and after the real one arrives, floods alarms, bloats the bundle. Nodes hold
// only countries whose root is anchored (pinned by the operator here); the rest is ignored without penalising the
// relaying peer and kept, bounded, in quarantine.
import { multiaddr } from '@multiformats/multiaddr'
import { afterEach, describe, expect, it } from 'vitest'
import { ALARM_TOPIC, TRUST_LIST_TOPIC } from '../../src/gossip/constants.js'
import type { GossipHost } from '../../src/gossip/gossip-host.js'
import { encodeAlarmMessage, encodeListMessage } from '../../src/gossip/topics.js'
import { BundleSource } from '../../src/http/bundle-source.js'
import type { EquivocationProof, SignedTrustList } from '../../src/model/schema.types.js'
import { schemaValidators } from '../../src/model/schemas.js'
import { acceptTrustList } from '../../src/store/accept-trust-list.js'
import { emptyVerifiedBundle, mergeBundle } from '../../src/verifier/verify-bundle.js'
import { TestCountry, type TestList } from '../helpers/country.js'
import { NOW, TestNet, hasList, waitFor, type TestGossipNode } from './helpers.js'

const net = new TestNet()
afterEach(async () => {
  await net.stopAll()
})

const metric = (n: TestGossipNode, name: string, labels: Record<string, string> = {}) => n.metrics.registry.value(name, labels)

/** A bare host that publishes whatever it likes, connected to `node` and seen on `topic`. */
async function evilNextTo(node: TestGossipNode, topic: string, maxMessageBytes?: number): Promise<GossipHost> {
  const evil = await net.rawHost(maxMessageBytes)
  evil.services.pubsub.subscribe(topic)
  await evil.dial(multiaddr(node.addr))
  await waitFor(() => evil.services.pubsub.getSubscribers(topic).length === 1, { what: 'evil sees the node' })
  return evil
}

function proofOf(a: TestList, b: TestList): EquivocationProof {
  const lists = a.hash < b.hash ? [a.signed, b.signed] : [b.signed, a.signed]
  return { type: 'entente.equivocation-proof', version: 1, country: a.payload.country, seq: a.payload.seq, lists }
}

/** Two lists of one seq with other content: an equivocation by `country`'s root. */
async function conflicting(country: TestCountry, salt: number): Promise<[TestList, TestList]> {
  const x = await country.next({ advance: false, edit: (p) => void (p.nodes = [{ multiaddrs: [], url: `http://127.0.0.1:${1000 + salt}` }]) })
  const y = await country.next({ advance: false, edit: (p) => void (p.nodes = [{ multiaddrs: [], url: `http://127.0.0.1:${30000 + salt}` }]) })
  return [x, y]
}

describe('admission against strangers', () => {
  it('a self-signed list for an unheld code (ZZ) is not stored, not in the bundle, and costs the relaying peer nothing', async () => {
    const zz = await TestCountry.create('ZZ')
    const node = await net.node('honest')
    const evil = await evilNextTo(node, TRUST_LIST_TOPIC)
    const list = await zz.next()
    await evil.services.pubsub.publish(TRUST_LIST_TOPIC, encodeListMessage(list.signed))

    await waitFor(() => metric(node, 'entente_trust_lists_unanchored_total', { source: 'gossip' }) === 1, { what: 'the ZZ list to be judged' })
    expect(node.store.head('ZZ')).toBeUndefined()
    expect((JSON.parse((await (await new BundleSource({ store: node.store }).full(NOW)).body('identity')).toString()) as { lists: unknown[] }).lists).toHaveLength(0)
    // Ignored, not rejected: another node may rightly anchor ZZ, so the peer keeps its score.
    expect(node.metrics.registry.render()).not.toMatch(/entente_trust_lists_rejected_total\{/)
    expect(node.service.peerScore(evil.peerId.toString())).toBeGreaterThanOrEqual(0)
    // Kept for the operator to inspect: peer, country, seq, root.
    expect(node.admission.quarantined()).toMatchObject([{ peer: evil.peerId.toString(), country: 'ZZ', seq: 1, rootThumbprint: zz.root.thumbprint }])
  })

  it('squat before the real country: the rogue FI stays in quarantine; once the operator pins the real root, catch-up pulls real FI without a new publish', async () => {
    const fi = await TestCountry.create('FI')
    const rogue = await TestCountry.create('FI')
    const fi1 = await fi.next()
    const fi2 = await fi.next()
    // A node whose operator pinned the real FI, holding its lists.
    const holder = await net.node('holder', { pins: [fi], seed: [fi1.signed, fi2.signed] })
    const victim = await net.node('victim')
    const evil = await evilNextTo(victim, TRUST_LIST_TOPIC)
    const squat = await rogue.next()
    await evil.services.pubsub.publish(TRUST_LIST_TOPIC, encodeListMessage(squat.signed))
    await waitFor(() => victim.admission.quarantined().length === 1, { what: 'the rogue FI in quarantine' })
    expect(victim.store.head('FI')).toBeUndefined()

    // Connected before the pin: the victim's catch-up skips FI without downloading it (no anchored root).
    await victim.service.connect(holder.addr)
    await waitFor(() => metric(victim, 'entente_catch_up_skipped_countries_total') >= 1, { what: 'FI skipped in the connect-time catch-up' })
    expect(victim.store.head('FI')).toBeUndefined()

    // The operator pins the root FI gave out of band: catch-up runs now, nobody publishes anything new.
    victim.admission.pin('FI', fi.root.thumbprint)
    await waitFor(() => hasList(victim, 'FI', 2, fi2.hash), { what: 'real FI pulled after the pin' })
    expect(victim.store.history('FI').map((l) => l.rootThumbprint)).toEqual([fi.root.thumbprint, fi.root.thumbprint])
    expect(metric(victim, 'entente_trust_lists_accepted_total', { source: 'gossip' })).toBe(0)
    expect(victim.admission.quarantined().map((q) => q.rootThumbprint)).toEqual([rogue.root.thumbprint])
    expect(victim.service.peerScore(evil.peerId.toString())).toBeGreaterThanOrEqual(0)
  })

  it('squat after the real country: a rogue FI under another root is refused, the real head stays', async () => {
    const fi = await TestCountry.create('FI')
    const rogue = await TestCountry.create('FI')
    const fi1 = await fi.next()
    const node = await net.node('holder', { pins: [fi], seed: [fi1.signed] })
    const evil = await evilNextTo(node, TRUST_LIST_TOPIC)
    const r1 = await rogue.next()
    const r2 = await rogue.next()
    await evil.services.pubsub.publish(TRUST_LIST_TOPIC, encodeListMessage(r1.signed))
    await evil.services.pubsub.publish(TRUST_LIST_TOPIC, encodeListMessage(r2.signed))
    await waitFor(() => metric(node, 'entente_trust_lists_unanchored_total', { source: 'gossip' }) === 2, { what: 'both rogue lists judged' })
    expect(node.store.head('FI')?.hash).toBe(fi1.hash)
    expect(node.store.history('FI')).toHaveLength(1)
    expect(node.store.equivocations()).toHaveLength(0)
    expect(node.service.peerScore(evil.peerId.toString())).toBeGreaterThanOrEqual(0)
  })

  it('alarm flood: 1,005 self-signed ZZ "proofs" and many valid proofs against one anchored seq store at most the cap; the bundle stays valid and a verifier still syncs', async () => {
    const zz = await TestCountry.create('ZZ')
    const gr = await TestCountry.create('GR')
    const gr1 = await gr.next()
    const node = await net.node('holder', { pins: [gr], seed: [gr1.signed] })
    const evil = await evilNextTo(node, ALARM_TOPIC)
    // ZZ equivocates with itself 1,005 times: each proof validly signed by its own (unanchored) root.
    const base = await zz.next({ advance: false })
    for (let i = 0; i < 1005; i++) {
      const other = await zz.next({ advance: false, edit: (p) => void (p.nodes = [{ multiaddrs: [], url: `http://127.0.0.1:${i + 1}` }]) })
      await evil.services.pubsub.publish(ALARM_TOPIC, encodeAlarmMessage(proofOf(base, other)))
    }
    // GR, anchored, signed 12 different lists with seq 2: 11 distinct valid proofs against the same seq.
    const gr2 = await gr.next({ advance: false })
    for (let i = 0; i < 11; i++) {
      const other = await gr.next({ advance: false, edit: (p) => void (p.nodes = [{ multiaddrs: [], url: `http://127.0.0.1:${i + 1}` }]) })
      await evil.services.pubsub.publish(ALARM_TOPIC, encodeAlarmMessage(proofOf(gr2, other)))
    }
    const seen = () => ['unheld', 'new', 'capped'].reduce((n, outcome) => n + metric(node, 'entente_gossip_alarms_total', { outcome, source: 'gossip' }), 0)
    await waitFor(() => seen() === 1016, { what: 'every proof judged', timeoutMs: 60_000 })
    expect(node.store.equivocations('ZZ')).toHaveLength(0)
    // One proof per country and seq is enough: the other ten are verified, counted, not stored.
    expect(node.store.equivocations('GR')).toHaveLength(1)
    expect(metric(node, 'entente_limit_hits_total', { limit: 'alarms_per_seq' })).toBe(10)

    const bundle = JSON.parse((await (await new BundleSource({ store: node.store }).full(NOW)).body('identity')).toString()) as { lists: SignedTrustList[]; alarms: EquivocationProof[] }
    schemaValidators().check('bundle.v1', bundle, 'ERR_BUNDLE_INVALID')
    const { state, report } = await mergeBundle(emptyVerifiedBundle('GR', gr.root.thumbprint, NOW), bundle, { now: NOW, home: 'GR', anchor: { thumbprint: gr.root.thumbprint } })
    expect(state.alarms).toHaveLength(1)
    expect(report.alarms).toEqual([{ country: 'GR', seq: 2, isNew: true }])
  }, 120_000)

  it('bundle bloat: 72 unanchored lists of about 0.9 MiB never enter the store or the bundle; quarantine stays bounded', async () => {
    const maxMessageBytes = 1024 * 1024
    const node = await net.node('holder', { maxMessageBytes })
    const evil = await evilNextTo(node, TRUST_LIST_TOPIC, maxMessageBytes)
    const codes = Array.from({ length: 72 }, (_, i) => `${String.fromCharCode(65 + Math.floor(i / 26))}${String.fromCharCode(65 + (i % 26))}`)
    let size = 0
    for (const code of codes) {
      const squatter = await TestCountry.create(code)
      const revokedAt = NOW.toISOString().replace(/\.\d{3}Z$/, 'Z')
      const list = await squatter.next({
        edit: (p) => void (p.revokedSigners = Array.from({ length: 6800 }, (_, i) => ({ kid: `${code}${i}`.padEnd(64, 'k'), revokedAt, reason: 'superseded' as const }))),
      })
      size = JSON.stringify(list.signed).length
      await evil.services.pubsub.publish(TRUST_LIST_TOPIC, encodeListMessage(list.signed))
    }
    expect(size).toBeGreaterThan(900 * 1024)
    await waitFor(() => metric(node, 'entente_trust_lists_unanchored_total', { source: 'gossip' }) === 72, { what: '72 lists judged', timeoutMs: 60_000 })
    expect(node.store.heads()).toHaveLength(0)
    const body = (await (await new BundleSource({ store: node.store }).full(NOW)).body('identity')).toString()
    expect(body.length).toBeLessThan(1024)
    // At most 8 lists per relaying peer are kept for the operator; the rest were evicted, oldest first.
    expect(node.admission.quarantined()).toHaveLength(8)
    expect(node.admission.quarantined().map((q) => q.country)).toEqual(codes.slice(-8))
    expect(metric(node, 'entente_limit_hits_total', { limit: 'quarantine' })).toBe(64)
    expect(node.service.peerScore(evil.peerId.toString())).toBeGreaterThanOrEqual(0)
  }, 120_000)

  it('unpin removes what a mistaken pin admitted (lists, alarms), and what only it vouched for', async () => {
    const fi = await TestCountry.create('FI')
    const node = await net.node('holder', { pins: [fi] })
    const fi1 = await fi.next()
    await acceptTrustList(node.store, fi1.signed, { now: NOW })
    const [x, y] = await conflicting(fi, 1)
    await acceptTrustList(node.store, x.signed, { now: NOW })
    await acceptTrustList(node.store, y.signed, { now: NOW })
    expect(node.store.equivocations('FI')).toHaveLength(1)
    // Outside a purge the trust tables stay append-only.
    expect(() => node.store.database.prepare("DELETE FROM trust_lists WHERE country = 'FI'").run()).toThrow(/append-only/)
    expect(() => node.store.database.prepare("DELETE FROM equivocations WHERE country = 'FI'").run()).toThrow(/append-only/)

    const result = node.admission.unpin('FI')
    expect(result).toMatchObject({ purged: ['FI'], counts: { lists: 2, alarms: 1 } })
    expect(node.store.head('FI')).toBeUndefined()
    expect(node.store.history('FI')).toHaveLength(0)
    expect(node.store.equivocations()).toHaveLength(0)
    const bundle = JSON.parse((await (await new BundleSource({ store: node.store, lastPurge: () => node.admission.repository.lastPurgeId() }).full(NOW)).body('identity')).toString()) as { lists: unknown[] }
    expect(bundle.lists).toHaveLength(0)
    expect(node.store.database.prepare('SELECT COUNT(*) AS n FROM purge_permit').get()).toEqual({ n: 0 })
  })
})
