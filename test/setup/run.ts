// Once per test run: one parent folder for every temporary folder the tests make, and a check at the end that
// nothing is left behind: no folder in the parent, no process still running from it (a process holds its ports).
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'

/** Processes (other than this one) started from inside `dir`: named in their command line or their TMPDIR. */
function processesUsing(dir: string): { pid: number; command: string }[] {
  const found: { pid: number; command: string }[] = []
  let pids: string[]
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name))
  } catch {
    return found // no procfs: folders are still checked
  }
  for (const pid of pids) {
    if (Number(pid) === process.pid) continue
    try {
      const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim()
      // Children of test files inherit TMPDIR pointing into the run's parent, whatever their arguments.
      const environment = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')
      if (command.includes(dir) || environment.some((entry) => entry.startsWith(`TMPDIR=${dir}`))) found.push({ pid: Number(pid), command })
    } catch {
      // the process ended while we looked
    }
  }
  return found
}

export default function setup(): () => void {
  const parent = mkdtempSync(path.join(tmpdir(), 'entente-test-run-'))
  // Test workers are started after this and inherit it.
  process.env.ENTENTE_TEST_TMP = parent
  return () => {
    const problems: string[] = []
    for (const { pid, command } of processesUsing(parent)) {
      problems.push(`process ${pid} still running: ${command}`)
      for (const target of [-pid, pid]) {
        try {
          process.kill(target, 'SIGKILL') // its process group first, when it leads one
        } catch {
          // not a group leader, or already gone
        }
      }
    }
    const left = readdirSync(parent, { recursive: true, encoding: 'utf8' })
    for (const entry of left.slice(0, 50)) problems.push(`left behind: ${path.join(parent, entry)}`)
    if (left.length > 50) problems.push(`… and ${left.length - 50} more`)
    rmSync(parent, { recursive: true, force: true, maxRetries: 5 })
    if (problems.length > 0) {
      // vitest reports a teardown error but would still exit 0.
      process.exitCode = 1
      throw new Error(`tests left resources behind:\n${problems.join('\n')}`)
    }
  }
}
