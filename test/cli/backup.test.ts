// Online backup of a running node's store and restore into a fresh node directory with the same keys and config:
// the restored node serves the same heads and the same bundle. Refusals: an existing output, a running node, files
// that are no intact Entente store, a schema newer than the program.
import { spawn, type ChildProcess } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import { loadNodeConfig } from '../../src/config/node-config.js'
import { startNode, type RunningNode } from '../../src/node.js'
import { migrations } from '../../src/store/migrations.js'
import { cli } from '../helpers/cli.js'
import { waitFor } from '../helpers/wait-for.js'

const root = mkdtempSync(path.join(tmpdir(), 'entente-backup-'))
const running: RunningNode[] = []
const processes: ChildProcess[] = []
afterAll(async () => {
  for (const child of processes) if (child.exitCode === null) child.kill('SIGKILL')
  await Promise.all(running.map((node) => node.stop()))
  rmSync(root, { recursive: true, force: true })
})
let n = 0
const fresh = (name: string) => path.join(root, `${name}-${n++}`)

function errorCode(result: { code: number; stderr: string }): string | undefined {
  expect(result.stderr.trim().split('\n')).toHaveLength(1)
  return /^entente: (ERR_[A-Z_]+):/.exec(result.stderr)?.[1]
}

async function initNode(country = 'GR') {
  const dir = fresh('node')
  const init = await cli(['init', '--country', country, '--dir', dir, '--port', '0'])
  expect(init.code, init.stderr).toBe(0)
  return dir
}

async function start(dir: string) {
  const node = await startNode(await loadNodeConfig(dir), { port: 0 })
  running.push(node)
  return node
}

async function stop(node: RunningNode) {
  await node.stop()
  running.splice(running.indexOf(node), 1)
}

/** The node's keys, token and config without its store: what an operator copies to a new host. */
function copyNodeWithoutStore(dir: string): string {
  const target = fresh('restored')
  mkdirSync(target, { mode: 0o700 })
  for (const name of readdirSync(dir)) {
    if (name.startsWith('entente.sqlite') || name.startsWith('node.lock')) continue
    copyFileSync(path.join(dir, name), path.join(target, name))
  }
  return target
}

async function publish(dir: string) {
  const result = await cli(['publish', '--dir', dir, '--json'])
  expect(result.code, result.stderr).toBe(0)
  return JSON.parse(result.stdout) as { seq: number; hash: string }
}

async function get(node: RunningNode, route: string) {
  const response = await fetch(`${node.url}${route}`)
  expect(response.status).toBe(200)
  return response.text()
}

interface BackupSummary {
  file: string
  bytes: number
  integrity: string
  schemaVersion: number
  heads: { country: string; seq: number; hash: string }[]
}

describe('entente backup and restore', () => {
  it('backs up a node while it serves and publishes; the restored node serves the same heads and bundle', async () => {
    const dir = await initNode()
    const node = await start(dir)
    await publish(dir)

    // Publishes through the running node keep committing while the backup copies the store.
    let publishing = true
    const published: number[] = []
    const writer = (async () => {
      while (publishing || published.length < 3) published.push((await publish(dir)).seq)
    })()
    const during = path.join(fresh('backups'), 'during.sqlite')
    mkdirSync(path.dirname(during))
    const first = await cli(['backup', '--dir', dir, '--out', during, '--json'])
    publishing = false
    await writer
    expect(first.code, first.stderr).toBe(0)
    const duringSummary = JSON.parse(first.stdout) as BackupSummary
    expect(duringSummary).toMatchObject({ integrity: 'ok', schemaVersion: migrations.length, bytes: statSync(during).size })
    expect(statSync(during).mode & 0o777).toBe(0o600)
    // One consistent snapshot: a head somewhere in the run, with the list it points at.
    const headDuring = duringSummary.heads.find((head) => head.country === 'GR')
    expect(headDuring?.seq).toBeGreaterThanOrEqual(1)
    expect(headDuring?.seq).toBeLessThanOrEqual(Math.max(...published))
    // A self-contained file: no WAL beside it.
    expect(existsSync(`${during}-wal`)).toBe(false)

    // Quiet now: a second backup of the still-running node, and what the node serves at that moment.
    const after = path.join(path.dirname(during), 'after.sqlite')
    const human = await cli(['backup', '--dir', dir, '--out', after])
    expect(human.code, human.stderr).toBe(0)
    expect(human.stdout).toMatch(/integrity {2}ok/)
    expect(human.stdout).toContain(`GR seq ${Math.max(...published)}`)
    const heads = await get(node, '/v1/trust-lists')
    const bundle = await get(node, '/v1/bundle')
    const list = await get(node, '/v1/trust-lists/GR')
    await stop(node)

    const target = copyNodeWithoutStore(dir)
    const restored = await cli(['restore', '--dir', target, '--from', after])
    expect(restored.code, restored.stderr).toBe(0)
    expect(restored.stdout).toContain(`GR seq ${Math.max(...published)}`)
    const again = await start(target)
    expect(await get(again, '/v1/trust-lists')).toBe(heads)
    expect(await get(again, '/v1/bundle')).toBe(bundle)
    expect(await get(again, '/v1/trust-lists/GR')).toBe(list)
    await stop(again)

    // The backup taken under load restores to exactly the heads it reported.
    const target2 = copyNodeWithoutStore(dir)
    expect((await cli(['restore', '--dir', target2, '--from', during])).code).toBe(0)
    const third = await start(target2)
    const served = JSON.parse(await get(third, '/v1/trust-lists')) as { lists: { country: string; seq: number; hash: string }[] }
    expect(served.lists.map(({ country, seq, hash }) => ({ country, seq, hash }))).toEqual(duringSummary.heads)
    await stop(third)
  })

  it('backs up a node running as its own process (another SQLite connection in another process)', async () => {
    const dir = await initNode()
    const bin = path.resolve(import.meta.dirname, '../../bin/entente.js')
    const child = spawn(process.execPath, [bin, 'node', 'start', '--dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] })
    processes.push(child)
    let stdout = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    const url = await waitFor(() => /node on (\S+)/.exec(stdout)?.[1], { timeoutMs: 30_000, what: 'the node process to listen' })
    for (let i = 0; i < 3; i++) await publish(dir)
    // One after the other (two at once may lose the head race, ERR_STORE_CONFLICT), while the backup runs.
    const writer = (async () => {
      await publish(dir)
      await publish(dir)
    })()
    const out = path.join(fresh('backups'), 'process.sqlite')
    mkdirSync(path.dirname(out))
    const backup = await cli(['backup', '--dir', dir, '--out', out, '--json'])
    await writer
    expect(backup.code, backup.stderr).toBe(0)
    const summary = JSON.parse(backup.stdout) as BackupSummary
    expect(summary.integrity).toBe('ok')
    expect(summary.heads[0]?.seq).toBeGreaterThanOrEqual(3)
    const heads = await (await fetch(`${url}/v1/trust-lists`)).text()
    // The node still serves after the backup, and stops cleanly on SIGTERM.
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
    child.kill('SIGTERM')
    expect(await exited).toBe(0)

    const fresher = path.join(path.dirname(out), 'after.sqlite')
    expect((await cli(['backup', '--dir', dir, '--out', fresher])).code).toBe(0)
    const target = copyNodeWithoutStore(dir)
    expect((await cli(['restore', '--dir', target, '--from', fresher])).code).toBe(0)
    const again = await start(target)
    expect(await get(again, '/v1/trust-lists')).toBe(heads)
    await stop(again)
  })

  it('backs up a stopped node too, and overwrites an existing output only with --force', async () => {
    const dir = await initNode()
    await cli(['publish', '--dir', dir])
    const out = path.join(fresh('backups'), 'b.sqlite')
    mkdirSync(path.dirname(out))
    writeFileSync(out, 'precious')
    const refused = await cli(['backup', '--dir', dir, '--out', out])
    expect(errorCode(refused)).toBe('ERR_BACKUP_EXISTS')
    expect(refused.code).toBe(1)
    expect(readFileSync(out, 'utf8')).toBe('precious')

    const forced = await cli(['backup', '--dir', dir, '--out', out, '--force', '--json'])
    expect(forced.code, forced.stderr).toBe(0)
    expect(JSON.parse(forced.stdout)).toMatchObject({ integrity: 'ok', heads: [{ country: 'GR', seq: 1 }] })
    expect(statSync(out).mode & 0o777).toBe(0o600)
    // No temporary file is left behind.
    expect(readdirSync(path.dirname(out))).toEqual(['b.sqlite'])

    expect(errorCode(await cli(['backup', '--dir', dir]))).toBe('ERR_USAGE')
    expect(errorCode(await cli(['backup', '--dir', dir, '--out', path.join(root, 'missing-dir', 'x.sqlite')]))).toBe('ERR_USAGE')
  })

  it('refuses to restore while the node runs, leaving its store alone', async () => {
    const dir = await initNode()
    const out = path.join(fresh('backups'), 'b.sqlite')
    mkdirSync(path.dirname(out))
    expect((await cli(['backup', '--dir', dir, '--out', out])).code).toBe(0)
    const node = await start(dir)
    await publish(dir)
    const result = await cli(['restore', '--dir', dir, '--from', out])
    expect(errorCode(result)).toBe('ERR_NODE_RUNNING')
    expect(readdirSync(dir).filter((name) => name.includes('pre-restore'))).toEqual([])
    expect(JSON.parse(await get(node, '/v1/trust-lists'))).toMatchObject({ lists: [{ country: 'GR', seq: 1 }] })
    await stop(node)
  })

  it('refuses a file that is no SQLite store, a damaged store and a newer schema; keeps the previous store aside', async () => {
    const dir = await initNode()
    await cli(['publish', '--dir', dir])
    const backups = fresh('backups')
    mkdirSync(backups)
    const good = path.join(backups, 'good.sqlite')
    expect((await cli(['backup', '--dir', dir, '--out', good])).code).toBe(0)
    const storeBefore = readFileSync(path.join(dir, 'entente.sqlite'))

    const text = path.join(backups, 'text.sqlite')
    writeFileSync(text, 'not a database at all, just some bytes that are long enough to look like a header......')
    expect(errorCode(await cli(['restore', '--dir', dir, '--from', text]))).toBe('ERR_BACKUP_INVALID')

    const other = path.join(backups, 'other.sqlite')
    const foreign = new Database(other)
    foreign.exec('CREATE TABLE t (x)')
    foreign.pragma('user_version = 1')
    foreign.close()
    expect(errorCode(await cli(['restore', '--dir', dir, '--from', other]))).toBe('ERR_BACKUP_INVALID')

    // Damage the pages after the header (the schema and the list tables).
    const damaged = path.join(backups, 'damaged.sqlite')
    const bytes = readFileSync(good)
    const pageSize = bytes.readUInt16BE(16)
    bytes.fill(0x5a, pageSize, Math.min(bytes.length, pageSize * 4))
    writeFileSync(damaged, bytes)
    expect(errorCode(await cli(['restore', '--dir', dir, '--from', damaged]))).toBe('ERR_BACKUP_INVALID')

    const newer = path.join(backups, 'newer.sqlite')
    copyFileSync(good, newer)
    const db = new Database(newer)
    db.pragma(`user_version = ${migrations.length + 1}`)
    db.close()
    expect(errorCode(await cli(['restore', '--dir', dir, '--from', newer]))).toBe('ERR_STORE_MIGRATION')

    expect(errorCode(await cli(['restore', '--dir', dir, '--from', path.join(backups, 'absent.sqlite')]))).toBe('ERR_CONFIG_NOT_FOUND')
    // Nothing moved by any refusal.
    expect(readFileSync(path.join(dir, 'entente.sqlite'))).toEqual(storeBefore)
    expect(readdirSync(dir).filter((name) => name.includes('restore'))).toEqual([])

    // A valid restore over an existing store keeps the old one aside.
    await cli(['publish', '--dir', dir])
    const ok = await cli(['restore', '--dir', dir, '--from', good, '--json'])
    expect(ok.code, ok.stderr).toBe(0)
    const result = JSON.parse(ok.stdout) as { previous: string[]; heads: { seq: number }[] }
    expect(result.heads).toMatchObject([{ seq: 1 }])
    expect(result.previous.length).toBeGreaterThanOrEqual(1)
    for (const file of result.previous) expect(existsSync(file)).toBe(true)
    expect(statSync(path.join(dir, 'entente.sqlite')).mode & 0o777).toBe(0o600)
    const node = await start(dir)
    expect(JSON.parse(await get(node, '/v1/trust-lists'))).toMatchObject({ lists: [{ country: 'GR', seq: 1 }] })
    await stop(node)
  })
})
