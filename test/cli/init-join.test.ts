// `entente init --public-url --bootstrap`: what an operator joining a federation configures at init, written to
// node.json and checked before anything is created; a node initialised with a peer's address dials it at start.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { loadNodeConfig } from '../../src/config/node-config.js'
import type { NodeConfig } from '../../src/model/schema.types.js'
import { startNode, type RunningNode } from '../../src/node.js'
import { cli } from '../helpers/cli.js'

const root = mkdtempSync(path.join(tmpdir(), 'entente-init-join-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))
let n = 0
const fresh = () => path.join(root, `node-${n++}`)
const PEER = '12D3KooWLYYuVuYNWTX2LvGivJxMx89ssYsdbhNtPcuyfPVvyFiv'

async function waitFor(condition: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

describe('entente init --public-url --bootstrap', () => {
  it('writes http.publicUrl and p2p.bootstrap (repeatable) into a node.json the node loads', async () => {
    const dir = fresh()
    const bootstrap = [`/dns4/node.cy.example/tcp/7201/p2p/${PEER}`, `/ip4/192.0.2.7/tcp/4001/p2p/${PEER}`]
    const result = await cli(['init', '--country', 'GR', '--dir', dir, '--public-url', 'https://node.gr.example/', ...bootstrap.flatMap((b) => ['--bootstrap', b])])
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    const raw = JSON.parse(readFileSync(path.join(dir, 'node.json'), 'utf8')) as NodeConfig
    expect(raw.http?.publicUrl).toBe('https://node.gr.example')
    expect(raw.p2p?.bootstrap).toEqual(bootstrap)
    const config = await loadNodeConfig(dir)
    expect(config.http.publicUrl).toBe('https://node.gr.example')
    expect(config.p2p.bootstrap).toEqual(bootstrap)
    // Without the flags nothing is added.
    const plain = fresh()
    expect((await cli(['init', '--country', 'CY', '--dir', plain])).code).toBe(0)
    const plainRaw = JSON.parse(readFileSync(path.join(plain, 'node.json'), 'utf8')) as NodeConfig
    expect(plainRaw.http?.publicUrl).toBeUndefined()
    expect(plainRaw.p2p).toBeUndefined()
  })

  it.each([
    ['--bootstrap', '/ip4/192.0.2.7/tcp/4001', 'ERR_CONFIG_INVALID', /--bootstrap must be a TCP multiaddr ending in \/p2p\/<peer id>: \/ip4\/192\.0\.2\.7\/tcp\/4001; hint: /],
    ['--bootstrap', '/ip4/192.0.2.7/tcp/4001/p2p/not-a-peer-id', 'ERR_CONFIG_INVALID', /--bootstrap must be a TCP multiaddr/],
    ['--bootstrap', `/ip4/192.0.2.7/udp/4001/quic-v1/p2p/${PEER}`, 'ERR_CONFIG_INVALID', /--bootstrap must be a TCP multiaddr/],
    ['--bootstrap', 'node.cy.example:7201', 'ERR_CONFIG_INVALID', /--bootstrap must be a TCP multiaddr/],
    ['--public-url', 'node.gr.example', 'ERR_CONFIG_INVALID', /--public-url is not a URL: node\.gr\.example; hint: /],
    ['--public-url', 'ftp://node.gr.example', 'ERR_CONFIG_INVALID', /--public-url must be an http\(s\) URL/],
    ['--public-url', 'https://node.gr.example/?x=1', 'ERR_CONFIG_INVALID', /--public-url must be an http\(s\) URL/],
    ['--public-url', 'https://user:pw@node.gr.example', 'ERR_CONFIG_INVALID', /--public-url must be an http\(s\) URL/],
  ])('refuses %s %s in one line, creating nothing', async (flag, value, code, message) => {
    const dir = fresh()
    const result = await cli(['init', '--country', 'GR', '--dir', dir, flag, value])
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(new RegExp(`^entente: ${code}: `))
    expect(result.stderr).toMatch(message)
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1)
    expect(existsSync(dir)).toBe(false)
  })

  it('a node initialised with --bootstrap dials that peer when it starts', async () => {
    const nodes: RunningNode[] = []
    try {
      const firstDir = fresh()
      expect((await cli(['init', '--country', 'CY', '--dir', firstDir, '--port', '0'])).code).toBe(0)
      const first = await startNode(await loadNodeConfig(firstDir), { port: 0 })
      nodes.push(first)
      const address = first.gossip.multiaddrs().find((a) => a.startsWith('/ip4/127.0.0.1/tcp/')) as string
      expect(address).toContain('/p2p/')
      const joinDir = fresh()
      const init = await cli(['init', '--country', 'GR', '--dir', joinDir, '--port', '0', '--bootstrap', address])
      expect(init.code).toBe(0)
      const joining = await startNode(await loadNodeConfig(joinDir), { port: 0 })
      nodes.push(joining)
      await waitFor(() => first.gossip.peerCount() > 0 && joining.gossip.peerCount() > 0, 20_000)
    } finally {
      for (const node of nodes.reverse()) await node.stop()
    }
  })
})
