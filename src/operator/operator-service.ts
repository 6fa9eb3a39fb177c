// The operator's actions on a node: edit the draft (signers, revocations, vaccines), publish, or, with an offline
// root, prepare the unsigned next list and accept it once signed elsewhere. Actions run one at a time; each draft write is one transaction.
import { EntenteError } from '../model/errors.js'
import type { NodeAddress, RevocationListPayload, Root, TrustListDraft, TrustListPayload } from '../model/schema.types.js'
import type { StoredTrustList, TrustStore } from '../store/store.types.js'
import { emptyDraft } from '../trust-list/build-trust-list.js'
import { decodeTrustList, type TrustListInput } from '../trust-list/decode-trust-list.js'
import type { ChainPosition } from '../trust-list/handover.js'
import type { RootSigningKey } from '../trust-list/root-key.js'
import { addSigner, onboardSigner, revokeSigner } from './onboard-signer.js'
import { acceptUploadedList, nextListBytes, prepareNextList, publishNextList } from './publish-next-list.js'
// Certificate revocation lists: pending entries and publishing.
import { acceptUploadedRevocationList, prepareRevocationList, publishRevocationList } from './publish-revocation-list.js'
import type { RevocationListInput } from '../revocation/decode-revocation-list.js'
import type { RevocationEntries } from '../revocation/build-revocation-list.js'
import { DEFAULT_REVOCATION_VALIDITY_DAYS } from '../revocation/constants.js'
import type { RevocationRepository, StoredRevocationList } from '../store/revocation-repository.js'
import { setVaccines, type VaccineValueSets } from './value-sets.js'
import { importCertificateRevocations } from './import-revocations.js'
import {
  publishesPartitioned,
  publishRevocationIndex,
  queueCertificateRevocations,
  queuedCertificateRevocations,
  removeQueuedRevocations,
  type PublishedRevocations,
  type RevocationLimits,
} from './publish-revocation-index.js'
import type { QueuedRevocation, StoredRevocationIndex } from '../store/revocation-partition-store.js'

export interface OperatorServiceInit {
  readonly store: TrustStore
  readonly country: string
  readonly now: () => Date
  readonly validityDays: number
  readonly quorum: number
  readonly maxTrustListBytes: number
  /** Read on every publish, so the key lives on disk (or in an HSM) and never in a long-lived object. */
  readonly loadRootKey: () => Promise<RootSigningKey>
  /** The country's own root from the node's key files (public half is enough): anchors its first list. */
  readonly loadOwnRoot?: () => Promise<Root | undefined>
  readonly loadValueSets: () => Promise<VaccineValueSets>
  readonly nodes: () => readonly NodeAddress[]
  /** Called after a list of this country is stored (by publish or upload), e.g. to gossip it. */
  readonly onPublished?: (list: StoredTrustList) => void
  /** Certificate revocation lists of this country; without it the revocation actions refuse. */
  readonly revocations?: RevocationRepository
  /** Called after a revocation list of this country is stored, e.g. to gossip it. */
  readonly onRevocationsPublished?: (list: StoredRevocationList) => void
  /** Called after a revocation index of this country is stored, with the partitions it changed: to gossip them. */
  readonly onRevocationIndexPublished?: (published: PublishedRevocations) => void
  /** Caps of this country's revocation data (node.json limits). */
  readonly revocationLimits?: RevocationLimits
  /** The diplomat set and quorum a governance reset installs: the pending governance change, if any. */
  readonly pendingGovernance?: () => { diplomats: TrustListDraft['diplomats']; quorum: number } | undefined
}

/** What a revocation publish stored: a single list (small countries) or an index and its changed partitions. */
export interface PublishedRevocationsResult {
  readonly revocationList?: StoredRevocationList
  readonly revocationIndex?: StoredRevocationIndex
  /** Partitions the publish signed (index publishes only). */
  readonly partitions?: number
  /** Entries still queued. */
  readonly queued: number
  readonly trustList: StoredTrustList
}

export interface ImportedRevocationsResult {
  readonly records: number
  /** Records new to the published set; 0: nothing was published (a re-import changes nothing). */
  readonly added: number
  readonly published?: PublishedRevocationsResult
}

export class OperatorService {
  readonly #init: OperatorServiceInit
  #queue: Promise<unknown> = Promise.resolve()

  constructor(init: OperatorServiceInit) {
    this.#init = init
  }

  draft(): TrustListDraft {
    return this.#init.store.draft(this.#init.country) ?? emptyDraft(this.#init.quorum)
  }

  /** How peers and verifiers reach this node, as published in its next list. */
  nodeAddresses(): readonly NodeAddress[] {
    return this.#init.nodes()
  }

  addSigner(request: unknown): Promise<TrustListDraft> {
    return this.#exclusive(async () => {
      const draft = this.draft()
      // Revoked kids stay taken: a revoked key must never come back under the same kid.
      const existing = [...draft.signers]
      const revoked = new Set(draft.revokedSigners.map((r) => r.kid))
      const signer = await onboardSigner(request, { country: this.#init.country, now: this.#init.now(), existing })
      if (revoked.has(signer.kid)) throw new EntenteError('ERR_SIGNER_KID_COLLISION', `kid ${signer.kid} was revoked; it cannot be reused`)
      return this.#save(addSigner(draft, signer))
    })
  }

  revokeSigner(request: unknown): Promise<TrustListDraft> {
    return this.#exclusive(() => Promise.resolve(this.#save(revokeSigner(this.draft(), request, this.#init.now()))))
  }

  setVaccines(request: unknown): Promise<TrustListDraft> {
    return this.#exclusive(async () => {
      const valueSets = await this.#init.loadValueSets()
      return this.#save(setVaccines(this.draft(), request, valueSets))
    })
  }

  /** Replaces the draft wholesale (used by diplomat recognition workflows). */
  updateDraft(update: (draft: TrustListDraft) => TrustListDraft): Promise<TrustListDraft> {
    return this.#exclusive(() => Promise.resolve(this.#save(update(this.draft()))))
  }

  publish(options: { validityDays?: number } = {}): Promise<StoredTrustList> {
    return this.#exclusive(async () => {
      const list = await publishNextList({
        store: this.#init.store,
        country: this.#init.country,
        rootKey: await this.#init.loadRootKey(),
        now: this.#init.now(),
        validityDays: options.validityDays ?? this.#init.validityDays,
        quorum: this.#init.quorum,
        nodes: this.#init.nodes(),
        maxBytes: this.#init.maxTrustListBytes,
        ...this.#revocationPointer(),
      })
      this.#init.onPublished?.(list)
      return list
    })
  }

  /**
   * The unsigned next list from the head and the draft, for an offline root to sign: exactly what `publish` would
   * sign. `nextRoot` prepares a root rotation (both roots sign); `resetGovernance` is recovery below quorum.
   */
  nextList(options: { validityDays?: number; nextRoot?: Root; resetGovernance?: boolean } = {}): Promise<TrustListPayload> {
    return this.#exclusive(async () => {
      const held = this.#init.store.head(this.#init.country)
      // The store is authoritative once a list is held (a rotation changes the root); before that, the key files.
      const root = held === undefined ? await this.#init.loadOwnRoot?.() : decodeTrustList(held.signed, Number.MAX_SAFE_INTEGER).payload.root
      if (root === undefined) throw new EntenteError('ERR_CONFIG_NOT_FOUND', `no root of ${this.#init.country} is known to this node`)
      return prepareNextList({
        store: this.#init.store,
        country: this.#init.country,
        root,
        ...(options.nextRoot === undefined ? {} : { nextRoot: options.nextRoot }),
        ...(options.resetGovernance === true ? resetTo(this.#init.pendingGovernance?.()) : {}),
        now: this.#init.now(),
        validityDays: options.validityDays ?? this.#init.validityDays,
        quorum: this.#init.quorum,
        nodes: this.#init.nodes(),
        ...this.#revocationPointer(),
      }).payload
    })
  }

  /**
   * A list of this country signed elsewhere (offline root): verified as the direct successor of the held head (the
   * first one against the node's own root), stored, then gossiped like a list published here.
   */
  acceptSigned(input: TrustListInput): Promise<StoredTrustList> {
    return this.#exclusive(async () => {
      const own = this.#init.store.head(this.#init.country) === undefined ? await this.#init.loadOwnRoot?.() : undefined
      const list = await acceptUploadedList(this.#init.store, input, {
        country: this.#init.country,
        now: this.#init.now(),
        maxBytes: this.#init.maxTrustListBytes,
        ...(own === undefined ? {} : { anchor: own.jwk }),
      })
      this.#init.onPublished?.(list)
      return list
    })
  }

  // ---- certificate revocation lists --------------------------------------------------------------------------

  /** Queues revoked certificates; they take effect with publishRevocations. */
  revokeCertificates(request: unknown): Promise<{ queued: number; added: number }> {
    return this.#exclusive(() => Promise.resolve(queueCertificateRevocations(this.#revocations(), this.#init.country, request, this.#init.now(), this.#init.revocationLimits)))
  }

  /** The queue of entries not published yet, page by page. */
  pendingRevocations(options: { afterId?: number; limit?: number } = {}): { total: number; entries: QueuedRevocation[] } {
    return queuedCertificateRevocations(this.#revocations(), this.#init.country, options)
  }

  /** Takes queued entries out again (before they are published); adding them again re-queues them. */
  removePendingRevocations(ids: unknown): Promise<{ removed: number; queued: number }> {
    return this.#exclusive(() => Promise.resolve(removeQueuedRevocations(this.#revocations(), this.#init.country, ids)))
  }

  /** Entries of the former single revocation lists: kept only to read them; the queue holds what is pending. */
  formerPendingRevocations(): RevocationEntries {
    return this.#revocations().draft(this.#init.country)
  }

  /**
   * Signs and stores the partitions the queued entries change and the next revocation index with the root key, then
   * the next trust list naming the index (the head's content re-issued, not the draft): a verifier whose source
   * omits or freezes the new index then refuses this country's certificates instead of reading a revoked one as valid.
   */
  publishRevocations(options: { validityDays?: number } = {}): Promise<PublishedRevocationsResult> {
    // Without an import it always publishes.
    return this.#exclusive(async () => (await this.#publishRevocations(options)) as PublishedRevocationsResult)
  }

  /**
   * Imports a packed set of revoked DCC hashes (src/revocation/bulk-revocation-file.ts) straight into the published
   * entries, then publishes the partitions they touch, the next index and the trust list naming it, as
   * publishRevocations does. Always partitioned. The body may be a stream (an upload), read as it arrives.
   */
  importRevocations(body: Uint8Array | AsyncIterable<Uint8Array>, options: { validityDays?: number } = {}): Promise<ImportedRevocationsResult> {
    return this.#exclusive(async () => {
      let counts = { records: 0, added: 0 }
      const published = await this.#publishRevocations(options, async (input) => {
        const result = await importCertificateRevocations({ ...input, body, ...(this.#init.revocationLimits === undefined ? {} : { limits: this.#init.revocationLimits }) })
        counts = { records: result.records, added: result.added }
        return result.published
      })
      return published === undefined ? counts : { ...counts, published }
    })
  }

  async #publishRevocations(
    options: { validityDays?: number },
    importing?: (input: Omit<Parameters<typeof publishRevocationIndex>[0], 'imported'>) => Promise<Awaited<ReturnType<typeof publishRevocationIndex>> | undefined>,
  ): Promise<PublishedRevocationsResult | undefined> {
    {
      const rootKey = await this.#init.loadRootKey()
      const input = {
        trust: this.#init.store,
        revocations: this.#revocations(),
        country: this.#init.country,
        rootKey,
        now: this.#init.now(),
        validityDays: options.validityDays ?? DEFAULT_REVOCATION_VALIDITY_DAYS,
      }
      let result: Omit<PublishedRevocationsResult, 'trustList'>
      if (importing !== undefined || publishesPartitioned(input.revocations, input.country, this.#init.revocationLimits)) {
        const published =
          importing === undefined ? await publishRevocationIndex({ ...input, ...(this.#init.revocationLimits === undefined ? {} : { limits: this.#init.revocationLimits }) }) : await importing(input)
        if (published === undefined) return undefined
        // Gossiped first, so peers hold the index by the time the trust list naming it arrives.
        this.#init.onRevocationIndexPublished?.(published)
        result = { revocationIndex: published.index, partitions: published.partitions.length, queued: published.queued }
      } else {
        const revocationList = await publishRevocationList({ ...input, maxBytes: this.#init.maxTrustListBytes })
        // Gossiped first, so peers hold the revocation list by the time the trust list naming it arrives.
        this.#init.onRevocationsPublished?.(revocationList)
        result = { revocationList, queued: input.revocations.partitions.queueCount(input.country) }
      }
      const named = result.revocationIndex ?? result.revocationList
      let trustList: StoredTrustList
      try {
        trustList = await publishNextList({
          store: this.#init.store,
          country: this.#init.country,
          rootKey,
          now: this.#init.now(),
          validityDays: this.#init.validityDays,
          quorum: this.#init.quorum,
          nodes: this.#init.nodes(),
          maxBytes: this.#init.maxTrustListBytes,
          fromHead: true,
          ...this.#revocationPointer(),
        })
      } catch (error) {
        if (!(error instanceof EntenteError)) throw error
        const message = `the ${this.#init.country} revocations seq ${named?.seq ?? '?'} were published, but the trust list naming them was not (${error.message}); publish the trust list`
        throw new EntenteError(error.code, message, { cause: error })
      }
      this.#init.onPublished?.(trustList)
      return { ...result, trustList }
    }
  }

  /** The unsigned next revocation list (every pending entry), for an offline root to sign. */
  nextRevocationList(options: { validityDays?: number } = {}): Promise<RevocationListPayload> {
    return this.#exclusive(() =>
      Promise.resolve(
        prepareRevocationList({
          trust: this.#init.store,
          revocations: this.#revocations(),
          country: this.#init.country,
          now: this.#init.now(),
          validityDays: options.validityDays ?? DEFAULT_REVOCATION_VALIDITY_DAYS,
        }).payload,
      ),
    )
  }

  /** A revocation list of this country signed offline: verified as the successor of the held head, stored, gossiped. */
  acceptSignedRevocations(input: RevocationListInput): Promise<StoredRevocationList> {
    return this.#exclusive(async () => {
      const list = await acceptUploadedRevocationList({ trust: this.#init.store, revocations: this.#revocations() }, input, {
        country: this.#init.country,
        now: this.#init.now(),
        maxBytes: this.#init.maxTrustListBytes,
      })
      this.#init.onRevocationsPublished?.(list)
      return list
    })
  }

  /** The current revocation index (or, before the first, the last single list), named in every trust list so a verifier knows it must hold it. */
  #revocationPointer(): { revocationList?: ChainPosition } {
    const head = this.#init.revocations?.chainHead(this.#init.country)
    return head === undefined ? {} : { revocationList: { seq: head.seq, hash: head.hash } }
  }

  #revocations(): RevocationRepository {
    if (this.#init.revocations === undefined) throw new EntenteError('ERR_HTTP_UNAVAILABLE', 'this node keeps no revocation lists')
    return this.#init.revocations
  }

  async #save(draft: TrustListDraft): Promise<TrustListDraft> {
    await this.#assertPublishable(draft)
    this.#init.store.saveDraft(this.#init.country, draft, { updatedAt: this.#init.now() })
    return draft
  }

  /**
   * The draft and publish accept the same sizes: an edit is refused when the list publishing the draft would make is
   * over the cap publish applies. An edit that shrinks the list always passes, so an oversized draft can be repaired.
   */
  async #assertPublishable(draft: TrustListDraft): Promise<void> {
    const { store, country, maxTrustListBytes: limit } = this.#init
    // Fast path: the draft's JSON, escaped as the payload text is inside the JWS, plus the nodes and the chain fields a
    // list adds (root, dates, floors, signatures: a few KiB) is far under the cap, so no list needs building.
    const rough = Buffer.byteLength(JSON.stringify(JSON.stringify({ draft, nodes: this.#init.nodes() })))
    if (rough + DRAFT_CHAIN_FIELDS_BYTES <= limit) return
    const held = store.head(country)
    const root = held === undefined ? await this.#init.loadOwnRoot?.() : decodeTrustList(held.signed, Number.MAX_SAFE_INTEGER).payload.root
    if (root === undefined) return
    const bytes = (candidate: TrustListDraft): number =>
      nextListBytes({ store, country, root, draft: candidate, now: this.#init.now(), validityDays: this.#init.validityDays, quorum: this.#init.quorum, nodes: this.#init.nodes(), ...this.#revocationPointer() })
    const size = bytes(draft)
    if (size <= limit || size <= bytes(this.draft())) return
    throw new EntenteError('ERR_TRUST_LIST_TOO_LARGE', `with this change the next ${country} trust list would be ${size} bytes signed; the limit is ${limit} bytes`, {
      details: { size, limit },
    })
  }

  #exclusive<T>(action: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(action, action)
    this.#queue = run.catch(() => undefined)
    return run
  }
}

/** Room for what a list adds to its draft: root keys, dates, chain positions, floors (300 countries), signatures. */
const DRAFT_CHAIN_FIELDS_BYTES = 64 * 1024

function resetTo(pending: { diplomats: TrustListDraft['diplomats']; quorum: number } | undefined) {
  return pending === undefined ? { resetGovernance: true } : { resetGovernance: true, resetTo: pending }
}
