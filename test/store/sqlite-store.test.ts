import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import { EntenteError } from '../../src/model/errors.js'
import { acceptTrustList } from '../../src/store/accept-trust-list.js'
import { migrations } from '../../src/store/migrations.js'
import { SqliteStore } from '../../src/store/sqlite-store.js'
import { T0, TestCountry } from '../helpers/country.js'
import { describeStoreContract } from './store-contract.js'

const dir = mkdtempSync(path.join(tmpdir(), 'entente-store-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let n = 0
const freshFile = () => path.join(dir, `store-${n++}.sqlite`)

describeStoreContract('sqlite in memory', () => SqliteStore.open(':memory:'))
describeStoreContract('sqlite file (WAL)', () => SqliteStore.open(freshFile()))

describe('SqliteStore on a file', () => {
  it('uses WAL and the latest schema version', () => {
    const file = freshFile()
    const store = SqliteStore.open(file)
    expect(store.schemaVersion()).toBe(migrations.length)
    store.close()
    const db = new Database(file, { readonly: true })
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal')
    db.close()
  })

  it('survives a restart with history, heads, proofs and drafts', async () => {
    const file = freshFile()
    const gr = await TestCountry.create('GR')
    const store = SqliteStore.open(file)
    await acceptTrustList(store, (await gr.next()).signed, { now: T0 })
    await acceptTrustList(store, (await gr.next()).signed, { now: T0 })
    const fork = await gr.next({ advance: false, edit: (p) => ((p.seq = 2), (p.prev = store.get('GR', 1)!.hash), (p.quorum = 9)) })
    expect((await acceptTrustList(store, fork.signed, { now: T0 })).status).toBe('equivocation')
    store.saveDraft('GR', { ...gr.draft, quorum: 3 }, { updatedAt: T0 })
    store.close()

    const reopened = SqliteStore.open(file)
    expect(reopened.head('GR')).toMatchObject({ seq: 2, hash: gr.head!.hash })
    expect(reopened.history('GR')).toHaveLength(2)
    expect(reopened.equivocations('GR')).toHaveLength(1)
    expect(reopened.draft('GR')?.quorum).toBe(3)
    reopened.close()
  })

  it('history is append-only at the database level', async () => {
    const file = freshFile()
    const store = SqliteStore.open(file)
    const gr = await TestCountry.create('GR')
    await acceptTrustList(store, (await gr.next()).signed, { now: T0 })
    store.close()
    const db = new Database(file)
    expect(() => db.prepare('DELETE FROM trust_lists').run()).toThrow(/append-only/)
    expect(() => db.prepare("UPDATE trust_lists SET jws = '{}'").run()).toThrow(/append-only/)
    expect(() => db.prepare('UPDATE heads SET seq = 0').run()).toThrow(/must increase/)
    db.close()
  })

  it('refuses a store written by a newer version', () => {
    const file = freshFile()
    const db = new Database(file)
    db.pragma(`user_version = ${migrations.length + 1}`)
    db.close()
    expect(() => SqliteStore.open(file)).toThrow(EntenteError)
    try {
      SqliteStore.open(file)
    } catch (e) {
      expect((e as EntenteError).code).toBe('ERR_STORE_MIGRATION')
    }
  })

  describe('atomicity: a process killed mid-write leaves the previous head intact', () => {
    const crashWriter = path.resolve(import.meta.dirname, 'fixtures/crash-writer.ts')
    const run = (file: string, listFile: string, killAt: string) =>
      spawnSync(process.execPath, ['--import', 'tsx', crashWriter, file, listFile, killAt], { encoding: 'utf8', timeout: 20_000 })

    for (const killAt of ['list-inserted', 'head-updated'] as const) {
      it(`SIGKILL after ${killAt}, before commit`, async () => {
        const file = freshFile()
        const gr = await TestCountry.create('GR')
        const store = SqliteStore.open(file)
        const one = await gr.next()
        await acceptTrustList(store, one.signed, { now: T0 })
        store.close()
        const listFile = path.join(dir, `list-${n++}.json`)
        writeFileSync(listFile, JSON.stringify((await gr.next()).signed))

        const child = run(file, listFile, killAt)
        expect(child.signal).toBe('SIGKILL')
        expect(child.stdout).toBe('')

        const reopened = SqliteStore.open(file)
        expect(reopened.integrityCheck()).toBe('ok')
        expect(reopened.head('GR')).toMatchObject({ seq: 1, hash: one.hash })
        expect(reopened.get('GR', 2)).toBeUndefined()
        reopened.close()

        // The same write, uninterrupted, then goes through: nothing was left half-done.
        const again = run(file, listFile, 'never')
        expect(again.status).toBe(0)
        expect(again.stdout).toBe('accepted')
        const after = SqliteStore.open(file)
        expect(after.head('GR')?.seq).toBe(2)
        after.close()
      })
    }
  })
})
