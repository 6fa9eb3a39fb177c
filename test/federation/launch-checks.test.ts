// What `npm start` checks before and while it starts nodes, each without seeding a federation: a running federation
// is named and left alone, a busy port is named, a dying node's last error is shown, a slow one reports progress
// until its limit, and a health check answered by another process is refused.
import { execFile } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { acquireNodeLock } from '../../src/config/node-lock.js'
import type { EntenteError } from '../../src/model/errors.js'
import { prepareFederation, startMembers, stopMembers, type FederationMember } from '../../src/federation/launcher.js'
import { nodesOnFreePorts, planPort, projectRoot } from './demo-plan.js'

const root = mkdtempSync(path.join(tmpdir(), 'entente-federation-checks-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))
let case_ = 0
const caseDir = () => {
  const dir = path.join(root, `case-${++case_}`)
  mkdirSync(dir)
  return dir
}

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(projectRoot, 'bin', 'entente.js'), ...args], { timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr })
    })
  })
}

/** A stand-in for `entente node start --dir D`, so the launcher's waiting is tested without real nodes. */
function fakeBin(dir: string, body: string): string {
  const file = path.join(dir, 'fake-node.mjs')
  writeFileSync(file, `const dir = process.argv[process.argv.indexOf('--dir') + 1]\n${body}\n`)
  return file
}

async function launch(bin: string, options: { startLimitMs?: number } = {}) {
  const dir = caseDir()
  const nodesDir = await nodesOnFreePorts(dir)
  const lines: string[] = []
  const launchOptions = { nodesDir, dataDir: path.join(dir, 'data'), bin, log: (line: string) => lines.push(line), startLimitMs: options.startLimitMs ?? 60_000, progressEveryMs: 300 }
  const { members } = await prepareFederation(launchOptions)
  let error: unknown
  try {
    await startMembers(members, launchOptions)
  } catch (caught) {
    error = caught
  } finally {
    await stopMembers(members)
  }
  return { error, lines, members }
}

describe('entente federation up: checks before and while starting', () => {
  it('a second start while a federation runs names where it runs, exits 1 and touches nothing', async () => {
    const dir = caseDir()
    const nodesDir = await nodesOnFreePorts(dir)
    const dataDir = path.join(dir, 'data')
    // A live node's directory lock, as the running federation's GR node holds it.
    mkdirSync(path.join(dataDir, 'GR'), { recursive: true })
    const lock = await acquireNodeLock(path.join(dataDir, 'GR'), 'node')
    await lock.setUrl('http://127.0.0.1:7101')
    try {
      const result = await cli(['federation', 'up', '--nodes', nodesDir, '--data', dataDir, '--exit-after-demo'])
      expect(result.code).toBe(1)
      expect(result.stderr).toMatch(new RegExp(`^entente: ERR_NODE_RUNNING: the federation is already running from ${dataDir}: GR http://127\\.0\\.0\\.1:7101 pid ${process.pid}[^\\n]*\\n$`))
      expect(result.stdout).toBe('')
      // Nothing written: no node directory created, the lock untouched.
      expect(existsSync(path.join(dataDir, 'GR', 'node.json'))).toBe(false)
      expect(existsSync(path.join(dataDir, 'CY'))).toBe(false)
      expect(JSON.parse(readFileSync(lock.file, 'utf8'))).toMatchObject({ pid: process.pid, url: 'http://127.0.0.1:7101' })
    } finally {
      await lock.release()
    }
  }, 90_000)

  it('a busy demo port is named in one line before any node starts', async () => {
    const dir = caseDir()
    const nodesDir = await nodesOnFreePorts(dir)
    const dataDir = path.join(dir, 'data')
    const port = planPort(nodesDir, 'CY', 'p2p')
    const server: Server = createServer()
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
    try {
      const result = await cli(['federation', 'up', '--nodes', nodesDir, '--data', dataDir, '--exit-after-demo'])
      expect(result.code).toBe(1)
      // The first run reports the directories it creates, then the one failure line.
      const failures = result.stderr.split('\n').filter((line) => line.startsWith('entente:'))
      expect(failures).toHaveLength(1)
      expect(failures[0]).toMatch(new RegExp(`^entente: ERR_PORT_IN_USE: port ${port} \\(CY libp2p on 127\\.0\\.0\\.1\\) is in use by another process`))
      expect(result.stderr.endsWith(`${failures[0]}\n`)).toBe(true)
      // No node was started, so none holds its directory.
      for (const country of ['GR', 'CY', 'IL', 'DE', 'CN']) expect(existsSync(path.join(dataDir, country, 'node.lock'))).toBe(false)
    } finally {
      await new Promise((resolve) => server.close(resolve))
    }
  }, 90_000)

  it('a node that dies has its last error shown in one line', async () => {
    const bin = fakeBin(caseDir(), `process.stderr.write('starting\\nentente: ERR_STORE: the disk is full\\n'); process.exitCode = 3`)
    const { error } = await launch(bin)
    expect(String(error)).toMatch(/the [A-Z]{2} node exited with 3: entente: ERR_STORE: the disk is full$/)
  }, 60_000)

  it('a live node that does not answer is waited for with progress lines, up to the start limit', async () => {
    const bin = fakeBin(caseDir(), 'setInterval(() => undefined, 1000)')
    const { error, lines, members } = await launch(bin, { startLimitMs: 1500 })
    expect((error as EntenteError).code).toBe('ERR_HTTP_UNAVAILABLE')
    expect(String(error)).toMatch(/the [A-Z]{2} node \(pid \d+\) did not answer at http:\/\/127\.0\.0\.1:\d+ within 2 s; .*--start-limit SECONDS/)
    expect(lines.some((line) => /^waiting for [A-Z]{2} \(pid \d+, [01] s\)…$/.test(line))).toBe(true)
    for (const member of members) expect(member.process?.exitCode !== null || member.process.signalCode !== null).toBe(true)
  }, 60_000)

  it('a health check answered by another process (another peer id) is refused, never taken for the node', async () => {
    const bin = fakeBin(
      caseDir(),
      `import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'
const { http } = JSON.parse(readFileSync(dir + '/node.json', 'utf8'))
createServer((req, res) => { res.setHeader('content-type', 'application/json'); res.end(JSON.stringify({ status: 'ok', peerId: '12D3KooWImpostor' })) }).listen(http.port, http.host)`,
    )
    const { error, members } = await launch(bin)
    const member = members.find((m: FederationMember) => String(error).includes(`the ${m.country} node`)) as FederationMember
    expect(String(error)).toContain(`${member.url} answers as peer 12D3KooWImpostor, not as the ${member.country} node started from ${member.dir} (peer ${member.peerId})`)
  }, 60_000)
})
