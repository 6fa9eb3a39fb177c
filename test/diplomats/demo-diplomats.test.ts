// Demo diplomats (for the federation launcher) against a real listening node: their evidence is real.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadNodeConfig } from '../../src/config/node-config.js'
import { approveDemoRecognitions } from '../../src/diplomats/demo-diplomats.js'
import { startNode, type RunningNode } from '../../src/node.js'
import { acceptTrustList } from '../../src/store/accept-trust-list.js'
import { verifyTrustList } from '../../src/trust-list/verify-trust-list.js'
import { cli } from '../helpers/cli.js'
import { TestCountry } from '../helpers/country.js'

let root: string
let node: RunningNode
let token: string

beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'entente-demo-diplomats-'))
  const dir = path.join(root, 'GR')
  const init = await cli(['init', '--country', 'GR', '--dir', dir, '--json', '--port', '0'])
  token = (JSON.parse(init.stdout) as { operatorToken: string }).operatorToken
  node = await startNode(await loadNodeConfig(dir), { port: 0 })
  for (const country of ['CY', 'IL']) {
    const foreign = await TestCountry.create(country)
    // Pinned as an operator does with a root fingerprint received out of band.
    const pin = await fetch(`${node.url}/v1/operator/pins/${country}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ rootThumbprint: foreign.root.thumbprint }),
    })
    expect(pin.status).toBe(200)
    expect((await acceptTrustList(node.store, (await foreign.next({ now: new Date() })).signed, { now: new Date() })).status).toBe('accepted')
  }
})

afterAll(async () => {
  await node.stop()
  rmSync(root, { recursive: true, force: true })
})

describe('approveDemoRecognitions', () => {
  it('registers a quorum of demo passkeys over HTTP and approves each recognition into the draft; the list verifies', async () => {
    const target = { url: node.url, token }
    expect(await approveDemoRecognitions(target, [{ country: 'CY', scopes: ['vaccination'] }, { country: 'IL', scopes: ['vaccination', 'test'] }])).toBe(2)
    const draft = node.operator.draft()
    expect(draft.diplomats).toHaveLength(2)
    expect(draft.recognitions.map((r) => [r.country, r.approvals.length])).toEqual([['CY', 2], ['IL', 2]])
    const list = await node.operator.publish()
    const before = node.store.get('GR', list.seq - 1)
    const head = await verifyTrustList(before?.signed as NonNullable<typeof before>['signed'], { now: new Date(), country: 'GR' })
    const verified = await verifyTrustList(list.signed, { now: new Date(), country: 'GR', head })
    expect(verified.payload.recognitions).toHaveLength(2)
    // Recognitions already in the draft are left alone (the launcher reuses state on its next run).
    expect(await approveDemoRecognitions(target, [{ country: 'CY', scopes: ['vaccination'] }])).toBe(0)
  })
})
