// Admission: which countries a node holds, serves and forwards. Only countries whose root is anchored (the node's
// own root, a root its operator pinned, or a root recognized by an admitted country's held head) get into the trust
// tables; lists under other roots go to a small bounded quarantine for the operator. Also enforces the node.json
// caps (countries, history and bytes per foreign country, alarms per country, quarantine per peer) and counts every
// hit. Never verifies signatures itself: acceptTrustList and verifyTrustList do.
import type { NodeMetrics } from '../metrics/metrics.js'
import { EntenteError } from '../model/errors.js'
import type { SignedTrustList } from '../model/schema.types.js'
import { acceptTrustList, type AcceptOutcome } from '../store/accept-trust-list.js'
import { AdmissionRepository, type PurgeCounts, type QuarantineEntry, type QuarantinedList, type RootPin } from '../store/admission-repository.js'
import type { SqliteStore } from '../store/sqlite-store.js'
import { decodeTrustList } from '../trust-list/decode-trust-list.js'
import type { RootAnchor, VerifiedTrustList } from '../trust-list/trust-list.types.js'
import { anchoredRoots, isAdmitted, type AnchoredCountry, type HeldCountry } from './anchored-roots.js'

/** The admission caps of node.json `limits` (defaults in src/config/node-config.ts). */
export interface AdmissionLimits {
  /** Countries held, the node's own included. */
  readonly maxCountries: number
  /** Lists kept per foreign country; older ones beyond it are pruned, except seq 1, handover lists and the head. */
  readonly maxHistoryPerCountry: number
  /** Bytes of lists kept per foreign country (pruned like history; a list that cannot fit is refused). */
  readonly maxBytesPerCountry: number
  /** Equivocation proofs kept per country (and never more than one per country and seq). */
  readonly maxAlarmsPerCountry: number
  /** Quarantined lists kept per relaying peer, and in total. */
  readonly maxQuarantinePerPeer: number
  readonly maxQuarantine: number
}

/** Why a list from the network was not let in. */
export type Refusal = 'unanchored' | 'countries' | 'bytes'

export type Judgement = { readonly admit: true; readonly anchor?: RootAnchor } | { readonly admit: false; readonly reason: Refusal }

export interface AdmissionInit {
  readonly store: SqliteStore
  /** The node's own country (its own root is always anchored); absent for a relay that publishes nothing. */
  readonly country?: string
  /** The own root's thumbprint when the node holds the key; otherwise the roots of its own held chain count. */
  readonly ownRoot?: string
  readonly limits: AdmissionLimits
  readonly metrics: NodeMetrics
  readonly now: () => Date
  readonly log?: (line: string) => void
  /** Called when countries became anchored that the node does not hold yet (the gossip layer then catches up). */
  readonly onAnchored?: (countries: readonly string[]) => void
}

export interface UnpinResult {
  readonly country: string
  readonly removed: boolean
  /** Countries whose lists, alarms and revocation lists were removed (the country and any it alone vouched for). */
  readonly purged: readonly string[]
  readonly counts: PurgeCounts
  /** Set when the country is still anchored another way: its lists stay. */
  readonly stillAnchored?: AnchoredCountry
}

/** One alarm per country and seq is proof enough. */
export const MAX_ALARMS_PER_SEQ = 1

export class Admission {
  readonly repository: AdmissionRepository
  readonly #init: AdmissionInit
  #ownRoot: string | undefined
  #cache: { key: string; anchors: Map<string, AnchoredCountry> } | undefined
  // Head hash → its recognitions: heads are decoded once, not on every admission decision.
  readonly #recognitions = new Map<string, HeldCountry['recognitions']>()
  readonly #hits
  readonly #announced = new Set<string>()

  constructor(init: AdmissionInit) {
    this.#init = init
    this.#ownRoot = init.ownRoot
    this.repository = new AdmissionRepository(init.store.database)
    this.#hits = init.metrics.limitHits
  }

  get limits(): AdmissionLimits {
    return this.#init.limits
  }

  /** Learned after start (the root key file is read asynchronously). */
  setOwnRoot(thumbprint: string | undefined): void {
    this.#ownRoot = thumbprint
    this.#cache = undefined
  }

  // ---- the anchored set ----------------------------------------------------------------------------------------

  /** Anchored roots per country, recomputed only when the store, the pins or the own root changed. */
  anchored(): ReadonlyMap<string, AnchoredCountry> {
    const { store } = this.#init
    const pins = this.repository.pins()
    const key = `${store.lastChangeId()}.${this.repository.lastPurgeId()}.${this.#ownRoot ?? ''}.${pins.map((p) => `${p.country}=${p.rootThumbprint}`).join(',')}`
    if (this.#cache?.key === key) return this.#cache.anchors
    const held = new Map<string, HeldCountry>()
    const live = new Set<string>()
    // Summaries, not documents: a head is read and decoded only when its hash is new (200 heads are some 18 MB of JSON
    // to parse, and every stored list, the node's own publishes too, moves the key).
    for (const head of store.headSummaries()) {
      live.add(head.hash)
      let recognitions = this.#recognitions.get(head.hash)
      if (recognitions === undefined) {
        const signed = store.head(head.country)?.signed
        if (signed === undefined) continue
        recognitions = decodeTrustList(signed, Number.MAX_SAFE_INTEGER).payload.recognitions.map((r) => ({ country: r.country, rootThumbprint: r.rootThumbprint }))
        this.#recognitions.set(head.hash, recognitions)
      }
      // Only a chain this node verified from its first list vouches for others: a list first met on its own (seq > 1)
      // may carry recognitions from an earlier epoch whose evidence could not be judged, which its root alone can forge.
      const verifiedFromGenesis = head.country === this.#init.country || head.seq === 1 || store.get(head.country, 1) !== undefined
      held.set(head.country, { chainRoots: this.repository.chainRoots(head.country), recognitions: verifiedFromGenesis ? recognitions : [] })
    }
    for (const hash of this.#recognitions.keys()) if (!live.has(hash)) this.#recognitions.delete(hash)
    const own = this.#init.country
    const ownRoots = own === undefined ? [] : this.#ownRoot !== undefined ? [this.#ownRoot] : (held.get(own)?.chainRoots ?? [])
    const anchors = anchoredRoots({ own: { country: own ?? '', roots: ownRoots }, pins, held })
    this.#cache = { key, anchors }
    return anchors
  }

  /** Whether `country` may be held now (anchored, and any held chain runs through an anchored root). */
  isAdmitted(country: string): boolean {
    const held = this.#init.store.head(country) === undefined ? undefined : { chainRoots: this.repository.chainRoots(country) }
    return isAdmitted(this.anchored().get(country), held)
  }

  /** Whether a peer's head of a country not held here could be admitted (see AdmissionGate.wouldAdmit). */
  wouldAdmit(country: string, root?: string): 'yes' | 'probe' | 'no' {
    const roots = this.anchored().get(country)?.roots
    if (roots === undefined || roots.size === 0) return 'no'
    return root === undefined || roots.has(root) ? 'yes' : 'probe'
  }

  // ---- lists from the network ----------------------------------------------------------------------------------

  /**
   * Decides whether a list (already decoded; its signatures are checked later) may enter the trust tables: its root,
   * or the root it rotates from, must be anchored or run through the held chain; caps on countries and bytes apply
   * to foreign countries. For a country not held yet, `anchor` pins the root acceptTrustList must verify against.
   */
  judge(payload: { readonly country: string; readonly root: { readonly thumbprint: string }; readonly previousRoot?: { readonly thumbprint: string } }, size: number): Judgement {
    const { store, limits, country: own } = this.#init
    const country = payload.country
    const anchor = this.anchored().get(country)
    const head = store.head(country)
    const chainRoots = head === undefined ? [] : this.repository.chainRoots(country)
    if (!isAdmitted(anchor, head === undefined ? undefined : { chainRoots })) return { admit: false, reason: 'unanchored' }
    const roots = [payload.root.thumbprint, ...(payload.previousRoot === undefined ? [] : [payload.previousRoot.thumbprint])]
    // A list under a root outside the anchored set and the held chain is a squatter's (or a misconfigured pin's).
    const known = roots.find((root) => anchor?.roots.has(root) === true || chainRoots.includes(root))
    if (known === undefined) return { admit: false, reason: 'unanchored' }
    if (country !== own) {
      if (head === undefined && this.repository.heldCountries().length >= limits.maxCountries) {
        this.#hits.inc({ limit: 'countries' })
        return { admit: false, reason: 'countries' }
      }
      if (head !== undefined && this.#protectedBytes(country) + size > limits.maxBytesPerCountry) {
        this.#hits.inc({ limit: 'bytes_per_country' })
        return { admit: false, reason: 'bytes' }
      }
    }
    return head === undefined ? { admit: true, anchor: { thumbprint: known } } : { admit: true }
  }

  /** Keeps a list under an unanchored root (its self-signature verified by the caller) for the operator. */
  quarantine(peer: string, list: VerifiedTrustList): void {
    const { limits, metrics, now } = this.#init
    const { payload } = list
    const { added, evicted } = this.repository.quarantine(
      { peer, country: payload.country, seq: payload.seq, rootThumbprint: payload.root.thumbprint, hash: list.hash, size: list.size, receivedAt: now().toISOString(), signed: list.signed },
      { perPeer: limits.maxQuarantinePerPeer, total: limits.maxQuarantine },
    )
    if (added) metrics.quarantine.inc({ event: 'added' })
    if (evicted > 0) {
      metrics.quarantine.inc({ event: 'evicted' }, evicted)
      this.#hits.inc({ limit: 'quarantine' }, evicted)
    }
  }

  /**
   * After a list was stored: prunes the country's history to the caps, then drops held countries that are no longer
   * anchored (a recognition was withdrawn) and reports newly anchored ones.
   */
  afterAccepted(country: string): void {
    if (country !== this.#init.country) this.#prune(country)
    this.reconcile()
  }

  /** Purges held countries that lost their anchor; tells onAnchored about anchored countries not held yet. */
  reconcile(): { purged: string[]; counts: PurgeCounts } {
    const anchors = this.anchored()
    const held = this.repository.heldCountries()
    const purged = held.filter((country) => country !== this.#init.country && !isAdmitted(anchors.get(country), { chainRoots: this.repository.chainRoots(country) }))
    let counts: PurgeCounts = { lists: 0, alarms: 0, revocationLists: 0 }
    if (purged.length > 0) {
      counts = this.repository.purgeCountries(purged, `no longer anchored: ${purged.join(', ')}`)
      this.#init.metrics.purgedLists.inc({ reason: 'unanchored' }, counts.lists)
      this.#log(`admission: purged ${purged.join(', ')} (no anchored root any more)`)
    }
    // Announced once per country (a pin announces again): every accepted list must not start a catch-up round.
    const missing = [...this.anchored().keys()].filter((c) => !held.includes(c) && c !== this.#init.country && !this.#announced.has(c))
    for (const country of missing) this.#announced.add(country)
    if (missing.length > 0) this.#init.onAnchored?.(missing)
    return { purged, counts }
  }

  /** Room for one more alarm of `country` at `seq`? Counts the cap that stopped it. */
  alarmRoom(country: string, seq: number): boolean {
    const counts = this.repository.alarmCounts(country, seq)
    if (counts.seq >= MAX_ALARMS_PER_SEQ) {
      this.#hits.inc({ limit: 'alarms_per_seq' })
      return false
    }
    if (counts.country >= this.#init.limits.maxAlarmsPerCountry) {
      this.#hits.inc({ limit: 'alarms_per_country' })
      return false
    }
    return true
  }

  // ---- operator actions ----------------------------------------------------------------------------------------

  pins(): RootPin[] {
    return this.repository.pins()
  }

  pin(country: string, rootThumbprint: string): RootPin {
    if (!/^[A-Z]{2}$/.test(country)) throw new EntenteError('ERR_HTTP_BAD_REQUEST', 'country must be an upper-case ISO 3166-1 alpha-2 code')
    if (!/^[A-Za-z0-9_-]{43}$/.test(rootThumbprint)) throw new EntenteError('ERR_HTTP_BAD_REQUEST', 'the root thumbprint must be a base64url SHA-256 JWK thumbprint (43 characters)')
    if (country === this.#init.country) throw new EntenteError('ERR_ADMISSION_OWN_COUNTRY', `${country} is this node's own country: its root is anchored by its key`)
    const pin = this.repository.pin(country, rootThumbprint, this.#init.now())
    this.#cache = undefined
    this.#announced.delete(country)
    this.#log(`admission: pinned ${country} root ${rootThumbprint}`)
    // A re-pin to another root may leave a held chain unanchored; a new pin makes a country worth catching up.
    this.reconcile()
    return pin
  }

  /**
   * Removes the pin; every held country that is then no longer anchored (the country itself, and countries only its
   * recognitions vouched for) is purged from the trust tables. The own country cannot be unpinned.
   */
  unpin(country: string): UnpinResult {
    if (country === this.#init.country) throw new EntenteError('ERR_ADMISSION_OWN_COUNTRY', `${country} is this node's own country: its root cannot be unpinned`)
    const removed = this.repository.unpin(country)
    if (!removed) throw new EntenteError('ERR_ADMISSION_NOT_PINNED', `no root of ${country} is pinned`)
    this.#cache = undefined
    const { purged, counts } = this.reconcile()
    const still = this.anchored().get(country)
    this.#log(`admission: unpinned ${country}${purged.length > 0 ? `; purged ${purged.join(', ')}` : ''}`)
    return { country, removed, purged, counts, ...(still === undefined ? {} : { stillAnchored: still }) }
  }

  quarantined(): QuarantinedList[] {
    return this.repository.quarantined()
  }

  quarantineEntry(id: number): QuarantineEntry {
    const entry = this.repository.quarantineEntry(id)
    if (entry === undefined) throw new EntenteError('ERR_ADMISSION_NOT_QUARANTINED', `no quarantined list ${id}`)
    return entry
  }

  /**
   * The operator vouches for a quarantined list's root: pins it, then accepts the list through the normal path
   * (verified against the pin and the held head, like any list). Other quarantined lists under that root go.
   */
  async admit(id: number, options: { readonly maxBytes: number }): Promise<{ pin: RootPin; outcome: AcceptOutcome['status'] }> {
    const entry = this.quarantineEntry(id)
    const pin = this.pin(entry.country, entry.rootThumbprint)
    const outcome = await this.acceptFromOperator(entry.signed, options)
    this.repository.dropQuarantinedUnder(entry.country, entry.rootThumbprint)
    this.#init.metrics.quarantine.inc({ event: 'admitted' })
    return { pin, outcome: outcome.status }
  }

  drop(id: number): void {
    if (!this.repository.dropQuarantined(id)) throw new EntenteError('ERR_ADMISSION_NOT_QUARANTINED', `no quarantined list ${id}`)
    this.#init.metrics.quarantine.inc({ event: 'dropped' })
  }

  /** A list the operator hands in (quarantine admit): still judged and verified like one from the network. */
  async acceptFromOperator(signed: SignedTrustList, options: { readonly maxBytes: number }): Promise<AcceptOutcome> {
    const decoded = decodeTrustList(signed, options.maxBytes)
    const judgement = this.judge(decoded.payload, decoded.size)
    if (!judgement.admit) {
      throw new EntenteError(judgement.reason === 'unanchored' ? 'ERR_ADMISSION_UNANCHORED' : 'ERR_ADMISSION_LIMIT', `${decoded.payload.country} seq ${decoded.payload.seq} not admitted (${judgement.reason})`)
    }
    const { store, now } = this.#init
    const outcome = await acceptTrustList(store, signed, {
      now: now(),
      maxBytes: options.maxBytes,
      ...(judgement.anchor === undefined ? {} : { anchors: new Map([[decoded.payload.country, judgement.anchor]]) }),
      alarmRoom: (country, seq) => this.alarmRoom(country, seq),
    })
    if (outcome.status === 'accepted') this.afterAccepted(outcome.list.country)
    return outcome
  }

  // ---- caps ----------------------------------------------------------------------------------------------------

  /** Bytes of the lists the history cap may never prune: seq 1, handovers and the head. */
  #protectedBytes(country: string): number {
    const lists = this.repository.heldLists(country)
    return lists.filter((l, i) => i === lists.length - 1 || isHandoverRow(l.jws)).reduce((n, l) => n + l.size, 0)
  }

  /** Drops the oldest prunable lists beyond the history and byte caps of a foreign country. */
  #prune(country: string): void {
    const { limits, metrics } = this.#init
    const lists = this.repository.heldLists(country)
    let count = lists.length
    let bytes = lists.reduce((n, l) => n + l.size, 0)
    if (count <= limits.maxHistoryPerCountry && bytes <= limits.maxBytesPerCountry) return
    const prunable = lists.filter((l, i) => i < lists.length - 1 && !isHandoverRow(l.jws))
    const doomed: number[] = []
    const hit = { history: false, bytes: false }
    for (const list of prunable) {
      const overCount = count > limits.maxHistoryPerCountry
      const overBytes = bytes > limits.maxBytesPerCountry
      if (!overCount && !overBytes) break
      hit.history ||= overCount
      hit.bytes ||= overBytes
      doomed.push(list.id)
      count--
      bytes -= list.size
    }
    const removed = this.repository.pruneLists(doomed, `history cap of ${country}`)
    if (hit.history) this.#hits.inc({ limit: 'history_per_country' })
    if (hit.bytes) this.#hits.inc({ limit: 'bytes_per_country' })
    if (removed > 0) metrics.purgedLists.inc({ reason: 'history' }, removed)
  }

  #log(line: string): void {
    this.#init.log?.(line)
  }
}

/** seq 1, a list declaring changes, or a root rotation: lists a verifier must be able to walk, never pruned. */
function isHandoverRow(jws: string): boolean {
  try {
    const { payload } = decodeTrustList(JSON.parse(jws) as SignedTrustList, Number.MAX_SAFE_INTEGER)
    return payload.seq === 1 || (payload.changes?.length ?? 0) > 0 || payload.previousRoot !== undefined
  } catch {
    // A held list that no longer decodes is kept: pruning is never the place to decide about it.
    return true
  }
}
