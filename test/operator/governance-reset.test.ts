// Recovery below quorum: when too many passkeys are lost to approve anything, the only way out is a root rotation
// that resets the diplomats to the pending set, and it is never silent (the list says so, /v1/alarms lists it).
import { rmSync } from 'node:fs'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { readRootKey } from '../../src/config/secrets.js'
import { generateRootKey, rootOf } from '../../src/trust-list/root-key.js'
import { signTrustList } from '../../src/trust-list/sign-trust-list.js'
import { verifyTrustList } from '../../src/trust-list/verify-trust-list.js'
import { DiplomatClient } from '../diplomats/diplomat-client.js'
import { T0 } from '../helpers/country.js'
import { createTestNode, type TestNode } from '../helpers/node.js'

let node: TestNode

async function diplomat(name: string): Promise<DiplomatClient> {
  const response = await node.request('/v1/operator/diplomat-invites', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name }) })
  const { url } = (await response.json()) as { url: string }
  const client = new DiplomatClient(node.app, node.diplomats.relyingParty().origin)
  const registered = await client.register(new URLSearchParams(new URL(url).hash.slice(1)).get('invite') as string)
  expect(registered.status, await registered.clone().text()).toBe(201)
  return client
}

beforeEach(async () => {
  node = await createTestNode('GR', { now: T0 })
})

afterEach(() => {
  node.store.close()
  rmSync(path.dirname(node.dir), { recursive: true, force: true })
})

describe('governance reset', () => {
  it('below quorum, a root rotation installs the pending set; the list says so and the node lists it under its alarms', async () => {
    const alice = await diplomat('Alice')
    const bob = await diplomat('Bob')
    const carol = await diplomat('Carol')
    await node.operator.publish()
    const inForce = node.store.head('GR')
    // Bob's and Carol's passkeys are lost: the pending set is Alice alone, and Alice alone is not a quorum of 2.
    for (const lost of [bob, carol]) {
      expect((await node.request(`/v1/operator/diplomats/${lost.authenticator.credentialId}`, { method: 'DELETE' })).status).toBe(200)
    }
    const [pending] = node.diplomats.proposals({ state: 'open' })
    expect(pending?.governance?.removed.map((d) => d.name).sort()).toEqual(['Bob', 'Carol'])
    expect(await (await alice.approve(pending?.id ?? 0)).json()).toMatchObject({ enacted: false })

    // The operator prepares a rotation with a reset, signs it with the old and the new root, and uploads it.
    const oldRoot = await readRootKey(node.config.paths.rootKey)
    const newRoot = await generateRootKey('p256')
    const payload = await node.operator.nextList({ nextRoot: rootOf(newRoot), resetGovernance: true })
    expect(payload.changes).toEqual(['root', 'governance'])
    expect(payload.governance).toEqual({ since: payload.seq, reset: true })
    expect(payload.diplomats.map((d) => d.name)).toEqual(['Alice'])
    expect(payload.quorum).toBe(1)
    const signed = await signTrustList(payload, [oldRoot, newRoot])
    await node.operator.acceptSigned(signed)

    const head = { payload: (await verifyTrustList(inForce?.signed as NonNullable<typeof inForce>['signed'], { now: T0 })).payload, hash: inForce?.hash ?? '' }
    const verified = await verifyTrustList(signed, { now: T0, head })
    expect(verified.governanceReset).toBe(true)
    const alarms = (await (await node.request('/v1/alarms')).json()) as { governanceResets: { country: string; seq: number }[] }
    expect(alarms.governanceResets).toEqual([expect.objectContaining({ country: 'GR', seq: payload.seq, rootThumbprint: newRoot.thumbprint })])

    // A later change of the set (the new diplomats adding one more) does not scrub the reset from the alarms.
    const dave = await diplomat('Dave')
    const [joining] = node.diplomats.proposals({ state: 'open' })
    expect(await (await alice.approve(joining?.id ?? 0)).json()).toMatchObject({ enacted: true })
    const after = await node.operator.nextList()
    await node.operator.acceptSigned(await signTrustList(after, [newRoot]))
    expect(node.store.head('GR')?.seq).toBe(payload.seq + 1)
    expect(dave.authenticator.credentialId).toBeDefined()
    const still = (await (await node.request('/v1/alarms')).json()) as { governanceResets: { country: string; seq: number }[] }
    expect(still.governanceResets).toEqual([expect.objectContaining({ country: 'GR', seq: payload.seq })])

    // Without the rotation the same reset is refused by every verifier.
    const sameRoot = { ...payload, root: rootOf(oldRoot), changes: ['governance' as const] }
    delete sameRoot.previousRoot
    await expect(verifyTrustList(await signTrustList(sameRoot, [oldRoot]), { now: T0, head })).rejects.toMatchObject({ code: 'ERR_GOVERNANCE_UNAPPROVED' })
  })
})
