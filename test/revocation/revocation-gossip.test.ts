// Revocation lists between nodes: real libp2p hosts on 127.0.0.1. A node that connects pulls the revocation lists
// it lacks in the catch-up session; a new one spreads on the entente/revocations/1 topic.
import { generateKeyPair } from '@libp2p/crypto/keys'
import { Admission } from '../../src/admission/admission.js'
import { DEFAULT_LIMITS } from '../../src/config/node-config.js'
import { afterEach, describe, expect, it } from 'vitest'
import { GossipService } from '../../src/gossip/gossip-service.js'
import { nodeMetrics } from '../../src/metrics/metrics.js'
import { acceptRevocationList } from '../../src/store/accept-revocation-list.js'
import { acceptTrustList } from '../../src/store/accept-trust-list.js'
import { RevocationRepository } from '../../src/store/revocation-repository.js'
import { SqliteStore } from '../../src/store/sqlite-store.js'
import { waitFor } from '../helpers/wait-for.js'
import { NOW, VerifierCountry } from '../verifier/fixtures.js'

const running: { service: GossipService; store: SqliteStore }[] = []
afterEach(async () => {
  await Promise.all(running.map((r) => r.service.stop()))
  for (const r of running) r.store.close()
  running.length = 0
})

/** A relay node whose operator pinned `pinned`'s root, seeded with its lists. */
async function node(pinned: VerifierCountry, seed: Parameters<typeof acceptTrustList>[1][], options: { catchUpOnConnect?: boolean } = {}) {
  const store = SqliteStore.open(':memory:')
  const metrics = nodeMetrics()
  const admission = new Admission({ store, limits: DEFAULT_LIMITS, metrics, now: () => NOW })
  admission.repository.pin(pinned.country, pinned.thumbprint, NOW)
  for (const list of seed) await acceptTrustList(store, list, { now: NOW })
  const revocations = new RevocationRepository(store.database)
  const service = new GossipService({
    admission,
    privateKey: await generateKeyPair('Ed25519'),
    store,
    revocations,
    now: () => NOW,
    maxMessageBytes: 256 * 1024,
    metrics,
    catchUpIntervalMs: 0,
    ...options,
  })
  running.push({ service, store })
  await service.start()
  return { service, store, revocations, addr: service.multiaddrs()[0]! }
}

describe('revocation lists over gossip', () => {
  it('catch-up pulls a missing revocation list on connect; the topic carries the next one', async () => {
    const gr = await VerifierCountry.create('GR')
    const list = await gr.publish()
    const r1 = await gr.publishRevocations({ dcc: [{ hashType: 'UCI', hash: 'AAAAAAAAAAAAAAAAAAAAAA==' }], shc: [] })
    const a = await node(gr, [list])
    const b = await node(gr, [list])
    expect((await acceptRevocationList({ trust: a.store, revocations: a.revocations }, r1, { now: NOW })).status).toBe('accepted')

    await b.service.connect(a.addr)
    await waitFor(() => b.revocations.head('GR')?.seq === 1, { what: 'catch-up of the revocation list' })

    await waitFor(() => a.service.topicPeerCount() > 0 && b.service.topicPeerCount() > 0, { what: 'topic peers' })
    const r2 = await gr.publishRevocations({ dcc: [], shc: [] })
    await acceptRevocationList({ trust: a.store, revocations: a.revocations }, r2, { now: NOW })
    await waitFor(async () => {
      // The mesh may take a heartbeat to form: publish until B has it.
      if (b.revocations.head('GR')?.seq === 2) return true
      await a.service.publishRevocationList(r2).catch(() => 0)
      return false
    }, { what: 'gossip of the next revocation list', intervalMs: 200 })
    expect(b.revocations.head('GR')?.hash).toBe(a.revocations.head('GR')?.hash)
  })

  it('a client naming a newer revocation list as known makes the server pull it back', async () => {
    const gr = await VerifierCountry.create('GR')
    const list = await gr.publish()
    const r1 = await gr.publishRevocations({ dcc: [{ hashType: 'UCI', hash: 'AAAAAAAAAAAAAAAAAAAAAA==' }], shc: [] })
    // No connect-time sessions and no rounds: only the one session a runs below.
    const a = await node(gr, [list], { catchUpOnConnect: false })
    const b = await node(gr, [list], { catchUpOnConnect: false })
    expect((await acceptRevocationList({ trust: a.store, revocations: a.revocations }, r1, { now: NOW })).status).toBe('accepted')
    await a.service.connect(b.addr)
    // a asks b for revocation lists newer than its own seq 1: b learns a holds one it lacks.
    await a.service.catchUpNow()
    await waitFor(() => b.revocations.head('GR')?.seq === 1, { what: 'b to pull back the revocation list' })
  })

  it('a forged revocation list is not stored or forwarded', async () => {
    const gr = await VerifierCountry.create('GR')
    const list = await gr.publish()
    const forger = await VerifierCountry.create('GR')
    const forged = await forger.publishRevocations({ dcc: [], shc: [] })
    const a = await node(gr, [list])
    const b = await node(gr, [list])
    await b.service.connect(a.addr)
    await waitFor(() => a.service.topicPeerCount() > 0 && b.service.topicPeerCount() > 0, { what: 'topic peers' })
    await expect(acceptRevocationList({ trust: a.store, revocations: a.revocations }, forged, { now: NOW })).rejects.toMatchObject({ code: 'ERR_REVOCATION_WRONG_ROOT' })
    await a.service.publishRevocationList(forged).catch(() => 0)
    await b.service.catchUpNow()
    expect(b.revocations.head('GR')).toBeUndefined()
  })
})
