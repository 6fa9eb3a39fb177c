// Catch-up sessions over /entente/catch-up/1.0.0: pulling what gossip lost from peers (one session per peer at a
// time, periodic rounds with jitter), and serving peers' requests from the store within a per-peer rate limit.
// Every pulled item goes through the intake; a peer that answers with proven-invalid data earns a strike.
// Push-pull: a client ends its session by offering the heads it holds newer than the server's, and a server that
// sees a client hold something newer (offered heads, or the revocation seqs a client names as known) pulls it back.
// Gossip alone cannot cover that: a list published before a peer's subscription reached us never reaches it.
import type { Connection, PeerId, Stream } from '@libp2p/interface'
import { EntenteError } from '../model/errors.js'
import type { EquivocationProof, SignedRevocationIndex, SignedRevocationList } from '../model/schema.types.js'
import type { RevocationRepository } from '../store/revocation-repository.js'
import type { StoredTrustList, TrustStore } from '../store/store.types.js'
import type { TrustListInput } from '../trust-list/decode-trust-list.js'
import {
  alarmId,
  answerRequest,
  CatchUpClient,
  CATCH_UP_PARTITION_REQUESTS_PER_COUNTRY,
  CATCH_UP_PARTITIONS_PER_REQUEST,
  CATCH_UP_MALFORMED,
  CATCH_UP_REFUSED,
  CATCH_UP_TOO_LARGE,
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
  CATCH_UP_MAX_SUMMARY_COUNTRIES,
  CATCH_UP_PAGE_LISTS,
  CATCH_UP_PEERS_PER_ROUND,
  CATCH_UP_PROTOCOL,
  CATCH_UP_REPUBLISH_PER_COUNTRY,
  CATCH_UP_REQUEST_TIMEOUT_MS,
  CATCH_UP_SESSION_TIMEOUT_MS,
  DEFAULT_CATCH_UP_INTERVAL_MS,
  REVOCATION_TOPIC,
  TRUST_LIST_TOPIC,
} from './constants.js'
import type { GossipHost } from './gossip-host.js'
import type { GossipCounters } from './gossip-metrics.js'
import { describe, type AdmissionGate, type Intake } from './intake.js'
import { trimOldest } from './peer-guard.js'
import { encodeAlarmMessage, encodeListMessage, encodeRevocationMessage } from './topics.js'

/** setTimeout's largest delay; longer intervals mean "never" here. */
const MAX_TIMER_MS = 2 ** 31 - 1
/** Rate-limit windows remembered at once (bounded like every per-peer table). */
const MAX_RATE_ENTRIES = 10_000
/** Peers whose named seqs are remembered (see #named); the oldest is forgotten first, costing at most one more pull. */
const MAX_NAMING_PEERS = 1024
/** Client-side failures that prove the answer itself bad (a refusal or a timeout does not). */
const BAD_ANSWER = new Set<string>([CATCH_UP_MALFORMED, CATCH_UP_TOO_LARGE])

export interface CatchUpComponents {
  /** The running host, or undefined before start and after stop. */
  readonly host: () => GossipHost | undefined
  readonly store: TrustStore
  readonly admission: AdmissionGate
  readonly intake: Intake
  readonly counters: GossipCounters
  readonly revocations?: RevocationRepository
  readonly log: (line: string) => void
  /** Publishing that must not fail its caller (re-gossip). */
  readonly publish: (topic: string, data: Uint8Array) => void
  /** A peer answered with proven-invalid data. */
  readonly strike: (peer: PeerId, reason: string) => void
}

export interface CatchUpInit {
  readonly maxMessageBytes: number
  /** Periodic round; default DEFAULT_CATCH_UP_INTERVAL_MS; 0 or Infinity disables it. */
  readonly intervalMs?: number
  /** Requests served per peer and minute. */
  readonly requestsPerMinute: number
}

export class CatchUpSessions {
  readonly #components: CatchUpComponents
  readonly #init: CatchUpInit
  readonly #sessions = new Map<string, { again: boolean; done: Promise<void> }>()
  /** Per peer: start of the current minute window and requests served in it. */
  readonly #served = new Map<string, { since: number; count: number }>()
  /**
   * Per peer: the highest seq it named newer than ours, per kind and country ("L:GR" a trust list, "R:GR" a revocation
   * list, "I:GR" a revocation index), that a pull back was started for. Naming it again starts no pull (one that could
   * not admit it, because of a cap or another branch, would fail again), so two peers each holding something the other
   * refuses do not pull from each other in a loop. At most three entries per country a node holds or would admit.
   */
  readonly #named = new Map<string, Map<string, number>>()
  readonly #abort = new AbortController()
  #timer: ReturnType<typeof setTimeout> | undefined
  #stopping = false

  constructor(components: CatchUpComponents, init: CatchUpInit) {
    this.#components = components
    this.#init = init
  }

  start(): void {
    this.#scheduleRound()
  }

  async stop(): Promise<void> {
    this.#stopping = true
    clearTimeout(this.#timer)
    this.#abort.abort(new EntenteError('ERR_HTTP_UNAVAILABLE', 'gossip stopped'))
    await Promise.allSettled([...this.#sessions.values()].map((s) => s.done))
  }

  // ---- serving ------------------------------------------------------------------------------------------------

  /** The protocol handler: answers one inbound stream, within the peer's request budget. */
  readonly serve = (stream: Stream, connection: Connection): void => {
    const peer = connection.remotePeer
    const budget = maxResponseBytes(this.#init.maxMessageBytes) - 4096
    void serveCatchUp(stream, (request) => this.#answer(peer, request, budget), {
      maxResponseBytes: maxResponseBytes(this.#init.maxMessageBytes),
      signal: this.#abort.signal,
      onError: (error) => {
        this.#components.counters.catchUpServeErrors.inc({ reason: error instanceof EntenteError ? error.code : 'stream' })
      },
    })
  }

  #answer(peer: PeerId, request: CatchUpRequest, budget: number): CatchUpResponse {
    if (this.#stopping) throw new EntenteError('ERR_HTTP_UNAVAILABLE', 'gossip stopped')
    if (!this.#withinRate(peer.toString())) {
      throw new EntenteError('ERR_GOSSIP_RATE_LIMITED', `more than ${this.#init.requestsPerMinute} catch-up requests a minute`)
    }
    this.#pullBackNewer(peer, this.#newerNamedIn(request))
    return answerRequest(this.#components.store, request, budget, this.#components.revocations)
  }

  /** What a client's request shows it holds newer than we do, of countries we hold or would admit. */
  #newerNamedIn(request: CatchUpRequest): [string, number][] {
    const { store, admission, revocations } = this.#components
    if (request.type === 'offer') {
      return Object.entries(request.heads)
        .filter(([country, seq]) => {
          const mine = store.head(country)
          return seq > (mine?.seq ?? 0) && (mine !== undefined || admission.wouldAdmit(country) !== 'no')
        })
        .map(([country, seq]) => [`L:${country}`, seq])
    }
    if (revocations === undefined || (request.type !== 'revocations' && request.type !== 'revocation-indexes')) return []
    // Rows only, no documents: this runs on every such request a peer sends.
    const [kind, held] = request.type === 'revocations' ? ['R', (c: string) => revocations.headRef(c)] : ['I', (c: string) => revocations.partitions.feed.head(c)]
    // Revocations of a country are admitted only beside its trust list.
    return Object.entries(request.known)
      .filter(([country, seq]) => seq > (held(country)?.seq ?? 0) && store.head(country) !== undefined)
      .map(([country, seq]) => [`${kind}:${country}`, seq])
  }

  /** Starts a session with the peer unless it named each of these seqs (or a higher one) before. */
  #pullBackNewer(peer: PeerId, items: readonly [string, number][]): void {
    if (items.length === 0) return
    const key = peer.toString()
    let named = this.#named.get(key)
    if (named === undefined) {
      named = new Map()
      this.#named.set(key, named)
      trimOldest(this.#named, MAX_NAMING_PEERS)
    }
    let fresh = false
    for (const [item, seq] of items) {
      if (seq <= (named.get(item) ?? 0)) continue
      named.set(item, seq)
      fresh = true
    }
    if (fresh) void this.request(peer)
  }

  /** Fixed one-minute windows per peer (real clock): cheap, and enough to bound what one peer makes us read. */
  #withinRate(peer: string): boolean {
    const now = Date.now()
    let entry = this.#served.get(peer)
    if (entry === undefined || now - entry.since >= 60_000) {
      this.#served.delete(peer)
      entry = { since: now, count: 0 }
      this.#served.set(peer, entry)
      trimOldest(this.#served, MAX_RATE_ENTRIES)
    }
    entry.count++
    return entry.count <= this.#init.requestsPerMinute
  }

  // ---- asking -------------------------------------------------------------------------------------------------

  /** Runs a session with each peer now and waits for all of them. */
  async now(peers: readonly PeerId[]): Promise<void> {
    await Promise.all(peers.map((peer) => this.request(peer)))
  }

  /** One session per peer at a time; a request while one runs makes it run once more afterwards. */
  request(peer: PeerId): Promise<void> {
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
    const host = this.#components.host()
    const { counters, log } = this.#components
    if (host === undefined || this.#stopping) return
    const session = AbortSignal.any([this.#abort.signal, AbortSignal.timeout(CATCH_UP_SESSION_TIMEOUT_MS)])
    let stream: Stream
    try {
      stream = await host.dialProtocol(peer, CATCH_UP_PROTOCOL, {
        signal: AbortSignal.any([session, AbortSignal.timeout(CATCH_UP_REQUEST_TIMEOUT_MS)]),
      })
    } catch (error) {
      if (!this.#stopping) counters.catchUpSessions.inc({ outcome: 'unreachable' })
      log(`catch-up: cannot open a stream to ${short(peer)}: ${describe(error)}`)
      return
    }
    const client = new CatchUpClient(stream, { maxResponseBytes: maxResponseBytes(this.#init.maxMessageBytes), signal: session })
    try {
      const summary = await client.summary()
      for (const theirs of summary.heads) {
        if (this.#stopping) break
        await this.#pullCountry(client, theirs, peer)
      }
      await this.#pullAlarms(client, summary.alarms)
      await this.#pullRevocations(client)
      await this.#offer(client, summary.heads)
      await client.close()
      counters.catchUpSessions.inc({ outcome: 'ok' })
    } catch (error) {
      client.abort(error)
      if (this.#stopping) return
      // A bad, late or oversized answer: counted and dropped; the next round tries again.
      const code = error instanceof EntenteError ? error.code : 'ERR_INTERNAL'
      counters.catchUpSessions.inc({ outcome: 'failed' })
      counters.catchUpBadResponses.inc({ reason: code })
      if (BAD_ANSWER.has(code)) this.#components.strike(peer, code)
      log(`catch-up with ${short(peer)} failed: ${describe(error)}`)
    }
  }

  async #pullCountry(client: CatchUpClient, theirs: HeadSummary, peer: PeerId): Promise<void> {
    const { store, admission, counters } = this.#components
    const mine = store.head(theirs.country)
    const outlook = mine === undefined ? admission.wouldAdmit(theirs.country, theirs.root) : 'yes'
    if (outlook === 'no') {
      // No anchored root for the country: nothing of it could be admitted, so nothing of it is downloaded.
      counters.catchUpSkipped.inc()
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

  async #pullHistory(client: CatchUpClient, theirs: HeadSummary, fromSeq: number, peer: PeerId, firstPage: number): Promise<void> {
    const { intake, store } = this.#components
    const accepted: StoredTrustList[] = []
    let after = fromSeq
    pages: for (let page = 0; page < CATCH_UP_MAX_PAGES_PER_COUNTRY && after < theirs.seq; page++) {
      // A probe page holds one list: the rest is fetched only once that one was admitted.
      const lists = await client.history(theirs.country, after, page === 0 ? firstPage : CATCH_UP_PAGE_LISTS)
      if (lists.length === 0) break
      // In seq order, each verified against the head the previous one left.
      for (const list of lists) {
        const verdict = await intake.acceptList(list as TrustListInput, 'catch-up', peer.toString())
        if (verdict.kind === 'unanchored') break pages
        if (verdict.kind === 'invalid') {
          if (verdict.peerAtFault) this.#components.strike(peer, verdict.code)
          if (verdict.code === 'ERR_TRUST_LIST_CHAIN' && !verdict.peerAtFault) {
            // Their branch does not extend ours: their list at our head's seq is the other half of a proof.
            const head = store.head(theirs.country)
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
    for (const list of republish) this.#components.publish(TRUST_LIST_TOPIC, encodeListMessage(list.signed))
  }

  /** Names our heads newer than the peer's summary said it holds; a peer that predates offers refuses, and that is all. */
  async #offer(client: CatchUpClient, theirs: readonly HeadSummary[]): Promise<void> {
    const held = new Map(theirs.map((h) => [h.country, h.seq]))
    const heads: Record<string, number> = {}
    let count = 0
    // Summaries, not the lists: this runs at the end of every session.
    for (const mine of this.#components.store.headSummaries()) {
      if (count >= CATCH_UP_MAX_SUMMARY_COUNTRIES) break
      if (mine.seq <= (held.get(mine.country) ?? 0)) continue
      heads[mine.country] = mine.seq
      count++
    }
    if (count === 0) return
    try {
      await client.offer(heads)
    } catch (error) {
      if (!(error instanceof EntenteError) || error.code !== CATCH_UP_REFUSED) throw error
      this.#components.log(`catch-up: offer refused: ${describe(error)}`)
    }
  }

  async #pullOne(client: CatchUpClient, country: string, seq: number, peer: PeerId): Promise<void> {
    const [list] = await client.history(country, seq - 1, 1)
    if (list === undefined) return
    const verdict = await this.#components.intake.acceptList(list as TrustListInput, 'catch-up', peer.toString())
    if (verdict.kind === 'invalid' && verdict.peerAtFault) this.#components.strike(peer, verdict.code)
  }

  #hasProof(country: string, seq: number, hash: string): boolean {
    return this.#components.store.equivocations(country).some((e) => e.seq === seq && e.hashes.includes(hash))
  }

  async #pullAlarms(client: CatchUpClient, ids: readonly string[]): Promise<void> {
    const { store, intake } = this.#components
    const known = new Set(store.equivocations().map(alarmId))
    const missing = ids.filter((id) => !known.has(id)).slice(0, CATCH_UP_MAX_ALARMS_PER_SESSION)
    for (let i = 0; i < missing.length && !this.#stopping; i += CATCH_UP_ALARMS_PER_REQUEST) {
      const proofs = await client.alarms(missing.slice(i, i + CATCH_UP_ALARMS_PER_REQUEST))
      for (const proof of proofs) {
        if ((await intake.acceptProof(proof, 'catch-up')) === 'new') {
          this.#components.publish(ALARM_TOPIC, encodeAlarmMessage(proof as EquivocationProof))
        }
      }
    }
  }

  /** Pulls revocation-list heads newer than ours, page by page; a peer that predates revocation lists ends only this part. */
  async #pullRevocations(client: CatchUpClient): Promise<void> {
    const { revocations, intake, log } = this.#components
    if (revocations === undefined) return
    try {
      for (let page = 0; page < CATCH_UP_MAX_PAGES_PER_COUNTRY && !this.#stopping; page++) {
        const known = Object.fromEntries(revocations.headRefs().map((h) => [h.country, h.seq]))
        const lists = await client.revocations(known)
        let progress = false
        for (const list of lists) {
          const verdict = await intake.acceptRevocation(list, 'catch-up')
          if (verdict === 'accepted') {
            progress = true
            this.#components.publish(REVOCATION_TOPIC, encodeRevocationMessage(list as SignedRevocationList))
          }
        }
        if (!progress) break
      }
    } catch (error) {
      log(`catch-up: revocation lists not pulled: ${describe(error)}`)
    }
    await this.#pullRevocationIndexes(client)
  }

  /**
   * Pulls revocation-index heads newer than ours, then every partition our held indexes name that we lack, by
   * content hash. A peer that predates partitioned revocations ends only this part.
   */
  async #pullRevocationIndexes(client: CatchUpClient): Promise<void> {
    const { revocations, intake, log } = this.#components
    if (revocations === undefined) return
    try {
      for (let page = 0; page < CATCH_UP_MAX_PAGES_PER_COUNTRY && !this.#stopping; page++) {
        const known = Object.fromEntries(revocations.partitions.feed.heads().map((h) => [h.country, h.seq]))
        let progress = false
        for (const index of await client.revocationIndexes(known)) {
          if ((await intake.acceptRevocation(index, 'catch-up')) === 'accepted') {
            progress = true
            this.#components.publish(REVOCATION_TOPIC, encodeRevocationMessage(index as SignedRevocationIndex))
          }
        }
        if (!progress) break
      }
      for (const head of revocations.partitions.feed.heads()) {
        for (let request = 0; request < CATCH_UP_PARTITION_REQUESTS_PER_COUNTRY && !this.#stopping; request++) {
          const missing = revocations.partitions.missingPartitions(head.country, CATCH_UP_PARTITIONS_PER_REQUEST)
          if (missing.length === 0) break
          let progress = false
          for (const partition of await client.revocationPartitions(missing)) {
            if ((await intake.acceptRevocation(partition, 'catch-up')) === 'accepted') progress = true
          }
          if (!progress) break
        }
      }
    } catch (error) {
      log(`catch-up: revocation indexes not pulled: ${describe(error)}`)
    }
  }

  // ---- periodic rounds ----------------------------------------------------------------------------------------

  #scheduleRound(): void {
    const interval = this.#init.intervalMs ?? DEFAULT_CATCH_UP_INTERVAL_MS
    if (this.#stopping || !(interval > 0) || interval > MAX_TIMER_MS) return
    const delay = interval * (1 - CATCH_UP_JITTER + 2 * CATCH_UP_JITTER * Math.random())
    this.#timer = setTimeout(() => {
      void this.#round().finally(() => this.#scheduleRound())
    }, Math.min(delay, MAX_TIMER_MS))
    this.#timer.unref()
  }

  async #round(): Promise<void> {
    const host = this.#components.host()
    if (host === undefined || this.#stopping) return
    const peers = shuffle(host.getPeers()).slice(0, CATCH_UP_PEERS_PER_ROUND)
    await Promise.allSettled(peers.map((peer) => this.request(peer)))
  }
}

function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1))
    ;[items[i], items[j]] = [items[j] as T, items[i] as T]
  }
  return items
}

function short(peer: PeerId): string {
  return peer.toString().slice(-8)
}
