// `entente restore`: puts a backup in place of a stopped node's store. The backup is checked (integrity, schema
// version) on a private copy before anything moves; the previous store and its WAL files are kept aside, never deleted.
import { constants } from 'node:fs'
import { chmod, copyFile, rename, rm } from 'node:fs/promises'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { loadNodeConfig } from '../../config/node-config.js'
import { acquireNodeLock } from '../../config/node-lock.js'
import { EntenteError } from '../../model/errors.js'
import { migrations } from '../../store/migrations.js'
import { assertRestorable, inspectStoreFile } from '../../store/store-file.js'
import { usageError, type CliIo } from '../io.js'
import { exists, formatHeads, fsync } from './backup.js'

export const restoreHelp = `entente restore --dir DIR --from FILE [--json]
  Replaces the store of DIR's node with the backup FILE (made by entente backup). Refused while the node runs.
  FILE must pass SQLite's integrity check and have a schema this program knows; the previous store (with its
  -wal and -shm files) is renamed to <store>.pre-restore-<time>, not deleted.`

// A WAL left beside a replaced file would be replayed into it: the store and its companions move as one.
const COMPANIONS = ['', '-wal', '-shm', '-journal'] as const

export async function runRestore(argv: string[], io: CliIo, now: () => Date = () => new Date()): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { dir: { type: 'string' }, config: { type: 'string' }, from: { type: 'string' }, json: { type: 'boolean', default: false } },
    strict: true,
  })
  const location = values.config ?? values.dir
  if (location === undefined) throw usageError('--dir (or --config) is required')
  if (values.from === undefined) throw usageError('--from FILE is required')
  const from = path.resolve(values.from)
  if (!(await exists(from))) throw new EntenteError('ERR_CONFIG_NOT_FOUND', `no backup at ${from}`)
  const config = await loadNodeConfig(location)
  const store = config.paths.store
  if (from === store) throw usageError('--from must not be the store itself')

  // Held throughout: a node started meanwhile would open a store that is being replaced.
  const lock = await acquireNodeLock(config.dir, 'restore')
  const temp = `${store}.restore-${process.pid}.tmp`
  try {
    await copyFile(from, temp, constants.COPYFILE_EXCL)
    await chmod(temp, 0o600)
    await fsync(temp)
    // Checked on the private copy: what is checked is exactly what goes in place.
    const summary = inspectStoreFile(temp)
    assertRestorable(summary, from)

    const stamp = now().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')
    const moved: { from: string; to: string }[] = []
    try {
      for (const suffix of COMPANIONS) {
        const file = `${store}${suffix}`
        if (!(await exists(file))) continue
        const aside = `${store}.pre-restore-${stamp}${suffix}`
        if (await exists(aside)) throw new EntenteError('ERR_BACKUP_EXISTS', `${aside} exists; try again`)
        await rename(file, aside)
        moved.push({ from: file, to: aside })
      }
      await rename(temp, store)
    } catch (error) {
      // Put back what was moved, so a failed restore leaves the node as it was.
      for (const { from: original, to } of moved.reverse()) await rename(to, original).catch(() => undefined)
      throw error
    }
    await fsync(path.dirname(store))

    if (values.json) {
      io.stdout(`${JSON.stringify({ store, from, previous: moved.map((m) => m.to), ...summary })}\n`)
      return 0
    }
    io.stdout(`Restored ${config.country}'s store ${store}\n  from       ${from}\n  schema     version ${summary.schemaVersion}${summary.schemaVersion < migrations.length ? ` (migrated to ${migrations.length} when the node starts)` : ''}\n  integrity  ${summary.integrity}\n`)
    io.stdout(formatHeads(summary))
    io.stdout(moved.length === 0 ? '  previous   none\n' : `  previous   kept as ${moved.map((m) => path.basename(m.to)).join(', ')}\n`)
    const own = summary.heads.find((head) => head.country === config.country)
    // Publishing from an old head would sign a second, different list of a seq the peers already hold.
    io.stdout(`Start the node and let it catch up from its peers before publishing: its own head in the backup is ${own === undefined ? 'none' : `seq ${own.seq}`}.\n`)
    return 0
  } finally {
    await rm(temp, { force: true })
    await lock.release()
  }
}
