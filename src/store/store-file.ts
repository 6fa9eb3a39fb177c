// Whole-file operations on a node's SQLite store: an online copy through SQLite's backup API (consistent while the
// node writes, WAL lets it read beside the writer) and the checks a copy must pass before a node may use it.
// Never opens a store for writing other than the copy it makes itself; takes no lock (the caller decides).
import Database from 'better-sqlite3'
import { EntenteError } from '../model/errors.js'
import { migrations } from './migrations.js'

export interface StoreFileSummary {
  /** PRAGMA user_version: the migrations applied to the file. */
  readonly schemaVersion: number
  /** PRAGMA integrity_check: "ok" or SQLite's first findings. */
  readonly integrity: string
  readonly heads: readonly { readonly country: string; readonly seq: number; readonly hash: string }[]
  readonly revocationHeads: readonly { readonly country: string; readonly seq: number }[]
}

/**
 * Copies the store at `source` into `dest` (an existing empty file, so the caller chooses its mode) with SQLite's
 * online backup, then makes the copy a self-contained rollback-journal file and summarises it.
 */
export async function backupStoreFile(source: string, dest: string): Promise<StoreFileSummary> {
  const db = openExisting(source, true)
  try {
    // All pages in one step: the copy is one read snapshot, never restarted by the node's concurrent commits.
    await db.backup(dest, { progress: () => 0x7fffffff })
  } catch (cause) {
    throw new EntenteError('ERR_STORE', `cannot back up ${source}: ${(cause as Error).message}`, { cause })
  } finally {
    db.close()
  }
  const copy = openExisting(dest, false)
  try {
    // The copy inherits WAL mode from the node's store; a backup is one file, with no -wal/-shm beside it.
    copy.pragma('journal_mode = DELETE')
    return summarise(copy, dest)
  } finally {
    copy.close()
  }
}

/** Reads a store file (a backup) without changing it; refuses what is no SQLite file or no Entente store. */
export function inspectStoreFile(file: string): StoreFileSummary {
  const db = openExisting(file, true)
  try {
    return summarise(db, file)
  } finally {
    db.close()
  }
}

/** Refuses a summary a node must not start from: damaged, not an Entente store, or newer than this program. */
export function assertRestorable(summary: StoreFileSummary, file: string): void {
  if (summary.integrity !== 'ok') throw new EntenteError('ERR_BACKUP_INVALID', `${file} fails the integrity check: ${summary.integrity}`)
  if (summary.schemaVersion > migrations.length) {
    throw new EntenteError('ERR_STORE_MIGRATION', `${file} has store schema version ${summary.schemaVersion}, newer than this program knows (${migrations.length})`)
  }
}

function openExisting(file: string, readonly: boolean): Database.Database {
  try {
    return new Database(file, { readonly, fileMustExist: true })
  } catch (cause) {
    throw new EntenteError('ERR_STORE', `cannot open store ${file}: ${(cause as Error).message}`, { cause })
  }
}

function summarise(db: Database.Database, file: string): StoreFileSummary {
  let schemaVersion: number
  let integrity: string
  try {
    schemaVersion = db.pragma('user_version', { simple: true }) as number
    integrity = (db.pragma('integrity_check', { simple: false }) as { integrity_check: string }[]).map((row) => row.integrity_check).join('; ')
  } catch (cause) {
    // SQLITE_NOTADB and friends: whatever this file is, it is no store.
    throw new EntenteError('ERR_BACKUP_INVALID', `${file} is not a SQLite store: ${(cause as Error).message}`, { cause })
  }
  // Version 0 is an empty SQLite file; the tables are checked too, so a foreign database that merely set user_version
  // is not taken for a store.
  const tables = new Set((db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as { name: string }[]).map((row) => row.name))
  if (schemaVersion < 1 || !tables.has('heads') || !tables.has('trust_lists')) throw new EntenteError('ERR_BACKUP_INVALID', `${file} is not an Entente store`)
  if (integrity !== 'ok') return { schemaVersion, integrity, heads: [], revocationHeads: [] }
  const heads = db.prepare('SELECT country, seq, hash FROM heads ORDER BY country').all() as { country: string; seq: number; hash: string }[]
  const revocationHeads = tables.has('revocation_heads') ? (db.prepare('SELECT country, seq FROM revocation_heads ORDER BY country').all() as { country: string; seq: number }[]) : []
  return { schemaVersion, integrity, heads, revocationHeads }
}
