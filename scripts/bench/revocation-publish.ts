// Benchmark: one country queues N revoked DCC hashes through its operator service (requests of
// MAX_ENTRIES_PER_REQUEST, as the operator API takes them) and publishes them all, next to a baseline in the same
// run: raw better-sqlite3 inserts of the same rows in one transaction. Prints entries/s, the ratio, and the node's
// longest event-loop block (perf_hooks.monitorEventLoopDelay) while queueing and while publishing. --mode import: the
// bulk import path instead (packed records, sorted once, stored in key order, published by the sliced publish) on a
// fresh node; --mode both runs the two, each on its own node.
// Run: npm run bench:revocation -- [--entries N] [--mode queue|import|both]   (node --cpu-prof --import tsx ... to profile)
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { parseArgs, promisify } from 'node:util'
import Database from 'better-sqlite3'
import { loadNodeConfig } from '../../src/config/node-config.js'
import { createNode } from '../../src/node.js'
import { BULK_MAGIC } from '../../src/revocation/bulk-revocation-file.js'
import { MAX_ENTRIES_PER_REQUEST } from '../../src/revocation/parse-revocation-request.js'

const { values } = parseArgs({ options: { entries: { type: 'string', default: '200000' }, mode: { type: 'string', default: 'both' } } })
const MODE = values.mode
if (MODE !== 'queue' && MODE !== 'import' && MODE !== 'both') throw new Error('--mode must be queue, import or both')
const N = Number(values.entries)
if (!Number.isSafeInteger(N) || N < 1 || N > 100_000_000) throw new Error('--entries must be 1..100000000')

const bin = path.resolve(import.meta.dirname, '../../bin/entente.js')
const root = mkdtempSync(path.join(tmpdir(), 'entente-bench-revocation-'))

/**
 * The hashes as one packed buffer: an array of 10 million Buffer objects alone costs the heap a gigabyte and seconds
 * of full GC, which the benchmark would then measure as the node's event-loop block.
 */
function hashes(count: number): Buffer {
  return randomBytes(count * 16)
}

const keyAt = (keys: Buffer, i: number): Buffer => keys.subarray(i * 16, i * 16 + 16)

/** The same rows, raw: one prepared INSERT in one transaction into a table keyed like the node's entries. */
function baseline(keys: Buffer): number {
  const db = new Database(path.join(root, 'baseline.sqlite'))
  db.pragma('journal_mode = WAL')
  db.exec('CREATE TABLE t (country TEXT NOT NULL, grp TEXT NOT NULL, key BLOB NOT NULL, PRIMARY KEY (country, grp, key)) STRICT, WITHOUT ROWID')
  const insert = db.prepare('INSERT INTO t (country, grp, key) VALUES (?, ?, ?)')
  const t = performance.now()
  db.transaction(() => {
    for (let i = 0; i < N; i++) insert.run('GR', 'dcc/UCI', keyAt(keys, i))
  })()
  const ms = performance.now() - t
  db.close()
  return ms
}

async function freshNode(name: string) {
  const dir = path.join(root, name)
  await promisify(execFile)(process.execPath, [bin, 'init', '--country', 'GR', '--dir', dir, '--json', '--port', '0'])
  const node = createNode(await loadNodeConfig(dir), { log: () => undefined })
  await node.operator.publish()
  return node
}

const rate = (ms: number) => Math.round(N / (ms / 1000)).toLocaleString('en')

async function queueMode(keys: Buffer, baseMs: number): Promise<void> {
  const node = await freshNode('GR-queue')
  try {
    const monitor = monitorEventLoopDelay({ resolution: 10 })
    monitor.enable()
    let t = performance.now()
    for (let i = 0; i < N; i += MAX_ENTRIES_PER_REQUEST) {
      const dcc = Array.from({ length: Math.min(MAX_ENTRIES_PER_REQUEST, N - i) }, (_, j) => ({ hashType: 'UCI', hash: keyAt(keys, i + j).toString('base64') }))
      await node.operator.revokeCertificates({ dcc })
      // Requests arrive one by one over HTTP: the event loop turns between them.
      await new Promise<void>((resolve) => setImmediate(resolve))
    }
    const queueMs = performance.now() - t
    const queueBlock = monitor.max / 1e6
    monitor.reset()

    t = performance.now()
    let publishes = 0
    for (;;) {
      publishes++
      const result = await node.operator.publishRevocations()
      if ((result.queued ?? 0) === 0) break
    }
    const publishMs = performance.now() - t
    const publishBlock = monitor.max / 1e6
    monitor.disable()
    console.log(`queue     operator revokeCertificates x${Math.ceil(N / MAX_ENTRIES_PER_REQUEST)}: ${queueMs.toFixed(0)} ms, ${rate(queueMs)} entries/s, ${(queueMs / baseMs).toFixed(1)}x baseline, longest event-loop block ${queueBlock.toFixed(0)} ms`)
    console.log(`publish   operator publishRevocations x${publishes}: ${publishMs.toFixed(0)} ms, ${rate(publishMs)} entries/s, ${(publishMs / baseMs).toFixed(1)}x baseline, longest event-loop block ${publishBlock.toFixed(0)} ms`)
    console.log(`          queue + publish: ${(queueMs + publishMs).toFixed(0)} ms, ${rate(queueMs + publishMs)} entries/s`)
  } finally {
    node.store.close()
  }
}

async function importMode(keys: Buffer, baseMs: number): Promise<void> {
  const node = await freshNode('GR-import')
  try {
    const body = Buffer.allocUnsafe(BULK_MAGIC.byteLength + N * 17)
    body.set(BULK_MAGIC)
    for (let i = 0; i < N; i++) {
      body[BULK_MAGIC.byteLength + i * 17] = 1
      keys.copy(body, BULK_MAGIC.byteLength + i * 17 + 1, i * 16, i * 16 + 16)
    }
    const monitor = monitorEventLoopDelay({ resolution: 10 })
    monitor.enable()
    const t = performance.now()
    const result = await node.operator.importRevocations(body)
    const ms = performance.now() - t
    monitor.disable()
    if (result.added !== N) throw new Error(`imported ${result.added} of ${N}`)
    console.log(
      `import    operator importRevocations (sort, store, publish ${result.published?.partitions ?? 0} partitions + index + trust list): ${ms.toFixed(0)} ms, ${rate(ms)} entries/s, ${(ms / baseMs).toFixed(1)}x baseline, longest event-loop block ${(monitor.max / 1e6).toFixed(0)} ms`,
    )
  } finally {
    node.store.close()
  }
}

async function main(): Promise<void> {
  try {
    const keys = hashes(N)
    const baseMs = baseline(keys)
    console.log(`entries: ${N.toLocaleString('en')}`)
    console.log(`baseline  raw better-sqlite3 inserts, one transaction: ${baseMs.toFixed(0)} ms, ${rate(baseMs)} entries/s`)
    if (MODE !== 'import') await queueMode(keys, baseMs)
    if (MODE !== 'queue') await importMode(keys, baseMs)
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
}

await main()
