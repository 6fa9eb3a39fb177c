// Certificate revocation lists in the node's SQLite file (migration 3): append-only history, the head per country,
// and this country's pending revocations. Stores only what the caller verified; makes no trust decisions.
import type Database from 'better-sqlite3'
import type { SignedRevocationList } from '../model/schema.types.js'
import type { RevocationEntries } from '../revocation/build-revocation-list.js'
import type { VerifiedRevocationList } from '../revocation/revocation-list.types.js'
import { ChainedDocumentTable, type StoredDocument } from './chained-document-table.js'

export type StoredRevocationList = StoredDocument<SignedRevocationList>

export class RevocationRepository {
  readonly #db: Database.Database
  readonly #lists: ChainedDocumentTable<SignedRevocationList>

  constructor(db: Database.Database) {
    this.#db = db
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

  /** The operator's pending revocations (everything revoked so far, published or not). */
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
