// One writer per node directory: a lock file (pid, process start time, holder, the node's URL) taken by a running
// node and by local publishes, so the CLI never writes a store the node is writing (a lost race there once signed
// two different lists of one seq: an equivocation against the country itself). Stale locks of dead processes are
// replaced. Touches only the lock files.
import { readFileSync } from 'node:fs'
import { open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { EntenteError } from '../model/errors.js'

export const NODE_LOCK_FILE = 'node.lock'

export interface NodeLockInfo {
  readonly pid: number
  /** When the holding process started (ms since epoch), to tell a live holder from a reused pid. */
  readonly processStartedAt: number
  readonly holder: 'node' | 'publish' | 'restore'
  readonly acquiredAt: string
  /** Where the running node answers (set once it listens), so the CLI can go through it. */
  readonly url?: string
}

export interface NodeLock {
  readonly file: string
  readonly info: NodeLockInfo
  /** Records where the node listens; only the holder writes its lock. */
  setUrl(url: string): Promise<void>
  release(): Promise<void>
}

// A break marker older than this was left by a crash while replacing a stale lock.
const BREAK_STALE_MS = 10_000

export function nodeLockFile(dir: string): string {
  return path.join(dir, NODE_LOCK_FILE)
}

/** Takes the lock of `dir` or fails with ERR_NODE_RUNNING naming the live holder. */
export async function acquireNodeLock(dir: string, holder: NodeLockInfo['holder'], now: () => Date = () => new Date()): Promise<NodeLock> {
  const file = nodeLockFile(dir)
  let info: NodeLockInfo = { pid: process.pid, processStartedAt: ownStartTime(), holder, acquiredAt: now().toISOString() }
  for (let attempt = 0; attempt < 3; attempt++) {
    if (await createExclusive(file, info)) {
      let released = false
      return {
        file,
        get info() {
          return info
        },
        setUrl: async (url) => {
          info = { ...info, url }
          // Write aside, then rename over: a reader never sees a half-written lock.
          const temp = `${file}.${process.pid}.tmp`
          await writeFile(temp, `${JSON.stringify(info)}\n`, { mode: 0o644 })
          await rename(temp, file)
        },
        release: async () => {
          if (released) return
          released = true
          // Only our own lock: never remove one a later holder took after ours was judged stale.
          const current = await readNodeLock(dir)
          if (current?.pid === process.pid && current.processStartedAt === info.processStartedAt && current.acquiredAt === info.acquiredAt) await rm(file, { force: true })
        },
      }
    }
    const current = await readNodeLock(dir)
    if (current !== undefined && isAlive(current)) throw heldError(dir, current)
    await breakStaleLock(dir, current)
  }
  throw new EntenteError('ERR_NODE_RUNNING', `${dir} is being locked by another process; try again`)
}

/** The lock of `dir` if a live process holds it. */
export async function liveNodeLock(dir: string): Promise<NodeLockInfo | undefined> {
  const current = await readNodeLock(dir)
  return current !== undefined && isAlive(current) ? current : undefined
}

export function heldError(dir: string, info: NodeLockInfo): EntenteError {
  const what = info.holder === 'node' ? `a running entente node (pid ${info.pid}${info.url === undefined ? '' : ` at ${info.url}`})` : `entente ${info.holder} (pid ${info.pid})`
  return new EntenteError('ERR_NODE_RUNNING', `${dir} is in use by ${what} since ${info.acquiredAt}`, { details: { ...info } })
}

async function readNodeLock(dir: string): Promise<NodeLockInfo | undefined> {
  let text: string
  try {
    text = await readFile(nodeLockFile(dir), 'utf8')
  } catch {
    return undefined
  }
  try {
    const parsed = JSON.parse(text) as Partial<NodeLockInfo>
    if (typeof parsed.pid !== 'number' || typeof parsed.processStartedAt !== 'number') return { pid: 0, processStartedAt: 0, holder: 'node', acquiredAt: '' }
    return parsed as NodeLockInfo
  } catch {
    // Unreadable (a crash mid-write is impossible with exclusive create + rename, but a human may edit it): stale.
    return { pid: 0, processStartedAt: 0, holder: 'node', acquiredAt: '' }
  }
}

async function createExclusive(file: string, info: NodeLockInfo): Promise<boolean> {
  let handle
  try {
    handle = await open(file, 'wx', 0o644)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw error
  }
  try {
    await handle.writeFile(`${JSON.stringify(info)}\n`)
  } finally {
    await handle.close()
  }
  return true
}

/**
 * Removes a stale lock. Two processes may judge it stale at once; the break marker (created exclusively) lets only
 * one remove it, so the other never deletes the fresh lock the first one then takes.
 */
async function breakStaleLock(dir: string, stale: NodeLockInfo | undefined): Promise<void> {
  const marker = `${nodeLockFile(dir)}.break`
  let handle
  try {
    handle = await open(marker, 'wx', 0o644)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    const age = await stat(marker).then((s) => Date.now() - s.mtimeMs, () => 0)
    if (age > BREAK_STALE_MS) await rm(marker, { force: true })
    return
  }
  try {
    await handle.close()
    // Re-read under the marker: remove only the very lock we judged stale.
    const current = await readNodeLock(dir)
    if (current !== undefined && !isAlive(current) && current.pid === stale?.pid && current.acquiredAt === stale.acquiredAt) {
      await rm(nodeLockFile(dir), { force: true })
    }
  } finally {
    await rm(marker, { force: true })
  }
}

function isAlive(info: NodeLockInfo): boolean {
  if (!Number.isInteger(info.pid) || info.pid <= 0) return false
  try {
    process.kill(info.pid, 0)
  } catch (error) {
    // EPERM: the process exists but belongs to someone else: alive.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false
  }
  // A reused pid: the process there now started long after the holder did.
  const started = startTimeOf(info.pid)
  return started === undefined || Math.abs(started - info.processStartedAt) < 5_000
}

let ownStart: number | undefined
function ownStartTime(): number {
  ownStart ??= startTimeOf(process.pid) ?? Math.round(Date.now() - process.uptime() * 1000)
  return ownStart
}

/** Start time of a process from /proc (Linux); undefined elsewhere, where only the pid is checked. */
function startTimeOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // Field 22 (starttime, clock ticks after boot); the command name (field 2) may hold spaces, so count after ")".
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    const ticks = Number(fields[19])
    const btime = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1]
    if (!Number.isFinite(ticks) || btime === undefined) return undefined
    // USER_HZ is 100 on every Linux architecture Node runs on.
    return Number(btime) * 1000 + ticks * 10
  } catch {
    return undefined
  }
}
