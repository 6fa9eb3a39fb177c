// `entente diplomat ...` against a real listening node on 127.0.0.1 (port 0).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadNodeConfig } from '../../src/config/node-config.js'
import { startNode, type RunningNode } from '../../src/node.js'
import { acceptTrustList } from '../../src/store/accept-trust-list.js'
import { fingerprintGroups } from '../../src/trust-list/fingerprint.js'
import { cli } from '../helpers/cli.js'
import { TestCountry } from '../helpers/country.js'

let root: string
let node: RunningNode
let token: string
let target: string[]

beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'entente-diplomat-cli-'))
  const dir = path.join(root, 'GR')
  const init = await cli(['init', '--country', 'GR', '--dir', dir, '--json', '--port', '0'])
  token = (JSON.parse(init.stdout) as { operatorToken: string }).operatorToken
  node = await startNode(await loadNodeConfig(dir), { port: 0 })
  target = ['--url', node.url, '--token', token]
})

afterAll(async () => {
  await node.stop()
  rmSync(root, { recursive: true, force: true })
})

describe('entente diplomat', () => {
  it('invite prints a single-use link that opens the registration', async () => {
    const result = await cli(['diplomat', 'invite', '--name', 'Alice Athanasiou', ...target])
    expect(result.code, result.stderr).toBe(0)
    const origin = node.url.replace('127.0.0.1', 'localhost')
    const url = new RegExp(`${origin}/diplomats/register#invite=([A-Za-z0-9_-]{43})`).exec(result.stdout)
    expect(result.stdout).toContain('Invite for Alice Athanasiou (single use, expires ')
    expect(url).not.toBeNull()
    // The link's secret is accepted by the node's registration endpoint.
    const options = await fetch(`${node.url}/diplomats/api/registration/options`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin },
      body: JSON.stringify({ invite: url?.[1] }),
    })
    expect(options.status).toBe(200)
    expect(await options.json()).toMatchObject({ name: 'Alice Athanasiou', options: { rp: { id: 'localhost' } } })
  })

  it('invite --json and --expires-hours', async () => {
    const result = await cli(['diplomat', 'invite', '--name', 'Bob', '--expires-hours', '2', '--json', ...target])
    expect(result.code, result.stderr).toBe(0)
    const invite = JSON.parse(result.stdout) as { expiresAt: string; url: string }
    expect(Date.parse(invite.expiresAt) - Date.now()).toBeLessThanOrEqual(2 * 3600 * 1000)
    expect(Date.parse(invite.expiresAt) - Date.now()).toBeGreaterThan(2 * 3600 * 1000 - 60_000)
  })

  it('list shows the invites', async () => {
    const result = await cli(['diplomat', 'list', ...target])
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toContain('Diplomats in the draft (0):')
    expect(result.stdout).toMatch(/Alice Athanasiou {2}open {2}expires /)
  })

  it('propose: only a held country; prints the fingerprint to compare', async () => {
    const unknown = await cli(['diplomat', 'propose', '--country', 'CY', ...target])
    expect(unknown.code).toBe(1)
    expect(unknown.stderr).toMatch(/^entente: ERR_DIPLOMAT_COUNTRY_UNKNOWN: /)
    const cy = await TestCountry.create('CY')
    await acceptTrustList(node.store, (await cy.next({ now: new Date() })).signed, { now: new Date() })
    const result = await cli(['diplomat', 'propose', '--country', 'CY', '--scopes', 'vaccination,test', ...target])
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toContain(fingerprintGroups(cy.root.thumbprint))
    expect(result.stdout).toContain('needs 2 diplomat approvals')
  })

  it('usage errors exit 2; a wrong token is refused', async () => {
    expect((await cli(['diplomat', 'invite', ...target])).code).toBe(2)
    expect((await cli(['diplomat', 'bogus', ...target])).code).toBe(2)
    const denied = await cli(['diplomat', 'invite', '--name', 'Eve', '--url', node.url, '--token', 'wrong'])
    expect(denied.code).toBe(1)
    expect(denied.stderr).toContain('ERR_HTTP_UNAUTHORIZED')
  })
})
