// `entente diplomat ...` against a real listening node on 127.0.0.1 (port 0).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadNodeConfig } from '../../src/config/node-config.js'
import { startNode, type RunningNode } from '../../src/node.js'
import { acceptTrustList } from '../../src/store/accept-trust-list.js'
import { fingerprintGroups } from '../../src/trust-list/fingerprint.js'
import { DemoDiplomat } from '../../src/diplomats/demo-diplomats.js'
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

async function pinAndAccept(country: TestCountry): Promise<void> {
  const pin = await fetch(`${node.url}/v1/operator/pins/${country.country}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ rootThumbprint: country.root.thumbprint }),
  })
  expect(pin.status, await pin.clone().text()).toBe(200)
  const outcome = await acceptTrustList(node.store, (await country.next({ now: new Date() })).signed, { now: new Date() })
  expect(outcome.status).toBe('accepted')
}

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
    expect(result.stdout).toContain('No list published yet: no diplomats in force.')
    expect(result.stdout).toContain('In the next list (0, quorum 2):')
    expect(result.stdout).toMatch(/Alice Athanasiou {2}open {2}expires /)
  })

  it('propose: from the fingerprint received out of band; a root the node holds otherwise is refused loudly', async () => {
    const unpublished = await cli(['diplomat', 'propose', '--country', 'CY', ...target])
    expect(unpublished.stderr).toMatch(/^entente: ERR_DIPLOMAT_NOT_PUBLISHED: /)
    expect((await cli(['publish', ...target])).code).toBe(0)
    const unknown = await cli(['diplomat', 'propose', '--country', 'CY', ...target])
    expect(unknown.code).toBe(1)
    expect(unknown.stderr).toMatch(/^entente: ERR_DIPLOMAT_COUNTRY_UNKNOWN: .*enter the root fingerprint/)
    const cy = await TestCountry.create('CY')
    const result = await cli(['diplomat', 'propose', '--country', 'CY', '--scopes', 'vaccination,test', '--fingerprint', fingerprintGroups(cy.root.thumbprint), ...target])
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toContain(fingerprintGroups(cy.root.thumbprint))
    expect(result.stdout).toContain('needs 2 diplomat approvals')
    // The link is on the WebAuthn origin (localhost), where the diplomats' passkeys work, not the CLI's 127.0.0.1.
    expect(result.stdout).toContain(`${node.url.replace('127.0.0.1', 'localhost')}/diplomats/proposals`)
    // The network holds IL under the root of the list it received; a fingerprint that differs stops the proposal.
    const il = await TestCountry.create('IL')
    await pinAndAccept(il)
    const mismatch = await cli(['diplomat', 'propose', '--country', 'IL', '--fingerprint', fingerprintGroups(cy.root.thumbprint), ...target])
    expect(mismatch.code).toBe(1)
    expect(mismatch.stderr).toMatch(/^entente: ERR_DIPLOMAT_FINGERPRINT_MISMATCH: .*NOT the root/)
  })

  it('list, remove and quorum: changes of the diplomat set wait for a quorum of the diplomats in force', async () => {
    const diplomats: DemoDiplomat[] = []
    for (const name of ['Ada', 'Ben', 'Cleo']) {
      const invite = JSON.parse((await cli(['diplomat', 'invite', '--name', name, '--json', ...target])).stdout) as { url: string }
      diplomats.push(await DemoDiplomat.register(invite.url, node.url))
    }
    expect((await cli(['publish', ...target])).code).toBe(0)
    const [ada, ben, cleo] = diplomats as [DemoDiplomat, DemoDiplomat, DemoDiplomat]
    const listed = await cli(['diplomat', 'list', ...target])
    expect(listed.stdout).toMatch(/Diplomats in force since list \d+ \(3, quorum 2\):/)
    const removed = await cli(['diplomat', 'remove', '--credential', cleo.passkey.credentialId, ...target])
    expect(removed.code, removed.stderr).toBe(0)
    expect(removed.stdout).toMatch(/Pending diplomat change \(proposal (\d+)\): joining nobody; leaving Cleo \(passkey [0-9A-F ]+\); quorum 2 → 2/)
    const id = Number(/proposal (\d+)/.exec(removed.stdout)?.[1])
    expect(await ada.approve(id)).toBe(false)
    expect(await ben.approve(id)).toBe(true)
    const after = await cli(['diplomat', 'list', ...target])
    expect(after.stdout).toContain('In the next list (2, quorum 2):')
    expect((await cli(['publish', ...target])).code).toBe(0)
    const quorum = await cli(['diplomat', 'quorum', '1', ...target])
    expect(quorum.stderr).toMatch(/^entente: ERR_DIPLOMAT_MALFORMED: quorum 1 is not possible/)
    expect((await cli(['diplomat', 'remove', ...target])).code).toBe(2)
  })

  it('usage errors exit 2; a wrong token is refused', async () => {
    expect((await cli(['diplomat', 'invite', ...target])).code).toBe(2)
    expect((await cli(['diplomat', 'bogus', ...target])).code).toBe(2)
    const denied = await cli(['diplomat', 'invite', '--name', 'Eve', '--url', node.url, '--token', 'wrong'])
    expect(denied.code).toBe(1)
    expect(denied.stderr).toContain('ERR_HTTP_UNAUTHORIZED')
  })
})
