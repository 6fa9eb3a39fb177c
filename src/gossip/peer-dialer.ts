// The peer dialer: dials the operator's bootstrap peers and the node addresses named in verified lists of anchored
// countries (the only lists the node holds), re-dials them while disconnected with a backoff, and tags the peer ids
// those lists name as federation peers (keep-alive: protected from pruning, re-dialled by libp2p too). Learned
// addresses pass the dial policy (dial-policy.ts); bootstrap and explicit connects are the operator's and always used.
import { KEEP_ALIVE, type PeerId } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import type { Multiaddr } from '@multiformats/multiaddr'
import { EntenteError } from '../model/errors.js'
import type { NodeAddress } from '../model/schema.types.js'
import { DIAL_BACKOFF_MS, DIAL_MAINTENANCE_INTERVAL_MS, DIAL_TIMEOUT_MS, MAX_KNOWN_PEERS } from './constants.js'
import { dialAddress, parseMultiaddr, peerIdOf, type DialPolicy } from './dial-policy.js'
import type { GossipHost } from './gossip-host.js'
import type { GossipCounters } from './gossip-metrics.js'
import { describe } from './intake.js'

/** Our keep-alive tag (libp2p re-dials peers whose tags start with KEEP_ALIVE); value ranks them above strangers when pruning. */
export const FEDERATION_TAG = `${KEEP_ALIVE}-entente-federation`
const FEDERATION_TAG_VALUE = 100

export interface PeerDialerComponents {
  readonly host: () => GossipHost | undefined
  readonly policy: DialPolicy
  readonly counters: GossipCounters
  readonly log: (line: string) => void
}

export interface PeerDialerInit {
  readonly self: PeerId
  /** Operator-configured multiaddrs with /p2p/<id>: always dialled. */
  readonly bootstrap: readonly string[]
}

export class PeerDialer {
  readonly #components: PeerDialerComponents
  readonly #init: PeerDialerInit
  readonly #bootstrap: ReadonlyMap<string, Multiaddr[]>
  /** Node addresses learned from held lists: peer id → dialable multiaddrs (possibly none: tagged, not dialled). */
  readonly #known = new Map<string, Multiaddr[]>()
  /** Real-clock time of the last dial per peer id, for backoff. */
  readonly #lastDial = new Map<string, number>()
  readonly #abort = new AbortController()
  #timer: ReturnType<typeof setInterval> | undefined

  constructor(components: PeerDialerComponents, init: PeerDialerInit) {
    this.#components = components
    this.#init = init
    this.#bootstrap = parseBootstrap(init.bootstrap)
    for (const addrs of this.#bootstrap.values()) for (const ma of addrs) components.policy.allowOperatorAddress(ma)
  }

  start(): void {
    this.dialMissing()
    this.#timer = setInterval(() => this.dialMissing(), DIAL_MAINTENANCE_INTERVAL_MS)
    this.#timer.unref()
  }

  stop(): void {
    clearInterval(this.#timer)
    this.#abort.abort(new EntenteError('ERR_HTTP_UNAVAILABLE', 'gossip stopped'))
  }

  /** Peer ids named in held lists. */
  federationPeers(): number {
    return this.#known.size
  }

  /** Dials an operator-given multiaddr with /p2p/<id> (adding a link by hand); the policy then always allows it. */
  async connect(address: string): Promise<void> {
    const host = this.#requireHost()
    const ma = parseMultiaddr(address)
    const peer = ma === undefined ? undefined : peerIdOf(ma)
    const target = peer === undefined ? undefined : dialAddress(address, peer)
    if (target === undefined) throw new EntenteError('ERR_CONFIG_INVALID', `not a TCP multiaddr with /p2p/: ${address}`)
    this.#components.policy.allowOperatorAddress(target)
    await host.dial(target, { signal: AbortSignal.any([this.#abort.signal, AbortSignal.timeout(DIAL_TIMEOUT_MS)]) })
  }

  /**
   * Remembers the peers named in a held list (its root is anchored: the admission gate let it in) and tags them.
   * True when a new dialable address was learned.
   */
  learn(nodes: readonly NodeAddress[]): boolean {
    const { policy } = this.#components
    let learned = false
    for (const node of nodes) {
      // The peer id comes from the entry or else from an address's /p2p/ part; without one we cannot authenticate.
      const id = node.peerId ?? node.multiaddrs.map((m) => parseMultiaddr(m)).map((m) => (m === undefined ? undefined : peerIdOf(m))).find((p) => p !== undefined)
      if (id === undefined || id === this.#init.self.toString() || !isPeerId(id)) continue
      const addrs = node.multiaddrs.map((m) => dialAddress(m, id, policy)).filter((m): m is Multiaddr => m !== undefined)
      const refused = node.multiaddrs.length - addrs.length
      if (refused > 0) this.#components.counters.refused.inc({ reason: 'policy' }, refused)
      if (!this.#known.has(id) && this.#known.size >= MAX_KNOWN_PEERS) continue
      const before = this.#known.get(id)?.map(String).join(' ')
      this.#known.set(id, addrs)
      this.#tag(id, addrs)
      learned ||= addrs.length > 0 && before !== addrs.map(String).join(' ')
    }
    this.#components.counters.federationPeers.set(this.#known.size)
    return learned
  }

  /** Dials bootstrap and learned peers we are not connected to, each at most once per backoff period. */
  dialMissing(): void {
    const host = this.#components.host()
    if (host === undefined || this.#abort.signal.aborted) return
    for (const [id, addrs] of [...this.#bootstrap, ...this.#known]) {
      if (addrs.length === 0) continue
      const peer = peerIdFromString(id)
      if (host.getConnections(peer).length > 0) continue
      // Real clock, not the injected trust time: this is about not hammering an unreachable peer.
      const now = Date.now()
      if (now - (this.#lastDial.get(id) ?? -Infinity) < DIAL_BACKOFF_MS) continue
      this.#lastDial.set(id, now)
      host.dial(addrs, { signal: AbortSignal.any([this.#abort.signal, AbortSignal.timeout(DIAL_TIMEOUT_MS)]) }).then(
        () => this.#components.log(`gossip: connected to ${id}`),
        (error: unknown) => this.#components.log(`gossip: dialling ${id} failed: ${describe(error)}`),
      )
    }
  }

  /** Keep-alive tag plus the policy-approved addresses, so libp2p's own reconnects use those. */
  #tag(id: string, addrs: readonly Multiaddr[]): void {
    const host = this.#components.host()
    if (host === undefined) return
    host.peerStore
      .merge(peerIdFromString(id), { tags: { [FEDERATION_TAG]: { value: FEDERATION_TAG_VALUE } }, ...(addrs.length === 0 ? {} : { multiaddrs: [...addrs] }) })
      .catch((error: unknown) => this.#components.log(`gossip: tagging ${id} failed: ${describe(error)}`))
  }

  #requireHost(): GossipHost {
    const host = this.#components.host()
    if (host === undefined || this.#abort.signal.aborted) throw new EntenteError('ERR_HTTP_UNAVAILABLE', 'gossip is not running')
    return host
  }
}

function parseBootstrap(addresses: readonly string[]): Map<string, Multiaddr[]> {
  const targets = new Map<string, Multiaddr[]>()
  for (const address of addresses) {
    const ma = parseMultiaddr(address)
    const id = ma === undefined ? undefined : peerIdOf(ma)
    const target = id === undefined || !isPeerId(id) ? undefined : dialAddress(address, id)
    if (id === undefined || target === undefined) {
      throw new EntenteError('ERR_CONFIG_INVALID', `bootstrap peer must be a TCP multiaddr with /p2p/<id>: ${address}`)
    }
    targets.set(id, [...(targets.get(id) ?? []), target])
  }
  return targets
}

function isPeerId(text: string): boolean {
  try {
    peerIdFromString(text)
    return true
  } catch {
    return false
  }
}
