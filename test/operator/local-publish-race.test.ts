// Attack: a local publish racing the running node's own publishes. Once, `entente publish --out` wrote the store
// under the node and a lost race signed two lists of one seq: a permanent equivocation proof against the country
// itself. Now the directory lock refuses the local publish, and an own publish that loses a race is a conflict.
import type { ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { loadNodeConfig } from '../../src/config/node-config.js'
import { readRootKey } from '../../src/config/secrets.js'
import { isEntenteError } from '../../src/model/errors.js'
import { publishNextList } from '../../src/operator/publish-next-list.js'
import { SqliteStore } from '../../src/store/sqlite-store.js'
import { cli } from '../helpers/cli.js'
import { startNodeProcess as startNode } from '../helpers/node-process.js'
import { waitFor } from '../helpers/wait-for.js'

const root = mkdtempSync(path.join(tmpdir(), 'entente-race-'))
const children: ChildProcess[] = []
afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL')
  rmSync(root, { recursive: true, force: true })
})

function startNodeProcess(dir: string) {
  const node = startNode(dir, { args: ['--port', '0'] })
  children.push(node.child)
  return node
}

function code(result: { stderr: string }): string | undefined {
  return /^entente: (ERR_[A-Z_]+):/.exec(result.stderr)?.[1]
}

describe('local publish while the node runs', () => {
  it('is refused every time with ERR_NODE_RUNNING; no equivocation against the own country is ever recorded', async () => {
    const dir = path.join(root, 'GR')
    expect((await cli(['init', '--country', 'GR', '--dir', dir])).code).toBe(0)
    const node = startNodeProcess(dir)
    const url = await waitFor(() => /node on (http:\/\/127\.0\.0\.1:\d+)/.exec(node.output())?.[1], { timeoutMs: 30_000, what: 'the node to listen' })
    const token = readFileSync(path.join(dir, 'operator-token'), 'utf8').trim()
    const nodePublish = () => fetch(`${url}/v1/operator/publish`, { method: 'POST', headers: { authorization: `Bearer ${token}` } })

    const rounds = 15
    for (let round = 0; round < rounds; round++) {
      const [published, local, rotate] = await Promise.all([
        nodePublish(),
        cli(['publish', '--dir', dir, '--local', '--out', path.join(root, `local-${round}.json`)]),
        cli(['publish', '--dir', dir, '--rotate-root']),
      ])
      expect(published.status).toBe(201)
      expect(code(local)).toBe('ERR_NODE_RUNNING')
      expect(local.stderr).toContain(`pid ${node.child.pid}`)
      expect(code(rotate)).toBe('ERR_NODE_RUNNING')
      expect(existsSync(path.join(root, `local-${round}.json`))).toBe(false)
    }
    // Without --local the CLI goes through the node, and --out then writes the list the node stored.
    const via = await cli(['publish', '--dir', dir, '--out', path.join(root, 'via.json'), '--json'])
    expect(JSON.parse(via.stdout)).toMatchObject({ seq: rounds + 1 })
    expect(existsSync(path.join(root, 'via.json'))).toBe(true)

    const alarms = (await (await fetch(`${url}/v1/alarms`)).json()) as { alarms: unknown[] }
    expect(alarms.alarms).toEqual([])

    // A second node on the same directory fails with one line naming the running one.
    const second = startNodeProcess(dir)
    expect(await second.exited).toBe(1)
    expect(second.output().trim().split('\n')).toHaveLength(1)
    expect(second.output()).toMatch(new RegExp(`^entente: ERR_NODE_RUNNING: .*running entente node \\(pid ${node.child.pid} `))

    node.child.kill('SIGTERM')
    expect(await node.exited).toBe(0)
    // Stopped: the lock is gone and local publishing works again, on the chain the node left.
    expect(existsSync(path.join(dir, 'node.lock'))).toBe(false)
    const after = await cli(['publish', '--dir', dir, '--local', '--json'])
    expect(JSON.parse(after.stdout)).toMatchObject({ seq: rounds + 2 })
    const store = SqliteStore.open((await loadNodeConfig(dir)).paths.store)
    try {
      expect(store.equivocations()).toEqual([])
    } finally {
      store.close()
    }
  })

  it('replaces the stale lock of a dead process', async () => {
    const dir = path.join(root, 'CY')
    expect((await cli(['init', '--country', 'CY', '--dir', dir])).code).toBe(0)
    // A pid that cannot be alive (above the kernel's pid_max), as a crashed node would leave behind.
    writeFileSync(path.join(dir, 'node.lock'), JSON.stringify({ pid: 2 ** 30, processStartedAt: 1, holder: 'node', acquiredAt: '2020-01-01T00:00:00.000Z' }))
    const published = await cli(['publish', '--dir', dir, '--local', '--json'])
    expect(published.stderr).toBe('')
    expect(JSON.parse(published.stdout)).toMatchObject({ seq: 1 })
    expect(existsSync(path.join(dir, 'node.lock'))).toBe(false)
  })
})

describe('two own publishes racing on one store', () => {
  it('the loser gets ERR_STORE_CONFLICT and no proof is ever recorded against the own country', async () => {
    const dir = path.join(root, 'FR')
    expect((await cli(['init', '--country', 'FR', '--dir', dir])).code).toBe(0)
    const config = await loadNodeConfig(dir)
    const rootKey = await readRootKey(config.paths.rootKey)
    // Two connections to one file, as two processes would have.
    const a = SqliteStore.open(config.paths.store)
    const b = SqliteStore.open(config.paths.store)
    try {
      const base = Date.now()
      for (let round = 0; round < 10; round++) {
        const publish = (store: SqliteStore, offsetMs: number) =>
          publishNextList({ store, country: 'FR', rootKey, now: new Date(base + round * 10_000 + offsetMs), validityDays: 30, quorum: 2 })
        // Different times: different bytes for the same seq, which a retry against the new head would turn into a proof.
        const outcomes = await Promise.allSettled([publish(a, 0), publish(b, 2000)])
        const won = outcomes.filter((o) => o.status === 'fulfilled')
        const lost = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as unknown] : []))
        expect(won).toHaveLength(1)
        expect(lost).toHaveLength(1)
        expect(isEntenteError(lost[0], 'ERR_STORE_CONFLICT')).toBe(true)
      }
      expect(a.equivocations()).toEqual([])
      expect(a.head('FR')?.seq).toBe(10)
    } finally {
      a.close()
      b.close()
    }
  })
})
