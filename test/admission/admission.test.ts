// Admission on a real SQLite file: the own root, operator pins and recognitions by admitted countries anchor roots (a
// fixpoint); nothing else is taken on first contact; unpin removes what a pin alone admitted; the history cap prunes
// only what a verifier may skip.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { Admission, type AdmissionLimits } from '../../src/admission/admission.js'
import { anchoredRoots } from '../../src/admission/anchored-roots.js'
import { DEFAULT_LIMITS } from '../../src/config/node-config.js'
import { nodeMetrics } from '../../src/metrics/metrics.js'
import type { SignedTrustList } from '../../src/model/schema.types.js'
import { SqliteStore } from '../../src/store/sqlite-store.js'
import { NOW, VerifierCountry } from '../verifier/fixtures.js'

const dirs: string[] = []
const stores: SqliteStore[] = []
afterEach(() => {
  for (const store of stores.splice(0)) store.close()
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

function admissionFor(country: string, ownRoot: string, limits: Partial<AdmissionLimits> = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), 'entente-admission-'))
  dirs.push(dir)
  const store = SqliteStore.open(path.join(dir, 'entente.sqlite'))
  stores.push(store)
  const metrics = nodeMetrics()
  const announced: string[][] = []
  const admission = new Admission({ store, country, ownRoot, limits: { ...DEFAULT_LIMITS, ...limits }, metrics, now: () => NOW, onAnchored: (c) => announced.push([...c]) })
  return { store, admission, metrics, announced }
}

async function countries<T extends readonly string[]>(...codes: T): Promise<{ [K in keyof T]: VerifierCountry }> {
  return (await Promise.all(codes.map((c) => VerifierCountry.create(c)))) as { [K in keyof T]: VerifierCountry }
}

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  return promise.then(
    () => undefined,
    (error: unknown) => (error as { code?: string }).code ?? String(error),
  )
}

const accept = (admission: Admission, signed: SignedTrustList) => admission.acceptFromOperator(signed, { maxBytes: 1024 * 1024 })

describe('anchored roots (pure)', () => {
  it('own root and pins anchor; recognitions only count from admitted countries, to a fixpoint; cycles alone anchor nothing', () => {
    const held = new Map([
      ['GR', { chainRoots: ['gr'], recognitions: [{ country: 'CY', rootThumbprint: 'cy' }] }],
      ['CY', { chainRoots: ['cy'], recognitions: [{ country: 'IL', rootThumbprint: 'il' }] }],
      // A and B recognize each other, nobody anchors either: still nothing.
      ['AA', { chainRoots: ['aa'], recognitions: [{ country: 'BB', rootThumbprint: 'bb' }] }],
      ['BB', { chainRoots: ['bb'], recognitions: [{ country: 'AA', rootThumbprint: 'aa' }] }],
      // A pinned country held under another root vouches for nobody.
      ['DE', { chainRoots: ['squatter'], recognitions: [{ country: 'FR', rootThumbprint: 'fr' }] }],
    ])
    const anchors = anchoredRoots({ own: { country: 'GR', roots: ['gr'] }, pins: [{ country: 'DE', rootThumbprint: 'de' }], held })
    expect([...anchors.keys()].sort()).toEqual(['CY', 'DE', 'GR', 'IL'])
    expect(anchors.get('IL')?.via).toEqual([{ root: 'il', source: { kind: 'recognition', by: 'CY' } }])
  })
})

describe('admission', () => {
  it('takes nothing on first contact: an unpinned country is refused, a pinned one under another root too', async () => {
    const [gr, cn, cy, squatter] = await countries('GR', 'CN', 'CY', 'CY')
    const { admission, store } = admissionFor('GR', gr.thumbprint)
    expect((await accept(admission, await gr.publish())).status).toBe('accepted')
    expect(await codeOf(accept(admission, await cn.publish()))).toBe('ERR_ADMISSION_UNANCHORED')
    admission.pin('CY', cy.thumbprint)
    expect(await codeOf(accept(admission, await squatter.publish()))).toBe('ERR_ADMISSION_UNANCHORED')
    expect((await accept(admission, await cy.publish())).status).toBe('accepted')
    expect(store.heads().map((h) => h.country)).toEqual(['CY', 'GR'])
  })

  it('a recognition in an admitted country’s held head anchors the recognized root; unpinning a recognized country keeps it, the own country refuses', async () => {
    const [gr, cy, il] = await countries('GR', 'CY', 'IL')
    const { admission, store, announced } = admissionFor('GR', gr.thumbprint)
    await gr.recognize(cy)
    for (const list of [gr.tc.head, await gr.tc.next()]) if (list !== undefined) await accept(admission, list.signed)
    expect(announced.flat()).toContain('CY')
    await cy.recognize(il)
    for (const list of [cy.tc.head, await cy.tc.next()]) if (list !== undefined) expect((await accept(admission, list.signed)).status).toBe('accepted')
    // Transitively: GR's own list recognizes CY, CY's held list recognizes IL.
    expect((await accept(admission, await il.publish())).status).toBe('accepted')

    admission.pin('CY', cy.thumbprint)
    const result = admission.unpin('CY')
    expect(result.purged).toEqual([])
    expect(result.stillAnchored?.via).toEqual([{ root: cy.thumbprint, source: { kind: 'recognition', by: 'GR' } }])
    expect(store.head('IL')).toBeDefined()
    expect(() => admission.unpin('GR')).toThrow(expect.objectContaining({ code: 'ERR_ADMISSION_OWN_COUNTRY' }))
    expect(() => admission.unpin('IL')).toThrow(expect.objectContaining({ code: 'ERR_ADMISSION_NOT_PINNED' }))
  })

  it('unpinning a mistaken pin removes that country and the countries only its recognitions vouched for', async () => {
    const [gr, xx, yy] = await countries('GR', 'XX', 'YY')
    const { admission, store } = admissionFor('GR', gr.thumbprint)
    await accept(admission, await gr.publish())
    admission.pin('XX', xx.thumbprint)
    await xx.recognize(yy)
    for (const list of [xx.tc.head, await xx.tc.next()]) if (list !== undefined) await accept(admission, list.signed)
    expect((await accept(admission, await yy.publish())).status).toBe('accepted')

    const result = admission.unpin('XX')
    expect([...result.purged].sort()).toEqual(['XX', 'YY'])
    expect(store.heads().map((h) => h.country)).toEqual(['GR'])
  })

  it('a pinned country first met at seq > 1 vouches for nobody: its recognitions may carry evidence nobody judged', async () => {
    const [gr, ru, fi] = await countries('GR', 'RU', 'FI')
    const { admission, store } = admissionFor('GR', gr.thumbprint)
    await accept(admission, await gr.publish())
    admission.pin('RU', ru.thumbprint)
    await ru.recognize(fi)
    await ru.tc.next()
    const later = await ru.tc.next()
    // The node meets RU at seq 3 on its own (no chain from seq 1): RU is held, FI is not anchored by it.
    expect((await accept(admission, later.signed)).status).toBe('accepted')
    expect(store.get('RU', 1)).toBeUndefined()
    expect(admission.anchored().has('FI')).toBe(false)
    expect(await codeOf(accept(admission, await fi.publish()))).toBe('ERR_ADMISSION_UNANCHORED')
  })

  it('the history cap prunes the oldest plain lists of a foreign country, never seq 1, a handover or the head', async () => {
    const [gr, fi] = await countries('GR', 'FI')
    const { admission, store, metrics } = admissionFor('GR', gr.thumbprint, { maxHistoryPerCountry: 3 })
    admission.pin('FI', fi.thumbprint)
    for (let i = 0; i < 6; i++) await accept(admission, await fi.publish())
    expect(store.history('FI').map((l) => l.seq)).toEqual([1, 5, 6])
    expect(metrics.registry.value('entente_limit_hits_total', { limit: 'history_per_country' })).toBe(3)
    expect(metrics.registry.value('entente_purged_lists_total', { reason: 'history' })).toBe(3)
    // The own country is never pruned.
    for (let i = 0; i < 5; i++) await accept(admission, await gr.publish())
    expect(store.history('GR')).toHaveLength(5)
  })

  it('after a stored list, reads only that head again to recompute the anchored set (the others are unchanged)', async () => {
    const [gr, cy] = await countries('GR', 'CY')
    const { admission, store } = admissionFor('GR', gr.thumbprint)
    await accept(admission, await gr.publish())
    admission.pin('CY', cy.thumbprint)
    await accept(admission, await cy.publish())
    const read: string[] = []
    const head = store.head.bind(store)
    const heads = store.heads.bind(store)
    // Every held document parsed on each change took some 200 ms at 200 countries of 100 signers each.
    store.head = (country) => (read.push(country), head(country))
    store.heads = () => (read.push('*'), heads())
    expect((await accept(admission, await gr.publish())).status).toBe('accepted')
    expect(read.length).toBeGreaterThan(0)
    expect(read.filter((country) => country !== 'GR')).toEqual([])
    expect([...admission.anchored().keys()].sort()).toEqual(['CY', 'GR'])
  })

  it('caps the countries held', async () => {
    const [gr, a, b] = await countries('GR', 'AA', 'BB')
    const { admission, metrics } = admissionFor('GR', gr.thumbprint, { maxCountries: 2 })
    await accept(admission, await gr.publish())
    admission.pin('AA', a.thumbprint)
    admission.pin('BB', b.thumbprint)
    expect((await accept(admission, await a.publish())).status).toBe('accepted')
    expect(await codeOf(accept(admission, await b.publish()))).toBe('ERR_ADMISSION_LIMIT')
    expect(metrics.registry.value('entente_limit_hits_total', { limit: 'countries' })).toBe(1)
  })
})
