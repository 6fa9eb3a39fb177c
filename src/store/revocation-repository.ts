// Certificate revocations in the node's SQLite file: single revocation lists (migration 3: append-only history, the
// head per country, the former pending set) and partitioned revocations (migration 7, `partitions`). Stores only what
// the caller verified; makes no trust decisions.
import type Database from 'better-sqlite3'
import type { SignedRevocationList } from '../model/schema.types.js'
import type { RevocationEntries } from '../revocation/build-revocation-list.js'
import type { VerifiedRevocationList } from '../revocation/revocation-list.types.js'
import { ChainedDocumentTable, type StoredDocument, type StoredDocumentRef } from './chained-document-table.js'
import { RevocationPartitionStore } from './revocation-partition-store.js'

export type StoredRevocationList = StoredDocument<SignedRevocationList>

export class RevocationRepository {
  readonly #db: Database.Database
  readonly #lists: ChainedDocumentTable<SignedRevocationList>
  /** Indexes, partitions, this country's published entries and the operator's queue. */
  readonly partitions: RevocationPartitionStore

  constructor(db: Database.Database) {
    this.#db = db
    this.partitions = new RevocationPartitionStore(db)
    this.#lists = new ChainedDocumentTable(db, {
      history: 'revocation_lists',
      heads: 'revocation_heads',
      label: 'revocation list',
      rollbackCode: 'ERR_REVOCATION_ROLLBACK',
    })
  }

  head(country: string): StoredRevocationList | undefined {
    return this.#lists.head(country)
  }

  heads(): StoredRevocationList[] {
    return this.#lists.heads()
  }

  /** The heads of single revocation lists without their documents, by country. */
  headRefs(): StoredDocumentRef[] {
    return this.#lists.headRefs()
  }

  /** The head of a country's single revocation lists without its document. */
  headRef(country: string): StoredDocumentRef | undefined {
    return this.#lists.headRef(country)
  }

  get(country: string, seq: number): StoredRevocationList | undefined {
    return this.#lists.get(country, seq)
  }

  /** Heads accepted after change id `afterId` (newest per country). */
  changedSince(afterId: number): StoredRevocationList[] {
    return this.#lists.changedSince(afterId)
  }

  lastChangeId(): number {
    return this.#lists.lastChangeId()
  }

  /** Appends a verified list and makes it the head, atomically; `expectedHead` guards against a concurrent writer. */
  append(list: VerifiedRevocationList, options: { expectedHead: string | undefined; receivedAt: Date }): StoredRevocationList {
    const { payload } = list
    return this.#lists.append(
      {
        country: payload.country,
        seq: payload.seq,
        hash: list.hash,
        rootThumbprint: payload.rootThumbprint,
        issuedAt: payload.issuedAt,
        expiresAt: payload.expiresAt,
        signed: list.signed,
        size: list.size,
      },
      options,
    )
  }

  /**
   * The latest chained revocation document of a country: its index, or before its first index its last single list
   * (the index continues that chain).
   */
  chainHead(country: string): { readonly kind: 'index' | 'list'; readonly seq: number; readonly hash: string; readonly issuedAt: string; readonly expiresAt: string } | undefined {
    const index = this.partitions.indexHeadRef(country)
    if (index !== undefined) return { kind: 'index', seq: index.seq, hash: index.hash, issuedAt: index.issuedAt, expiresAt: index.expiresAt }
    const list = this.#lists.head(country)
    return list === undefined ? undefined : { kind: 'list', seq: list.seq, hash: list.hash, issuedAt: list.issuedAt, expiresAt: list.expiresAt }
  }

  /** Forgets the former pending set once it moved into the queue. */
  clearDraft(country: string): void {
    this.#db.prepare('DELETE FROM revocation_drafts WHERE country = ?').run(country)
  }

  /** The operator's former pending revocations (everything revoked so far, published or not): moved into the queue. */
  draft(country: string): RevocationEntries {
    const row = this.#db.prepare<[string], { draft: string }>('SELECT draft FROM revocation_drafts WHERE country = ?').get(country)
    return row === undefined ? { dcc: [], shc: [] } : (JSON.parse(row.draft) as RevocationEntries)
  }

  saveDraft(country: string, draft: RevocationEntries, options: { updatedAt: Date }): void {
    this.#db
      .prepare(
        `INSERT INTO revocation_drafts (country, draft, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (country) DO UPDATE SET draft = excluded.draft, updated_at = excluded.updated_at`,
      )
      .run(country, JSON.stringify({ dcc: draft.dcc, shc: draft.shc }), options.updatedAt.toISOString())
  }
}
