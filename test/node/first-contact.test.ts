// Attack: a peer squats a country by being the first to offer a self-signed list for it. The node pins its own
// root and the roots its recognitions name, so the squatter is refused and the real list still gets in.
import { describe, expect, it } from 'vitest'
import { EntenteError } from '../../src/model/errors.js'
import { firstContactAnchors } from '../../src/node.js'
import { acceptTrustList } from '../../src/store/accept-trust-list.js'
import { SqliteStore } from '../../src/store/sqlite-store.js'
import { T0, VerifierCountry } from '../verifier/fixtures.js'

async function refused(promise: Promise<unknown>): Promise<string | undefined> {
  return promise.then(
    () => undefined,
    (error: unknown) => (error instanceof EntenteError ? error.code : String(error)),
  )
}

describe('first contact with a country', () => {
  it('a recognized country cannot be squatted by a list under another root', async () => {
    const [gr, cy, squatter] = [await VerifierCountry.create('GR'), await VerifierCountry.create('CY'), await VerifierCountry.create('CY')]
    gr.recognize(cy)
    const store = SqliteStore.open(':memory:')
    await acceptTrustList(store, await gr.publish(), { now: T0 })
    const anchors = firstContactAnchors(store, 'GR', gr.thumbprint)

    expect(await refused(acceptTrustList(store, await squatter.publish(), { now: T0, anchors }))).toBe('ERR_TRUST_LIST_WRONG_ROOT')
    expect(store.head('CY')).toBeUndefined()
    expect((await acceptTrustList(store, await cy.publish(), { now: T0, anchors })).status).toBe('accepted')
    store.close()
  })

  it('the node’s own country is pinned before its first list exists', async () => {
    const [gr, squatter] = [await VerifierCountry.create('GR'), await VerifierCountry.create('GR')]
    const store = SqliteStore.open(':memory:')
    const anchors = firstContactAnchors(store, 'GR', gr.thumbprint)
    expect(await refused(acceptTrustList(store, await squatter.publish(), { now: T0, anchors }))).toBe('ERR_TRUST_LIST_WRONG_ROOT')
    expect((await acceptTrustList(store, await gr.publish(), { now: T0, anchors })).status).toBe('accepted')
    store.close()
  })

  it('countries the node does not recognize are still taken on first contact (they grant no trust)', async () => {
    const [gr, cn] = [await VerifierCountry.create('GR'), await VerifierCountry.create('CN')]
    const store = SqliteStore.open(':memory:')
    await acceptTrustList(store, await gr.publish(), { now: T0 })
    expect(firstContactAnchors(store, 'GR', gr.thumbprint).has('CN')).toBe(false)
    expect((await acceptTrustList(store, await cn.publish(), { now: T0, anchors: firstContactAnchors(store, 'GR', gr.thumbprint) })).status).toBe('accepted')
    store.close()
  })
})
