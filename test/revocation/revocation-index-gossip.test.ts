// Partitioned revocations between nodes: real libp2p hosts on 127.0.0.1. A node that connects pulls the index it
// lacks and then every partition the index names by hash (catch-up); the next index and its changed partition spread
// on the revocation topic. Partitions are taken only as the held index names them.
import { generateKeyPair } from '@libp2p/crypto/keys'
import { afterEach, describe, expect, it } from 'vitest'
import { Admission } from '../../src/admission/admission.js'
import { DEFAULT_LIMITS } from '../../src/config/node-config.js'
import { GossipService } from '../../src/gossip/gossip-service.js'
import { nodeMetrics } from '../../src/metrics/metrics.js'
import { buildRevocationRelease, hashRevocationDocument, signRevocationIndex, signRevocationPartition, sortPackedHashes, type RevocationRelease } from '../../src/revocation/index.js'
import { acceptRevocationIndex, acceptRevocationPartition } from '../../src/store/accept-revocation-index.js'
import { acceptTrustList } from '../../src/store/accept-trust-list.js'
import { RevocationRepository } from '../../src/store/revocation-repository.js'
import { SqliteStore } from '../../src/store/sqlite-store.js'
import { blocking } from '../helpers/event-loop.js'
import { waitFor } from '../helpers/wait-for.js'
import { NOW, VerifierCountry } from '../verifier/fixtures.js'
import { createHash } from 'node:crypto'

const running: { service: GossipService; store: SqliteStore }[] = []
afterEach(async () => {
  await Promise.all(running.map((r) => r.service.stop()))
  for (const r of running) r.store.close()
  running.length = 0
})

async function node(pinned: VerifierCountry, seed: Parameters<typeof acceptTrustList>[1][]) {
  const store = SqliteStore.open(':memory:')
  const metrics = nodeMetrics()
  const admission = new Admission({ store, limits: DEFAULT_LIMITS, metrics, now: () => NOW })
  admission.repository.pin(pinned.country, pinned.thumbprint, NOW)
  for (const list of seed) await acceptTrustList(store, list, { now: NOW })
  const revocations = new RevocationRepository(store.database)
  const service = new GossipService({ admission, privateKey: await generateKeyPair('Ed25519'), store, revocations, now: () => NOW, maxMessageBytes: 256 * 1024, metrics, catchUpIntervalMs: 0 })
  running.push({ service, store })
  await service.start()
  return { service, store, revocations, addr: service.multiaddrs()[0]! }
}

function hashes(count: number, seed: string): Buffer {
  return Buffer.concat(Array.from({ length: count }, (_, i) => createHash('sha256').update(`${seed}${i}`).digest().subarray(0, 16)))
}

function release(gr: VerifierCountry, packed: Buffer, previous?: RevocationRelease, all?: Map<string, RevocationRelease['partitions'][number]>, maxEntries = 16) {
  return buildRevocationRelease({
    country: 'GR',
    rootThumbprint: gr.thumbprint,
    set: { dcc: { UCI: sortPackedHashes(packed), COUNTRYCODEUCI: new Uint8Array(), SIGNATURE: new Uint8Array() }, shc: [] },
    ...(previous === undefined ? {} : { head: { seq: previous.index.seq, hash: hashRevocationDocument(previous.index) } }),
    ...(all === undefined ? {} : { previousPartitions: all }),
    now: NOW,
    maxEntries,
  })
}

async function sign(gr: VerifierCountry, r: RevocationRelease) {
  return { index: await signRevocationIndex(r.index, gr.tc.root), partitions: await Promise.all(r.partitions.map((p) => signRevocationPartition(p, gr.tc.root))) }
}

describe('partitioned revocations over gossip and catch-up', () => {
  it('gossips an index with thousands of partitions without holding the event loop over 50 ms', async () => {
    const gr = await VerifierCountry.create('GR')
    const a = await node(gr, [await gr.publish()])
    // 3,000 partitions of 8 entries: each is encoded and handed to gossipsub on its own.
    const signed = await sign(gr, release(gr, hashes(24_000, 'many'), undefined, undefined, 8))
    expect(signed.partitions.length).toBeGreaterThan(2500)
    const hold = await blocking(() => a.service.publishRevocationIndex(signed.index, signed.partitions))
    expect(hold.maxBlockMs, JSON.stringify(hold)).toBeLessThan(50)
  }, 60_000)

  it('a node that was offline converges by catch-up; the next index and its changed partition spread by gossip', async () => {
    const gr = await VerifierCountry.create('GR')
    const list = await gr.publish()
    const base = hashes(100, 'a')
    const r1 = release(gr, base)
    const s1 = await sign(gr, r1)
    const a = await node(gr, [list])
    const b = await node(gr, [list])
    const stores = { trust: a.store, revocations: a.revocations }
    expect((await acceptRevocationIndex(stores, s1.index, { now: NOW })).status).toBe('accepted')
    for (const p of s1.partitions) expect((await acceptRevocationPartition(stores, p, { now: NOW })).status).toBe('accepted')
    expect(s1.partitions.length).toBeGreaterThan(10)

    await b.service.connect(a.addr)
    await waitFor(() => b.revocations.partitions.indexHead('GR')?.seq === 1 && b.revocations.partitions.missingPartitions('GR', 1000).length === 0, {
      what: 'catch-up of the index and every partition',
    })

    await waitFor(() => a.service.topicPeerCount() > 0 && b.service.topicPeerCount() > 0, { what: 'topic peers' })
    const r2 = release(gr, Buffer.concat([base, hashes(1, 'b')]), r1, new Map(r1.partitions.map((p) => [p.id, p])))
    expect(r2.partitions).toHaveLength(1)
    const s2 = await sign(gr, r2)
    await acceptRevocationIndex(stores, s2.index, { now: NOW })
    await acceptRevocationPartition(stores, s2.partitions[0]!, { now: NOW })
    await waitFor(async () => {
      if (b.revocations.partitions.indexHead('GR')?.seq === 2 && b.revocations.partitions.missingPartitions('GR', 10).length === 0) return true
      await a.service.publishRevocationIndex(s2.index, s2.partitions).catch(() => undefined)
      return false
    }, { what: 'gossip of the next index and its partition', intervalMs: 200 })
    expect(b.revocations.partitions.indexHead('GR')?.hash).toBe(a.revocations.partitions.indexHead('GR')?.hash)

    // A partition the held index does not name (the replaced one, or a forged one) is refused and not stored.
    const c = await node(gr, [list])
    await acceptRevocationIndex({ trust: c.store, revocations: c.revocations }, s2.index, { now: NOW })
    const replaced = s1.partitions[r1.partitions.findIndex((p) => p.id === r2.partitions[0]!.id)]!
    await expect(acceptRevocationPartition({ trust: c.store, revocations: c.revocations }, replaced, { now: NOW })).rejects.toMatchObject({ code: 'ERR_REVOCATION_PARTITION_UNLISTED' })
    // Rolling back to the first index is stale, never accepted.
    expect((await acceptRevocationIndex({ trust: c.store, revocations: c.revocations }, s1.index, { now: NOW })).status).toBe('stale')
  })
})
