// Admission state in the node's SQLite file (migration 4): the roots the operator pinned, the bounded quarantine of
// lists under unanchored roots, and the controlled purge of the append-only tables. Makes no trust decisions: the
// caller (src/admission/admission.ts) decides what is pinned, quarantined, purged or pruned.
import type Database from 'better-sqlite3'
import { EntenteError } from '../model/errors.js'
import type { SignedTrustList } from '../model/schema.types.js'
import { StatementCache } from './statement-cache.js'

export interface RootPin {
  readonly country: string
  readonly rootThumbprint: string
  readonly pinnedAt: string
}

export interface QuarantinedList {
  readonly id: number
  /** The peer that relayed it (a libp2p peer id), or "operator". */
  readonly peer: string
  readonly country: string
  readonly seq: number
  readonly rootThumbprint: string
  readonly hash: string
  readonly size: number
  readonly receivedAt: string
}

export interface QuarantineEntry extends QuarantinedList {
  readonly signed: SignedTrustList
}

/** What a purge removed from the trust tables. */
export interface PurgeCounts {
  readonly lists: number
  readonly alarms: number
  readonly revocationLists: number
}

/** One held list as the history cap sees it. */
export interface HeldListRow {
  readonly id: number
  readonly seq: number
  readonly size: number
  readonly jws: string
}

interface QuarantineRow {
  id: number
  peer: string
  country: string
  seq: number
  root_thumbprint: string
  hash: string
  size: number
  received_at: string
  jws: string
}

export class AdmissionRepository {
  readonly #db: Database.Database
  readonly #statements: StatementCache

  constructor(db: Database.Database) {
    this.#db = db
    this.#statements = new StatementCache(db)
  }

  // ---- pins -------------------------------------------------------------------------------------------------

  pins(): RootPin[] {
    return this.#prepare<[], { country: string; root_thumbprint: string; pinned_at: string }>('SELECT * FROM root_pins ORDER BY country')
      .all()
      .map((r) => ({ country: r.country, rootThumbprint: r.root_thumbprint, pinnedAt: r.pinned_at }))
  }

  /** Pins (or re-pins) one root for `country`; a country has at most one pinned root. */
  pin(country: string, rootThumbprint: string, at: Date): RootPin {
    this.#prepare(
      `INSERT INTO root_pins (country, root_thumbprint, pinned_at) VALUES (?, ?, ?)
       ON CONFLICT (country) DO UPDATE SET root_thumbprint = excluded.root_thumbprint, pinned_at = excluded.pinned_at`,
    ).run(country, rootThumbprint, at.toISOString())
    return { country, rootThumbprint, pinnedAt: at.toISOString() }
  }

  /** True when a pin was removed. */
  unpin(country: string): boolean {
    return this.#prepare('DELETE FROM root_pins WHERE country = ?').run(country).changes > 0
  }

  // ---- quarantine -------------------------------------------------------------------------------------------

  /**
   * Keeps one list for the operator to inspect. At most `perPeer` entries per peer and `total` overall: the oldest
   * are evicted first. Returns how many entries were evicted (0 when the same list was already quarantined).
   */
  quarantine(entry: Omit<QuarantineEntry, 'id'>, caps: { readonly perPeer: number; readonly total: number }): { added: boolean; evicted: number } {
    return this.#db
      .transaction(() => {
        const inserted = this.#prepare(
          `INSERT INTO quarantine (peer, country, seq, root_thumbprint, hash, size, received_at, jws)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (hash) DO NOTHING`,
        ).run(entry.peer, entry.country, entry.seq, entry.rootThumbprint, entry.hash, entry.size, entry.receivedAt, JSON.stringify(entry.signed))
        if (inserted.changes === 0) return { added: false, evicted: 0 }
        const perPeer = this.#prepare(
          `DELETE FROM quarantine WHERE peer = ? AND id NOT IN (SELECT id FROM quarantine WHERE peer = ? ORDER BY id DESC LIMIT ?)`,
        ).run(entry.peer, entry.peer, Math.max(0, caps.perPeer)).changes
        const total = this.#prepare(`DELETE FROM quarantine WHERE id NOT IN (SELECT id FROM quarantine ORDER BY id DESC LIMIT ?)`).run(Math.max(0, caps.total)).changes
        return { added: true, evicted: perPeer + total }
      })
      .immediate()
  }

  quarantined(): QuarantinedList[] {
    return this.#prepare<[], QuarantineRow>('SELECT * FROM quarantine ORDER BY id').all().map(toQuarantined)
  }

  quarantineEntry(id: number): QuarantineEntry | undefined {
    const row = this.#prepare<[number], QuarantineRow>('SELECT * FROM quarantine WHERE id = ?').get(id)
    return row === undefined ? undefined : { ...toQuarantined(row), signed: JSON.parse(row.jws) as SignedTrustList }
  }

  /** True when an entry was removed. */
  dropQuarantined(id: number): boolean {
    return this.#prepare('DELETE FROM quarantine WHERE id = ?').run(id).changes > 0
  }

  /** Drops every quarantined list of `country` under `rootThumbprint` (they were admitted). */
  dropQuarantinedUnder(country: string, rootThumbprint: string): number {
    return this.#prepare('DELETE FROM quarantine WHERE country = ? AND root_thumbprint = ?').run(country, rootThumbprint).changes
  }

  // ---- the trust tables, read for caps and written only through a purge --------------------------------------

  /** Root thumbprints that signed any held list of `country` (its chain hands trust from one to the next). */
  chainRoots(country: string): string[] {
    return this.#prepare<[string], { root_thumbprint: string }>('SELECT DISTINCT root_thumbprint FROM trust_lists WHERE country = ?')
      .all(country)
      .map((r) => r.root_thumbprint)
  }

  heldCountries(): string[] {
    return this.#prepare<[], { country: string }>('SELECT country FROM heads ORDER BY country').all().map((r) => r.country)
  }

  heldBytes(country: string): number {
    return this.#prepare<[string], { bytes: number | null }>('SELECT SUM(size) AS bytes FROM trust_lists WHERE country = ?').get(country)?.bytes ?? 0
  }

  /** Every held list of `country`, oldest first (the history cap decides which may go). */
  heldLists(country: string): HeldListRow[] {
    return this.#prepare<[string], HeldListRow>('SELECT id, seq, size, jws FROM trust_lists WHERE country = ? ORDER BY seq').all(country)
  }

  /** Alarms held for `country`, in total and at `seq`. */
  alarmCounts(country: string, seq: number): { readonly country: number; readonly seq: number } {
    const row = this.#prepare<[number, string], { total: number; at: number | null }>(
      'SELECT COUNT(*) AS total, SUM(seq = ?) AS at FROM equivocations WHERE country = ?',
    ).get(seq, country)
    return { country: row?.total ?? 0, seq: row?.at ?? 0 }
  }

  /**
   * Removes everything held about `countries` from the trust tables (lists, heads, alarms, revocation lists), in one
   * transaction, under a purge permit that is gone again when the transaction commits.
   */
  purgeCountries(countries: readonly string[], reason: string): PurgeCounts {
    return this.#purge(reason, () => {
      let counts = { lists: 0, alarms: 0, revocationLists: 0 }
      for (const country of countries) {
        this.#prepare('DELETE FROM revocation_heads WHERE country = ?').run(country)
        const revocationLists = this.#prepare('DELETE FROM revocation_lists WHERE country = ?').run(country).changes
        // Partitioned revocations of the country go with its lists (never this node's own country: that is never purged).
        this.#prepare('DELETE FROM revocation_index_heads WHERE country = ?').run(country)
        this.#prepare('DELETE FROM revocation_indexes WHERE country = ?').run(country)
        this.#prepare('DELETE FROM revocation_partitions WHERE country = ?').run(country)
        const alarms = this.#prepare('DELETE FROM equivocations WHERE country = ?').run(country).changes
        this.#prepare('DELETE FROM heads WHERE country = ?').run(country)
        const lists = this.#prepare('DELETE FROM trust_lists WHERE country = ?').run(country).changes
        counts = { lists: counts.lists + lists, alarms: counts.alarms + alarms, revocationLists: counts.revocationLists + revocationLists }
      }
      return counts
    })
  }

  /** Removes single history lists (never a head: the caller chooses). */
  pruneLists(ids: readonly number[], reason: string): number {
    if (ids.length === 0) return 0
    return this.#purge(reason, () => {
      let removed = 0
      for (const id of ids) {
        if (this.#prepare<[number], { n: number }>('SELECT COUNT(*) AS n FROM heads WHERE list_id = ?').get(id)?.n !== 0) continue
        removed += this.#prepare('DELETE FROM trust_lists WHERE id = ?').run(id).changes
      }
      return removed
    })
  }

  /** The id of the last purge (0: none): part of the key of anything cached from the trust tables. */
  lastPurgeId(): number {
    return this.#prepare<[], { id: number | null }>('SELECT MAX(id) AS id FROM purges').get()?.id ?? 0
  }

  #purge<T>(reason: string, work: () => T): T {
    try {
      return this.#db
        .transaction(() => {
          this.#prepare('INSERT INTO purge_permit (id, reason) VALUES (1, ?)').run(reason)
          this.#prepare('INSERT INTO purges (reason, purged_at) VALUES (?, ?)').run(reason, new Date().toISOString())
          const result = work()
          this.#prepare('DELETE FROM purge_permit').run()
          return result
        })
        .immediate()
    } catch (cause) {
      throw new EntenteError('ERR_STORE', `purge failed (${reason})`, { cause })
    }
  }

  #prepare<P extends unknown[] = unknown[], R = unknown>(sql: string): Database.Statement<P, R> {
    return this.#statements.get<P, R>(sql)
  }
}

function toQuarantined(row: QuarantineRow): QuarantinedList {
  return {
    id: row.id,
    peer: row.peer,
    country: row.country,
    seq: row.seq,
    rootThumbprint: row.root_thumbprint,
    hash: row.hash,
    size: row.size,
    receivedAt: row.received_at,
  }
}
