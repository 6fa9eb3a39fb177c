// The node's durable state in one SQLite file (WAL): append-only list history, heads, equivocation proofs,
// operator drafts. Every write is one transaction, so a crash leaves the previous head intact.
// Stores only what the caller has verified; it does no trust decisions of its own.
import Database from 'better-sqlite3'
import { EntenteError } from '../model/errors.js'
import { schemaValidators } from '../model/schemas.js'
import type { EquivocationProof, SignedTrustList, TrustListDraft, TrustListPayload } from '../model/schema.types.js'
import { decodeTrustList } from '../trust-list/decode-trust-list.js'
import { isHandover } from '../trust-list/handover.js'
import type { VerifiedTrustList } from '../trust-list/trust-list.types.js'
import { ChainedDocumentTable, toRef } from './chained-document-table.js'
import { migrations } from './migrations.js'
import type { StoreWriteStep, StoredEquivocation, StoredTrustList, TrustListSummary, TrustStore } from './store.types.js'
import { StatementCache } from './statement-cache.js'

export interface SqliteStoreOptions {
  /** Called inside the write transaction after each step; throwing or dying there must lose nothing committed. */
  readonly onWriteStep?: (step: StoreWriteStep) => void
}

interface SummaryRow {
  id: number
  country: string
  seq: number
  hash: string
  root_thumbprint: string
  issued_at: string
  expires_at: string
  size: number
  received_at: string
  handover: number
  changes: string
  signers: number
  recognitions: number
  revocation_seq: number | null
  revocation_hash: string | null
  last_handover_seq: number | null
  governance_reset: number
}

/** trust_lists columns before the JWS, joined with the summary (migration 6). */
const SUMMARY_SELECT = `SELECT l.id, l.country, l.seq, l.hash, l.root_thumbprint, l.issued_at, l.expires_at, s.size, s.received_at,
  s.handover, s.changes, s.signers, s.recognitions, s.revocation_seq, s.revocation_hash, s.last_handover_seq, s.governance_reset
  FROM trust_lists l JOIN trust_list_summaries s ON s.list_id = l.id`

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
    this.#summarizeUnsummarized()
  }

  /** Backfill: lists stored before migration 6 get their summary, once, decoded from the stored JWS. */
  #summarizeUnsummarized(): void {
    const missing = this.#prepare<[], { id: number }>(
      'SELECT l.id FROM trust_lists l LEFT JOIN trust_list_summaries s ON s.list_id = l.id WHERE s.list_id IS NULL ORDER BY l.id',
    ).all()
    if (missing.length === 0) return
    const read = this.#prepare<[number], { jws: string; size: number; received_at: string }>('SELECT jws, size, received_at FROM trust_lists WHERE id = ?')
    this.#db.transaction(() => {
      for (const { id } of missing) {
        const row = read.get(id)
        if (row === undefined) continue
        const { payload } = decodeTrustList(JSON.parse(row.jws) as SignedTrustList, Number.MAX_SAFE_INTEGER)
        this.#insertSummary(id, payload, row.size, row.received_at)
      }
    }).immediate()
  }

  #insertSummary(listId: number, payload: TrustListPayload, size: number, receivedAt: string): void {
    const reset = payload.governance.reset === true && payload.governance.since === payload.seq
    this.#prepare(
      `INSERT INTO trust_list_summaries (list_id, size, received_at, handover, changes, signers, recognitions, revocation_seq,
         revocation_hash, last_handover_seq, governance_reset) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      listId,
      size,
      receivedAt,
      isHandover(payload) ? 1 : 0,
      JSON.stringify(payload.changes),
      payload.signers.length,
      payload.recognitions.length,
      payload.revocationList?.seq ?? null,
      payload.revocationList?.hash ?? null,
      payload.lastHandover?.seq ?? null,
      reset ? 1 : 0,
    )
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

  headSummaries(): TrustListSummary[] {
    return this.#prepare<[], SummaryRow>(`${SUMMARY_SELECT} JOIN heads h ON h.list_id = l.id ORDER BY h.country`).all().map(toSummary)
  }

  summariesChangedSince(afterId: number): TrustListSummary[] {
    return this.#prepare<[number], SummaryRow>(`${SUMMARY_SELECT} JOIN heads h ON h.list_id = l.id WHERE l.id > ? ORDER BY h.country`).all(afterId).map(toSummary)
  }

  historySummaries(country: string, options: { afterSeq?: number; limit?: number } = {}): TrustListSummary[] {
    return this.#prepare<[string, number, number], SummaryRow>(`${SUMMARY_SELECT} WHERE l.country = ? AND l.seq > ? ORDER BY l.seq LIMIT ?`)
      .all(country, options.afterSeq ?? 0, options.limit ?? 1000)
      .map(toSummary)
  }

  summary(country: string, seq: number): TrustListSummary | undefined {
    const row = this.#prepare<[string, number], SummaryRow>(`${SUMMARY_SELECT} WHERE l.country = ? AND l.seq = ?`).get(country, seq)
    return row === undefined ? undefined : toSummary(row)
  }

  handoversSince(afterId: number, limit: number): TrustListSummary[] {
    return this.#prepare<[number, number], SummaryRow>(`${SUMMARY_SELECT} WHERE s.list_id > ? AND s.handover = 1 ORDER BY s.list_id DESC LIMIT ?`)
      .all(afterId, limit)
      .map(toSummary)
      .reverse()
  }

  listJson(id: number): Buffer | undefined {
    return this.#lists.json(id)
  }

  lastChangeId(): number {
    return this.#lists.lastChangeId()
  }

  append(list: VerifiedTrustList, options: { expectedHead: string | undefined; receivedAt: Date }): StoredTrustList {
    const { payload } = list
    // The summary is written in the same transaction as the list: a stored list always has one.
    const write = this.#db.transaction((): StoredTrustList => {
      const stored = this.#lists.append(
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
      this.#insertSummary(stored.id, payload, stored.size, stored.receivedAt)
      return stored
    })
    try {
      return write.immediate()
    } catch (error) {
      if (error instanceof EntenteError) throw error
      throw new EntenteError('ERR_STORE', `cannot store the trust list ${payload.country} seq ${payload.seq}`, { cause: error })
    }
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

function toSummary(row: SummaryRow): TrustListSummary {
  return {
    ...toRef(row),
    size: row.size,
    receivedAt: row.received_at,
    handover: row.handover === 1,
    changes: JSON.parse(row.changes) as TrustListSummary['changes'],
    signers: row.signers,
    recognitions: row.recognitions,
    revocationList: row.revocation_seq === null || row.revocation_hash === null ? null : { seq: row.revocation_seq, hash: row.revocation_hash },
    lastHandoverSeq: row.last_handover_seq,
    governanceReset: row.governance_reset === 1,
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
