// Attack on the verifier's merge: the network fills the alarms part of a bundle, so no alarm may make a bundle
// invalid. Alarms about unknown countries, a second proof of an already proven seq, and alarms over the verifier's
// cap are ignored and counted; the lists still merge.
import { describe, expect, it } from 'vitest'
import type { EquivocationProof } from '../../src/model/schema.types.js'
import { MAX_ALARMS } from '../../src/verifier/constants.js'
import { emptyVerifiedBundle, mergeBundle } from '../../src/verifier/verify-bundle.js'
import { TestCountry, type TestList } from '../helpers/country.js'
import { NOW } from './fixtures.js'

function proofOf(a: TestList, b: TestList): EquivocationProof {
  const lists = a.hash < b.hash ? [a.signed, b.signed] : [b.signed, a.signed]
  return { type: 'entente.equivocation-proof', version: 1, country: a.payload.country, seq: a.payload.seq, lists }
}

async function twoAt(country: TestCountry, salt: number): Promise<[TestList, TestList]> {
  const x = await country.next({ advance: false, edit: (p) => void (p.nodes = [{ multiaddrs: [], url: `http://127.0.0.1:${1000 + salt}` }]) })
  const y = await country.next({ advance: false, edit: (p) => void (p.nodes = [{ multiaddrs: [], url: `http://127.0.0.1:${30000 + salt}` }]) })
  return [x, y]
}

describe('alarms a verifier cannot use', () => {
  it('are ignored, not thrown: unknown country, a seq already proven, over the cap', async () => {
    const gr = await TestCountry.create('GR')
    const zz = await TestCountry.create('ZZ')
    const gr1 = await gr.next()
    const [a, b] = await twoAt(gr, 1)
    const [c] = await twoAt(gr, 2)
    const [z1, z2] = await twoAt(zz, 1)
    const input = { lists: [gr1.signed], alarms: [proofOf(a, b), proofOf(a, c), proofOf(z1, z2)] }
    const options = { now: NOW, home: 'GR', anchor: { thumbprint: gr.root.thumbprint } }
    const { state, report } = await mergeBundle(emptyVerifiedBundle('GR', gr.root.thumbprint, NOW), input, options)
    expect(state.alarms).toHaveLength(1)
    expect(report.ignoredAlarms).toBe(2)

    // A state already at the cap: one more valid proof (another seq) is ignored instead of failing the whole merge.
    const full = { ...state, alarms: Array.from({ length: MAX_ALARMS }, () => state.alarms[0] as EquivocationProof) }
    const gr2 = await gr.next()
    const [d, e] = await twoAt(gr, 3)
    const merged = await mergeBundle(full, { lists: [gr2.signed], alarms: [proofOf(d, e)] }, options)
    expect(merged.report.accepted).toEqual([{ country: 'GR', seq: 2 }])
    expect(merged.report.ignoredAlarms).toBe(1)
    expect(merged.state.alarms).toHaveLength(MAX_ALARMS)
  })
})
