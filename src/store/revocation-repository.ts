// Certificate revocation lists in the node's SQLite file (migration 3): append-only history, the head per country,
// and this country's pending revocations. Stores only what the caller verified; makes no trust decisions.
import type Database from 'better-sqlite3'
import { EntenteError } from '../model/errors.js'
import type { SignedRevocationList } from '../model/schema.types.js'
import type { RevocationEntries } from '../revocation/build-revocation-list.js'
import type { VerifiedRevocationList } from '../revocation/revocation-list.types.js'

export interface StoredRevocationList {
  /** Position in this store's revocation history: the third part of the bundle's change token. */
  readonly id: number
  readonly country: string
  readonly seq: number
  readonly hash: string
  readonly rootThumbprint: string
  readonly issuedAt: string
  readonly expiresAt: string
  readonly signed: SignedRevocationList
  readonly size: number
  readonly receivedAt: string
}

interface Row {
  id: number
  country: string
  seq: number
  hash: string
  root_thumbprint: string
  issued_at: string
  expires_at: string
  jws: string
  size: number
  received_at: string
}

export class RevocationRepository {
  readonly #db: Database.Database

  constructor(db: Database.Database) {
    this.#db = db
  }

  head(country: string): StoredRevocationList | undefined {
    const row = this.#db.prepare<[string], Row>('SELECT l.* FROM revocation_heads h JOIN revocation_lists l ON l.id = h.list_id WHERE h.country = ?').get(country)
    return row === undefined ? undefined : toList(row)
  }

  heads(): StoredRevocationList[] {
    return this.#db.prepare<[], Row>('SELECT l.* FROM revocation_heads h JOIN revocation_lists l ON l.id = h.list_id ORDER BY h.country').all().map(toList)
  }

  get(country: string, seq: number): StoredRevocationList | undefined {
    const row = this.#db.prepare<[string, number], Row>('SELECT * FROM revocation_lists WHERE country = ? AND seq = ?').get(country, seq)
    return row === undefined ? undefined : toList(row)
  }

  /** Heads accepted after change id `afterId` (newest per country). */
  changedSince(afterId: number): StoredRevocationList[] {
    return this.#db
      .prepare<[number], Row>('SELECT l.* FROM revocation_heads h JOIN revocation_lists l ON l.id = h.list_id WHERE l.id > ? ORDER BY h.country')
      .all(afterId)
      .map(toList)
  }

  lastChangeId(): number {
    return this.#db.prepare<[], { id: number | null }>('SELECT MAX(id) AS id FROM revocation_lists').get()?.id ?? 0
  }

  /** Appends a verified list and makes it the head, atomically; `expectedHead` guards against a concurrent writer. */
  append(list: VerifiedRevocationList, options: { expectedHead: string | undefined; receivedAt: Date }): StoredRevocationList {
    const { payload } = list
    const write = this.#db.transaction((): StoredRevocationList => {
      const current = this.#db.prepare<[string], { seq: number; hash: string }>('SELECT seq, hash FROM revocation_heads WHERE country = ?').get(payload.country)
      if (current?.hash !== options.expectedHead) throw new EntenteError('ERR_STORE_CONFLICT', `revocation head of ${payload.country} changed during verification`)
      if (current !== undefined && payload.seq <= current.seq) {
        throw new EntenteError('ERR_REVOCATION_ROLLBACK', `seq ${payload.seq} is not above the revocation head ${current.seq}`)
      }
      const receivedAt = options.receivedAt.toISOString()
      const row = this.#db
        .prepare<unknown[], Row>(
          `INSERT INTO revocation_lists (country, seq, hash, root_thumbprint, issued_at, expires_at, jws, size, received_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
        )
        .get(payload.country, payload.seq, list.hash, payload.rootThumbprint, payload.issuedAt, payload.expiresAt, JSON.stringify(list.signed), list.size, receivedAt) as Row
      this.#db
        .prepare(
          `INSERT INTO revocation_heads (country, list_id, seq, hash, updated_at) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (country) DO UPDATE SET list_id = excluded.list_id, seq = excluded.seq, hash = excluded.hash, updated_at = excluded.updated_at`,
        )
        .run(payload.country, row.id, payload.seq, list.hash, receivedAt)
      return toList(row)
    })
    try {
      return write.immediate()
    } catch (error) {
      if (error instanceof EntenteError) throw error
      throw new EntenteError('ERR_STORE', `cannot store the revocation list ${payload.country} seq ${payload.seq}`, { cause: error })
    }
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

function toList(row: Row): StoredRevocationList {
  return {
    id: row.id,
    country: row.country,
    seq: row.seq,
    hash: row.hash,
    rootThumbprint: row.root_thumbprint,
    issuedAt: row.issued_at,
    expiresAt: row.expires_at,
    signed: JSON.parse(row.jws) as SignedRevocationList,
    size: row.size,
    receivedAt: row.received_at,
  }
}
