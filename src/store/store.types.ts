// What the store returns. Lists are kept as the exact JWS received, so anyone can re-verify them.
import type { EquivocationProof, SignedTrustList, TrustListDraft } from '../model/schema.types.js'
import type { VerifiedTrustList } from '../trust-list/trust-list.types.js'
import type { StoredDocument, StoredDocumentRef } from './chained-document-table.js'

export type StoredTrustList = StoredDocument<SignedTrustList>

/**
 * A stored list without its JWS: the columns of trust_lists before the JWS, plus what was summarized from the
 * payload when the list was accepted. Reading it never parses the JWS.
 */
export interface TrustListSummary extends StoredDocumentRef {
  readonly size: number
  readonly receivedAt: string
  /** The first list, or one that declares changes: a verifier that skips seqs must still walk it. */
  readonly handover: boolean
  readonly changes: readonly ('root' | 'governance' | 'withdrawals')[]
  readonly signers: number
  readonly recognitions: number
  /** The revocation list or index the list names (null: none). */
  readonly revocationList: { readonly seq: number; readonly hash: string } | null
  readonly lastHandoverSeq: number | null
  /** A root rotation that replaced the diplomats without their quorum, set by this very list. */
  readonly governanceReset: boolean
}

export interface StoredEquivocation {
  readonly id: number
  readonly country: string
  readonly seq: number
  readonly hashes: readonly [string, string]
  readonly rootThumbprint: string
  readonly proof: EquivocationProof
  readonly detectedAt: string
}

/** Observation points inside a write, for tracing and for crash tests. */
export type StoreWriteStep = 'list-inserted' | 'head-updated'

/** The store contract: every implementation must pass test/store/store-contract.ts. */
export interface TrustStore {
  head(country: string): StoredTrustList | undefined
  heads(): StoredTrustList[]
  get(country: string, seq: number): StoredTrustList | undefined
  history(country: string, options?: { afterSeq?: number; limit?: number }): StoredTrustList[]
  /** Lists accepted after change token `afterId`, heads only, newest per country. */
  changedSince(afterId: number): StoredTrustList[]
  /** Lists appended after `afterId`, heads or not, oldest first (a delta carries the handovers among them). */
  appendedSince(afterId: number, limit: number): StoredTrustList[]
  /** Summaries of the heads, by country: no JWS is read. */
  headSummaries(): TrustListSummary[]
  /** Summaries of the heads accepted after change token `afterId`, by country. */
  summariesChangedSince(afterId: number): TrustListSummary[]
  /** Summaries of a country's lists after `afterSeq`, oldest first, at most `limit` (default 1000). */
  historySummaries(country: string, options?: { afterSeq?: number; limit?: number }): TrustListSummary[]
  summary(country: string, seq: number): TrustListSummary | undefined
  /** The newest `limit` handovers appended after `afterId` (heads or not), oldest first. */
  handoversSince(afterId: number, limit: number): TrustListSummary[]
  /** The stored JSON text of the list with row `id`, as UTF-8 bytes (undefined: purged). */
  listJson(id: number): Buffer | undefined
  /** The highest change token so far (0 for an empty store). */
  lastChangeId(): number
  /**
   * Appends a verified list and makes it the head, atomically. `expectedHead` is the head hash the list was
   * verified against (undefined: none), so a concurrent write in between fails instead of being overwritten.
   */
  append(list: VerifiedTrustList, options: { expectedHead: string | undefined; receivedAt: Date }): StoredTrustList
  recordEquivocation(proof: EquivocationProof, options: { detectedAt: Date }): { stored: StoredEquivocation; isNew: boolean }
  equivocations(country?: string): StoredEquivocation[]
  /** Proofs recorded after change token `afterId`. */
  equivocationsSince(afterId: number): StoredEquivocation[]
  lastEquivocationId(): number
  draft(country: string): TrustListDraft | undefined
  saveDraft(country: string, draft: TrustListDraft, options: { updatedAt: Date }): void
  close(): void
}
