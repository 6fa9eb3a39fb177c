// Stored summaries of trust lists (migration 6): written when a list is accepted, backfilled from the stored JWS
// for lists a store held before the migration, removed with their list, and never changed.
import path from 'node:path'
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { acceptTrustList } from '../../src/store/accept-trust-list.js'
import { migrations } from '../../src/store/migrations.js'
import { SqliteStore } from '../../src/store/sqlite-store.js'
import { T0, TestCountry, type TestList } from '../helpers/country.js'
import { tempDir } from '../helpers/temp.js'

const REVOCATION = { seq: 4, hash: 'a'.repeat(64) }

/** GR: seq 1, a root rotation (seq 2, a handover), and seq 3 naming a revocation list. */
async function chain(): Promise<TestList[]> {
  const gr = await TestCountry.create('GR')
  return [await gr.next(), await gr.rotate(), await gr.next({ edit: (p) => (p.revocationList = REVOCATION) })]
}

function expectSummaries(store: SqliteStore, lists: readonly TestList[]): void {
  expect(store.historySummaries('GR')).toEqual(
    lists.map((list, i): unknown =>
      expect.objectContaining({
        country: 'GR',
        seq: i + 1,
        hash: list.hash,
        rootThumbprint: list.payload.root.thumbprint,
        handover: i < 2,
        changes: i === 1 ? ['root'] : [],
        signers: list.payload.signers.length,
        recognitions: list.payload.recognitions.length,
        revocationList: i === 2 ? REVOCATION : null,
        lastHandoverSeq: i === 0 ? null : i,
        governanceReset: false,
      }),
    ),
  )
  expect(store.historySummaries('GR', { afterSeq: 1, limit: 1 }).map((s) => s.seq)).toEqual([2])
  expect(store.headSummaries().map((s) => s.seq)).toEqual([3])
  expect(store.handoversSince(0, 10).map((s) => s.seq)).toEqual([1, 2])
  expect(store.handoversSince(0, 1).map((s) => s.seq)).toEqual([2])
  expect(store.summary('GR', 2)?.size).toBe(store.get('GR', 2)?.size)
}

describe('trust list summaries', () => {
  it('are written when a list is accepted', async () => {
    const store = SqliteStore.open(':memory:')
    const lists = await chain()
    for (const list of lists) expect((await acceptTrustList(store, list.signed, { now: T0 })).status).toBe('accepted')
    expectSummaries(store, lists)
    store.close()
  })

  it('are backfilled from the stored JWS for lists held before the migration', async () => {
    const file = path.join(tempDir(), 'store.sqlite')
    const lists = await chain()
    // A store as the previous schema left it, holding the three lists.
    const old = new Database(file)
    for (const migration of migrations.slice(0, 5)) old.exec(migration)
    old.pragma('user_version = 5')
    const insert = old.prepare(
      'INSERT INTO trust_lists (country, seq, hash, root_thumbprint, issued_at, expires_at, jws, size, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    )
    for (const { payload, signed, hash } of lists) {
      const jws = JSON.stringify(signed)
      const id = insert.run('GR', payload.seq, hash, payload.root.thumbprint, payload.issuedAt, payload.expiresAt, jws, Buffer.byteLength(jws), T0.toISOString()).lastInsertRowid
      old.prepare('INSERT INTO heads (country, list_id, seq, hash, updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (country) DO UPDATE SET list_id = excluded.list_id, seq = excluded.seq, hash = excluded.hash').run('GR', id, payload.seq, hash, T0.toISOString())
    }
    old.close()

    const store = SqliteStore.open(file)
    expect(store.schemaVersion()).toBe(migrations.length)
    expectSummaries(store, lists)
    store.close()
    // Once: a second open finds nothing to do, and the summaries cannot be edited afterwards.
    const reopened = SqliteStore.open(file)
    expectSummaries(reopened, lists)
    reopened.close()
    const db = new Database(file)
    expect(() => db.prepare('UPDATE trust_list_summaries SET handover = 0').run()).toThrow(/append-only/)
    expect(() => db.prepare('DELETE FROM trust_list_summaries').run()).toThrow(/append-only/)
    db.close()
  })

  it('go with their list when a purge removes it', async () => {
    const store = SqliteStore.open(':memory:')
    const lists = await chain()
    for (const list of lists) await acceptTrustList(store, list.signed, { now: T0 })
    const db = store.database
    db.transaction(() => {
      db.prepare("INSERT INTO purge_permit (id, reason) VALUES (1, 'test')").run()
      db.prepare("DELETE FROM trust_lists WHERE country = 'GR' AND seq = 1").run()
      db.prepare('DELETE FROM purge_permit').run()
    })()
    expect(store.historySummaries('GR').map((s) => s.seq)).toEqual([2, 3])
    expect(db.prepare('SELECT COUNT(*) AS n FROM trust_list_summaries').get()).toEqual({ n: 2 })
    store.close()
  })
})
