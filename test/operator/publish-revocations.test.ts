// Publishing revocations names them: the operator's revocation publish is followed, in the same action, by a trust
// list naming the new revocation list (seq and hash), re-issued from the head so unfinished draft edits stay
// unpublished; both go out (revocation list first); every later publish keeps naming it; a ?since= delta whose trust
// list names a revocation list carries that list even when the client's token says it was sent before.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { loadNodeConfig } from '../../src/config/node-config.js'
import type { Bundle } from '../../src/model/schema.types.js'
import { createNode } from '../../src/node.js'
import { decodeTrustList } from '../../src/trust-list/decode-trust-list.js'
import { cli } from '../helpers/cli.js'
import { vectorPath } from '../helpers/vectors.js'

const cleanup: (() => void)[] = []
afterEach(() => {
  for (const step of cleanup.splice(0)) step()
})

async function testNode() {
  const root = mkdtempSync(path.join(tmpdir(), 'entente-publish-revocations-'))
  const dir = path.join(root, 'GR')
  const init = await cli(['init', '--country', 'GR', '--dir', dir, '--json', '--port', '0'])
  if (init.code !== 0) throw new Error(init.stderr)
  const { operatorToken } = JSON.parse(init.stdout) as { operatorToken: string }
  const log: string[] = []
  const node = createNode(await loadNodeConfig(dir), { valueSetsDir: vectorPath('valuesets'), log: (line) => log.push(line) })
  cleanup.push(() => {
    node.store.close()
    rmSync(root, { recursive: true, force: true })
  })
  return { node, log, operatorToken }
}

const payloadOf = (signed: Parameters<typeof decodeTrustList>[0]) => decodeTrustList(signed).payload

describe('OperatorService.publishRevocations', () => {
  it('publishes the revocation list, then the head re-issued naming it; the draft stays a draft', async () => {
    const { node, log } = await testNode()
    await node.operator.publish()
    // An edit the operator has not published yet must not ride along with a revocation.
    await node.operator.updateDraft((draft) => ({ ...draft, vaccines: [{ product: 'EU/1/20/1528', dosesForCompletion: 2, validityDays: 270 }] }))
    await node.operator.revokeCertificates({ dcc: [{ uci: 'URN:UVCI:01:GR:GONE' }] })
    log.length = 0

    const { revocationList: stored, trustList } = await node.operator.publishRevocations()
    const revocationList = stored!
    expect(revocationList).toMatchObject({ country: 'GR', seq: 1 })
    expect(trustList).toMatchObject({ country: 'GR', seq: 2 })
    const named = payloadOf(trustList.signed)
    expect(named.revocationList).toEqual({ seq: 1, hash: revocationList.hash })
    expect(named.vaccines).toEqual([])
    expect(named.changes).toEqual([])
    // Gossiped in this order, so peers hold the revocation list when the pointer reaches them.
    expect(log).toEqual(['published the GR revocation list seq 1', 'published GR seq 2'])

    // The next ordinary publish takes the draft and still names the current revocation list.
    const next = payloadOf((await node.operator.publish()).signed)
    expect(next.vaccines).toHaveLength(1)
    expect(next.revocationList).toEqual({ seq: 1, hash: revocationList.hash })
  })

  it('the HTTP route reports both seqs', async () => {
    const { node, operatorToken } = await testNode()
    await node.operator.publish()
    const published = await node.app.request('/v1/operator/certificate-revocations/publish', {
      method: 'POST',
      headers: { authorization: `Bearer ${operatorToken}`, 'content-type': 'application/json' },
      body: '{}',
    })
    expect(published.status).toBe(201)
    expect(await published.json()).toMatchObject({ country: 'GR', seq: 1, trustList: { country: 'GR', seq: 2 } })
  })
})

describe('bundle deltas carry the revocation list a moved pointer names', () => {
  it('even when the token says the client was sent it before', async () => {
    const { node } = await testNode()
    await node.operator.publish()
    await node.operator.publishRevocations()
    const full = (await (await node.app.request('/v1/bundle')).json()) as Bundle
    const [listId, alarmId, revocationId] = full.token.split('.').map(Number) as [number, number, number]
    // The client holds every revocation list up to now, but the trust list naming one moves after its token.
    const delta = (await (await node.app.request(`/v1/bundle?since=${listId - 1}.${alarmId}.${revocationId}`)).json()) as Bundle
    expect(delta.full).toBe(false)
    expect(delta.lists.map((l) => payloadOf(l).seq)).toEqual([2])
    expect(delta.revocations).toEqual(full.revocations)
    // Nothing moved: nothing extra.
    const none = (await (await node.app.request(`/v1/bundle?since=${full.token}`)).json()) as Bundle
    expect(none).toMatchObject({ lists: [], revocations: [] })
  })
})
