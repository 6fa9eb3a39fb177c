// History and heads of one kind of chained, root-signed document (trust lists, revocation lists) in the node's
// SQLite file: append-only history, one head per country whose seq only rises, optimistic concurrency on append.
// Stores only what the caller verified; makes no trust decisions.
import type Database from 'better-sqlite3'
import { EntenteError, type EntenteErrorCode } from '../model/errors.js'
import type { StoreWriteStep } from './store.types.js'
import { StatementCache } from './statement-cache.js'

export interface StoredDocument<S> {
  /** Position in this store's history of the kind: the change token for deltas. */
  readonly id: number
  readonly country: string
  readonly seq: number
  readonly hash: string
  readonly rootThumbprint: string
  readonly issuedAt: string
  readonly expiresAt: string
  /** The exact JWS received, so anyone can re-verify it. */
  readonly signed: S
  readonly size: number
  readonly receivedAt: string
}

/** The columns stored before the JWS: reading them never touches the (possibly large) document. */
export type StoredDocumentRef = Pick<StoredDocument<unknown>, 'id' | 'country' | 'seq' | 'hash' | 'rootThumbprint' | 'issuedAt' | 'expiresAt'>

export type DocumentToStore<S> = Omit<StoredDocument<S>, 'id' | 'receivedAt'>

/** The tables of one document kind (their shape is the same; see migrations 1, 3 and 7). */
export interface ChainedTableSpec {
  readonly history: 'trust_lists' | 'revocation_lists' | 'revocation_indexes'
  readonly heads: 'heads' | 'revocation_heads' | 'revocation_index_heads'
  /** For messages: "trust list", "revocation list". */
  readonly label: string
  readonly rollbackCode: EntenteErrorCode
  readonly onWriteStep?: (step: StoreWriteStep) => void
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

const REF_COLUMNS = 'l.id, l.country, l.seq, l.hash, l.root_thumbprint, l.issued_at, l.expires_at'
type RefRow = Pick<Row, 'id' | 'country' | 'seq' | 'hash' | 'root_thumbprint' | 'issued_at' | 'expires_at'>

export function toRef(row: RefRow): StoredDocumentRef {
  return { id: row.id, country: row.country, seq: row.seq, hash: row.hash, rootThumbprint: row.root_thumbprint, issuedAt: row.issued_at, expiresAt: row.expires_at }
}

export class ChainedDocumentTable<S> {
  readonly #db: Database.Database
  readonly #spec: ChainedTableSpec
  // Compiling SQL costs more than running these small queries: prepare each statement once per connection.
  readonly #statements: StatementCache
  #lastChangeId: Database.Statement<[], { id: number | null }> | undefined

  constructor(db: Database.Database, spec: ChainedTableSpec) {
    this.#db = db
    this.#statements = new StatementCache(db)
    this.#spec = spec
  }

  head(country: string): StoredDocument<S> | undefined {
    const row = this.#prepare<[string], Row>(`SELECT l.* FROM ${this.#spec.heads} h JOIN ${this.#spec.history} l ON l.id = h.list_id WHERE h.country = ?`).get(country)
    return row === undefined ? undefined : this.#toDocument(row)
  }

  heads(): StoredDocument<S>[] {
    return this.#prepare<[], Row>(`SELECT l.* FROM ${this.#spec.heads} h JOIN ${this.#spec.history} l ON l.id = h.list_id ORDER BY h.country`)
      .all()
      .map((row) => this.#toDocument(row))
  }

  get(country: string, seq: number): StoredDocument<S> | undefined {
    const row = this.#prepare<[string, number], Row>(`SELECT * FROM ${this.#spec.history} WHERE country = ? AND seq = ?`).get(country, seq)
    return row === undefined ? undefined : this.#toDocument(row)
  }

  history(country: string, options: { afterSeq?: number; limit?: number } = {}): StoredDocument<S>[] {
    return this.#prepare<[string, number, number], Row>(`SELECT * FROM ${this.#spec.history} WHERE country = ? AND seq > ? ORDER BY seq LIMIT ?`)
      .all(country, options.afterSeq ?? 0, options.limit ?? 1000)
      .map((row) => this.#toDocument(row))
  }

  /** Heads accepted after change token `afterId` (newest per country). */
  changedSince(afterId: number): StoredDocument<S>[] {
    return this.#prepare<[number], Row>(`SELECT l.* FROM ${this.#spec.heads} h JOIN ${this.#spec.history} l ON l.id = h.list_id WHERE l.id > ? ORDER BY h.country`)
      .all(afterId)
      .map((row) => this.#toDocument(row))
  }

  /** Documents appended after `afterId` (heads or not), oldest first, at most `limit`. */
  appendedSince(afterId: number, limit: number): StoredDocument<S>[] {
    return this.#prepare<[number, number], Row>(`SELECT * FROM ${this.#spec.history} WHERE id > ? ORDER BY id LIMIT ?`)
      .all(afterId, limit)
      .map((row) => this.#toDocument(row))
  }

  /** Heads without their documents, by country. */
  headRefs(): StoredDocumentRef[] {
    return this.#prepare<[], RefRow>(`SELECT ${REF_COLUMNS} FROM ${this.#spec.heads} h JOIN ${this.#spec.history} l ON l.id = h.list_id ORDER BY h.country`)
      .all()
      .map(toRef)
  }

  /** The head of a country without its document. */
  headRef(country: string): StoredDocumentRef | undefined {
    const row = this.#prepare<[string], RefRow>(`SELECT ${REF_COLUMNS} FROM ${this.#spec.heads} h JOIN ${this.#spec.history} l ON l.id = h.list_id WHERE h.country = ?`).get(country)
    return row === undefined ? undefined : toRef(row)
  }

  /** Heads accepted after change token `afterId`, without their documents. */
  changedRefsSince(afterId: number): StoredDocumentRef[] {
    return this.#prepare<[number], RefRow>(`SELECT ${REF_COLUMNS} FROM ${this.#spec.heads} h JOIN ${this.#spec.history} l ON l.id = h.list_id WHERE l.id > ? ORDER BY h.country`)
      .all(afterId)
      .map(toRef)
  }

  /** The stored JSON text of document `id` as UTF-8 bytes, exactly as kept (no parse, no string); undefined: purged. */
  json(id: number): Buffer | undefined {
    return this.#prepare<[number], { jws: Buffer }>(`SELECT CAST(jws AS BLOB) AS jws FROM ${this.#spec.history} WHERE id = ?`).get(id)?.jws
  }

  lastChangeId(): number {
    // Asked on every bundle request: the statement is kept, not looked up by a freshly built SQL string.
    this.#lastChangeId ??= this.#prepare<[], { id: number | null }>(`SELECT MAX(id) AS id FROM ${this.#spec.history}`)
    return this.#lastChangeId.get()?.id ?? 0
  }

  /**
   * Appends a verified document and makes it the head, atomically. `expectedHead` is the head hash it was verified
   * against (undefined: none), so a concurrent write in between fails instead of being overwritten.
   */
  append(document: DocumentToStore<S>, options: { expectedHead: string | undefined; receivedAt: Date }): StoredDocument<S> {
    const { label, onWriteStep } = this.#spec
    const write = this.#db.transaction((): StoredDocument<S> => {
      // Optimistic concurrency: the document was verified against `expectedHead`; if the head moved since, re-verify.
      const current = this.#prepare<[string], { seq: number; hash: string }>(`SELECT seq, hash FROM ${this.#spec.heads} WHERE country = ?`).get(document.country)
      if (current?.hash !== options.expectedHead) {
        throw new EntenteError('ERR_STORE_CONFLICT', `${label} head of ${document.country} changed during verification`)
      }
      if (current !== undefined && document.seq <= current.seq) {
        throw new EntenteError(this.#spec.rollbackCode, `${label} seq ${document.seq} is not above the head ${current.seq}`)
      }
      const receivedAt = options.receivedAt.toISOString()
      const inserted = this.#prepare<unknown[], Row>(
        `INSERT INTO ${this.#spec.history} (country, seq, hash, root_thumbprint, issued_at, expires_at, jws, size, received_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
      ).get(
        document.country,
        document.seq,
        document.hash,
        document.rootThumbprint,
        document.issuedAt,
        document.expiresAt,
        JSON.stringify(document.signed),
        document.size,
        receivedAt,
      ) as Row
      onWriteStep?.('list-inserted')
      this.#prepare(
        `INSERT INTO ${this.#spec.heads} (country, list_id, seq, hash, updated_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (country) DO UPDATE SET list_id = excluded.list_id, seq = excluded.seq,
           hash = excluded.hash, updated_at = excluded.updated_at`,
      ).run(document.country, inserted.id, document.seq, document.hash, receivedAt)
      onWriteStep?.('head-updated')
      return this.#toDocument(inserted)
    })
    try {
      return write.immediate()
    } catch (error) {
      if (error instanceof EntenteError) throw error
      throw new EntenteError('ERR_STORE', `cannot store the ${label} ${document.country} seq ${document.seq}`, { cause: error })
    }
  }

  #prepare<P extends unknown[] = unknown[], R = unknown>(sql: string): Database.Statement<P, R> {
    return this.#statements.get<P, R>(sql)
  }

  #toDocument(row: Row): StoredDocument<S> {
    return {
      id: row.id,
      country: row.country,
      seq: row.seq,
      hash: row.hash,
      rootThumbprint: row.root_thumbprint,
      issuedAt: row.issued_at,
      expiresAt: row.expires_at,
      signed: JSON.parse(row.jws) as S,
      size: row.size,
      receivedAt: row.received_at,
    }
  }
}
