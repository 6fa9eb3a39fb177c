// The operator's admission commands against a real node (startNode: HTTP on 127.0.0.1, libp2p, a SQLite file):
// entente quarantine list|admit|drop and entente peer pin|unpin|pins.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadNodeConfig } from '../../src/config/node-config.js'
import { startNode, type RunningNode } from '../../src/node.js'
import { verifyTrustList } from '../../src/trust-list/verify-trust-list.js'
import { cli } from '../helpers/cli.js'
import { TestCountry } from '../helpers/country.js'

const root = mkdtempSync(path.join(tmpdir(), 'entente-admission-cli-'))
let node: RunningNode
let target: string[]

beforeAll(async () => {
  const dir = path.join(root, 'GR')
  const init = await cli(['init', '--country', 'GR', '--dir', dir, '--json', '--port', '0'])
  if (init.code !== 0) throw new Error(init.stderr)
  const { operatorToken } = JSON.parse(init.stdout) as { operatorToken: string }
  node = await startNode(await loadNodeConfig(dir), { port: 0 })
  target = ['--url', node.url, '--token', operatorToken]
}, 30_000)

afterAll(async () => {
  await node.stop()
  rmSync(root, { recursive: true, force: true })
})

/** What gossip does with a self-signed list under an unanchored root: keep it in quarantine for the operator. */
async function quarantined(country: TestCountry, peer: string) {
  const list = await country.next({ now: new Date() })
  node.admission.quarantine(peer, await verifyTrustList(list.signed, { now: new Date() }))
  return list
}

describe('entente quarantine and entente peer', () => {
  it('lists, admits (pinning the root) and drops quarantined lists; unpin removes what the pin admitted', async () => {
    const fi = await TestCountry.create('FI')
    const rogue = await TestCountry.create('FI')
    const real = await quarantined(fi, '12D3KooWPeerA')
    await quarantined(rogue, '12D3KooWPeerB')

    const listed = await cli(['quarantine', 'list', '--json', ...target])
    expect(listed.code, listed.stderr).toBe(0)
    const entries = JSON.parse(listed.stdout) as { id: number; country: string; rootThumbprint: string; peer: string }[]
    expect(entries.map((e) => [e.country, e.rootThumbprint, e.peer])).toEqual([
      ['FI', fi.root.thumbprint, '12D3KooWPeerA'],
      ['FI', rogue.root.thumbprint, '12D3KooWPeerB'],
    ])
    const text = await cli(['quarantine', 'list', ...target])
    expect(text.stdout).toContain(`FI seq 1  root ${fi.root.thumbprint}`)

    const [realEntry, rogueEntry] = entries as [(typeof entries)[number], (typeof entries)[number]]
    const admitted = await cli(['quarantine', 'admit', String(realEntry.id), ...target])
    expect(admitted.code, admitted.stderr).toBe(0)
    expect(admitted.stdout).toContain(`Pinned FI root ${fi.root.thumbprint}; the list was accepted.`)
    expect(node.store.head('FI')?.hash).toBe(real.hash)

    const dropped = await cli(['quarantine', 'drop', String(rogueEntry.id), ...target])
    expect(dropped.code, dropped.stderr).toBe(0)
    expect(JSON.parse((await cli(['quarantine', 'list', '--json', ...target])).stdout)).toEqual([])
    expect((await cli(['quarantine', 'drop', String(rogueEntry.id), ...target])).stderr).toContain('ERR_ADMISSION_NOT_QUARANTINED')

    const pins = await cli(['peer', 'pins', ...target])
    expect(pins.stdout).toContain(`FI  ${fi.root.thumbprint}  (pinned)`)
    expect(pins.stdout).toMatch(/GR {2}\S+ {2}\(own root\)/)

    const unpinned = await cli(['peer', 'unpin', 'FI', ...target])
    expect(unpinned.code, unpinned.stderr).toBe(0)
    expect(unpinned.stdout).toContain('Removed FI: 1 list(s), 0 alarm(s), 0 revocation list(s).')
    expect(node.store.head('FI')).toBeUndefined()
  })

  it('pins a root by thumbprint; refuses the own country and an unknown unpin with their codes', async () => {
    const de = await TestCountry.create('DE')
    const pinned = await cli(['peer', 'pin', 'DE', de.root.thumbprint, ...target])
    expect(pinned.code, pinned.stderr).toBe(0)
    expect(pinned.stdout).toContain(`Pinned DE root ${de.root.thumbprint}`)
    const own = await cli(['peer', 'pin', 'GR', de.root.thumbprint, ...target])
    expect(own.code).toBe(1)
    expect(own.stderr).toContain('ERR_ADMISSION_OWN_COUNTRY')
    expect((await cli(['peer', 'unpin', 'GR', ...target])).stderr).toContain('ERR_ADMISSION_OWN_COUNTRY')
    expect((await cli(['peer', 'unpin', 'CN', ...target])).stderr).toContain('ERR_ADMISSION_NOT_PINNED')
    const nothing = await cli(['peer', 'unpin', 'DE', ...target])
    expect(nothing.stdout).toContain('Nothing of it was held.')
    // One thumbprint in 64 begins with '-' (base64url): it is still the thumbprint, not an option.
    const dashed = `-${de.root.thumbprint.slice(1)}`
    const pinnedDashed = await cli(['peer', 'pin', 'FI', dashed, ...target])
    expect(pinnedDashed.code, pinnedDashed.stderr).toBe(0)
    expect(pinnedDashed.stdout).toContain(`Pinned FI root ${dashed}`)
  })
})
