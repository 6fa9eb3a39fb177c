// The gossip layer of a node: a libp2p host that spreads signed trust lists and equivocation proofs over gossipsub,
// verifies every message before it is stored or forwarded, pulls what gossip lost with the catch-up protocol, and
// dials the node addresses that accepted lists publish. It never signs lists, never trusts a peer's word for a list
// (everything goes through acceptTrustList / verifyEquivocationProof), holds only countries its admission gate
// anchors (the rest is ignored without penalising the relaying peer) and never throws at peers.
import './polyfills.js'
import { TopicValidatorResult, type Message } from '@libp2p/gossipsub'
import type { IdentifyResult, PeerId, PrivateKey, Stream } from '@libp2p/interface'
import { peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { Libp2pInit } from 'libp2p'
import type { NodeMetrics } from '../metrics/metrics.js'
import { canonicalBytes } from '../model/canonical-json.js'
import { EntenteError, type EntenteErrorCode } from '../model/errors.js'
import type { EquivocationProof, NodeAddress, SignedRevocationList, SignedTrustList } from '../model/schema.types.js'
import { acceptTrustList } from '../store/accept-trust-list.js'
import { acceptRevocationList } from '../store/accept-revocation-list.js'
import type { RevocationRepository } from '../store/revocation-repository.js'
import type { StoredTrustList, TrustStore } from '../store/store.types.js'
import type { TrustListInput } from '../trust-list/decode-trust-list.js'
import { decodeTrustList } from '../trust-list/decode-trust-list.js'
import { verifyEquivocationProof } from '../trust-list/equivocation.js'
import type { RootAnchor, VerifiedTrustList } from '../trust-list/trust-list.types.js'
import { verifyTrustList } from '../trust-list/verify-trust-list.js'
import {
  alarmId,
  answerRequest,
  CatchUpClient,
  maxResponseBytes,
  serveCatchUp,
  type CatchUpRequest,
  type CatchUpResponse,
  type HeadSummary,
} from './catch-up-protocol.js'
import {
  ALARM_TOPIC,
  CATCH_UP_ALARMS_PER_REQUEST,
  CATCH_UP_JITTER,
  CATCH_UP_MAX_ALARMS_PER_SESSION,
  CATCH_UP_MAX_PAGES_PER_COUNTRY,
  CATCH_UP_PAGE_LISTS,
  CATCH_UP_PEERS_PER_ROUND,
  CATCH_UP_PROTOCOL,
  CATCH_UP_REPUBLISH_PER_COUNTRY,
  CATCH_UP_REQUEST_TIMEOUT_MS,
  CATCH_UP_SESSION_TIMEOUT_MS,
  DEFAULT_CATCH_UP_INTERVAL_MS,
  DEFAULT_LISTEN,
  DIAL_BACKOFF_MS,
  DIAL_MAINTENANCE_INTERVAL_MS,
  DIAL_TIMEOUT_MS,
  MAX_KNOWN_PEERS,
  REVOCATION_TOPIC,
  TRUST_LIST_TOPIC,
} from './constants.js'
import { createGossipHost, type GossipHost } from './gossip-host.js'
import { loopbackDialAddress, parseMultiaddr, peerIdOf } from './loopback.js'
import { decodeJsonMessage, encodeAlarmMessage, encodeListMessage, encodeRevocationMessage, maxAlarmBytes } from './topics.js'

export type ListSource = 'gossip' | 'catch-up'

/**
 * Which countries the node holds (src/admission/admission.ts implements it): a list enters the store only when its
 * root is anchored; alarms only within the caps.
 */
export interface AdmissionGate {
  /** May this list enter the trust tables? For a country not held yet, `anchor` is the root to verify it against. */
  judge(
    payload: { readonly country: string; readonly root: { readonly thumbprint: string }; readonly previousRoot?: { readonly thumbprint: string } },
    size: number,
  ): { readonly admit: true; readonly anchor?: RootAnchor } | { readonly admit: false; readonly reason: string }
  /** Keeps a self-signed list under an unanchored root, bounded, for the operator. */
  quarantine(peer: string, list: VerifiedTrustList): void
  /** After a list was stored: caps, and countries that gained or lost their anchor. */
  afterAccepted(country: string): void
  /** Room for one more proof of (country, seq)? */
  alarmRoom(country: string, seq: number): boolean
  /**
   * Could a list of this country under `root` be admitted? 'no': the country has no anchored root (catch-up skips it
   * without downloading anything); 'probe': other roots are anchored, so only a rotation from one of them could be
   * (catch-up fetches one list to see); 'yes': the root is anchored, or not named (a peer predating the field).
   */
  wouldAdmit(country: string, root?: string): 'yes' | 'probe' | 'no'
}

export interface GossipServiceInit {
  /** The node's persistent libp2p identity (peer-key.ts). */
  readonly privateKey: PrivateKey
  /** Loopback TCP multiaddrs to listen on. Default ['/ip4/127.0.0.1/tcp/0']. */
  readonly listen?: readonly string[]
  /** Peers dialled at start and re-dialled while disconnected: loopback multiaddrs with /p2p/<id>. Default []. */
  readonly bootstrap?: readonly string[]
  readonly store: TrustStore
  /** Trust time for verification (expiry); timers use the real clock. */
  readonly now: () => Date
  /** Largest trust list accepted from the network (an alarm may carry two). */
  readonly maxMessageBytes: number
  readonly metrics: NodeMetrics
  /** Periodic catch-up with up to 8 random peers, ±20 % jitter. Default 30 s; 0 or Infinity disables it. */
  readonly catchUpIntervalMs?: number
  /** Catch up with every newly identified peer. Default true (the benchmark turns it off to measure gossip alone). */
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

/** What happened to one list from the network. */
type ListVerdict =
  | { readonly kind: 'accepted'; readonly list: StoredTrustList }
  | { readonly kind: 'ignored'; readonly reason: 'duplicate' | 'stale'; readonly country: string; readonly seq: number }
  | { readonly kind: 'equivocation'; readonly country: string; readonly seq: number }
  /** Validly self-signed, but no anchored root vouches for it (or a cap is full): not stored, not the peer's fault. */
  | { readonly kind: 'unanchored'; readonly country: string; readonly reason: string }
  | { readonly kind: 'invalid'; readonly code: EntenteErrorCode; readonly peerAtFault: boolean }

type ProofVerdict = 'new' | 'known' | 'unheld' | 'capped' | 'invalid' | 'failed'

/**
 * Failures that do not prove the forwarding peer wrong, so gossip ignores instead of rejecting (no score penalty):
 * clock-dependent verdicts (its clock may differ from ours), a broken chain (the country forked: the peer may hold
 * the other branch; catch-up fetches it and turns it into a proof) and our own store errors.
 */
const NOT_THE_PEERS_FAULT = new Set<EntenteErrorCode>([
  'ERR_TRUST_LIST_EXPIRED',
  'ERR_TRUST_LIST_NOT_YET_VALID',
  'ERR_TRUST_LIST_CHAIN',
  // A list after a handover we have not seen: the sender is ahead of us, catch-up walks the chain.
  'ERR_TRUST_LIST_HANDOVER_MISSING',
  'ERR_STORE',
  'ERR_STORE_CONFLICT',
  'ERR_INTERNAL',
])

/** Revocation-list failures that do not prove the forwarding peer wrong (see NOT_THE_PEERS_FAULT). */
const REVOCATION_NOT_THE_PEERS_FAULT = new Set<EntenteErrorCode>([
  'ERR_REVOCATION_EXPIRED',
  'ERR_REVOCATION_NOT_YET_VALID',
  'ERR_REVOCATION_CHAIN',
  // We may not hold the country's trust list yet, or not its newest root.
  'ERR_REVOCATION_WRONG_ROOT',
])

/** setTimeout's largest delay; longer intervals mean "never" here. */
const MAX_TIMER_MS = 2 ** 31 - 1

export class GossipService {
  readonly peerId: PeerId
  readonly #init: GossipServiceInit
  readonly #bootstrap: ReadonlyMap<string, Multiaddr[]>
  /** Node addresses learned from accepted lists: peer id → loopback multiaddrs. */
  readonly #known = new Map<string, Multiaddr[]>()
  /** Real-clock time of the last dial per peer id, for backoff. */
  readonly #lastDial = new Map<string, number>()
  readonly #sessions = new Map<string, { again: boolean; done: Promise<void> }>()
  readonly #counters: ReturnType<typeof gossipCounters>
  readonly #abort = new AbortController()
  #host: GossipHost | undefined
  #stopping = false
  #queue: Promise<unknown> = Promise.resolve()
  #catchUpTimer: ReturnType<typeof setTimeout> | undefined
  #dialTimer: ReturnType<typeof setInterval> | undefined

  constructor(init: GossipServiceInit) {
    if (!Number.isSafeInteger(init.maxMessageBytes) || init.maxMessageBytes < 1) {
      throw new EntenteError('ERR_CONFIG_INVALID', 'maxMessageBytes must be a positive integer')
    }
    this.#init = init
    this.peerId = peerIdFromPrivateKey(init.privateKey)
    this.#bootstrap = parseBootstrap(init.bootstrap ?? [])
    this.#counters = gossipCounters(init.metrics)
  }

  // ---- lifecycle ----------------------------------------------------------------------------------------------

  async start(): Promise<void> {
    if (this.#host !== undefined) return
    if (this.#stopping) throw new EntenteError('ERR_HTTP_UNAVAILABLE', 'a stopped gossip service cannot restart')
    const host = await createGossipHost({
      privateKey: this.#init.privateKey,
      listen: this.#init.listen ?? DEFAULT_LISTEN,
      maxMessageBytes: this.#init.maxMessageBytes,
      ...(this.#init.libp2pMetrics === undefined ? {} : { libp2pMetrics: this.#init.libp2pMetrics }),
    })
    const pubsub = host.services.pubsub
    pubsub.topicValidators.set(TRUST_LIST_TOPIC, (peer, message) => this.#validateList(peer, message))
    pubsub.topicValidators.set(ALARM_TOPIC, (peer, message) => this.#validateAlarm(peer, message))
    if (this.#init.revocations !== undefined) pubsub.topicValidators.set(REVOCATION_TOPIC, (_peer, message) => this.#validateRevocation(message))
    await host.handle(CATCH_UP_PROTOCOL, (stream) => this.#serve(stream), { maxInboundStreams: 4, maxOutboundStreams: 4 })
    host.addEventListener('peer:identify', this.#onIdentify)
    try {
      await host.start()
      pubsub.subscribe(TRUST_LIST_TOPIC)
      pubsub.subscribe(ALARM_TOPIC)
      if (this.#init.revocations !== undefined) pubsub.subscribe(REVOCATION_TOPIC)
    } catch (cause) {
      // E.g. the port is taken: release whatever did start, and say so with one of our codes.
      await Promise.resolve(host.stop()).catch(() => undefined)
      throw new EntenteError('ERR_HTTP_UNAVAILABLE', `gossip cannot start: ${describe(cause)}`, { cause })
    }
    this.#host = host
    this.#log(`gossip ${this.peerId.toString()} listening on ${this.multiaddrs().join(' ')}`)

    // Restarted nodes find the federation again from the addresses in the lists they already hold.
    for (const head of this.#init.store.heads()) this.#learnNodes(decodeTrustList(head.signed, Number.MAX_SAFE_INTEGER).payload.nodes)
    this.#dialMissing()
    this.#dialTimer = setInterval(() => this.#dialMissing(), DIAL_MAINTENANCE_INTERVAL_MS)
    this.#dialTimer.unref()
    this.#scheduleCatchUpRound()
  }

  /** Stops the host and waits for in-flight work, so the caller may close the store afterwards. */
  async stop(): Promise<void> {
    const host = this.#host
    this.#stopping = true
    clearTimeout(this.#catchUpTimer)
    clearInterval(this.#dialTimer)
    this.#abort.abort(new EntenteError('ERR_HTTP_UNAVAILABLE', 'gossip stopped'))
    if (host === undefined) return
    host.removeEventListener('peer:identify', this.#onIdentify)
    await host.stop()
    await Promise.allSettled([...this.#sessions.values()].map((s) => s.done))
    await this.#queue.catch(() => undefined)
    this.#host = undefined
  }

  // ---- accessors ----------------------------------------------------------------------------------------------

  /** Listening addresses, each with /p2p/<peer id>: what the node publishes in its own list's `nodes`. */
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

  async publishAlarm(proof: EquivocationProof): Promise<number> {
    return this.#publish(ALARM_TOPIC, encodeAlarmMessage(proof))
  }

  /** Dials a loopback multiaddr with /p2p/<id> (operators and tests adding a link); catch-up follows on identify. */
  async connect(address: string): Promise<void> {
    const host = this.#requireHost()
    const ma = parseMultiaddr(address)
    const peer = ma === undefined ? undefined : peerIdOf(ma)
    const target = peer === undefined ? undefined : loopbackDialAddress(address, peer)
    if (target === undefined) throw new EntenteError('ERR_CONFIG_INVALID', `not a loopback multiaddr with /p2p/: ${address}`)
    await host.dial(target, { signal: AbortSignal.any([this.#abort.signal, AbortSignal.timeout(DIAL_TIMEOUT_MS)]) })
  }

  /** Runs a catch-up session with every connected peer now and waits for all of them. */
  async catchUpNow(): Promise<void> {
    const host = this.#requireHost()
    await Promise.all(host.getPeers().map((peer) => this.#requestCatchUp(peer)))
  }

  async #publish(topic: string, data: Uint8Array): Promise<number> {
    const host = this.#requireHost()
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

  // ---- verification of everything from the network ------------------------------------------------------------

  /**
   * One list at a time through the store: acceptTrustList verifies against the held head, so two lists of a
   * country checked side by side would race (and later seqs could overtake earlier ones, leaving history gaps).
   */
  #serially<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task, task)
    this.#queue = run.catch(() => undefined)
    return run
  }

  #acceptList(input: TrustListInput, source: ListSource, peer: string): Promise<ListVerdict> {
    return this.#serially(async (): Promise<ListVerdict> => {
      const { metrics, store, now, maxMessageBytes, admission } = this.#init
      if (this.#stopping) return { kind: 'invalid', code: 'ERR_HTTP_UNAVAILABLE', peerAtFault: false }
      try {
        // Admission before verification against any head: a list no anchored root vouches for never reaches the store.
        const decoded = decodeTrustList(input, maxMessageBytes)
        const judgement = admission.judge(decoded.payload, decoded.size)
        if (!judgement.admit) return await this.#unanchored(input, source, peer, judgement.reason)
        const anchors = judgement.anchor === undefined ? undefined : new Map([[decoded.payload.country, judgement.anchor]])
        const outcome = await acceptTrustList(store, input, {
          now: now(),
          maxBytes: maxMessageBytes,
          ...(anchors === undefined ? {} : { anchors }),
          alarmRoom: (country, seq) => admission.alarmRoom(country, seq),
        })
        switch (outcome.status) {
          case 'accepted':
            metrics.listsAccepted.inc({ source })
            admission.afterAccepted(outcome.list.country)
            this.#afterAccepted(outcome.list, outcome.verified.payload.nodes, source)
            return { kind: 'accepted', list: outcome.list }
          case 'duplicate':
          case 'stale':
            metrics.listsIgnored.inc({ reason: outcome.status, source })
            return { kind: 'ignored', reason: outcome.status, country: outcome.country, seq: outcome.seq }
          case 'equivocation':
            // The conflicting list is not forwarded: the proof is, on the alarm topic.
            metrics.listsIgnored.inc({ reason: 'equivocation', source })
            if (outcome.isNew) {
              metrics.equivocations.inc({ source })
              this.#log(`equivocation: ${outcome.proof.country} signed two lists with seq ${outcome.proof.seq}`)
              this.#publishQuietly(ALARM_TOPIC, encodeAlarmMessage(outcome.proof))
            }
            return { kind: 'equivocation', country: outcome.proof.country, seq: outcome.proof.seq }
        }
      } catch (error) {
        const code: EntenteErrorCode = error instanceof EntenteError ? error.code : 'ERR_INTERNAL'
        metrics.listsRejected.inc({ reason: code, source })
        if (!(error instanceof EntenteError)) this.#log(`gossip: accepting a list failed: ${describe(error)}`)
        return { kind: 'invalid', code, peerAtFault: error instanceof EntenteError && !NOT_THE_PEERS_FAULT.has(code) }
      }
    })
  }

  /**
   * A list the admission gate refused. Self-signed validly: quarantined (bounded) and ignored, because another node may
   * rightly anchor that root; not even self-signed validly: the relaying peer forwarded garbage.
   */
  async #unanchored(input: TrustListInput, source: ListSource, peer: string, reason: string): Promise<ListVerdict> {
    const { metrics, now, maxMessageBytes, admission } = this.#init
    let verified: VerifiedTrustList
    try {
      verified = await verifyTrustList(input, { now: now(), maxBytes: maxMessageBytes })
    } catch (error) {
      const code: EntenteErrorCode = error instanceof EntenteError ? error.code : 'ERR_INTERNAL'
      metrics.listsRejected.inc({ reason: code, source })
      return { kind: 'invalid', code, peerAtFault: error instanceof EntenteError && !NOT_THE_PEERS_FAULT.has(code) }
    }
    metrics.unanchored.inc({ source })
    if (reason === 'unanchored') admission.quarantine(peer, verified)
    return { kind: 'unanchored', country: verified.payload.country, reason }
  }

  #afterAccepted(list: StoredTrustList, nodes: readonly NodeAddress[], source: ListSource): void {
    this.#log(`accepted ${list.country} seq ${list.seq} from ${source}`)
    try {
      this.#init.onAccepted?.(list, source)
    } catch (error) {
      this.#log(`gossip: onAccepted failed: ${describe(error)}`)
    }
    if (this.#learnNodes(nodes)) this.#dialMissing()
  }

  #acceptProof(input: unknown, source: ListSource): Promise<ProofVerdict> {
    return this.#serially(async (): Promise<ProofVerdict> => {
      const { metrics, store, now, maxMessageBytes } = this.#init
      if (this.#stopping) return 'failed'
      // A proof can only convict a root this node holds: without one, anyone could mint self-signed "proofs"
      // and fill every store and /v1/alarms. Ignored (not stored, not forwarded) until the country is held.
      const anchor = anchorFor(store, input)
      if (anchor.anchor === undefined) {
        this.#counters.alarms.inc({ outcome: 'unheld', source })
        return 'unheld'
      }
      try {
        const verified = await verifyEquivocationProof(input, {
          now: now(),
          maxBytes: maxMessageBytes,
          ...anchor,
        })
        // Caps: one proof per country and seq is enough, a few per country at most. Verified, counted, not stored.
        const held = store.equivocations(verified.country).some((e) => e.seq === verified.seq && e.hashes[0] === verified.hashes[0] && e.hashes[1] === verified.hashes[1])
        if (!held && !this.#init.admission.alarmRoom(verified.country, verified.seq)) {
          this.#counters.alarms.inc({ outcome: 'capped', source })
          return 'capped'
        }
        const { isNew } = store.recordEquivocation(verified.proof, { detectedAt: now() })
        this.#counters.alarms.inc({ outcome: isNew ? 'new' : 'known', source })
        if (isNew) {
          metrics.equivocations.inc({ source })
          this.#log(`alarm: ${verified.country} equivocated at seq ${verified.seq} (from ${source})`)
        }
        return isNew ? 'new' : 'known'
      } catch (error) {
        const ours = !(error instanceof EntenteError) || error.code.startsWith('ERR_STORE')
        this.#counters.alarms.inc({ outcome: ours ? 'failed' : 'rejected', source })
        if (ours) this.#log(`gossip: recording a proof failed: ${describe(error)}`)
        return ours ? 'failed' : 'invalid'
      }
    })
  }

  // Topic validators run before gossipsub stores (mcache) or forwards a message. They never throw.

  async #validateList(peer: PeerId, message: Message): Promise<TopicValidatorResult> {
    try {
      if (message.data.byteLength > this.#init.maxMessageBytes) {
        // Checked before any parsing: nothing else may run on an oversized message.
        this.#init.metrics.listsRejected.inc({ reason: 'ERR_TRUST_LIST_TOO_LARGE', source: 'gossip' })
        return TopicValidatorResult.Reject
      }
      if (!isCanonicalJson(message.data)) {
        // One list, one byte string, one message id: re-encodings would let a peer replay a list under new ids.
        this.#init.metrics.listsRejected.inc({ reason: 'ERR_TRUST_LIST_NOT_CANONICAL', source: 'gossip' })
        return TopicValidatorResult.Reject
      }
      const verdict = await this.#acceptList(message.data, 'gossip', peer.toString())
      switch (verdict.kind) {
        case 'accepted':
          return TopicValidatorResult.Accept
        case 'unanchored':
          // Not ours to hold, but another node may rightly anchor that root: no penalty, not forwarded by us.
          return TopicValidatorResult.Ignore
        case 'ignored':
          // Our current head arriving again is still forwarded: we may hold it from another path (catch-up, our own
          // store) while our neighbours do not, and gossipsub forwards one message id once, so this cannot loop.
          // Older lists are not forwarded.
          return verdict.reason === 'duplicate' ? TopicValidatorResult.Accept : TopicValidatorResult.Ignore
        case 'equivocation':
          return TopicValidatorResult.Ignore
        case 'invalid':
          // A validly signed list that does not chain onto our head: the peer holds another branch. Pull it.
          if (verdict.code === 'ERR_TRUST_LIST_CHAIN' || verdict.code === 'ERR_TRUST_LIST_HANDOVER_MISSING') void this.#requestCatchUp(peer)
          return verdict.peerAtFault ? TopicValidatorResult.Reject : TopicValidatorResult.Ignore
      }
    } catch (error) {
      this.#log(`gossip: list validator failed: ${describe(error)}`)
      return TopicValidatorResult.Ignore
    }
  }

  async #validateAlarm(_peer: PeerId, message: Message): Promise<TopicValidatorResult> {
    try {
      if (message.data.byteLength > maxAlarmBytes(this.#init.maxMessageBytes)) {
        this.#counters.alarms.inc({ outcome: 'rejected', source: 'gossip' })
        return TopicValidatorResult.Reject
      }
      const proof = decodeJsonMessage(message.data)
      if (proof === undefined || !isCanonicalJson(message.data, proof)) {
        this.#counters.alarms.inc({ outcome: 'rejected', source: 'gossip' })
        return TopicValidatorResult.Reject
      }
      switch (await this.#acceptProof(proof, 'gossip')) {
        // A known proof is forwarded too: we may have found it ourselves while a neighbour's copy was in flight, and
        // then our own publish of it is dropped as a gossip duplicate; ignoring here would starve the next hop.
        case 'new':
        case 'known':
          return TopicValidatorResult.Accept
        case 'invalid':
          return TopicValidatorResult.Reject
        default:
          return TopicValidatorResult.Ignore
      }
    } catch (error) {
      this.#log(`gossip: alarm validator failed: ${describe(error)}`)
      return TopicValidatorResult.Ignore
    }
  }

  // ---- catch-up -----------------------------------------------------------------------------------------------

  readonly #onIdentify = (event: CustomEvent<IdentifyResult>): void => {
    if (this.#init.catchUpOnConnect === false || this.#stopping) return
    if (!event.detail.protocols.includes(CATCH_UP_PROTOCOL)) return
    void this.#requestCatchUp(event.detail.peerId)
  }

  #serve(stream: Stream): void {
    const budget = maxResponseBytes(this.#init.maxMessageBytes) - 4096
    void serveCatchUp(stream, (request) => this.#answer(request, budget), {
      maxResponseBytes: maxResponseBytes(this.#init.maxMessageBytes),
      signal: this.#abort.signal,
      onError: (error) => {
        this.#counters.catchUpServeErrors.inc({ reason: error instanceof EntenteError ? error.code : 'stream' })
      },
    })
  }

  #answer(request: CatchUpRequest, budget: number): CatchUpResponse {
    if (this.#stopping) throw new EntenteError('ERR_HTTP_UNAVAILABLE', 'gossip stopped')
    return answerRequest(this.#init.store, request, budget, this.#init.revocations)
  }

  /** One session per peer at a time; a request while one runs makes it run once more afterwards. */
  #requestCatchUp(peer: PeerId): Promise<void> {
    const key = peer.toString()
    const running = this.#sessions.get(key)
    if (running !== undefined) {
      running.again = true
      return running.done
    }
    const entry = { again: false, done: Promise.resolve() }
    entry.done = (async () => {
      try {
        do {
          entry.again = false
          await this.#catchUpWith(peer)
        } while (entry.again && !this.#stopping)
      } finally {
        this.#sessions.delete(key)
      }
    })()
    this.#sessions.set(key, entry)
    return entry.done
  }

  async #catchUpWith(peer: PeerId): Promise<void> {
    const host = this.#host
    if (host === undefined || this.#stopping) return
    const session = AbortSignal.any([this.#abort.signal, AbortSignal.timeout(CATCH_UP_SESSION_TIMEOUT_MS)])
    let stream: Stream
    try {
      stream = await host.dialProtocol(peer, CATCH_UP_PROTOCOL, {
        signal: AbortSignal.any([session, AbortSignal.timeout(CATCH_UP_REQUEST_TIMEOUT_MS)]),
      })
    } catch (error) {
      if (!this.#stopping) this.#counters.catchUpSessions.inc({ outcome: 'unreachable' })
      this.#log(`catch-up: cannot open a stream to ${key(peer)}: ${describe(error)}`)
      return
    }
    const client = new CatchUpClient(stream, { maxResponseBytes: maxResponseBytes(this.#init.maxMessageBytes), signal: session })
    try {
      const summary = await client.summary()
      for (const theirs of summary.heads) {
        if (this.#stopping) break
        await this.#pullCountry(client, theirs, peer.toString())
      }
      await this.#pullAlarms(client, summary.alarms)
      await this.#pullRevocations(client)
      await client.close()
      this.#counters.catchUpSessions.inc({ outcome: 'ok' })
    } catch (error) {
      client.abort(error)
      if (this.#stopping) return
      // A bad, late or oversized answer: counted and dropped; the next round tries again.
      this.#counters.catchUpSessions.inc({ outcome: 'failed' })
      this.#counters.catchUpBadResponses.inc({ reason: error instanceof EntenteError ? error.code : 'ERR_INTERNAL' })
      this.#log(`catch-up with ${key(peer)} failed: ${describe(error)}`)
    }
  }

  async #pullCountry(client: CatchUpClient, theirs: HeadSummary, peer: string): Promise<void> {
    const { store, admission } = this.#init
    const mine = store.head(theirs.country)
    const outlook = mine === undefined ? admission.wouldAdmit(theirs.country, theirs.root) : 'yes'
    if (outlook === 'no') {
      // No anchored root for the country: nothing of it could be admitted, so nothing of it is downloaded.
      this.#counters.catchUpSkipped.inc()
      return
    }
    if (mine === undefined || theirs.seq > mine.seq) {
      await this.#pullHistory(client, theirs, mine?.seq ?? 0, peer, outlook === 'probe' ? 1 : CATCH_UP_PAGE_LISTS)
      return
    }
    // Same seq (or an older one we hold) with other bytes: fetch theirs, acceptTrustList turns the pair into a proof.
    const held = theirs.seq === mine.seq ? mine : store.get(theirs.country, theirs.seq)
    if (held !== undefined && held.hash !== theirs.hash && !this.#hasProof(theirs.country, theirs.seq, theirs.hash)) {
      await this.#pullOne(client, theirs.country, theirs.seq, peer)
    }
  }

  async #pullHistory(client: CatchUpClient, theirs: HeadSummary, fromSeq: number, peer: string, firstPage: number): Promise<void> {
    const accepted: StoredTrustList[] = []
    let after = fromSeq
    pages: for (let page = 0; page < CATCH_UP_MAX_PAGES_PER_COUNTRY && after < theirs.seq; page++) {
      // A probe page holds one list: the rest is fetched only once that one was admitted.
      const lists = await client.history(theirs.country, after, page === 0 ? firstPage : CATCH_UP_PAGE_LISTS)
      if (lists.length === 0) break
      // In seq order, each verified against the head the previous one left.
      for (const list of lists) {
        const verdict = await this.#acceptList(list as TrustListInput, 'catch-up', peer)
        if (verdict.kind === 'unanchored') break pages
        if (verdict.kind === 'invalid') {
          if (verdict.code === 'ERR_TRUST_LIST_CHAIN') {
            // Their branch does not extend ours: their list at our head's seq is the other half of a proof.
            const head = this.#init.store.head(theirs.country)
            if (head !== undefined) await this.#pullOne(client, theirs.country, head.seq, peer)
          }
          break pages
        }
        const { country, seq } = verdict.kind === 'accepted' ? verdict.list : verdict
        // A page must move forward within the asked country; anything else is a confused or lying peer.
        if (country !== theirs.country || seq <= after) break pages
        if (verdict.kind === 'accepted') accepted.push(verdict.list)
        if (verdict.kind === 'equivocation') break pages
        after = seq
      }
    }
    // Re-gossip what was new to us, so the rest of a healed partition gets it at gossip speed, not at the next round.
    const republish = accepted.length <= CATCH_UP_REPUBLISH_PER_COUNTRY ? accepted : accepted.slice(-1)
    for (const list of republish) this.#publishQuietly(TRUST_LIST_TOPIC, encodeListMessage(list.signed))
  }

  async #pullOne(client: CatchUpClient, country: string, seq: number, peer: string): Promise<void> {
    const [list] = await client.history(country, seq - 1, 1)
    if (list !== undefined) await this.#acceptList(list as TrustListInput, 'catch-up', peer)
  }

  #hasProof(country: string, seq: number, hash: string): boolean {
    return this.#init.store.equivocations(country).some((e) => e.seq === seq && e.hashes.includes(hash))
  }

  async #pullAlarms(client: CatchUpClient, ids: readonly string[]): Promise<void> {
    const known = new Set(this.#init.store.equivocations().map(alarmId))
    const missing = ids.filter((id) => !known.has(id)).slice(0, CATCH_UP_MAX_ALARMS_PER_SESSION)
    for (let i = 0; i < missing.length && !this.#stopping; i += CATCH_UP_ALARMS_PER_REQUEST) {
      const proofs = await client.alarms(missing.slice(i, i + CATCH_UP_ALARMS_PER_REQUEST))
      for (const proof of proofs) {
        if ((await this.#acceptProof(proof, 'catch-up')) === 'new') {
          this.#publishQuietly(ALARM_TOPIC, encodeAlarmMessage(proof as EquivocationProof))
        }
      }
    }
  }

  // ---- certificate revocation lists (issue 7) ------------------------------------------------------------------

  /** One revocation list at a time through the store, like trust lists; verified against the held trust list's root. */
  #acceptRevocation(input: unknown, source: ListSource): Promise<'accepted' | 'duplicate' | 'stale' | { invalid: EntenteErrorCode }> {
    return this.#serially(async () => {
      const { store, now, maxMessageBytes, revocations } = this.#init
      if (this.#stopping || revocations === undefined) return { invalid: 'ERR_HTTP_UNAVAILABLE' as const }
      try {
        const outcome = await acceptRevocationList({ trust: store, revocations }, input as SignedRevocationList, { now: now(), maxBytes: maxMessageBytes })
        if (outcome.status === 'accepted') this.#log(`accepted the ${outcome.list.country} revocation list seq ${outcome.list.seq} from ${source}`)
        return outcome.status
      } catch (error) {
        if (!(error instanceof EntenteError)) this.#log(`gossip: accepting a revocation list failed: ${describe(error)}`)
        return { invalid: error instanceof EntenteError ? error.code : 'ERR_INTERNAL' }
      }
    })
  }

  async #validateRevocation(message: Message): Promise<TopicValidatorResult> {
    try {
      if (message.data.byteLength > this.#init.maxMessageBytes || !isCanonicalJson(message.data)) return TopicValidatorResult.Reject
      const verdict = await this.#acceptRevocation(decodeJsonMessage(message.data), 'gossip')
      if (verdict === 'accepted' || verdict === 'duplicate') return TopicValidatorResult.Accept
      if (verdict === 'stale') return TopicValidatorResult.Ignore
      // Clock-dependent verdicts, a country whose trust list we do not hold yet, or a fork: not provably the peer's fault.
      return REVOCATION_NOT_THE_PEERS_FAULT.has(verdict.invalid) || NOT_THE_PEERS_FAULT.has(verdict.invalid) ? TopicValidatorResult.Ignore : TopicValidatorResult.Reject
    } catch (error) {
      this.#log(`gossip: revocation validator failed: ${describe(error)}`)
      return TopicValidatorResult.Ignore
    }
  }

  /** Pulls revocation-list heads newer than ours, page by page; a peer that predates revocation lists ends only this part. */
  async #pullRevocations(client: CatchUpClient): Promise<void> {
    const revocations = this.#init.revocations
    if (revocations === undefined) return
    try {
      for (let page = 0; page < CATCH_UP_MAX_PAGES_PER_COUNTRY && !this.#stopping; page++) {
        const known = Object.fromEntries(revocations.heads().map((h) => [h.country, h.seq]))
        const lists = await client.revocations(known)
        let progress = false
        for (const list of lists) {
          const verdict = await this.#acceptRevocation(list, 'catch-up')
          if (verdict === 'accepted') {
            progress = true
            this.#publishQuietly(REVOCATION_TOPIC, encodeRevocationMessage(list as SignedRevocationList))
          }
        }
        if (!progress) return
      }
    } catch (error) {
      this.#log(`catch-up: revocation lists not pulled: ${describe(error)}`)
    }
  }

  #scheduleCatchUpRound(): void {
    const interval = this.#init.catchUpIntervalMs ?? DEFAULT_CATCH_UP_INTERVAL_MS
    if (this.#stopping || !(interval > 0) || interval > MAX_TIMER_MS) return
    const delay = interval * (1 - CATCH_UP_JITTER + 2 * CATCH_UP_JITTER * Math.random())
    this.#catchUpTimer = setTimeout(() => {
      void this.#catchUpRound().finally(() => this.#scheduleCatchUpRound())
    }, Math.min(delay, MAX_TIMER_MS))
    this.#catchUpTimer.unref()
  }

  async #catchUpRound(): Promise<void> {
    const host = this.#host
    if (host === undefined || this.#stopping) return
    const peers = shuffle(host.getPeers()).slice(0, CATCH_UP_PEERS_PER_ROUND)
    await Promise.allSettled(peers.map((peer) => this.#requestCatchUp(peer)))
  }

  // ---- peer discovery -----------------------------------------------------------------------------------------

  /** Remembers the loopback addresses of nodes named in an accepted list. True when something new was learned. */
  #learnNodes(nodes: readonly NodeAddress[]): boolean {
    let learned = false
    for (const node of nodes) {
      // The peer id comes from the entry or else from an address's /p2p/ part; without one we cannot authenticate.
      const id =
        node.peerId ??
        node.multiaddrs.map((m) => parseMultiaddr(m)).map((m) => (m === undefined ? undefined : peerIdOf(m))).find((p) => p !== undefined)
      if (id === undefined || id === this.peerId.toString() || !isPeerId(id)) continue
      const addrs = node.multiaddrs.map((m) => loopbackDialAddress(m, id)).filter((m): m is Multiaddr => m !== undefined)
      if (addrs.length === 0) continue
      const before = this.#known.get(id)?.map(String).join(' ')
      if (!this.#known.has(id) && this.#known.size >= MAX_KNOWN_PEERS) continue
      this.#known.set(id, addrs)
      learned ||= before !== addrs.map(String).join(' ')
    }
    return learned
  }

  /** Dials bootstrap and discovered peers we are not connected to, each at most once per backoff period. */
  #dialMissing(): void {
    const host = this.#host
    if (host === undefined || this.#stopping) return
    for (const [id, addrs] of [...this.#bootstrap, ...this.#known]) {
      const peer = peerIdFromString(id)
      if (host.getConnections(peer).length > 0) continue
      // Real clock, not the injected trust time: this is about not hammering an unreachable peer.
      const now = Date.now()
      if (now - (this.#lastDial.get(id) ?? -Infinity) < DIAL_BACKOFF_MS) continue
      this.#lastDial.set(id, now)
      host.dial(addrs, { signal: AbortSignal.any([this.#abort.signal, AbortSignal.timeout(DIAL_TIMEOUT_MS)]) }).then(
        () => this.#log(`gossip: connected to ${id}`),
        (error: unknown) => this.#log(`gossip: dialling ${id} failed: ${describe(error)}`),
      )
    }
  }

  #log(line: string): void {
    this.#init.log?.(line)
  }
}

/** The js-libp2p-style factory: options first, then the service. */
export function gossipService(init: GossipServiceInit): GossipService {
  return new GossipService(init)
}

function gossipCounters(metrics: NodeMetrics) {
  const registry = metrics.registry
  return {
    published: registry.counter('entente_gossip_published_total', 'Messages this node published, by topic.'),
    alarms: registry.counter('entente_gossip_alarms_total', 'Equivocation proofs received, by outcome and source.'),
    catchUpSessions: registry.counter('entente_catch_up_sessions_total', 'Catch-up sessions this node ran, by outcome.'),
    catchUpBadResponses: registry.counter(
      'entente_catch_up_bad_responses_total',
      'Catch-up sessions dropped for a bad, late or oversized answer, by code.',
    ),
    catchUpServeErrors: registry.counter('entente_catch_up_serve_errors_total', 'Catch-up requests this node refused, by code.'),
    catchUpSkipped: registry.counter('entente_catch_up_skipped_countries_total', 'Countries in peers\' summaries not pulled: no anchored root.'),
  }
}

function parseBootstrap(addresses: readonly string[]): Map<string, Multiaddr[]> {
  const targets = new Map<string, Multiaddr[]>()
  for (const address of addresses) {
    const ma = parseMultiaddr(address)
    const id = ma === undefined ? undefined : peerIdOf(ma)
    const target = id === undefined || !isPeerId(id) ? undefined : loopbackDialAddress(address, id)
    if (id === undefined || target === undefined) {
      throw new EntenteError('ERR_CONFIG_INVALID', `bootstrap peer must be a loopback TCP multiaddr with /p2p/<id>: ${address}`)
    }
    targets.set(id, [...(targets.get(id) ?? []), target])
  }
  return targets
}

/**
 * The root a proof must be signed under: the root of the list we hold at its seq, else of our head. Without a held
 * list of that country the proof stands on its own signatures.
 */
function anchorFor(store: TrustStore, input: unknown): { anchor?: RootAnchor } {
  if (typeof input !== 'object' || input === null) return {}
  const { country, seq } = input as { country?: unknown; seq?: unknown }
  if (typeof country !== 'string') return {}
  const held = (typeof seq === 'number' ? store.get(country, seq) : undefined) ?? store.head(country)
  return held === undefined ? {} : { anchor: { thumbprint: held.rootThumbprint } }
}

/** True when `data` is the RFC 8785 form of the JSON it holds. */
function isCanonicalJson(data: Uint8Array, parsed: unknown = decodeJsonMessage(data)): boolean {
  if (parsed === undefined) return false
  let canonical: Uint8Array
  try {
    canonical = canonicalBytes(parsed)
  } catch {
    return false
  }
  return canonical.byteLength === data.byteLength && canonical.every((byte, i) => byte === data[i])
}

function isPeerId(text: string): boolean {
  try {
    peerIdFromString(text)
    return true
  } catch {
    return false
  }
}

function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1))
    ;[items[i], items[j]] = [items[j] as T, items[i] as T]
  }
  return items
}

function key(peer: PeerId): string {
  return peer.toString().slice(-8)
}

function describe(error: unknown): string {
  if (error instanceof EntenteError) return `${error.code}: ${error.message}`
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error)
}
