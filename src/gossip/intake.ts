// Intake of everything from the network (gossip and catch-up): trust lists, equivocation proofs and revocation lists
// go one at a time through admission, verification and the store, and each outcome becomes a verdict. The verdict →
// gossipsub result table (Accept / Ignore / Reject, catch-up or not, strike or not) is a pure function. Never trusts a
// peer's word for a list and never throws at peers.
import { TopicValidatorResult } from '@libp2p/gossipsub'
import { canonicalBytes } from '../model/canonical-json.js'
import { EntenteError, type EntenteErrorCode } from '../model/errors.js'
import type { EquivocationProof, NodeAddress, SignedRevocationList } from '../model/schema.types.js'
import { acceptRevocationIndex, acceptRevocationPartition, revocationDocumentKind } from '../store/accept-revocation-index.js'
import { acceptRevocationList } from '../store/accept-revocation-list.js'
import { DEFAULT_MAX_REVOCATION_INDEX_BYTES } from '../revocation/constants.js'
import { acceptTrustList } from '../store/accept-trust-list.js'
import type { RevocationRepository } from '../store/revocation-repository.js'
import type { StoredTrustList, TrustStore } from '../store/store.types.js'
import { decodeTrustList, type DecodedTrustList, type TrustListInput } from '../trust-list/decode-trust-list.js'
import { verifyEquivocationProof } from '../trust-list/equivocation.js'
import type { RootAnchor, VerifiedTrustList } from '../trust-list/trust-list.types.js'
import { verifyTrustList } from '../trust-list/verify-trust-list.js'
import type { NodeMetrics } from '../metrics/metrics.js'
import type { GossipCounters } from './gossip-metrics.js'
import { decodeJsonMessage } from './topics.js'

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

/** What happened to one list from the network. */
export type ListVerdict =
  | { readonly kind: 'accepted'; readonly list: StoredTrustList }
  | { readonly kind: 'ignored'; readonly reason: 'duplicate' | 'stale'; readonly country: string; readonly seq: number }
  | { readonly kind: 'equivocation'; readonly country: string; readonly seq: number }
  /** Validly self-signed, but no anchored root vouches for it (or a cap is full): not stored, not the peer's fault. */
  | { readonly kind: 'unanchored'; readonly country: string; readonly reason: string }
  | { readonly kind: 'invalid'; readonly code: EntenteErrorCode; readonly peerAtFault: boolean }

export type ProofVerdict = 'new' | 'known' | 'unheld' | 'capped' | 'invalid' | 'failed'

export type RevocationVerdict = 'accepted' | 'duplicate' | 'stale' | { readonly invalid: EntenteErrorCode }

/** What gossip does with a message: the validator result, whether to pull from the sender, whether it earns a strike. */
export interface GossipAction {
  readonly result: TopicValidatorResult
  readonly catchUp: boolean
  readonly strike: boolean
}

/**
 * Failures that do not prove the forwarding peer wrong, so gossip ignores instead of rejecting (no score penalty):
 * clock-dependent verdicts (its clock may differ from ours), a broken chain (the country forked: the peer may hold
 * the other branch; catch-up fetches it and turns it into a proof) and our own store errors. Only verification
 * reaches these codes: verifyTrustList checks signatures before chain rules, and a list that breaks its own chain
 * rules (seq > 1 with prev null) is refused by the decoder, which intake counts as the peer's fault.
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
  'ERR_HTTP_UNAVAILABLE',
])

/** Revocation-list failures that do not prove the forwarding peer wrong (see NOT_THE_PEERS_FAULT). */
const REVOCATION_NOT_THE_PEERS_FAULT = new Set<EntenteErrorCode>([
  'ERR_REVOCATION_EXPIRED',
  'ERR_REVOCATION_NOT_YET_VALID',
  'ERR_REVOCATION_CHAIN',
  // We may not hold the country's trust list yet, or not its newest root.
  'ERR_REVOCATION_WRONG_ROOT',
  // A partition of an index we do not hold yet (it may be on its way).
  'ERR_REVOCATION_PARTITION_UNLISTED',
])

/** Codes after which the sender is asked for its chain: it holds lists (another branch, a handover) we lack. */
const PULL_FROM_SENDER = new Set<EntenteErrorCode>(['ERR_TRUST_LIST_CHAIN', 'ERR_TRUST_LIST_HANDOVER_MISSING'])

const ACCEPT: GossipAction = { result: TopicValidatorResult.Accept, catchUp: false, strike: false }
const IGNORE: GossipAction = { result: TopicValidatorResult.Ignore, catchUp: false, strike: false }
const REJECT: GossipAction = { result: TopicValidatorResult.Reject, catchUp: false, strike: true }

/** The trust-list topic's table. Pure. */
export function listAction(verdict: ListVerdict): GossipAction {
  switch (verdict.kind) {
    case 'accepted':
      return ACCEPT
    case 'unanchored':
      // Not ours to hold, but another node may rightly anchor that root: no penalty, not forwarded, never a dial.
      return IGNORE
    case 'ignored':
      // Our current head arriving again is still forwarded: we may hold it from another path (catch-up, our own
      // store) while our neighbours do not, and gossipsub forwards one message id once, so this cannot loop.
      return verdict.reason === 'duplicate' ? ACCEPT : IGNORE
    case 'equivocation':
      // The conflicting list is not forwarded: the proof is, on the alarm topic.
      return IGNORE
    case 'invalid':
      if (verdict.peerAtFault) return REJECT
      // Validly signed (signatures come before chain rules) but not chaining onto our head: the peer holds more.
      return PULL_FROM_SENDER.has(verdict.code) ? { ...IGNORE, catchUp: true } : IGNORE
  }
}

/** The alarm topic's table. Pure. */
export function proofAction(verdict: ProofVerdict): GossipAction {
  switch (verdict) {
    // A known proof is forwarded too: we may have found it ourselves while a neighbour's copy was in flight, and
    // then our own publish of it is dropped as a gossip duplicate; ignoring here would starve the next hop.
    case 'new':
    case 'known':
      return ACCEPT
    case 'invalid':
      return REJECT
    default:
      return IGNORE
  }
}

/** The revocation topic's table. Pure. */
export function revocationAction(verdict: RevocationVerdict): GossipAction {
  if (verdict === 'accepted' || verdict === 'duplicate') return ACCEPT
  if (verdict === 'stale') return IGNORE
  // Clock-dependent verdicts, a country whose trust list we do not hold yet, or a fork: not provably the peer's fault.
  return REVOCATION_NOT_THE_PEERS_FAULT.has(verdict.invalid) || NOT_THE_PEERS_FAULT.has(verdict.invalid) ? IGNORE : REJECT
}

/** Collaborators of the intake (js-libp2p "components"). */
export interface IntakeComponents {
  readonly store: TrustStore
  readonly admission: AdmissionGate
  readonly metrics: NodeMetrics
  readonly counters: GossipCounters
  /** Trust time for verification (expiry). */
  readonly now: () => Date
  readonly revocations?: RevocationRepository
  readonly log: (line: string) => void
  /** After a list was stored; `nodes` are the addresses it publishes. */
  readonly onAccepted: (list: StoredTrustList, nodes: readonly NodeAddress[], source: ListSource) => void
  /** A new equivocation proof this node found or recorded: it goes out on the alarm topic. */
  readonly onProof: (proof: EquivocationProof) => void
}

/** Options of the intake (js-libp2p "init"). */
export interface IntakeInit {
  /** Largest trust list accepted from the network (an alarm may carry two). */
  readonly maxMessageBytes: number
}

export class Intake {
  readonly #components: IntakeComponents
  readonly #init: IntakeInit
  #queue: Promise<unknown> = Promise.resolve()
  #stopped = false

  constructor(components: IntakeComponents, init: IntakeInit) {
    this.#components = components
    this.#init = init
  }

  /** Refuses new work; resolves once work in flight is done (the store may close afterwards). */
  async stop(): Promise<void> {
    this.#stopped = true
    await this.#queue.catch(() => undefined)
  }

  /**
   * One list at a time through the store: acceptTrustList verifies against the held head, so two lists of a
   * country checked side by side would race (and later seqs could overtake earlier ones, leaving history gaps).
   */
  #serially<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task, task)
    this.#queue = run.catch(() => undefined)
    return run
  }

  acceptList(input: TrustListInput, source: ListSource, peer: string): Promise<ListVerdict> {
    return this.#serially(async (): Promise<ListVerdict> => {
      const { metrics, store, now, admission, log } = this.#components
      const { maxMessageBytes } = this.#init
      if (this.#stopped) return { kind: 'invalid', code: 'ERR_HTTP_UNAVAILABLE', peerAtFault: false }
      // Decoding checks the list against itself only (size, shape, canonical form, prev null exactly for seq 1): a
      // list failing it is junk whoever holds what, so it is the sender's fault and never a reason to pull from it.
      let decoded: DecodedTrustList
      try {
        decoded = decodeTrustList(input, maxMessageBytes)
      } catch (error) {
        const code: EntenteErrorCode = error instanceof EntenteError ? error.code : 'ERR_INTERNAL'
        metrics.listsRejected.inc({ reason: code, source })
        // Larger than our cap is not proof of malice: the sender's cap may be larger.
        return { kind: 'invalid', code, peerAtFault: error instanceof EntenteError && code !== 'ERR_TRUST_LIST_TOO_LARGE' }
      }
      try {
        // Admission before verification against any head: a list no anchored root vouches for never reaches the store.
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
            metrics.listsIgnored.inc({ reason: 'equivocation', source })
            if (outcome.isNew) {
              metrics.equivocations.inc({ source })
              log(`equivocation: ${outcome.proof.country} signed two lists with seq ${outcome.proof.seq}`)
              this.#components.onProof(outcome.proof)
            }
            return { kind: 'equivocation', country: outcome.proof.country, seq: outcome.proof.seq }
        }
      } catch (error) {
        const code: EntenteErrorCode = error instanceof EntenteError ? error.code : 'ERR_INTERNAL'
        metrics.listsRejected.inc({ reason: code, source })
        if (!(error instanceof EntenteError)) log(`gossip: accepting a list failed: ${describe(error)}`)
        return { kind: 'invalid', code, peerAtFault: error instanceof EntenteError && !NOT_THE_PEERS_FAULT.has(code) }
      }
    })
  }

  /**
   * A list the admission gate refused. Self-signed validly: quarantined (bounded) and ignored, because another node may
   * rightly anchor that root; not even self-signed validly: the relaying peer forwarded garbage.
   */
  async #unanchored(input: TrustListInput, source: ListSource, peer: string, reason: string): Promise<ListVerdict> {
    const { metrics, now, admission } = this.#components
    let verified: VerifiedTrustList
    try {
      verified = await verifyTrustList(input, { now: now(), maxBytes: this.#init.maxMessageBytes })
    } catch (error) {
      const code: EntenteErrorCode = error instanceof EntenteError ? error.code : 'ERR_INTERNAL'
      metrics.listsRejected.inc({ reason: code, source })
      // Never a reason to pull: a country without an anchored root is not fetched (see listAction).
      const peerAtFault = error instanceof EntenteError && !NOT_THE_PEERS_FAULT.has(code)
      return peerAtFault ? { kind: 'invalid', code, peerAtFault } : { kind: 'unanchored', country: '', reason }
    }
    metrics.unanchored.inc({ source })
    if (reason === 'unanchored') admission.quarantine(peer, verified)
    return { kind: 'unanchored', country: verified.payload.country, reason }
  }

  #afterAccepted(list: StoredTrustList, nodes: readonly NodeAddress[], source: ListSource): void {
    this.#components.log(`accepted ${list.country} seq ${list.seq} from ${source}`)
    try {
      this.#components.onAccepted(list, nodes, source)
    } catch (error) {
      this.#components.log(`gossip: onAccepted failed: ${describe(error)}`)
    }
  }

  acceptProof(input: unknown, source: ListSource): Promise<ProofVerdict> {
    return this.#serially(async (): Promise<ProofVerdict> => {
      const { metrics, store, now, counters, admission, log } = this.#components
      if (this.#stopped) return 'failed'
      // A proof can only convict a root this node holds: without one, anyone could mint self-signed "proofs"
      // and fill every store and /v1/alarms. Ignored (not stored, not forwarded) until the country is held.
      const anchor = anchorFor(store, input)
      if (anchor.anchor === undefined) {
        counters.alarms.inc({ outcome: 'unheld', source })
        return 'unheld'
      }
      try {
        const verified = await verifyEquivocationProof(input, { now: now(), maxBytes: this.#init.maxMessageBytes, ...anchor })
        // Caps: one proof per country and seq is enough, a few per country at most. Verified, counted, not stored.
        const held = store.equivocations(verified.country).some((e) => e.seq === verified.seq && e.hashes[0] === verified.hashes[0] && e.hashes[1] === verified.hashes[1])
        if (!held && !admission.alarmRoom(verified.country, verified.seq)) {
          counters.alarms.inc({ outcome: 'capped', source })
          return 'capped'
        }
        const { isNew } = store.recordEquivocation(verified.proof, { detectedAt: now() })
        counters.alarms.inc({ outcome: isNew ? 'new' : 'known', source })
        if (isNew) {
          metrics.equivocations.inc({ source })
          log(`alarm: ${verified.country} equivocated at seq ${verified.seq} (from ${source})`)
        }
        return isNew ? 'new' : 'known'
      } catch (error) {
        const ours = !(error instanceof EntenteError) || error.code.startsWith('ERR_STORE')
        counters.alarms.inc({ outcome: ours ? 'failed' : 'rejected', source })
        if (ours) log(`gossip: recording a proof failed: ${describe(error)}`)
        return ours ? 'failed' : 'invalid'
      }
    })
  }

  /** One revocation list at a time through the store, like trust lists; verified against the held trust list's root. */
  acceptRevocation(input: unknown, source: ListSource): Promise<RevocationVerdict> {
    return this.#serially(async () => {
      const { store, now, revocations, log } = this.#components
      if (this.#stopped || revocations === undefined) return { invalid: 'ERR_HTTP_UNAVAILABLE' as const }
      try {
        // One topic, three documents: single lists, and the index and partitions of partitioned revocations.
        const kind = revocationDocumentKind(input)
        if (kind === 'index') {
          // An index too large for one gossip message still comes whole through catch-up.
          const maxBytes = source === 'catch-up' ? DEFAULT_MAX_REVOCATION_INDEX_BYTES : this.#init.maxMessageBytes
          const outcome = await acceptRevocationIndex({ trust: store, revocations }, input as never, { now: now(), maxBytes })
          if (outcome.status === 'accepted') log(`accepted the ${outcome.index.country} revocation index seq ${outcome.index.seq} from ${source}`)
          return outcome.status
        }
        if (kind === 'partition') return (await acceptRevocationPartition({ trust: store, revocations }, input as never, { now: now() })).status
        const outcome = await acceptRevocationList({ trust: store, revocations }, input as SignedRevocationList, { now: now(), maxBytes: this.#init.maxMessageBytes })
        if (outcome.status === 'accepted') log(`accepted the ${outcome.list.country} revocation list seq ${outcome.list.seq} from ${source}`)
        return outcome.status
      } catch (error) {
        if (!(error instanceof EntenteError)) log(`gossip: accepting a revocation list failed: ${describe(error)}`)
        return { invalid: error instanceof EntenteError ? error.code : 'ERR_INTERNAL' }
      }
    })
  }
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
export function isCanonicalJson(data: Uint8Array, parsed: unknown = decodeJsonMessage(data)): boolean {
  if (parsed === undefined) return false
  let canonical: Uint8Array
  try {
    canonical = canonicalBytes(parsed)
  } catch {
    return false
  }
  return canonical.byteLength === data.byteLength && canonical.every((byte, i) => byte === data[i])
}

export function describe(error: unknown): string {
  if (error instanceof EntenteError) return `${error.code}: ${error.message}`
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error)
}
