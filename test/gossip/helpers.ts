// Multi-node gossip fixtures: real libp2p hosts on 127.0.0.1 in this process, each with its own in-memory store and
// admission (no first contact: a test pins the roots its nodes hold, as operators would), and a deadline-bound
// waitFor (tests never sleep for a fixed time).
import { generateKeyPair } from '@libp2p/crypto/keys'
import { Admission, type AdmissionLimits } from '../../src/admission/admission.js'
import { DEFAULT_LIMITS } from '../../src/config/node-config.js'
import { createGossipHost, type GossipHost } from '../../src/gossip/gossip-host.js'
import { GossipService, type GossipServiceInit } from '../../src/gossip/gossip-service.js'
import { nodeMetrics, type NodeMetrics } from '../../src/metrics/metrics.js'
import type { SignedTrustList } from '../../src/model/schema.types.js'
import { acceptTrustList } from '../../src/store/accept-trust-list.js'
import { SqliteStore } from '../../src/store/sqlite-store.js'
import { T0 } from '../helpers/country.js'

/** Trust time of every test node: just after the fixtures' issuedAt, well before expiry. */
export const NOW = new Date(T0.getTime() + 60_000)
export const MAX_BYTES = 256 * 1024

/** A country whose root a node pins (TestCountry fits). */
export interface Pinnable {
  readonly country: string
  readonly root: { readonly thumbprint: string }
}

export interface TestGossipNode {
  readonly name: string
  readonly service: GossipService
  readonly store: SqliteStore
  readonly admission: Admission
  readonly metrics: NodeMetrics
  /** /ip4/127.0.0.1/tcp/N/p2p/<id> */
  readonly addr: string
}

export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  options: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<void> {
  const { timeoutMs = 10_000, intervalMs = 20, what = 'condition' } = options
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (await condition()) return
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, intervalMs))
  }
}

/** Owns every node and raw host a test starts, so afterEach stops them all. */
export class TestNet {
  readonly nodes: TestGossipNode[] = []
  readonly hosts: GossipHost[] = []
  /** Roots every node created afterwards pins (the operators exchanged them out of band). */
  readonly #pins: { country: string; thumbprint: string }[] = []

  /** Every node created from now on pins these countries' current roots. */
  pin(...countries: readonly Pinnable[]): this {
    for (const c of countries) this.#pins.push({ country: c.country, thumbprint: c.root.thumbprint })
    return this
  }

  async node(
    name: string,
    init: Partial<Pick<GossipServiceInit, 'catchUpIntervalMs' | 'catchUpOnConnect' | 'bootstrap' | 'allowPrivate'>> & {
      /** Open-internet limits other than the defaults (ban period, catch-up rate, ...). */
      p2pLimits?: GossipServiceInit['limits']
      seed?: readonly SignedTrustList[]
      /** This node's own country (default: none, a relay). */
      country?: string
      /** Extra pins of this node only. */
      pins?: readonly Pinnable[]
      /** Caps other than node.json's defaults. */
      limits?: Partial<AdmissionLimits>
      /** Largest list accepted from the network (default MAX_BYTES). */
      maxMessageBytes?: number
    } = {},
  ): Promise<TestGossipNode> {
    const store = SqliteStore.open(':memory:')
    const metrics = nodeMetrics()
    const admission = new Admission({
      store,
      ...(init.country === undefined ? {} : { country: init.country }),
      limits: { ...DEFAULT_LIMITS, ...init.limits },
      metrics,
      now: () => NOW,
      onAnchored: () => void service.catchUpNow().catch(() => undefined),
    })
    for (const pin of this.#pins) admission.repository.pin(pin.country, pin.thumbprint, NOW)
    for (const pin of init.pins ?? []) admission.repository.pin(pin.country, pin.root.thumbprint, NOW)
    for (const list of init.seed ?? []) await acceptTrustList(store, list, { now: NOW })
    const service: GossipService = new GossipService({
      admission,
      privateKey: await generateKeyPair('Ed25519'),
      store,
      now: () => NOW,
      maxMessageBytes: init.maxMessageBytes ?? MAX_BYTES,
      metrics,
      // Tests that rely on the periodic round say so; the rest must pass by gossip and connect-time catch-up.
      catchUpIntervalMs: init.catchUpIntervalMs ?? 0,
      ...(init.catchUpOnConnect === undefined ? {} : { catchUpOnConnect: init.catchUpOnConnect }),
      ...(init.bootstrap === undefined ? {} : { bootstrap: init.bootstrap }),
      ...(init.allowPrivate === undefined ? {} : { allowPrivate: init.allowPrivate }),
      ...(init.p2pLimits === undefined ? {} : { limits: init.p2pLimits }),
      ...(process.env.GOSSIP_TEST_LOG === undefined ? {} : { log: (line: string) => console.log(`[${name}] ${line}`) }),
    })
    const node = { name, service, store, admission, metrics, addr: '' }
    this.nodes.push(node)
    await service.start()
    const addr = service.multiaddrs()[0]
    if (addr === undefined) throw new Error(`${name} has no address`)
    Object.assign(node, { addr })
    return node
  }

  async nodesNamed(names: readonly string[], init: Parameters<TestNet['node']>[1] = {}): Promise<TestGossipNode[]> {
    return Promise.all(names.map((name) => this.node(name, init)))
  }

  /** A bare host with our transport and gossipsub settings but no validators: it publishes whatever bytes it likes. */
  async rawHost(maxMessageBytes = MAX_BYTES): Promise<GossipHost> {
    const host = await createGossipHost({
      privateKey: await generateKeyPair('Ed25519'),
      listen: ['/ip4/127.0.0.1/tcp/0'],
      maxMessageBytes,
    })
    this.hosts.push(host)
    await host.start()
    return host
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.nodes.map((n) => n.service.stop()), ...this.hosts.map((h) => h.stop())])
    for (const node of this.nodes) node.store.close()
    this.nodes.length = 0
    this.hosts.length = 0
    this.#pins.length = 0
  }
}

export async function link(a: TestGossipNode, b: TestGossipNode): Promise<void> {
  await a.service.connect(b.addr)
}

/** Waits until every node has `count` topic peers (its gossipsub mesh can form), so a publish is not only caught up. */
export async function waitForTopicPeers(nodes: readonly TestGossipNode[], atLeast = 1): Promise<void> {
  await waitFor(() => nodes.every((n) => n.service.topicPeerCount() >= atLeast), { what: 'topic peers' })
}

/** Waits until every node finished the connect-time catch-up with each of its peers. */
export async function waitForCatchUps(nodes: readonly TestGossipNode[]): Promise<void> {
  const done = (n: TestGossipNode) => n.metrics.registry.value('entente_catch_up_sessions_total', { outcome: 'ok' })
  await waitFor(() => nodes.every((n) => done(n) >= n.service.peerCount()), { what: 'connect-time catch-ups' })
}

export function headOf(node: TestGossipNode, country: string): { seq: number; hash: string } | undefined {
  const head = node.store.head(country)
  return head === undefined ? undefined : { seq: head.seq, hash: head.hash }
}

export function hasList(node: TestGossipNode, country: string, seq: number, hash: string): boolean {
  return node.store.get(country, seq)?.hash === hash
}
