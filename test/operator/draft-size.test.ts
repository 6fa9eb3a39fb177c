// The draft and publish accept the same sizes: a draft edit is refused, with the size and the limit, when the list it
// would publish is over the cap; everything the draft accepted publishes; a shrinking edit always passes.
import { afterEach, describe, expect, it } from 'vitest'
import { EntenteError } from '../../src/model/errors.js'
import type { TrustListDraft } from '../../src/model/schema.types.js'
import { OperatorService } from '../../src/operator/operator-service.js'
import { SqliteStore } from '../../src/store/sqlite-store.js'
import { generateRootKey, rootOf, type RootSigningKey } from '../../src/trust-list/root-key.js'
import { T0 } from '../helpers/country.js'
import { dscEntries, TYPICAL_VECTOR_DSC, vectorDer } from '../helpers/dscs.js'

const stores: SqliteStore[] = []
afterEach(() => {
  for (const store of stores.splice(0)) store.close()
})

function service(store: SqliteStore, root: RootSigningKey, maxTrustListBytes: number): OperatorService {
  return new OperatorService({
    store,
    country: 'GR',
    now: () => T0,
    validityDays: 30,
    quorum: 1,
    maxTrustListBytes,
    loadRootKey: () => Promise.resolve(root),
    loadOwnRoot: () => Promise.resolve(rootOf(root)),
    loadValueSets: () => Promise.reject(new Error('not used')),
    nodes: () => [],
  })
}

async function refusal(action: Promise<unknown>): Promise<EntenteError> {
  const error = await action.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(EntenteError)
  return error as EntenteError
}

describe('draft size', () => {
  it('refuses the edit that would make the list too large, and publishes the largest draft it accepted', async () => {
    const store = SqliteStore.open(':memory:')
    stores.push(store)
    const root = await generateRootKey('p256')
    const limit = 48 * 1024
    const operator = service(store, root, limit)
    const entries = dscEntries(vectorDer(TYPICAL_VECTOR_DSC), 80)
    let accepted = 0
    let refused: EntenteError | undefined
    for (const entry of entries) {
      try {
        await operator.updateDraft((draft) => ({ ...draft, signers: [...draft.signers, entry] }))
        accepted++
      } catch (error) {
        refused = error as EntenteError
        break
      }
    }
    // 48 KiB holds about 50 typical DSCs: the cap, not the item count, stopped the draft.
    expect(accepted).toBeGreaterThan(40)
    expect(accepted).toBeLessThan(entries.length)
    expect(refused?.code).toBe('ERR_TRUST_LIST_TOO_LARGE')
    expect(refused?.message).toMatch(new RegExp(`would be (\\d+) bytes signed; the limit is ${limit} bytes`))
    const size = Number(/would be (\d+) bytes/.exec(refused?.message ?? '')?.[1])
    expect(size).toBeGreaterThan(limit)
    expect(operator.draft().signers).toHaveLength(accepted)

    // What the draft accepted, publish accepts (same cap, same counting).
    const list = await operator.publish()
    expect(list.seq).toBe(1)
    expect(list.size).toBeLessThanOrEqual(limit)
  })

  it('an oversized draft (the cap was lowered) can still shrink, but not grow', async () => {
    const store = SqliteStore.open(':memory:')
    stores.push(store)
    const root = await generateRootKey('ed25519')
    const entries = dscEntries(vectorDer(TYPICAL_VECTOR_DSC), 30)
    await service(store, root, 1024 * 1024).updateDraft((draft) => ({ ...draft, signers: entries.slice(0, 20) }))
    const tight = service(store, root, 8 * 1024)
    const grow = (draft: TrustListDraft): TrustListDraft => ({ ...draft, signers: [...draft.signers, entries[25]!] })
    expect((await refusal(tight.updateDraft(grow))).code).toBe('ERR_TRUST_LIST_TOO_LARGE')
    const shrunk = await tight.updateDraft((draft) => ({ ...draft, signers: draft.signers.slice(0, 15) }))
    expect(shrunk.signers).toHaveLength(15)
    // Publish still refuses while over the cap, naming both numbers.
    const error = await refusal(tight.publish())
    expect(error.code).toBe('ERR_TRUST_LIST_TOO_LARGE')
    expect(error.message).toMatch(/is \d+ bytes, the limit is 8192/)
  })
})
