// Partitioned certificate revocations in the node's SQLite file (migration 7): the chained index per country
// (append-only, like revocation lists), partitions by content hash (append-only), this country's published entries
// (one partition's entries are one range read) and the operator's queue. Stores only what the caller verified.
import type Database from 'better-sqlite3'
import { sha256 } from '../model/encoding.js'
import { EntenteError } from '../model/errors.js'
import type { RevocationEntries } from '../revocation/build-revocation-list.js'
import type { ShcRevocation, SignedRevocationIndex, SignedRevocationPartition } from '../model/schema.types.js'
import { prefixRange } from '../revocation/build-revocation-partitions.js'
import { decodeRevocationIndex, type DecodedRevocationIndex } from '../revocation/decode-revocation-partitions.js'
import { maxPrefixDigits, type RevocationGroup } from '../revocation/partition-layout.js'
import type { VerifiedRevocationIndex, VerifiedRevocationPartition } from '../revocation/verify-revocation-partitions.js'
import { ChainedDocumentTable, type StoredDocument, type StoredDocumentRef } from './chained-document-table.js'
import { StatementCache } from './statement-cache.js'

export type StoredRevocationIndex = StoredDocument<SignedRevocationIndex>

export interface StoredRevocationPartition {
  readonly hash: string
  readonly country: string
  readonly id: string
  readonly seq: number
  readonly signed: SignedRevocationPartition
  readonly size: number
}

/** One entry in the operator's queue: `key` is hex (DCC hash, or SHC key digest). */
export interface QueuedRevocation {
  readonly id: number
  readonly group: RevocationGroup
  readonly key: string
  readonly entry: { readonly hashType: string; readonly hash: string } | ShcRevocation
  readonly queuedAt: string
}

export interface EntryToQueue {
  readonly group: RevocationGroup
  readonly key: Buffer
  readonly entry: QueuedRevocation['entry']
}

export class RevocationPartitionStore {
  readonly #db: Database.Database
  readonly #statements: StatementCache
  readonly #indexes: ChainedDocumentTable<SignedRevocationIndex>
  /**
   * Stored index rows whose every partition is held: catch-up rounds skip them instead of probing thousands of
   * hashes. Row ids, not hashes: a purge removes partitions with their index, and a re-stored index gets a new row.
   */
  readonly #complete = new Set<number>()
  readonly #decoded = new Map<string, { readonly id: number; readonly index: DecodedRevocationIndex }>()

  constructor(db: Database.Database) {
    this.#db = db
    this.#statements = new StatementCache(db)
    // A publish of a million queued entries inserts and deletes that many rows in key-ordered B-trees: a 64 MiB page
    // cache (SQLite's default is 2 MiB) keeps that from re-reading the same pages from disk over and over.
    db.pragma('cache_size = -65536')
    this.#indexes = new ChainedDocumentTable(db, {
      history: 'revocation_indexes',
      heads: 'revocation_index_heads',
      label: 'revocation index',
      rollbackCode: 'ERR_REVOCATION_ROLLBACK',
    })
  }

  // ---- indexes ---------------------------------------------------------------------------------------------------

  indexHead(country: string): StoredRevocationIndex | undefined {
    return this.#indexes.head(country)
  }

  /** The held index's position (seq, hash, times) without the document: at 10 million entries it is 450 KB to parse. */
  indexHeadRef(country: string): StoredDocumentRef | undefined {
    return this.#indexes.headRef(country)
  }

  /**
   * The held index of a country, decoded once per stored row (a large index is hundreds of kilobytes; partitions
   * arriving by the thousand are each checked against it).
   */
  decodedIndexHead(country: string): DecodedRevocationIndex | undefined {
    const ref = this.#indexes.headRefs().find((r) => r.country === country)
    if (ref === undefined) return undefined
    const cached = this.#decoded.get(country)
    if (cached?.id === ref.id) return cached.index
    const head = this.indexHead(country)
    if (head === undefined) return undefined
    const index = decodeRevocationIndex(head.signed, Number.MAX_SAFE_INTEGER)
    this.#decoded.set(country, { id: head.id, index })
    return index
  }

  indexHeads(): StoredRevocationIndex[] {
    return this.#indexes.heads()
  }

  index(country: string, seq: number): StoredRevocationIndex | undefined {
    return this.#indexes.get(country, seq)
  }

  /** The bundle's view of the indexes (rows without documents; stored JSON by row id). */
  get feed(): {
    lastChangeId(): number
    heads(): StoredDocumentRef[]
    head(country: string): StoredDocumentRef | undefined
    changedSince(afterId: number): StoredDocumentRef[]
    json(id: number): Buffer | undefined
  } {
    const table = this.#indexes
    return {
      lastChangeId: () => table.lastChangeId(),
      heads: () => table.headRefs(),
      head: (country) => table.headRef(country),
      changedSince: (afterId) => table.changedRefsSince(afterId),
      json: (id) => table.json(id),
    }
  }

  // ---- partitions ------------------------------------------------------------------------------------------------

  partition(hash: string): StoredRevocationPartition | undefined {
    const row = this.#prepare<[string], PartitionRow>('SELECT * FROM revocation_partitions WHERE hash = ?').get(hash)
    return row === undefined ? undefined : toPartition(row)
  }

  /** The country of a held partition, read without its document (serving one needs no parse). */
  partitionCountry(hash: string): string | undefined {
    return this.#prepare<[string], { country: string }>('SELECT country FROM revocation_partitions WHERE hash = ?').get(hash)?.country
  }

  /** The stored JSON text of a partition, exactly as served. */
  partitionJson(hash: string): Buffer | undefined {
    return this.#prepare<[string], { jws: Buffer }>('SELECT CAST(jws AS BLOB) AS jws FROM revocation_partitions WHERE hash = ?').get(hash)?.jws
  }

  hasPartition(hash: string): boolean {
    return this.#prepare<[string], { one: number }>('SELECT 1 AS one FROM revocation_partitions WHERE hash = ?').get(hash) !== undefined
  }

  /** The latest partition ever stored under `id`: a new one continues its chain. */
  latestPartition(country: string, id: string): { seq: number; hash: string } | undefined {
    return this.#prepare<[string, string], { seq: number; hash: string }>(
      'SELECT seq, hash FROM revocation_partitions WHERE country = ? AND partition_id = ? ORDER BY seq DESC LIMIT 1',
    ).get(country, id)
  }

  /** Partitions the country's held index names but this node does not hold (yet), at most `limit`. */
  missingPartitions(country: string, limit: number): string[] {
    // The head's row first (no document read): a complete index costs nothing.
    const ref = this.#indexes.headRefs().find((r) => r.country === country)
    if (ref === undefined || this.#complete.has(ref.id)) return []
    const head = this.indexHead(country)
    if (head === undefined) return []
    const missing: string[] = []
    for (const ref of indexRefs(head)) {
      if (missing.length >= limit) break
      if (!this.hasPartition(ref.hash)) missing.push(ref.hash)
    }
    if (missing.length === 0) this.#complete.add(head.id)
    return missing
  }

  /** Stores a verified partition (idempotent: the hash is its identity). */
  putPartition(partition: VerifiedRevocationPartition, receivedAt: Date): boolean {
    const { payload } = partition
    return (
      this.#prepare(
        `INSERT INTO revocation_partitions (hash, country, partition_id, seq, jws, size, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (hash) DO NOTHING`,
      ).run(partition.hash, payload.country, payload.id, payload.seq, JSON.stringify(partition.signed), partition.size, receivedAt.toISOString()).changes > 0
    )
  }

  /** Appends a verified index and makes it the head; `expectedHead` guards against a concurrent writer. */
  appendIndex(index: VerifiedRevocationIndex, options: { expectedHead: string | undefined; receivedAt: Date }): StoredRevocationIndex {
    const { payload } = index
    return this.#indexes.append(
      { country: payload.country, seq: payload.seq, hash: index.hash, rootThumbprint: payload.rootThumbprint, issuedAt: payload.issuedAt, expiresAt: payload.expiresAt, signed: index.signed, size: index.size },
      options,
    )
  }

  // ---- a publish in slices (src/operator/publish-revocation-index.ts) ---------------------------------------------
  // Partitions first (content-addressed: harmless until an index names them), then the entries, then the index alone
  // in one short transaction, then the queue rows it took in: each step in bounded transactions, so the node answers
  // between them. A publish stopped before its index leaves entries no index counts; the next one sees that
  // (publishedCount differs from the head's total) and lays out every group again.

  /** Stores verified partitions in one transaction (idempotent). */
  putPartitions(partitions: readonly VerifiedRevocationPartition[], receivedAt: Date): void {
    this.#write(`cannot store revocation partitions`, () => {
      for (const p of partitions) this.putPartition(p, receivedAt)
    })
  }

  /** Upserts published entries in one transaction (callers pass them in key order: B-tree appends). */
  putEntries(country: string, entries: readonly EntryToQueue[]): void {
    const upsert = this.#prepare(
      `INSERT INTO revocation_entries (country, grp, key, entry) VALUES (?, ?, ?, ?)
       ON CONFLICT (country, grp, key) DO UPDATE SET entry = excluded.entry`,
    )
    this.#write(`cannot store the revocation entries of ${country}`, () => {
      for (const e of entries) upsert.run(country, e.group, e.key, e.group === 'shc' ? JSON.stringify(e.entry) : null)
    })
  }

  /**
   * Inserts packed DCC keys (ascending: B-tree appends) as published entries in one transaction, skipping held ones;
   * returns the keys that were new, packed. Not visible to verifiers until an index counts them; a stop before that
   * leaves entries the next publish lays out again (see above).
   */
  importEntries(country: string, group: RevocationGroup, packed: Buffer): Buffer {
    const insert = this.#prepare('INSERT INTO revocation_entries (country, grp, key, entry) VALUES (?, ?, ?, NULL) ON CONFLICT (country, grp, key) DO NOTHING')
    return this.#write(`cannot import the revocation entries of ${country}`, () => {
      const added = Buffer.allocUnsafe(packed.byteLength)
      let written = 0
      for (let i = 0; i < packed.byteLength; i += 16) {
        const key = packed.subarray(i, i + 16)
        if (insert.run(country, group, key).changes > 0) written += key.copy(added, written)
      }
      return added.subarray(0, written)
    })
  }

  /** Appends a verified index as the head, only on the head it was built on (one short transaction). */
  commitIndex(index: VerifiedRevocationIndex, options: { expectedHead: string | undefined; receivedAt: Date }): StoredRevocationIndex {
    return this.#write(`cannot store the revocation index of ${index.payload.country}`, () => this.appendIndex(index, options))
  }

  /** The id of the `limit`-th queue row of a country (the last one when fewer): what one publish takes in. */
  queueBoundary(country: string, limit: number): number {
    // The usual case without walking the queue: it all fits.
    if (this.queueCount(country) <= limit) return this.lastQueueId(country)
    const nth = this.#prepare<[string, number], { id: number }>('SELECT id FROM revocation_queue WHERE +country = ? ORDER BY id LIMIT 1 OFFSET ?').get(country, limit - 1)
    return nth?.id ?? this.lastQueueId(country)
  }

  /**
   * Up to `limit` queue rows with `afterId` < id <= `upTo`, in id order (the queue's own B-tree, read in sequence),
   * each with what is published under its key.
   */
  // `+country` in the queue's id-ordered reads: without it SQLite picks the (country, grp, key) index and sorts the
  // whole queue by id for every page (quadratic for a million rows); the rowid walk filters the country instead.
  queuedForPublishAfter(
    country: string,
    afterId: number,
    upTo: number,
    limit: number,
  ): { id: number; group: RevocationGroup; key: Buffer; entry: string; held: boolean; published: string | null }[] {
    return this.#prepare<[string, number, number, number], { id: number; grp: string; key: Buffer; entry: string; held: number; published: string | null }>(
      `SELECT q.id, q.grp, q.key, q.entry, e.key IS NOT NULL AS held, e.entry AS published
       FROM revocation_queue q LEFT JOIN revocation_entries e ON e.country = q.country AND e.grp = q.grp AND e.key = q.key
       WHERE +q.country = ? AND q.id > ? AND q.id <= ? ORDER BY q.id LIMIT ?`,
    )
      .all(country, afterId, upTo, limit)
      .map((r) => ({ id: r.id, group: r.grp as RevocationGroup, key: r.key, entry: r.entry, held: r.held === 1, published: r.published }))
  }

  /** Packed DCC hashes of `group` in [`low`, `high`] after `after` (exclusive), at most `limit`, ascending. */
  dccRangeAfter(country: string, group: RevocationGroup, low: Uint8Array, high: Uint8Array, after: Uint8Array | undefined, limit: number): Buffer {
    const rows =
      after === undefined
        ? this.#prepare<[string, string, Uint8Array, Uint8Array, number], { key: Buffer }>(
            'SELECT key FROM revocation_entries WHERE country = ? AND grp = ? AND key BETWEEN ? AND ? ORDER BY key LIMIT ?',
          ).all(country, group, low, high, limit)
        : this.#prepare<[string, string, Uint8Array, Uint8Array, number], { key: Buffer }>(
            'SELECT key FROM revocation_entries WHERE country = ? AND grp = ? AND key > ? AND key <= ? ORDER BY key LIMIT ?',
          ).all(country, group, after, high, limit)
    return Buffer.concat(rows.map((r) => r.key))
  }

  /** The oldest queue id of a country (0 when the queue is empty). */
  firstQueueId(country: string): number {
    return this.#prepare<[string], { id: number }>('SELECT id FROM revocation_queue WHERE +country = ? ORDER BY id LIMIT 1').get(country)?.id ?? 0
  }

  /** Removes the queue rows with `afterId` < id <= `upTo` (one rowid range); returns how many. */
  dequeueRange(country: string, afterId: number, upTo: number): number {
    return this.#prepare('DELETE FROM revocation_queue WHERE +country = ? AND id > ? AND id <= ?').run(country, afterId, upTo).changes
  }

  #write<T>(what: string, work: () => T): T {
    try {
      return this.#db.transaction(work).immediate()
    } catch (error) {
      if (error instanceof EntenteError) throw error
      throw new EntenteError('ERR_STORE', what, { cause: error })
    }
  }

  // ---- this country's entries ------------------------------------------------------------------------------------

  /** Packed DCC hashes (ascending) of the published entries of `group` under hex `prefix`. */
  dccRange(country: string, group: RevocationGroup, prefix: string): Buffer {
    const { low, high } = prefixRange(prefix, maxPrefixDigits(group) / 2)
    const rows = this.#prepare<[string, string, Uint8Array, Uint8Array], { key: Buffer }>(
      'SELECT key FROM revocation_entries WHERE country = ? AND grp = ? AND key BETWEEN ? AND ? ORDER BY key',
    ).all(country, group, low, high)
    return Buffer.concat(rows.map((r) => r.key))
  }

  /** Published SHC entries under hex `prefix`, by key (hex). */
  shcRange(country: string, prefix: string): Map<string, ShcRevocation> {
    const { low, high } = prefixRange(prefix, 32)
    const rows = this.#prepare<[string, Uint8Array, Uint8Array], { key: Buffer; entry: string }>(
      "SELECT key, entry FROM revocation_entries WHERE country = ? AND grp = 'shc' AND key BETWEEN ? AND ? ORDER BY key",
    ).all(country, low, high)
    return new Map(rows.map((r) => [r.key.toString('hex'), JSON.parse(r.entry) as ShcRevocation]))
  }

  /** The published SHC entry with `key`, if any (to tell a repeat from a widening). */
  publishedEntry(country: string, group: RevocationGroup, key: Buffer): { entry: string | null } | undefined {
    return this.#prepare<[string, string, Buffer], { entry: string | null }>('SELECT entry FROM revocation_entries WHERE country = ? AND grp = ? AND key = ?').get(country, group, key)
  }

  publishedCount(country: string): number {
    return this.#count(country, 'published')
  }

  // ---- the operator's queue --------------------------------------------------------------------------------------

  /** Adds entries (a repeat of a queued key replaces it); returns how many rows were new. */
  enqueue(country: string, entries: readonly EntryToQueue[], now: Date): number {
    const insert = this.#prepare(
      `INSERT INTO revocation_queue (country, grp, key, entry, queued_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (country, grp, key) DO UPDATE SET entry = excluded.entry`,
    )
    const before = this.queueCount(country)
    this.#db.transaction(() => {
      for (const e of entries) insert.run(country, e.group, e.key, JSON.stringify(e.entry), now.toISOString())
    })()
    return this.queueCount(country) - before
  }

  queueCount(country: string): number {
    return this.#count(country, 'queued')
  }

  #count(country: string, kind: 'queued' | 'published'): number {
    return this.#prepare<[string, string], { n: number }>('SELECT n FROM revocation_counts WHERE country = ? AND kind = ?').get(country, kind)?.n ?? 0
  }

  /** Queued entries in queue order, `limit` at a time after row `afterId`. */
  queued(country: string, options: { afterId?: number; limit?: number } = {}): QueuedRevocation[] {
    return this.#prepare<[string, number, number], QueueRow>('SELECT * FROM revocation_queue WHERE +country = ? AND id > ? ORDER BY id LIMIT ?')
      .all(country, options.afterId ?? 0, options.limit ?? 1000)
      .map(toQueued)
  }

  /** Removes queued rows by id; returns how many were removed. */
  dequeue(country: string, ids: readonly number[]): number {
    const remove = this.#prepare('DELETE FROM revocation_queue WHERE country = ? AND id = ?')
    return this.#db.transaction(() => ids.reduce((n, id) => n + remove.run(country, id).changes, 0))()
  }

  dequeueUpTo(country: string, id: number): void {
    this.#prepare('DELETE FROM revocation_queue WHERE country = ? AND id <= ?').run(country, id)
  }

  /** Removes the queue rows of these entries (a single list signed offline published them). */
  dequeueEntries(country: string, entries: RevocationEntries): void {
    const remove = this.#prepare('DELETE FROM revocation_queue WHERE country = ? AND grp = ? AND key = ?')
    this.#db.transaction(() => {
      for (const e of entries.dcc) remove.run(country, `dcc/${e.hashType}`, Buffer.from(e.hash, 'base64').subarray(0, 16))
      for (const e of entries.shc) remove.run(country, 'shc', Buffer.from(sha256(`${e.issuer}\n${e.kid}\n${e.rid}`)))
    })()
  }

  /** Queued rows per kind, counted only up to `atMost` + 1 (enough to compare with a small cap). */
  queueCounts(country: string, atMost: number): { dcc: number; shc: number } {
    const count = (shc: boolean): number =>
      this.#prepare<[string, number], { n: number }>(
        `SELECT COUNT(*) AS n FROM (SELECT 1 FROM revocation_queue WHERE country = ? AND ${shc ? "grp = 'shc'" : "grp <> 'shc'"} LIMIT ?)`,
      ).get(country, atMost + 1)?.n ?? 0
    return { dcc: count(false), shc: count(true) }
  }

  lastQueueId(country: string): number {
    return this.#prepare<[string], { id: number | null }>('SELECT id FROM revocation_queue WHERE +country = ? ORDER BY id DESC LIMIT 1').get(country)?.id ?? 0
  }

  #prepare<P extends unknown[] = unknown[], R = unknown>(sql: string): Database.Statement<P, R> {
    return this.#statements.get<P, R>(sql)
  }
}

interface PartitionRow {
  hash: string
  country: string
  partition_id: string
  seq: number
  jws: string
  size: number
}

interface QueueRow {
  id: number
  country: string
  grp: string
  key: Buffer
  entry: string
  queued_at: string
}

function toPartition(row: PartitionRow): StoredRevocationPartition {
  return { hash: row.hash, country: row.country, id: row.partition_id, seq: row.seq, signed: JSON.parse(row.jws) as SignedRevocationPartition, size: row.size }
}

function toQueued(row: QueueRow): QueuedRevocation {
  return { id: row.id, group: row.grp as RevocationGroup, key: row.key.toString('hex'), entry: JSON.parse(row.entry) as QueuedRevocation['entry'], queuedAt: row.queued_at }
}

/** The partition refs a stored index names (its payload, parsed from the stored JWS in either payload form). */
export function indexRefs(index: StoredRevocationIndex): { id: string; seq: number; hash: string; count: number }[] {
  const text = index.signed.payload.startsWith('{') ? index.signed.payload : Buffer.from(index.signed.payload, 'base64url').toString('utf8')
  return (JSON.parse(text) as { partitions: { id: string; seq: number; hash: string; count: number }[] }).partitions
}
