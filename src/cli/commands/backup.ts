// `entente backup`: an online copy of a node's SQLite store, safe while the node runs and writes (SQLite's backup
// API reads one snapshot beside the writer). The file appears complete or not at all, readable by its owner only.
import { constants } from 'node:fs'
import { chmod, link, open, rename, rm, stat } from 'node:fs/promises'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { loadNodeConfig } from '../../config/node-config.js'
import { EntenteError } from '../../model/errors.js'
import { backupStoreFile, type StoreFileSummary } from '../../store/store-file.js'
import { usageError, type CliIo } from '../io.js'

export const backupHelp = `entente backup --dir DIR --out FILE [--force] [--json]
  Copies the node's SQLite store to FILE (mode 0600) with SQLite's online backup: safe while the node runs.
  Prints the size, the head of each country and the integrity check of the copy. --force overwrites FILE.`

export async function runBackup(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { dir: { type: 'string' }, config: { type: 'string' }, out: { type: 'string' }, force: { type: 'boolean', default: false }, json: { type: 'boolean', default: false } },
    strict: true,
  })
  const location = values.config ?? values.dir
  if (location === undefined) throw usageError('--dir (or --config) is required')
  if (values.out === undefined) throw usageError('--out FILE is required')
  const config = await loadNodeConfig(location)
  const out = path.resolve(values.out)
  if (out === config.paths.store) throw usageError('--out must not be the store itself')
  if (!(await exists(path.dirname(out)))) throw usageError(`the directory of --out, ${path.dirname(out)}, does not exist`)
  if (!values.force && (await exists(out))) throw new EntenteError('ERR_BACKUP_EXISTS', `${out} exists (--force overwrites it)`)
  if (!(await exists(config.paths.store))) throw new EntenteError('ERR_STORE', `no store at ${config.paths.store}`)

  // Beside the target, so the final rename stays on one file system; created 0600 before any page is written.
  const temp = `${out}.${process.pid}.tmp`
  let summary: StoreFileSummary
  try {
    await (await open(temp, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o600)).close()
    summary = await backupStoreFile(config.paths.store, temp)
    await chmod(temp, 0o600)
    await fsync(temp)
    if (summary.integrity !== 'ok') throw new EntenteError('ERR_BACKUP_INVALID', `the copy fails the integrity check: ${summary.integrity}`)
    if (values.force) {
      await rename(temp, out)
    } else {
      // link() fails if FILE appeared meanwhile: never replaces what someone else wrote.
      await link(temp, out).catch((error: NodeJS.ErrnoException) => {
        throw error.code === 'EEXIST' ? new EntenteError('ERR_BACKUP_EXISTS', `${out} exists (--force overwrites it)`) : error
      })
      await rm(temp)
    }
    await fsync(path.dirname(out))
  } finally {
    await rm(temp, { force: true })
  }
  const bytes = (await stat(out)).size
  if (values.json) {
    io.stdout(`${JSON.stringify({ file: out, bytes, store: config.paths.store, ...summary })}\n`)
    return 0
  }
  io.stdout(`Backed up ${config.country}'s store ${config.paths.store}\n  to         ${out} (${bytes} bytes, mode 0600)\n  schema     version ${summary.schemaVersion}\n  integrity  ${summary.integrity}\n`)
  io.stdout(formatHeads(summary))
  return 0
}

export function formatHeads(summary: StoreFileSummary): string {
  if (summary.heads.length === 0) return '  heads      none\n'
  const revocations = new Map(summary.revocationHeads.map((head) => [head.country, head.seq]))
  return summary.heads
    .map((head, i) => {
      const revocation = revocations.get(head.country)
      return `  ${i === 0 ? 'heads     ' : '          '} ${head.country} seq ${head.seq} ${head.hash}${revocation === undefined ? '' : ` (revocation list seq ${revocation})`}\n`
    })
    .join('')
}

export async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return false
      throw error
    },
  )
}

export async function fsync(file: string): Promise<void> {
  const handle = await open(file, constants.O_RDONLY)
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}
