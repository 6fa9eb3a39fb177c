// The gossip layer of a node: a libp2p host that spreads signed trust lists, equivocation proofs and revocation lists
// over gossipsub. Composes the intake (verification, one at a time), catch-up sessions and the peer dialer with its
// dial policy, and the peer guard (strikes and bans) behind the connection gater. It never signs lists, never trusts
// a peer's word for a list, holds only countries its admission gate anchors and never throws at peers.
import './polyfills.js'
import { TopicValidatorResult, type Message, type SubscriptionChangeData } from '@libp2p/gossipsub'
import type { ConnectionGater, IdentifyResult, PeerId, PrivateKey } from '@libp2p/interface'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { Libp2pInit } from 'libp2p'
import type { NodeMetrics } from '../metrics/metrics.js'
import { EntenteError } from '../model/errors.js'
import type { EquivocationProof, SignedRevocationIndex, SignedRevocationList, SignedRevocationPartition, SignedTrustList } from '../model/schema.types.js'
import type { RevocationRepository } from '../store/revocation-repository.js'
import type { StoredTrustList, TrustStore } from '../store/store.types.js'
import { decodeTrustList } from '../trust-list/decode-trust-list.js'
import { CatchUpSessions } from './catch-up-sessions.js'
import {
  ALARM_TOPIC,
  CATCH_UP_PROTOCOL,
  DEFAULT_LISTEN,
  DEFAULT_P2P_LIMITS,
  GOSSIP_MAX_PUBLISH_BYTES,
  LIST_NOTICE_TOPIC,
  MAX_LIST_NOTICE_BYTES,
  REVOCATION_TOPIC,
  TRUST_LIST_TOPIC,
  type P2pLimits,
} from './constants.js'
import { classifyMultiaddr, DialPolicy, parseMultiaddr } from './dial-policy.js'
import { createGossipHost, type GossipHost } from './gossip-host.js'
import { gossipCounters, type GossipCounters } from './gossip-metrics.js'
import { describe, Intake, isCanonicalJson, listAction, proofAction, revocationAction, type AdmissionGate, type GossipAction, type ListSource } from './intake.js'
import { PeerDialer } from './peer-dialer.js'
import { PeerGuard } from './peer-guard.js'
import { decodeJsonMessage, decodeListNotice, encodeAlarmMessage, encodeListMessage, encodeListNotice, encodeRevocationMessage, maxAlarmBytes } from './topics.js'

export type { AdmissionGate, ListSource } from './intake.js'

export interface GossipServiceInit {
  /** The node's persistent libp2p identity (peer-key.ts). */
  readonly privateKey: PrivateKey
  /** TCP multiaddrs to listen on (wildcards bind every interface). Default ['/ip4/127.0.0.1/tcp/0'] (the demo's choice). */
  readonly listen?: readonly string[]
  /** Public TCP multiaddrs (/dns4, /dns6 too) identify reports to peers instead of the bound interfaces. Default []. */
  readonly announce?: readonly string[]
  /** Peers dialled at start and re-dialled while disconnected: TCP multiaddrs with /p2p/<id>, always dialled. Default []. */
  readonly bootstrap?: readonly string[]
  /**
   * Dial addresses learned from lists even when loopback, private (RFC 1918, CGNAT, ULA, 198.18.0.0/15) or
   * link-local. Default false: a foreign list must not make the node connect into its operator's network.
   */
  readonly allowPrivate?: boolean
  /** Open-internet limits; default DEFAULT_P2P_LIMITS. */
  readonly limits?: Partial<P2pLimits>
  readonly store: TrustStore
  /** Trust time for verification (expiry); timers use the real clock. */
  readonly now: () => Date
  /** Largest trust list accepted from the network (an alarm may carry two). */
  readonly maxMessageBytes: number
  readonly metrics: NodeMetrics
  /** Periodic catch-up with up to 8 random peers, ±20 % jitter. Default 30 s; 0 or Infinity disables it. */
  readonly catchUpIntervalMs?: number
  /**
   * Catch up with every newly identified peer, and again once its list-topic subscription arrives. Default true (the
   * benchmark turns it off to measure gossip alone).
   */
  readonly catchUpOnConnect?: boolean
  readonly log?: (line: string) => void
  /** Admission: only lists under anchored roots are stored (no first contact: a peer cannot squat a country). */
  readonly admission: AdmissionGate
  /** Called after a list from the network (gossip or catch-up) was verified and stored. */
  readonly onAccepted?: (list: StoredTrustList, source: ListSource) => void
  /** Optional libp2p metrics implementation (the benchmark counts wire bytes with it). */
  readonly libp2pMetrics?: Libp2pInit['metrics']
  /** Certificate revocation lists: when given, the node gossips them on their own topic and pulls them in catch-up. */
  readonly revocations?: RevocationRepository
}

export class GossipService {
  readonly peerId: PeerId
  readonly #init: GossipServiceInit
  readonly #limits: P2pLimits
  readonly #counters: GossipCounters
  readonly #policy: DialPolicy
  readonly #guard: PeerGuard
  readonly #intake: Intake
  readonly #catchUp: CatchUpSessions
  readonly #dialer: PeerDialer
  #host: GossipHost | undefined
  #stopping = false

  constructor(init: GossipServiceInit) {
    if (!Number.isSafeInteger(init.maxMessageBytes) || init.maxMessageBytes < 1) {
      throw new EntenteError('ERR_CONFIG_INVALID', 'maxMessageBytes must be a positive integer')
    }
    this.#init = init
    this.peerId = peerIdFromPrivateKey(init.privateKey)
    this.#limits = { ...DEFAULT_P2P_LIMITS, ...init.limits }
    this.#counters = gossipCounters(init.metrics)
    for (const [limit, value] of Object.entries(this.#limits)) this.#counters.limits.set(value, { limit })
    this.#counters.limits.set(init.allowPrivate === true ? 1 : 0, { limit: 'allowPrivate' })
    this.#policy = new DialPolicy({ allowPrivate: init.allowPrivate === true })
    this.#guard = new PeerGuard({ limits: this.#limits })
    const log = (line: string) => init.log?.(line)
    const host = () => (this.#stopping ? undefined : this.#host)
    this.#intake = new Intake(
      {
        store: init.store,
        admission: init.admission,
        metrics: init.metrics,
        counters: this.#counters,
        now: init.now,
        ...(init.revocations === undefined ? {} : { revocations: init.revocations }),
        log,
        onAccepted: (list, nodes, source) => {
          init.onAccepted?.(list, source)
          if (this.#dialer.learn(nodes)) this.#dialer.dialMissing()
        },
        onProof: (proof) => this.#publishQuietly(ALARM_TOPIC, encodeAlarmMessage(proof)),
      },
      { maxMessageBytes: init.maxMessageBytes },
    )
    this.#catchUp = new CatchUpSessions(
      {
        host,
        store: init.store,
        admission: init.admission,
        intake: this.#intake,
        counters: this.#counters,
        ...(init.revocations === undefined ? {} : { revocations: init.revocations }),
        log,
        publish: (topic, data) => this.#publishQuietly(topic, data),
        strike: (peer, reason) => this.#strike(peer, reason),
      },
      {
        maxMessageBytes: init.maxMessageBytes,
        requestsPerMinute: this.#limits.catchUpRequestsPerMinute,
        ...(init.catchUpIntervalMs === undefined ? {} : { intervalMs: init.catchUpIntervalMs }),
      },
    )
    this.#dialer = new PeerDialer({ host, policy: this.#policy, counters: this.#counters, log }, { self: this.peerId, bootstrap: init.bootstrap ?? [] })
  }

  // ---- lifecycle ----------------------------------------------------------------------------------------------

  async start(): Promise<void> {
    if (this.#host !== undefined) return
    if (this.#stopping) throw new EntenteError('ERR_HTTP_UNAVAILABLE', 'a stopped gossip service cannot restart')
    const host = await createGossipHost({
      privateKey: this.#init.privateKey,
      listen: this.#init.listen ?? DEFAULT_LISTEN,
      ...(this.#init.announce === undefined ? {} : { announce: this.#init.announce }),
      maxMessageBytes: this.#init.maxMessageBytes,
      limits: this.#limits,
      connectionGater: this.#gater(),
      ...(this.#init.libp2pMetrics === undefined ? {} : { libp2pMetrics: this.#init.libp2pMetrics }),
    })
    const pubsub = host.services.pubsub
    pubsub.topicValidators.set(TRUST_LIST_TOPIC, (peer, message) => this.#validateList(peer, message))
    pubsub.topicValidators.set(ALARM_TOPIC, (peer, message) => this.#validateAlarm(peer, message))
    pubsub.topicValidators.set(LIST_NOTICE_TOPIC, (peer, message) => Promise.resolve(this.#validateNotice(peer, message)))
    if (this.#init.revocations !== undefined) pubsub.topicValidators.set(REVOCATION_TOPIC, (peer, message) => this.#validateRevocation(peer, message))
    await host.handle(CATCH_UP_PROTOCOL, this.#catchUp.serve, { maxInboundStreams: 4, maxOutboundStreams: 4 })
    host.addEventListener('peer:identify', this.#onIdentify)
    pubsub.addEventListener('subscription-change', this.#onSubscription)
    host.addEventListener('peer:disconnect', this.#refreshGauges)
    try {
      await host.start()
      pubsub.subscribe(TRUST_LIST_TOPIC)
      pubsub.subscribe(ALARM_TOPIC)
      pubsub.subscribe(LIST_NOTICE_TOPIC)
      if (this.#init.revocations !== undefined) pubsub.subscribe(REVOCATION_TOPIC)
    } catch (cause) {
      // E.g. the port is taken: release whatever did start, and say so with one of our codes.
      await Promise.resolve(host.stop()).catch(() => undefined)
      throw new EntenteError('ERR_HTTP_UNAVAILABLE', `gossip cannot start: ${describe(cause)}`, { cause })
    }
    this.#host = host
    this.#log(`gossip ${this.peerId.toString()} listening on ${this.multiaddrs().join(' ')}`)

    // Restarted nodes find the federation again from the addresses in the lists they hold (all under anchored roots).
    for (const head of this.#init.store.heads()) this.#dialer.learn(decodeTrustList(head.signed, Number.MAX_SAFE_INTEGER).payload.nodes)
    this.#dialer.start()
    this.#catchUp.start()
  }

  /** Stops the host and waits for in-flight work, so the caller may close the store afterwards. */
  async stop(): Promise<void> {
    const host = this.#host
    this.#stopping = true
    this.#dialer.stop()
    const sessions = this.#catchUp.stop()
    if (host === undefined) return
    host.removeEventListener('peer:identify', this.#onIdentify)
    host.services.pubsub.removeEventListener('subscription-change', this.#onSubscription)
    host.removeEventListener('peer:disconnect', this.#refreshGauges)
    await host.stop()
    await sessions
    await this.#intake.stop()
    this.#host = undefined
  }

  // ---- accessors ----------------------------------------------------------------------------------------------

  /** libp2p's own addresses, each with /p2p/<peer id>: the announce addresses when set, else the bound ones. */
  multiaddrs(): string[] {
    return this.#host?.getMultiaddrs().map((ma) => ma.toString()) ?? []
  }

  /** Connected peers. */
  peerCount(): number {
    return this.#host?.getPeers().length ?? 0
  }

  /** A peer's gossipsub score (0 when unknown): what an invalid message would have cost it. */
  peerScore(peer: string): number {
    // The implementation has getScore; the exported GossipSub interface does not name it.
    const pubsub = this.#host?.services.pubsub as { getScore?: (peerId: string) => number } | undefined
    return pubsub?.getScore?.(peer) ?? 0
  }

  /** Connected peers subscribed to the trust-list topic (gossip can reach them). */
  topicPeerCount(): number {
    return this.#host?.services.pubsub.getSubscribers(TRUST_LIST_TOPIC).length ?? 0
  }

  /** Is this peer id (or IP) refused right now? */
  isBanned(peerOrIp: string): boolean {
    return this.#guard.isBanned(peerOrIp)
  }

  // ---- publishing ---------------------------------------------------------------------------------------------

  /**
   * Gossips one of this node's own lists (already stored by the operator service). gossipsub does not run our
   * validator on our own messages, so the store's "duplicate" verdict cannot block it. Returns the number of peers
   * it was sent to (0 is fine: catch-up delivers it when peers connect).
   */
  async publishList(signed: SignedTrustList): Promise<number> {
    const data = encodeListMessage(signed)
    if (data.byteLength > this.#init.maxMessageBytes) {
      throw new EntenteError('ERR_TRUST_LIST_TOO_LARGE', `list is ${data.byteLength} bytes, gossip carries ${this.#init.maxMessageBytes}`)
    }
    return this.#publish(TRUST_LIST_TOPIC, data)
  }

  /** Gossips one of this node's own revocation lists (already stored by the operator service). */
  async publishRevocationList(signed: SignedRevocationList): Promise<number> {
    const data = encodeRevocationMessage(signed)
    if (data.byteLength > this.#init.maxMessageBytes) {
      throw new EntenteError('ERR_REVOCATION_TOO_LARGE', `revocation list is ${data.byteLength} bytes, gossip carries ${this.#init.maxMessageBytes}`)
    }
    return this.#publish(REVOCATION_TOPIC, data)
  }

  /**
   * Gossips one of this node's own revocation indexes, then the partitions it changed (each a message of its own, well
   * under the cap). An index larger than a gossip message reaches peers through catch-up instead.
   */
  /** The index, then each partition (an iterable: a publisher may read them one at a time from its store). */
  async publishRevocationIndex(index: SignedRevocationIndex, partitions: Iterable<SignedRevocationPartition>): Promise<void> {
    const data = encodeRevocationMessage(index)
    if (data.byteLength <= this.#init.maxMessageBytes) await this.#publish(REVOCATION_TOPIC, data)
    else this.#log(`gossip: the revocation index is ${data.byteLength} bytes, over the ${this.#init.maxMessageBytes}-byte message cap: peers pull it in catch-up`)
    for (const partition of partitions) {
      // A turn of the event loop each: a publish resolves without one, and the 4,096 partitions of a 10-million-entry
      // import, encoded and published in one go, held it 1.3 s.
      await new Promise<void>((resolve) => setImmediate(resolve))
      const bytes = encodeRevocationMessage(partition)
      if (bytes.byteLength <= this.#init.maxMessageBytes) await this.#publish(REVOCATION_TOPIC, bytes)
    }
  }

  async publishAlarm(proof: EquivocationProof): Promise<number> {
    return this.#publish(ALARM_TOPIC, encodeAlarmMessage(proof))
  }

  /** Dials a TCP multiaddr with /p2p/<id> (operators and tests adding a link); catch-up follows on identify. */
  async connect(address: string): Promise<void> {
    await this.#dialer.connect(address)
  }

  /** Runs a catch-up session with every connected peer now and waits for all of them. */
  async catchUpNow(): Promise<void> {
    await this.#catchUp.now(this.#requireHost().getPeers())
  }

  async #publish(topic: string, data: Uint8Array): Promise<number> {
    const host = this.#requireHost()
    if (data.byteLength > GOSSIP_MAX_PUBLISH_BYTES) {
      // gossipsub would fail the send to every peer and only log it; catch-up (periodic and on connect) carries it, and
      // for a trust list a notice naming it makes peers pull it now.
      this.#log(`not gossiped on ${topic}: ${data.byteLength} bytes is over gossipsub's ${GOSSIP_MAX_PUBLISH_BYTES}-byte frame; peers pull it by catch-up`)
      if (topic !== TRUST_LIST_TOPIC) return 0
      const { payload, hash } = decodeTrustList(data, Number.MAX_SAFE_INTEGER)
      const notice = encodeListNotice({ country: payload.country, seq: payload.seq, hash, via: this.peerId.toString() })
      const { recipients } = await host.services.pubsub.publish(LIST_NOTICE_TOPIC, notice)
      this.#counters.published.inc({ topic: LIST_NOTICE_TOPIC })
      return recipients.length
    }
    const { recipients } = await host.services.pubsub.publish(topic, data)
    this.#counters.published.inc({ topic })
    return recipients.length
  }

  /** Publishing that must not fail its caller (re-gossip, alarms from validators). */
  #publishQuietly(topic: string, data: Uint8Array): void {
    if (this.#stopping || this.#host === undefined) return
    this.#publish(topic, data).catch((error: unknown) => this.#log(`gossip publish on ${topic} failed: ${describe(error)}`))
  }

  #requireHost(): GossipHost {
    if (this.#host === undefined || this.#stopping) throw new EntenteError('ERR_HTTP_UNAVAILABLE', 'gossip is not running')
    return this.#host
  }

  // ---- peers: policy, strikes, bans ---------------------------------------------------------------------------

  /** The connection gater: the dial policy for every address libp2p dials, bans for every connection. */
  #gater(): ConnectionGater {
    const refuse = (reason: string): true => {
      this.#counters.refused.inc({ reason })
      return true
    }
    return {
      denyDialMultiaddr: (ma) => this.#policy.denyDial(ma) && refuse('policy'),
      denyDialPeer: (peer) => this.#guard.isBanned(peer.toString()) && refuse('banned'),
      denyInboundConnection: (conn) => {
        const ip = remoteIp(conn.remoteAddr)
        return ip !== undefined && this.#guard.isBanned(ip) && refuse('banned')
      },
      denyInboundEncryptedConnection: (peer) => this.#guard.isBanned(peer.toString()) && refuse('banned'),
      denyOutboundEncryptedConnection: (peer) => this.#guard.isBanned(peer.toString()) && refuse('banned'),
    }
  }

  /** A proven-invalid message or answer; at the limit the peer is disconnected and refused for the ban period. */
  #strike(peer: PeerId, reason: string): void {
    this.#counters.strikes.inc({ reason })
    const host = this.#host
    // Off loopback the IP is banned too (a fresh peer id is free); on loopback every local node shares it.
    const addr = host?.getConnections(peer)[0]?.remoteAddr
    const ip = addr === undefined ? undefined : remoteIp(addr)
    if (!this.#guard.strike(peer.toString(), ip)) return
    this.#counters.bans.inc()
    this.#refreshGauges()
    this.#log(`gossip: banned ${peer.toString()} for ${this.#limits.banMs} ms (${reason})`)
    host?.hangUp(peer).catch((error: unknown) => this.#log(`gossip: hanging up on ${peer.toString()} failed: ${describe(error)}`))
  }

  // ---- topic validators: run before gossipsub stores (mcache) or forwards a message; never throw ---------------

  #act(peer: PeerId, action: GossipAction, reason: string): GossipAction['result'] {
    if (action.strike) this.#strike(peer, reason)
    if (action.catchUp && !this.#stopping) void this.#catchUp.request(peer)
    return action.result
  }

  async #validateList(peer: PeerId, message: Message): Promise<GossipAction['result']> {
    const reject = listAction({ kind: 'invalid', code: 'ERR_TRUST_LIST_MALFORMED', peerAtFault: true })
    try {
      if (message.data.byteLength > this.#init.maxMessageBytes) {
        // Checked before any parsing: nothing else may run on an oversized message. No strike: the sender's cap may
        // be larger than ours (gossipsub's score penalty still applies).
        this.#init.metrics.listsRejected.inc({ reason: 'ERR_TRUST_LIST_TOO_LARGE', source: 'gossip' })
        return reject.result
      }
      if (!isCanonicalJson(message.data)) {
        // One list, one byte string, one message id: re-encodings would let a peer replay a list under new ids.
        this.#init.metrics.listsRejected.inc({ reason: 'ERR_TRUST_LIST_NOT_CANONICAL', source: 'gossip' })
        return this.#act(peer, reject, 'ERR_TRUST_LIST_NOT_CANONICAL')
      }
      const verdict = await this.#intake.acceptList(message.data, 'gossip', peer.toString())
      return this.#act(peer, listAction(verdict), verdict.kind === 'invalid' ? verdict.code : verdict.kind)
    } catch (error) {
      this.#log(`gossip: list validator failed: ${describe(error)}`)
      return listAction({ kind: 'invalid', code: 'ERR_INTERNAL', peerAtFault: false }).result
    }
  }

  async #validateAlarm(peer: PeerId, message: Message): Promise<GossipAction['result']> {
    try {
      if (message.data.byteLength > maxAlarmBytes(this.#init.maxMessageBytes)) {
        // As for lists: refused unread, without a strike (the sender's cap may be larger).
        this.#counters.alarms.inc({ outcome: 'rejected', source: 'gossip' })
        return proofAction('invalid').result
      }
      const proof = decodeJsonMessage(message.data)
      if (proof === undefined || !isCanonicalJson(message.data, proof)) {
        this.#counters.alarms.inc({ outcome: 'rejected', source: 'gossip' })
        return this.#act(peer, proofAction('invalid'), 'alarm')
      }
      return this.#act(peer, proofAction(await this.#intake.acceptProof(proof, 'gossip')), 'alarm')
    } catch (error) {
      this.#log(`gossip: alarm validator failed: ${describe(error)}`)
      return proofAction('failed').result
    }
  }

  /**
   * A notice proves nothing (it is not signed), so it is never forwarded: a node that lacks the list it names asks the
   * announcing peer in a catch-up session, where the list is verified as always, and then announces it itself.
   */
  #validateNotice(peer: PeerId, message: Message): GossipAction['result'] {
    try {
      const notice = message.data.byteLength <= MAX_LIST_NOTICE_BYTES && isCanonicalJson(message.data) ? decodeListNotice(message.data) : undefined
      if (notice === undefined) return this.#act(peer, { result: TopicValidatorResult.Reject, catchUp: false, strike: true }, 'malformed list notice')
      const held = this.#init.store.get(notice.country, notice.seq)
      return this.#act(peer, { result: TopicValidatorResult.Ignore, catchUp: held?.hash !== notice.hash, strike: false }, 'list notice')
    } catch (error) {
      this.#log(`gossip: list notice from ${peer.toString()} not handled: ${describe(error)}`)
      return TopicValidatorResult.Ignore
    }
  }

  async #validateRevocation(peer: PeerId, message: Message): Promise<GossipAction['result']> {
    try {
      if (message.data.byteLength > this.#init.maxMessageBytes || !isCanonicalJson(message.data)) {
        return this.#act(peer, revocationAction({ invalid: 'ERR_REVOCATION_MALFORMED' }), 'revocation')
      }
      const verdict = await this.#intake.acceptRevocation(decodeJsonMessage(message.data), 'gossip')
      return this.#act(peer, revocationAction(verdict), typeof verdict === 'string' ? verdict : verdict.invalid)
    } catch (error) {
      this.#log(`gossip: revocation validator failed: ${describe(error)}`)
      return revocationAction({ invalid: 'ERR_INTERNAL' }).result
    }
  }

  /** Gauges that change without a metric call of their own (connections come and go, bans expire). */
  readonly #refreshGauges = (): void => {
    this.#counters.connections.set(this.#host?.getConnections().length ?? 0)
    this.#counters.banned.set(this.#guard.bannedCount())
  }

  readonly #onIdentify = (event: CustomEvent<IdentifyResult>): void => {
    this.#refreshGauges()
    if (this.#init.catchUpOnConnect === false || this.#stopping) return
    if (!event.detail.protocols.includes(CATCH_UP_PROTOCOL)) return
    void this.#catchUp.request(event.detail.peerId)
  }

  /**
   * A peer's subscription to the list topic: from now on our gossip reaches it, but what we published or re-gossiped
   * before it arrived did not. A session with it ends with our offer of what it lacks, which it pulls back.
   */
  readonly #onSubscription = (event: CustomEvent<SubscriptionChangeData>): void => {
    if (this.#init.catchUpOnConnect === false || this.#stopping) return
    if (!event.detail.subscriptions.some((s) => s.subscribe && s.topic === TRUST_LIST_TOPIC)) return
    void this.#catchUp.request(event.detail.peerId)
  }

  #log(line: string): void {
    this.#init.log?.(line)
  }
}

/** The js-libp2p-style factory: options first, then the service. */
export function gossipService(init: GossipServiceInit): GossipService {
  return new GossipService(init)
}

/** The IP of a non-loopback remote address (bans by IP never touch loopback, which local nodes share). */
function remoteIp(addr: Multiaddr): string | undefined {
  const ip = addr.getComponents()[0]
  if (ip === undefined || (ip.name !== 'ip4' && ip.name !== 'ip6')) return undefined
  return classifyMultiaddr(addr) === 'loopback' ? undefined : ip.value
}

/**
 * Own addresses for the `nodes` entry: `announce` when given; else the bound addresses of the listen addresses that
 * name a host (with the real port of a /tcp/0). A wildcard listen address publishes nothing by itself: its interface
 * addresses include loopback and internal ones, so a node listening on 0.0.0.0 or :: says what to publish in announce.
 */
export function announcedAddresses(announce: readonly string[], listen: readonly string[], listening: readonly string[], peerId: string): string[] {
  const withId = (text: string): string => (text.includes('/p2p/') ? text : `${text}/p2p/${peerId}`)
  if (announce.length > 0) return announce.map(withId)
  const hostOf = (text: string): string | undefined => {
    const ma = parseMultiaddr(text)
    return ma === undefined || classifyMultiaddr(ma) === 'unspecified' ? undefined : ma.getComponents()[0]?.value
  }
  const hosts = new Set(listen.map(hostOf).filter((h) => h !== undefined))
  return listening.filter((text) => {
    const host = hostOf(text)
    return host !== undefined && hosts.has(host)
  })
}
