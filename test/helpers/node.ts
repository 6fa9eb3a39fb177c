// A real node directory (made by `entente init`) and an in-process node over it, with a controllable clock.
// The store is closed and the directory removed when the test file ends, whether its tests passed or not.
import { cpSync, rmSync } from 'node:fs'
import path from 'node:path'
import { loadNodeConfig } from '../../src/config/node-config.js'
import { createNode } from '../../src/node.js'
import { cli } from './cli.js'
import { onFileEnd, tempDir } from './temp.js'
import { vectorPath } from './vectors.js'

export interface TestNode extends ReturnType<typeof createNode> {
  readonly dir: string
  readonly token: string
  readonly clock: { now: Date }
  request(path: string, init?: RequestInit & { auth?: boolean }): Promise<Response>
}

export async function createTestNode(country: string, options: { now?: Date; limits?: Record<string, number> } = {}): Promise<TestNode> {
  const dir = path.join(tempDir('entente-node-'), country)
  const init = await cli(['init', '--country', country, '--dir', dir, '--json', '--port', '0'])
  if (init.code !== 0) throw new Error(init.stderr)
  const { operatorToken } = JSON.parse(init.stdout) as { operatorToken: string }
  const loaded = await loadNodeConfig(dir)
  const config = options.limits === undefined ? loaded : { ...loaded, limits: { ...loaded.limits, ...options.limits } }
  const clock = { now: options.now ?? new Date() }
  const node = createNode(config, { now: () => clock.now, valueSetsDir: vectorPath('valuesets') })
  // Registered after the directory, so it runs before the removal.
  onFileEnd(() => node.store.close())
  return {
    ...node,
    dir,
    token: operatorToken,
    clock,
    request: (p, init = {}) => {
      const headers = new Headers(init.headers)
      if (init.auth !== false) headers.set('authorization', `Bearer ${operatorToken}`)
      return Promise.resolve(node.app.request(p, { ...init, headers }))
    },
  }
}

/**
 * A second in-process node over a copy of `node`'s directory and a consistent copy of its store (same root key and
 * queue: the same input signs the same bytes), closed when the file ends.
 */
export async function copyTestNode(node: Pick<TestNode, 'dir' | 'store'>, now: Date) {
  const dir = path.join(tempDir('entente-copy-'), path.basename(node.dir))
  cpSync(node.dir, dir, { recursive: true })
  const config = await loadNodeConfig(dir)
  for (const suffix of ['', '-wal', '-shm']) rmSync(config.paths.store + suffix, { force: true })
  node.store.database.prepare('VACUUM INTO ?').run(config.paths.store)
  const copy = createNode(config, { now: () => now, valueSetsDir: vectorPath('valuesets') })
  onFileEnd(() => copy.store.close())
  return { ...copy, dir }
}
