// Lists of real DSCs at the default caps cross the federation: up to gossipsub's 4 MiB frame by gossip, beyond it (a
// list of 2,000 of the largest real DSCs) by catch-up, periodic or on connect. Real libp2p on 127.0.0.1; every wait
// has a deadline.
import { afterEach, describe, expect, it } from 'vitest'
import { DEFAULT_LIMITS } from '../../src/config/node-config.js'
import { GOSSIP_MAX_PUBLISH_BYTES } from '../../src/gossip/constants.js'
import { encodeListMessage } from '../../src/gossip/topics.js'
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
  it('1,000 large DSCs go by gossip; 2,000 by catch-up, to a live peer and to a late joiner', async () => {
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

    const a = await net.node('a', { maxMessageBytes })
    // b pulls from its peers every second, as every node does every 30 s.
    const b = await net.node('b', { maxMessageBytes, catchUpIntervalMs: 1000 })
    await link(a, b)
    await waitForTopicPeers([a, b])
    await waitForCatchUps([a, b])

    expect((await acceptTrustList(a.store, medium.signed, { now: NOW })).status).toBe('accepted')
    expect(await a.service.publishList(medium.signed)).toBe(1)
    await waitFor(() => hasList(b, 'GR', 1, medium.hash), { what: 'b to hold the 1,000-DSC list', timeoutMs: 20_000 })
    expect(accepted(b, 'gossip')).toBe(1)

    expect((await acceptTrustList(a.store, large.signed, { now: NOW })).status).toBe('accepted')
    // Over the frame: not sent (gossipsub would fail it to every peer), pulled instead.
    expect(await a.service.publishList(large.signed)).toBe(0)
    await waitFor(() => hasList(b, 'GR', 2, large.hash), { what: 'b to pull the 2,000-DSC list', timeoutMs: 20_000 })
    expect(accepted(b, 'catch-up')).toBe(1)

    const late = await net.node('late', { maxMessageBytes, bootstrap: [b.addr] })
    await waitFor(() => hasList(late, 'GR', 2, large.hash), { what: 'the late joiner to catch up', timeoutMs: 20_000 })
  }, 90_000)
})
