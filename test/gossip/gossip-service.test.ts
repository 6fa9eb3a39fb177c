// Federation behaviour of the gossip layer with real libp2p nodes on 127.0.0.1 (TCP, noise, yamux, gossipsub) in one
// process. Every wait has a deadline; nothing sleeps for a fixed time.
import { lpStream } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import { afterEach, describe, expect, it } from 'vitest'
import { ALARM_TOPIC, CATCH_UP_PROTOCOL, TRUST_LIST_TOPIC } from '../../src/gossip/constants.js'
import { encodeAlarmMessage, encodeListMessage } from '../../src/gossip/topics.js'
import type { EquivocationProof, SignedTrustList } from '../../src/model/schema.types.js'
import { acceptTrustList } from '../../src/store/accept-trust-list.js'
import { TestCountry } from '../helpers/country.js'
import { NOW, TestNet, hasList, headOf, link, waitFor, waitForCatchUps, waitForTopicPeers, type TestGossipNode } from './helpers.js'

const net = new TestNet()
afterEach(async () => {
  await net.stopAll()
})

/** The node of `country` stores its own list (as the operator service does), then gossips it. */
async function publishOwn(node: TestGossipNode, signed: SignedTrustList): Promise<void> {
  const outcome = await acceptTrustList(node.store, signed, { now: NOW })
  expect(outcome.status).toBe('accepted')
  await node.service.publishList(signed)
}

async function line(nodes: readonly TestGossipNode[]): Promise<void> {
  for (let i = 0; i + 1 < nodes.length; i++) await link(nodes[i] as TestGossipNode, nodes[i + 1] as TestGossipNode)
}

const gossipAccepted = (n: TestGossipNode) => n.metrics.registry.value('entente_trust_lists_accepted_total', { source: 'gossip' })
const catchUpAccepted = (n: TestGossipNode) => n.metrics.registry.value('entente_trust_lists_accepted_total', { source: 'catch-up' })

describe('gossip federation', () => {
  it('five nodes converge after a publish, by gossip', async () => {
    const gr = await TestCountry.create('GR')
    net.pin(gr)
    const nodes = await net.nodesNamed(['n0', 'n1', 'n2', 'n3', 'n4'])
    // A line: the list must be validated and forwarded hop by hop.
    await line(nodes)
    await waitForTopicPeers(nodes)
    await waitForCatchUps(nodes)
    const list = await gr.next()
    await publishOwn(nodes[0] as TestGossipNode, list.signed)
    await waitFor(() => nodes.every((n) => hasList(n, 'GR', 1, list.hash)), { what: 'GR seq 1 everywhere' })
    // Published after every link was up and caught up: only gossip can have carried it.
    for (const n of nodes.slice(1)) expect(gossipAccepted(n)).toBe(1)
  })

  it('a late joiner catches up on everything published before it joined', async () => {
    const gr = await TestCountry.create('GR')
    const cy = await TestCountry.create('CY')
    net.pin(gr, cy)
    const [a, b, c] = (await net.nodesNamed(['a', 'b', 'c'])) as [TestGossipNode, TestGossipNode, TestGossipNode]
    await line([a, b, c])
    await waitForTopicPeers([a, b, c])
    const gr1 = await gr.next()
    const gr2 = await gr.next()
    const cy1 = await cy.next()
    await publishOwn(a, gr1.signed)
    await publishOwn(a, gr2.signed)
    await publishOwn(b, cy1.signed)
    await waitFor(() => [a, b, c].every((n) => hasList(n, 'GR', 2, gr2.hash) && hasList(n, 'CY', 1, cy1.hash)), {
      what: 'the three first nodes to converge',
    })

    const late = await net.node('late', { bootstrap: [c.addr] })
    await waitFor(() => hasList(late, 'GR', 2, gr2.hash) && hasList(late, 'CY', 1, cy1.hash), { what: 'the late joiner' })
    // The whole history, in order, verified link by link.
    expect(late.store.history('GR').map((l) => l.hash)).toEqual([gr1.hash, gr2.hash])
    expect(catchUpAccepted(late)).toBe(3)
    expect(gossipAccepted(late)).toBe(0)
  })

  it('a partition heals to one state once a link is added', async () => {
    const gr = await TestCountry.create('GR')
    const cy = await TestCountry.create('CY')
    const de = await TestCountry.create('DE')
    net.pin(gr, cy, de)
    const gr1 = await gr.next()
    const nodes = await net.nodesNamed(['p0', 'p1', 'p2', 'q0', 'q1'], { seed: [gr1.signed] })
    const [p0, p1, p2, q0, q1] = nodes as [TestGossipNode, TestGossipNode, TestGossipNode, TestGossipNode, TestGossipNode]
    await line([p0, p1, p2])
    await line([q0, q1])
    await waitForTopicPeers(nodes)

    // Side P: two new seqs of the shared country and a new country; side Q: another new country.
    const gr2 = await gr.next()
    const gr3 = await gr.next()
    const cy1 = await cy.next()
    const de1 = await de.next()
    await publishOwn(p0, gr2.signed)
    await publishOwn(p0, gr3.signed)
    await publishOwn(p1, cy1.signed)
    await publishOwn(q0, de1.signed)
    await waitFor(() => [p0, p1, p2].every((n) => hasList(n, 'GR', 3, gr3.hash) && hasList(n, 'CY', 1, cy1.hash)), {
      what: 'side P',
    })
    await waitFor(() => [q0, q1].every((n) => hasList(n, 'DE', 1, de1.hash)), { what: 'side Q' })
    expect(headOf(q1, 'GR')?.seq).toBe(1)
    expect(headOf(p0, 'DE')).toBeUndefined()

    await link(p2, q0)
    const expected = { GR: { seq: 3, hash: gr3.hash }, CY: { seq: 1, hash: cy1.hash }, DE: { seq: 1, hash: de1.hash } }
    const state = (n: TestGossipNode) => ({ GR: headOf(n, 'GR'), CY: headOf(n, 'CY'), DE: headOf(n, 'DE') })
    await waitFor(() => nodes.every((n) => JSON.stringify(state(n)) === JSON.stringify(expected)), { what: 'one state' })
    for (const n of nodes) expect(state(n)).toEqual(expected)
    // The node at the new link pulled the shared country's missing seqs in order.
    expect(q0.store.history('GR').map((l) => l.seq)).toEqual([1, 2, 3])
  })

  it('an invalid list from a malicious peer is not forwarded by the first honest node', async () => {
    const gr = await TestCountry.create('GR')
    net.pin(gr)
    const gr1 = await gr.next()
    const gr2 = await gr.next()
    const [honest, behind] = (await net.nodesNamed(['honest', 'behind'], { seed: [gr1.signed, gr2.signed] })) as [
      TestGossipNode,
      TestGossipNode,
    ]
    await link(behind, honest)
    const evil = await net.rawHost()
    evil.services.pubsub.subscribe(TRUST_LIST_TOPIC)
    await evil.dial(multiaddrOf(honest))
    await waitFor(() => evil.services.pubsub.getSubscribers(TRUST_LIST_TOPIC).length === 1, { what: 'evil sees honest' })
    await waitForTopicPeers([honest, behind])

    // A forged signature: a well-formed seq 3 payload under the signature of another seq 3 list.
    const a = await gr.next({ advance: false })
    const b = await gr.next({ advance: false, edit: (p) => void (p.quorum = 3) })
    const forged: SignedTrustList = { payload: b.signed.payload, signatures: a.signed.signatures }
    await evil.services.pubsub.publish(TRUST_LIST_TOPIC, encodeListMessage(forged))
    // A rollback: an old, validly signed list replayed.
    await evil.services.pubsub.publish(TRUST_LIST_TOPIC, encodeListMessage(gr1.signed))
    // A valid list re-encoded (not RFC 8785): a new gossip message id for old content, refused.
    await evil.services.pubsub.publish(TRUST_LIST_TOPIC, new TextEncoder().encode(JSON.stringify(gr2.signed, null, 1)))
    const rejected = (n: TestGossipNode, reason: string) =>
      n.metrics.registry.value('entente_trust_lists_rejected_total', { reason, source: 'gossip' })
    const stale = (n: TestGossipNode) => n.metrics.registry.value('entente_trust_lists_ignored_total', { reason: 'stale', source: 'gossip' })
    await waitFor(
      () =>
        rejected(honest, 'ERR_TRUST_LIST_SIGNATURE') === 1 &&
        rejected(honest, 'ERR_TRUST_LIST_NOT_CANONICAL') === 1 &&
        stale(honest) === 1,
      { what: 'honest verdicts' },
    )

    // The same path carries a valid list: the honest node forwards what verifies, and only that.
    const gr3 = await gr.next()
    await evil.services.pubsub.publish(TRUST_LIST_TOPIC, encodeListMessage(gr3.signed))
    await waitFor(() => hasList(behind, 'GR', 3, gr3.hash), { what: 'the valid list behind the honest node' })
    expect(rejected(behind, 'ERR_TRUST_LIST_SIGNATURE')).toBe(0)
    expect(stale(behind)).toBe(0)
    expect(behind.metrics.registry.render()).not.toMatch(/entente_trust_lists_rejected_total\{/)
    expect(headOf(honest, 'GR')).toEqual({ seq: 3, hash: gr3.hash })
  })

  it('an equivocation is detected on every node', async () => {
    const gr = await TestCountry.create('GR')
    net.pin(gr)
    const gr1 = await gr.next()
    const nodes = await net.nodesNamed(['e0', 'e1', 'e2', 'e3', 'e4'], { seed: [gr1.signed] })
    await line(nodes)
    await waitForTopicPeers(nodes)
    // The country signs two different lists with seq 2 and hands them to nodes at opposite ends.
    const x = await gr.next({ advance: false })
    // Other content that changes nothing a handover declares: a plain conflicting seq.
    const y = await gr.next({ advance: false, edit: (p) => void (p.nodes = [{ multiaddrs: [], url: 'http://127.0.0.1:9' }]) })
    expect(x.hash).not.toBe(y.hash)
    await publishOwn(nodes[0] as TestGossipNode, x.signed)
    await publishOwn(nodes[4] as TestGossipNode, y.signed)

    const hashes = [x.hash, y.hash].sort()
    await waitFor(
      () => nodes.every((n) => n.store.equivocations('GR').some((e) => e.seq === 2 && [...e.hashes].sort().join() === hashes.join())),
      { what: 'the proof on every node' },
    )
    for (const n of nodes) expect(n.store.equivocations('GR')).toHaveLength(1)
  })

  it('the periodic round pulls what neither gossip nor the connect-time catch-up delivered', async () => {
    const gr = await TestCountry.create('GR')
    net.pin(gr)
    const [a, b] = (await net.nodesNamed(['a', 'b'], { catchUpOnConnect: false, catchUpIntervalMs: 150 })) as [
      TestGossipNode,
      TestGossipNode,
    ]
    const list = await gr.next()
    // Stored but never gossiped: only anti-entropy can carry it.
    await acceptTrustList(a.store, list.signed, { now: NOW })
    await link(a, b)
    await waitFor(() => hasList(b, 'GR', 1, list.hash), { what: 'the periodic catch-up' })
    expect(catchUpAccepted(b)).toBe(1)
  })

  it('a session ends with an offer: the server pulls back the list it lacks, which gossip never carried', async () => {
    const gr = await TestCountry.create('GR')
    net.pin(gr)
    // No connect-time sessions and no rounds: only the one session a runs below.
    const [a, b] = (await net.nodesNamed(['a', 'b'], { catchUpOnConnect: false })) as [TestGossipNode, TestGossipNode]
    const list = await gr.next()
    await acceptTrustList(a.store, list.signed, { now: NOW })
    await link(a, b)
    // a pulls from b (nothing to pull) and offers GR seq 1, which b's summary did not name.
    await a.service.catchUpNow()
    await waitFor(() => hasList(b, 'GR', 1, list.hash), { what: 'b to pull back what a offered' })
    expect(catchUpAccepted(b)).toBe(1)
  })

  it('two peers each offering a list the other refuses pull from each other once, not in a loop', async () => {
    const [gr, fr] = await Promise.all([TestCountry.create('GR'), TestCountry.create('FR')])
    net.pin(gr, fr)
    const [grList, frList] = await Promise.all([gr.next(), fr.next()])
    // Each holds one country at a cap of one: each would admit the other's country (pinned) but refuses it.
    const init = { catchUpOnConnect: false, limits: { maxCountries: 1 } }
    const a = await net.node('a', { ...init, seed: [grList.signed] })
    const b = await net.node('b', { ...init, seed: [frList.signed] })
    const sessions = (n: TestGossipNode) => n.metrics.registry.value('entente_catch_up_sessions_total', { outcome: 'ok' })
    await link(a, b)
    // a → b (a offers GR) → b pulls back (b offers FR) → a pulls back (offers GR again, already pulled for): quiet.
    await a.service.catchUpNow()
    await waitFor(() => sessions(a) === 2 && sessions(b) === 1, { what: 'the two pull-backs' })
    // A session b starts offers FR again: a pulled for it before, so it does not pull again.
    await b.service.catchUpNow()
    expect([sessions(a), sessions(b)]).toEqual([2, 2])
    expect([headOf(a, 'FR'), headOf(b, 'GR')]).toEqual([undefined, undefined])
  })

  it('dials the node addresses published in accepted lists (private ones only with allowPrivate)', async () => {
    const gr = await TestCountry.create('GR')
    net.pin(gr)
    // The addresses here are loopback, which a node dials from a list only when its operator allows private ones.
    const [a, b, c] = (await net.nodesNamed(['a', 'b', 'c'], { allowPrivate: true })) as [TestGossipNode, TestGossipNode, TestGossipNode]
    await link(a, b)
    await waitForTopicPeers([a, b])
    const [cAddress] = c.addr.split('/p2p/')
    const list = await gr.next({
      edit: (p) => {
        p.nodes = [
          { peerId: c.service.peerId.toString(), multiaddrs: [cAddress as string] },
          // A documentation address (TEST-NET-1): reserved, never dialled.
          { peerId: a.service.peerId.toString(), multiaddrs: ['/ip4/192.0.2.1/tcp/4001'] },
        ]
      },
    })
    await publishOwn(a, list.signed)
    // b learns c's address from the list, dials it, and c catches up from b on connect.
    await waitFor(() => hasList(c, 'GR', 1, list.hash), { what: 'c to be found and caught up' })
    expect(c.service.peerCount()).toBeGreaterThanOrEqual(1)
  })

  it('counts and drops bad catch-up answers without crashing', async () => {
    const gr = await TestCountry.create('GR')
    net.pin(gr)
    const good = await gr.next()
    const other = await gr.next({ advance: false, edit: (p) => void (p.quorum = 3) })
    const forged: SignedTrustList = { payload: other.signed.payload, signatures: good.signed.signatures }
    const evil = await net.rawHost()
    let answers = 0
    await evil.handle(CATCH_UP_PROTOCOL, async (stream) => {
      const lp = lpStream(stream)
      const reply = (value: unknown) => lp.write(new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value)))
      try {
        for (;;) {
          const request = JSON.parse(new TextDecoder().decode((await lp.read()).subarray())) as { type: string }
          answers++
          // First session: a forged list in an otherwise well-formed exchange; later sessions: garbage.
          if (answers > 2) await reply('not json {')
          else if (request.type === 'summary') await reply({ type: 'summary', heads: [{ country: 'GR', seq: 1, hash: other.hash }], alarms: [] })
          else await reply({ type: 'history', lists: [forged] })
        }
      } catch {
        stream.abort(new Error('done'))
      }
    })
    const victim = await net.node('victim')
    const evilAddr = evil.getMultiaddrs()[0]?.toString() as string
    await victim.service.connect(evilAddr)
    await waitFor(
      () => victim.metrics.registry.value('entente_trust_lists_rejected_total', { reason: 'ERR_TRUST_LIST_SIGNATURE', source: 'catch-up' }) === 1,
      { what: 'the forged list to be refused' },
    )
    await victim.service.catchUpNow()
    expect(victim.metrics.registry.value('entente_catch_up_bad_responses_total', { reason: 'ERR_GOSSIP_PROTOCOL' })).toBe(1)
    expect(victim.store.head('GR')).toBeUndefined()
    // Still serving: an honest peer catches up from it.
    await acceptTrustList(victim.store, good.signed, { now: NOW })
    const friend = await net.node('friend', { bootstrap: [victim.addr] })
    await waitFor(() => hasList(friend, 'GR', 1, good.hash), { what: 'an honest peer to catch up from the victim' })
  })
})

describe('alarms', () => {
  it('refuses a proof under another root for a country the node holds', async () => {
    const gr = await TestCountry.create('GR')
    net.pin(gr)
    const impostor = await TestCountry.create('GR')
    const gr1 = await gr.next()
    const x = await impostor.next({ advance: false })
    const y = await impostor.next({ advance: false, edit: (p) => void (p.quorum = 3) })
    const [node] = (await net.nodesNamed(['holder'], { seed: [gr1.signed] })) as [TestGossipNode]
    const evil = await net.rawHost()
    evil.services.pubsub.subscribe(ALARM_TOPIC)
    await evil.dial(multiaddrOf(node))
    await waitFor(() => evil.services.pubsub.getSubscribers(ALARM_TOPIC).length === 1, { what: 'evil sees the node' })
    const lists = x.hash < y.hash ? [x.signed, y.signed] : [y.signed, x.signed]
    const proof = { type: 'entente.equivocation-proof', version: 1, country: 'GR', seq: 1, lists }
    await evil.services.pubsub.publish(ALARM_TOPIC, encodeAlarmMessage(proof as EquivocationProof))
    await waitFor(() => node.metrics.registry.value('entente_gossip_alarms_total', { outcome: 'rejected', source: 'gossip' }) === 1, {
      what: 'the impostor proof to be rejected',
    })
    expect(node.store.equivocations('GR')).toHaveLength(0)
  })

  it('ignores and does not store proofs about a country the node holds no list of (no alarm flooding)', async () => {
    const cy = await TestCountry.create('CY')
    const x = await cy.next({ advance: false })
    const y = await cy.next({ advance: false, edit: (p) => void (p.quorum = 3) })
    const [node] = (await net.nodesNamed(['bystander'])) as [TestGossipNode]
    const evil = await net.rawHost()
    evil.services.pubsub.subscribe(ALARM_TOPIC)
    await evil.dial(multiaddrOf(node))
    await waitFor(() => evil.services.pubsub.getSubscribers(ALARM_TOPIC).length === 1, { what: 'evil sees the node' })
    const lists = x.hash < y.hash ? [x.signed, y.signed] : [y.signed, x.signed]
    const proof = { type: 'entente.equivocation-proof', version: 1, country: 'CY', seq: 1, lists }
    await evil.services.pubsub.publish(ALARM_TOPIC, encodeAlarmMessage(proof as EquivocationProof))
    await waitFor(() => node.metrics.registry.value('entente_gossip_alarms_total', { outcome: 'unheld', source: 'gossip' }) === 1, {
      what: 'the proof about an unheld country to be ignored',
    })
    expect(node.store.equivocations()).toHaveLength(0)
  })
})

function multiaddrOf(node: TestGossipNode) {
  return multiaddr(node.addr)
}
