// Open-internet hardening with real libp2p nodes on 127.0.0.1: learned private addresses are never dialled (neither
// by the node nor by libp2p's own reconnects), junk lists are rejected without a catch-up dial back, misbehaving
// peers are banned for the ban period, catch-up requests are rate-limited per peer, and the limits show in metrics.
import { lpStream } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import { afterEach, describe, expect, it } from 'vitest'
import { CATCH_UP_PROTOCOL, DEFAULT_P2P_LIMITS, TRUST_LIST_TOPIC } from '../../src/gossip/constants.js'
import type { GossipHost } from '../../src/gossip/gossip-host.js'
import { encodeListMessage } from '../../src/gossip/topics.js'
import type { SignedTrustList } from '../../src/model/schema.types.js'
import { acceptTrustList } from '../../src/store/accept-trust-list.js'
import { TestCountry } from '../helpers/country.js'
import { NOW, TestNet, hasList, link, waitFor, waitForTopicPeers, type TestGossipNode } from './helpers.js'

const net = new TestNet()
afterEach(async () => {
  await net.stopAll()
})

const refused = (n: TestGossipNode, reason: string) => n.metrics.registry.value('entente_p2p_refused_total', { reason })
const connectedTo = (host: GossipHost, node: TestGossipNode) => host.getConnections(node.service.peerId).length > 0

async function publishOwn(node: TestGossipNode, signed: SignedTrustList): Promise<void> {
  expect((await acceptTrustList(node.store, signed, { now: NOW })).status).toBe('accepted')
  await node.service.publishList(signed)
}

/** A raw host connected to `node` and in its trust-list mesh, so what it publishes reaches the node's validator. */
async function evilNextTo(node: TestGossipNode): Promise<GossipHost> {
  const evil = await net.rawHost()
  evil.services.pubsub.subscribe(TRUST_LIST_TOPIC)
  await evil.dial(multiaddr(node.addr))
  await waitFor(() => evil.services.pubsub.getSubscribers(TRUST_LIST_TOPIC).length === 1, { what: 'evil sees the node' })
  return evil
}

describe('dial policy', () => {
  it('a foreign list naming a loopback address is not dialled without allowPrivate; bootstrap and connect are', async () => {
    const gr = await TestCountry.create('GR')
    net.pin(gr)
    const [a, b] = (await net.nodesNamed(['a', 'b'])) as [TestGossipNode, TestGossipNode]
    const target = await net.node('target')
    // The operator's own link: always dialled, whatever the address class.
    await link(a, b)
    await waitForTopicPeers([a, b])
    const [targetAddress] = target.addr.split('/p2p/')
    const list = await gr.next({ edit: (p) => void (p.nodes = [{ peerId: target.service.peerId.toString(), multiaddrs: [targetAddress as string] }]) })
    await publishOwn(a, list.signed)
    await waitFor(() => hasList(b, 'GR', 1, list.hash), { what: 'b to accept the list' })
    // b refused the learned address when it learned it (nothing queued to dial), and tagged the peer id all the same.
    expect(refused(b, 'policy')).toBe(1)
    expect(b.metrics.registry.value('entente_p2p_federation_peers')).toBe(1)
    await b.service.catchUpNow()
    expect(target.service.peerCount()).toBe(0)

    // Bootstrap addresses are the operator's: dialled although loopback.
    const late = await net.node('late', { bootstrap: [target.addr] })
    await waitFor(() => late.service.peerCount() === 1 && target.service.peerCount() === 1, { what: 'the bootstrap dial' })
  })

  it('the gater stops libp2p\'s own reconnects to a federation peer\'s identify addresses unless allowPrivate', async () => {
    for (const allowPrivate of [false, true]) {
      const gr = await TestCountry.create('GR')
      const peer = await net.rawHost()
      // A held list names the peer's id without an address: the node tags it keep-alive at start ...
      const list = await gr.next({ edit: (p) => void (p.nodes = [{ peerId: peer.peerId.toString(), multiaddrs: [] }]) })
      const node = await net.node(`node-${String(allowPrivate)}`, { pins: [gr], allowPrivate, seed: [list.signed] })
      expect(node.metrics.registry.value('entente_p2p_federation_peers')).toBe(1)
      // ... and learns the peer's loopback listen address only through identify, when the peer dials in (the node
      // asks for a catch-up once identify told it the peer speaks the protocol).
      let identified = false
      await peer.handle(CATCH_UP_PROTOCOL, (stream) => {
        identified = true
        stream.abort(new Error('not serving'))
      })
      await peer.dial(multiaddr(node.addr))
      await waitFor(() => identified, { what: 'the inbound connection and identify' })
      // The peer hangs up: libp2p re-dials keep-alive peers from its address book.
      await peer.hangUp(node.service.peerId)
      if (allowPrivate) {
        await waitFor(() => connectedTo(peer, node), { what: 'libp2p to reconnect the federation peer' })
      } else {
        await waitFor(() => refused(node, 'policy') >= 1, { what: 'the gater to refuse the identify address' })
        expect(connectedTo(peer, node)).toBe(false)
      }
    }
  })
})

describe('invalid data', () => {
  it('a seq > 1 list with prev null is rejected and never earns a catch-up dial back, signed or not', async () => {
    const gr = await TestCountry.create('GR')
    net.pin(gr)
    const gr1 = await gr.next()
    const node = await net.node('node', { seed: [gr1.signed], catchUpOnConnect: false })
    const evil = await evilNextTo(node)
    let streams = 0
    await evil.handle(CATCH_UP_PROTOCOL, (stream) => {
      streams++
      stream.abort(new Error('evil does not serve'))
    })
    const junk = await gr.next({ advance: false, edit: (p) => Object.assign(p, { seq: 5, prev: null }) })
    const unsigned: SignedTrustList = { payload: junk.signed.payload, signatures: gr1.signed.signatures }
    await evil.services.pubsub.publish(TRUST_LIST_TOPIC, encodeListMessage(junk.signed))
    await evil.services.pubsub.publish(TRUST_LIST_TOPIC, encodeListMessage(unsigned))
    const chainRejects = () => node.metrics.registry.value('entente_trust_lists_rejected_total', { reason: 'ERR_TRUST_LIST_CHAIN', source: 'gossip' })
    await waitFor(() => chainRejects() === 2, { what: 'both junk lists rejected' })
    expect(node.metrics.registry.value('entente_p2p_strikes_total', { reason: 'ERR_TRUST_LIST_CHAIN' })).toBe(2)

    // Control: a validly signed fork is the kind of chain break that does earn a pull from its sender.
    const fork = await gr.next({ advance: false, edit: (p) => Object.assign(p, { prev: 'f'.repeat(64) }) })
    await evil.services.pubsub.publish(TRUST_LIST_TOPIC, encodeListMessage(fork.signed))
    await waitFor(() => streams === 1, { what: 'the catch-up dial for the signed fork' })
    expect(chainRejects()).toBe(3)
    expect(node.metrics.registry.value('entente_p2p_strikes_total', { reason: 'ERR_TRUST_LIST_CHAIN' })).toBe(2)
  })

  it('a peer sending invalid lists is disconnected and refused for the ban period, then let back in', async () => {
    const gr = await TestCountry.create('GR')
    net.pin(gr)
    const gr1 = await gr.next()
    const banMs = 2_000
    const node = await net.node('node', { seed: [gr1.signed], catchUpOnConnect: false, p2pLimits: { banAfterStrikes: 2, banMs } })
    const evil = await evilNextTo(node)
    for (const quorum of [3, 4]) {
      const forged = await gr.next({ advance: false, edit: (p) => void (p.quorum = quorum) })
      await evil.services.pubsub.publish(TRUST_LIST_TOPIC, encodeListMessage({ payload: forged.signed.payload, signatures: gr1.signed.signatures }))
    }
    await waitFor(() => node.service.isBanned(evil.peerId.toString()) && !connectedTo(evil, node), { what: 'the ban and the hang-up' })
    const bannedAt = Date.now()
    expect(node.metrics.registry.value('entente_p2p_bans_total')).toBe(1)
    expect(node.metrics.registry.value('entente_p2p_banned')).toBe(1)
    // Refused while banned, inbound (the dialler may see its handshake finish before the node drops it) ...
    await evil.dial(multiaddr(node.addr)).catch(() => undefined)
    await waitFor(() => refused(node, 'banned') >= 1 && !connectedTo(evil, node) && node.service.peerCount() === 0, { what: 'the inbound refusal' })
    // ... and outbound (the node will not dial it either).
    await expect(node.service.connect(evil.getMultiaddrs()[0]?.toString() as string)).rejects.toThrow()
    expect(Date.now() - bannedAt).toBeLessThan(banMs)
    // After the ban period it may connect again.
    await waitFor(() => !node.service.isBanned(evil.peerId.toString()), { what: 'the ban to expire', timeoutMs: banMs + 5_000 })
    await evil.dial(multiaddr(node.addr))
    await waitFor(() => connectedTo(evil, node) && node.service.peerCount() === 1, { what: 'the reconnect after the ban' })
  })
})

describe('catch-up serving', () => {
  it('answers at most catchUpRequestsPerMinute requests per peer, then a coded refusal; other peers are still served', async () => {
    const node = await net.node('node', { catchUpOnConnect: false, p2pLimits: { catchUpRequestsPerMinute: 3 } })
    const ask = async (host: GossipHost, times: number): Promise<string[]> => {
      const stream = await host.dialProtocol(multiaddr(node.addr), CATCH_UP_PROTOCOL)
      const lp = lpStream(stream)
      const answers: string[] = []
      try {
        for (let i = 0; i < times; i++) {
          await lp.write(new TextEncoder().encode(JSON.stringify({ type: 'summary' })))
          const reply = JSON.parse(new TextDecoder().decode((await lp.read()).subarray())) as { type: string; code?: string }
          answers.push(reply.type === 'error' ? `error ${reply.code ?? ''}` : reply.type)
        }
      } catch {
        answers.push('closed')
      }
      stream.abort(new Error('done'))
      return answers
    }
    const greedy = await net.rawHost()
    expect(await ask(greedy, 5)).toEqual(['summary', 'summary', 'summary', 'error ERR_GOSSIP_RATE_LIMITED', 'closed'])
    expect(node.metrics.registry.value('entente_catch_up_serve_errors_total', { reason: 'ERR_GOSSIP_RATE_LIMITED' })).toBe(1)
    // The budget is per peer: a second peer is served, and the first stays refused within the minute.
    expect(await ask(await net.rawHost(), 1)).toEqual(['summary'])
    expect(await ask(greedy, 1)).toEqual(['error ERR_GOSSIP_RATE_LIMITED'])
  })
})

describe('metrics', () => {
  it('every limit shows in /metrics with its value', async () => {
    const node = await net.node('node', { p2pLimits: { maxConnections: 50 } })
    const text = node.metrics.registry.render()
    for (const [limit, value] of Object.entries({ ...DEFAULT_P2P_LIMITS, maxConnections: 50 })) {
      expect(text).toContain(`entente_p2p_limit{limit="${limit}"} ${value}`)
    }
    expect(text).toContain('entente_p2p_limit{limit="allowPrivate"} 0')
  })
})
