// Lists of real DSCs at the default caps cross the federation: up to gossipsub's 4 MiB frame by gossip, beyond it (a
// list of 2,000 of the largest real DSCs) announced by a notice and pulled by catch-up hop by hop, and on connect.
// Real libp2p on 127.0.0.1; no periodic catch-up round runs; every wait has a deadline.
import { multiaddr } from '@multiformats/multiaddr'
import { afterEach, describe, expect, it } from 'vitest'
import { DEFAULT_LIMITS } from '../../src/config/node-config.js'
import { GOSSIP_MAX_PUBLISH_BYTES, LIST_NOTICE_TOPIC } from '../../src/gossip/constants.js'
import { encodeListMessage, encodeListNotice } from '../../src/gossip/topics.js'
import { acceptTrustList } from '../../src/store/accept-trust-list.js'
import { TestCountry } from '../helpers/country.js'
import { dscEntries, LARGEST_VECTOR_DSC, vectorDer } from '../helpers/dscs.js'
import { NOW, TestNet, hasList, link, waitFor, waitForCatchUps, waitForTopicPeers, type TestGossipNode } from './helpers.js'

const net = new TestNet()
afterEach(async () => {
  await net.stopAll()
})

// What node.ts gives the gossip service from node.json's defaults.
const maxMessageBytes = Math.min(DEFAULT_LIMITS.maxGossipMessageBytes, DEFAULT_LIMITS.maxTrustListBytes)
const accepted = (n: TestGossipNode, source: string) => n.metrics.registry.value('entente_trust_lists_accepted_total', { source })

describe('large lists at the default caps', () => {
  it('1,000 large DSCs go by gossip; 2,000 by notice and catch-up, hop by hop and to a late joiner', async () => {
    const gr = await TestCountry.create('GR')
    net.pin(gr)
    const der = vectorDer(LARGEST_VECTOR_DSC)
    gr.draft = { ...gr.draft, signers: dscEntries(der, 1000) }
    const medium = await gr.next({ now: NOW })
    gr.draft = { ...gr.draft, signers: dscEntries(der, 2000) }
    const large = await gr.next({ now: NOW })
    expect(encodeListMessage(medium.signed).byteLength).toBeLessThanOrEqual(GOSSIP_MAX_PUBLISH_BYTES)
    expect(encodeListMessage(large.signed).byteLength).toBeGreaterThan(GOSSIP_MAX_PUBLISH_BYTES)
    expect(encodeListMessage(large.signed).byteLength).toBeLessThanOrEqual(maxMessageBytes)

    const [a, b, c] = (await net.nodesNamed(['a', 'b', 'c'], { maxMessageBytes })) as [TestGossipNode, TestGossipNode, TestGossipNode]
    await link(a, b)
    await link(b, c)
    await waitForTopicPeers([a, b, c])
    await waitForCatchUps([a, b, c])

    expect((await acceptTrustList(a.store, medium.signed, { now: NOW })).status).toBe('accepted')
    expect(await a.service.publishList(medium.signed)).toBe(1)
    await waitFor(() => hasList(c, 'GR', 1, medium.hash), { what: 'c to hold the 1,000-DSC list', timeoutMs: 20_000 })
    expect(accepted(b, 'gossip')).toBe(1)
    expect(accepted(c, 'gossip')).toBe(1)

    expect((await acceptTrustList(a.store, large.signed, { now: NOW })).status).toBe('accepted')
    // Over the frame: gossipsub cannot carry it; a notice goes out instead, and each hop pulls from the one before.
    expect(await a.service.publishList(large.signed)).toBe(1)
    await waitFor(() => hasList(c, 'GR', 2, large.hash), { what: 'c, two hops away, to pull the 2,000-DSC list', timeoutMs: 30_000 })
    expect(accepted(b, 'catch-up')).toBe(1)
    expect(accepted(c, 'catch-up')).toBe(1)

    const late = await net.node('late', { maxMessageBytes, bootstrap: [c.addr] })
    await waitFor(() => hasList(late, 'GR', 2, large.hash), { what: 'the late joiner to catch up', timeoutMs: 20_000 })
  }, 90_000)

  it('ATTACK: a malformed list notice costs its sender a strike, a well-formed one none', async () => {
    const gr = await TestCountry.create('GR')
    net.pin(gr)
    const list = await gr.next({ now: NOW })
    const node = await net.node('holder', { maxMessageBytes, seed: [list.signed] })
    const evil = await net.rawHost()
    evil.services.pubsub.subscribe(LIST_NOTICE_TOPIC)
    await evil.dial(multiaddr(node.addr))
    await waitFor(() => evil.services.pubsub.getSubscribers(LIST_NOTICE_TOPIC).length === 1, { what: 'evil to see the node' })
    const strikes = () => node.metrics.registry.value('entente_p2p_strikes_total', { reason: 'malformed list notice' })
    await evil.services.pubsub.publish(LIST_NOTICE_TOPIC, encodeListNotice({ country: 'GR', seq: 1, hash: list.hash, via: 'evil' }))
    await evil.services.pubsub.publish(LIST_NOTICE_TOPIC, new TextEncoder().encode('{"type":"entente.list-notice","version":1,"country":"GR"}'))
    await waitFor(() => strikes() === 1, { what: 'the malformed notice to be struck' })
    expect(node.store.history('GR')).toHaveLength(1)
  })
})
