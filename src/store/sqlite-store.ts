// The node's durable state in one SQLite file (WAL): append-only list history, heads, equivocation proofs,
// operator drafts. Every write is one transaction, so a crash leaves the previous head intact.
// Stores only what the caller has verified; it does no trust decisions of its own.
import Database from 'better-sqlite3'
import { EntenteError } from '../model/errors.js'
import { schemaValidators } from '../model/schemas.js'
import type { EquivocationProof, SignedTrustList, TrustListDraft } from '../model/schema.types.js'
import { decodeTrustList } from '../trust-list/decode-trust-list.js'
import type { VerifiedTrustList } from '../trust-list/trust-list.types.js'
import { ChainedDocumentTable } from './chained-document-table.js'
import { migrations } from './migrations.js'
import type { StoreWriteStep, StoredEquivocation, StoredTrustList, TrustStore } from './store.types.js'
import { StatementCache } from './statement-cache.js'

export interface SqliteStoreOptions {
  /** Called inside the write transaction after each step; throwing or dying there must lose nothing committed. */
  readonly onWriteStep?: (step: StoreWriteStep) => void
}

interface EquivocationRow {
  id: number
  country: string
  seq: number
  hash_a: string
  hash_b: string
  root_thumbprint: string
  proof: string
  detected_at: string
}

export class SqliteStore implements TrustStore {
  readonly #db: Database.Database
  readonly #lists: ChainedDocumentTable<SignedTrustList>
  // Compiling SQL costs more than running these small queries: prepare each statement once per connection.
  readonly #statements: StatementCache

  /** Opens (creating if needed) the store at `file`; ':memory:' gives a private in-memory store for unit tests. */
  static open(file: string, options: SqliteStoreOptions = {}): SqliteStore {
    let db: Database.Database
    try {
      db = new Database(file)
    } catch (cause) {
      throw new EntenteError('ERR_STORE', `cannot open store ${file}`, { cause })
    }
    try {
      return new SqliteStore(db, options)
    } catch (error) {
      db.close()
      throw error
    }
  }

  private constructor(db: Database.Database, options: SqliteStoreOptions) {
    this.#db = db
    this.#statements = new StatementCache(db)
    db.pragma('journal_mode = WAL')
    // FULL: a committed list survives power loss, not just a process crash; lists are rare, durability is cheap.
    db.pragma('synchronous = FULL')
    db.pragma('foreign_keys = ON')
    db.pragma('busy_timeout = 5000')
    this.#migrate()
    this.#lists = new ChainedDocumentTable(db, {
      history: 'trust_lists',
      heads: 'heads',
      label: 'trust list',
      rollbackCode: 'ERR_TRUST_LIST_ROLLBACK',
      ...(options.onWriteStep === undefined ? {} : { onWriteStep: options.onWriteStep }),
    })
  }

  #migrate(): void {
    const current = this.#db.pragma('user_version', { simple: true }) as number
    if (current > migrations.length) {
      throw new EntenteError(
        'ERR_STORE_MIGRATION',
        `store schema version ${current} is newer than this program knows (${migrations.length})`,
      )
    }
    for (let version = current; version < migrations.length; version++) {
      this.#db.transaction(() => {
        this.#db.exec(migrations[version] as string)
        this.#db.pragma(`user_version = ${version + 1}`)
      }).immediate()
    }
  }

  /** The connection, for repositories in src/store/ that keep their own tables in the same file. */
  get database(): Database.Database {
    return this.#db
  }

  #prepare<P extends unknown[] = unknown[], R = unknown>(sql: string): Database.Statement<P, R> {
    return this.#statements.get<P, R>(sql)
  }

  schemaVersion(): number {
    return this.#db.pragma('user_version', { simple: true }) as number
  }

  head(country: string): StoredTrustList | undefined {
    return this.#lists.head(country)
  }

  heads(): StoredTrustList[] {
    return this.#lists.heads()
  }

  get(country: string, seq: number): StoredTrustList | undefined {
    return this.#lists.get(country, seq)
  }

  history(country: string, options: { afterSeq?: number; limit?: number } = {}): StoredTrustList[] {
    return this.#lists.history(country, options)
  }

  changedSince(afterId: number): StoredTrustList[] {
    return this.#lists.changedSince(afterId)
  }

  appendedSince(afterId: number, limit: number): StoredTrustList[] {
    return this.#lists.appendedSince(afterId, limit)
  }

  lastChangeId(): number {
    return this.#lists.lastChangeId()
  }

  append(list: VerifiedTrustList, options: { expectedHead: string | undefined; receivedAt: Date }): StoredTrustList {
    const { payload } = list
    return this.#lists.append(
      {
        country: payload.country,
        seq: payload.seq,
        hash: list.hash,
        rootThumbprint: payload.root.thumbprint,
        issuedAt: payload.issuedAt,
        expiresAt: payload.expiresAt,
        signed: list.signed,
        size: list.size,
      },
      options,
    )
  }

  recordEquivocation(
    proof: EquivocationProof,
    options: { detectedAt: Date },
  ): { stored: StoredEquivocation; isNew: boolean } {
    schemaValidators().check('equivocation-proof.v1', proof, 'ERR_EQUIVOCATION_PROOF_INVALID')
    const hashes = (proof.lists).map((l) => decodeTrustList(l, Number.MAX_SAFE_INTEGER).hash).sort()
    const [a, b] = hashes as [string, string]
    const root = proof.rootThumbprint ?? decodeTrustList(proof.lists[0] as SignedTrustList, Number.MAX_SAFE_INTEGER).payload.root.thumbprint
    const write = this.#db.transaction(() => {
      const result = this.#prepare(
        `INSERT INTO equivocations (country, seq, hash_a, hash_b, root_thumbprint, proof, detected_at)
         VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
      ).run(proof.country, proof.seq, a, b, root, JSON.stringify(proof), options.detectedAt.toISOString())
      const row = this.#prepare<[string, number, string, string], EquivocationRow>(
        'SELECT * FROM equivocations WHERE country = ? AND seq = ? AND hash_a = ? AND hash_b = ?',
      ).get(proof.country, proof.seq, a, b) as EquivocationRow
      return { stored: toEquivocation(row), isNew: result.changes > 0 }
    })
    return write.immediate()
  }

  equivocations(country?: string): StoredEquivocation[] {
    const rows =
      country === undefined
        ? this.#prepare<[], EquivocationRow>('SELECT * FROM equivocations ORDER BY id').all()
        : this.#prepare<[string], EquivocationRow>('SELECT * FROM equivocations WHERE country = ? ORDER BY id').all(country)
    return rows.map(toEquivocation)
  }

  equivocationsSince(afterId: number): StoredEquivocation[] {
    return this.#prepare<[number], EquivocationRow>('SELECT * FROM equivocations WHERE id > ? ORDER BY id').all(afterId).map(toEquivocation)
  }

  lastEquivocationId(): number {
    const row = this.#prepare<[], { id: number | null }>('SELECT MAX(id) AS id FROM equivocations').get()
    return row?.id ?? 0
  }

  draft(country: string): TrustListDraft | undefined {
    const row = this.#prepare<[string], { draft: string }>('SELECT draft FROM drafts WHERE country = ?').get(country)
    if (row === undefined) return undefined
    return schemaValidators().check('draft.v1', JSON.parse(row.draft), 'ERR_STORE')
  }

  saveDraft(country: string, draft: TrustListDraft, options: { updatedAt: Date }): void {
    schemaValidators().check('draft.v1', draft, 'ERR_CONFIG_INVALID')
    this.#prepare(
      `INSERT INTO drafts (country, draft, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (country) DO UPDATE SET draft = excluded.draft, updated_at = excluded.updated_at`,
    ).run(country, JSON.stringify(draft), options.updatedAt.toISOString())
  }

  /** Runs `fn` in one immediate transaction (read-modify-write of drafts without lost updates). */
  transaction<T>(fn: () => T): T {
    return this.#db.transaction(fn).immediate()
  }

  integrityCheck(): string {
    return this.#db.pragma('integrity_check', { simple: true }) as string
  }

  close(): void {
    if (this.#db.open) this.#db.close()
  }
}

function toEquivocation(row: EquivocationRow): StoredEquivocation {
  return {
    id: row.id,
    country: row.country,
    seq: row.seq,
    hashes: [row.hash_a, row.hash_b],
    rootThumbprint: row.root_thumbprint,
    proof: JSON.parse(row.proof) as EquivocationProof,
    detectedAt: row.detected_at,
  }
}
