// Accepted vaccines against the real EU value sets in ../shared/vectors/valuesets (read in place, never copied).
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import fc from 'fast-check'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { EntenteError, type EntenteErrorCode } from '../../src/model/errors.js'
import type { TrustListDraft } from '../../src/model/schema.types.js'
import {
  defaultValueSetsDir,
  loadVaccineValueSets,
  parseVaccineValueSets,
  setVaccines,
  type VaccineValueSets,
} from '../../src/operator/value-sets.js'
import { emptyDraft } from '../../src/trust-list/build-trust-list.js'

const projectRoot = path.resolve(import.meta.dirname, '../..')
const vectorsDir = process.env.ENTENTE_VECTORS ?? path.resolve(projectRoot, '../shared/vectors')
const valueSetsDir = path.join(vectorsDir, 'valuesets')

function expectCode(action: () => unknown, code: EntenteErrorCode): EntenteError {
  let error: unknown
  try {
    action()
  } catch (caught) {
    error = caught
  }
  expect(error).toBeInstanceOf(EntenteError)
  expect((error as EntenteError).code).toBe(code)
  return error as EntenteError
}

async function expectRejects(action: Promise<unknown>, code: EntenteErrorCode): Promise<void> {
  await expect(action).rejects.toBeInstanceOf(EntenteError)
  await expect(action).rejects.toMatchObject({ code })
}

const COMIRNATY = { product: 'EU/1/20/1528', dosesForCompletion: 2, validityDays: 270 }
const JCOVDEN = { product: 'EU/1/20/1525', dosesForCompletion: 1, validityDays: 270, daysAfterLastDose: 14 }

let valueSets: VaccineValueSets
let draft: TrustListDraft

beforeAll(async () => {
  valueSets = await loadVaccineValueSets(valueSetsDir)
  draft = { ...emptyDraft(), rules: { testMaxAgeHours: 72 } }
})

describe('loading the EU vaccine value set', () => {
  let scratch: string

  beforeAll(async () => {
    scratch = await mkdtemp(path.join(tmpdir(), 'entente-valuesets-'))
  })
  afterAll(async () => {
    await rm(scratch, { recursive: true, force: true })
  })
  afterEach(() => {
    vi.unstubAllEnvs()
  })

  it('reads vaccine-medicinal-product.json: codes with display names, inactive codes included', () => {
    expect(valueSets.products.get('EU/1/20/1528')).toBe('Comirnaty')
    expect(valueSets.products.get('Sputnik-V')).toBe('Sputnik-V')
    expect(valueSets.products.get('NVX-CoV2373')).toBe('NVX-CoV2373 (deprecated)')
    expect(valueSets.products.size).toBeGreaterThan(30)
  })

  it('ERR_VALUESETS_UNAVAILABLE: missing directory, invalid JSON, oversized file, another value set, entries without display', async () => {
    await expectRejects(loadVaccineValueSets(path.join(scratch, 'missing')), 'ERR_VALUESETS_UNAVAILABLE')
    await writeFile(path.join(scratch, 'vaccine-medicinal-product.json'), '{"valueSetId": ')
    await expectRejects(loadVaccineValueSets(scratch), 'ERR_VALUESETS_UNAVAILABLE')
    // The real file padded past the 1 MiB cap: still valid JSON, refused for its size alone.
    const real = await readFile(path.join(valueSetsDir, 'vaccine-medicinal-product.json'), 'utf8')
    await writeFile(path.join(scratch, 'vaccine-medicinal-product.json'), real + ' '.repeat(1_100_000))
    await expectRejects(loadVaccineValueSets(scratch), 'ERR_VALUESETS_UNAVAILABLE')
    // A real value set, but the wrong one: prophylaxis codes must not pass as products.
    const prophylaxis = JSON.parse(await readFile(path.join(valueSetsDir, 'vaccine-prophylaxis.json'), 'utf8')) as unknown
    expectCode(() => parseVaccineValueSets(prophylaxis), 'ERR_VALUESETS_UNAVAILABLE')
    for (const json of [null, [], { valueSetId: 'vaccines-covid-19-names' }, { valueSetId: 'vaccines-covid-19-names', valueSetValues: {} }]) {
      expectCode(() => parseVaccineValueSets(json), 'ERR_VALUESETS_UNAVAILABLE')
    }
    expectCode(
      () => parseVaccineValueSets({ valueSetId: 'vaccines-covid-19-names', valueSetValues: { 'EU/1/20/1528': { active: true } } }),
      'ERR_VALUESETS_UNAVAILABLE',
    )
  })

  it('defaultValueSetsDir: ENTENTE_VALUESETS, else ../shared/vectors/valuesets beside the project', async () => {
    vi.stubEnv('ENTENTE_VALUESETS', scratch)
    expect(defaultValueSetsDir()).toBe(scratch)
    vi.stubEnv('ENTENTE_VALUESETS', '')
    expect(defaultValueSetsDir()).toBe(path.resolve(projectRoot, '../shared/vectors/valuesets'))
    vi.stubEnv('ENTENTE_VALUESETS', undefined)
    expect(defaultValueSetsDir()).toBe(path.resolve(projectRoot, '../shared/vectors/valuesets'))
    if (process.env.ENTENTE_VECTORS === undefined) expect((await loadVaccineValueSets(defaultValueSetsDir())).products.size).toBe(valueSets.products.size)
  })
})

describe('setVaccines', () => {
  it('sets the accepted vaccines; rules stay when omitted, are replaced when given', () => {
    const next = setVaccines(draft, { vaccines: [COMIRNATY, JCOVDEN] }, valueSets)
    expect(next.vaccines).toEqual([COMIRNATY, JCOVDEN])
    expect(next.rules).toEqual({ testMaxAgeHours: 72 })
    expect(draft.vaccines).toEqual([])
    const withRules = setVaccines(next, { vaccines: [], rules: { recoveryValidityDays: 180 } }, valueSets)
    expect(withRules).toMatchObject({ vaccines: [], rules: { recoveryValidityDays: 180 } })
  })

  it('copies the request: editing it afterwards does not change the draft', () => {
    const request = { vaccines: [{ ...COMIRNATY }] }
    const next = setVaccines(draft, request, valueSets)
    ;(request.vaccines[0] as { validityDays: number }).validityDays = 1
    expect(next.vaccines[0]?.validityDays).toBe(270)
  })

  it('accepts a code the EU has since deactivated (certificates with it are still in use)', () => {
    expect(setVaccines(draft, { vaccines: [{ product: 'NVX-CoV2373', dosesForCompletion: 2, validityDays: 270 }] }, valueSets).vaccines).toHaveLength(1)
  })

  it('ERR_VACCINE_UNKNOWN names every code outside the value set', () => {
    const error = expectCode(
      () => setVaccines(draft, { vaccines: [COMIRNATY, { ...JCOVDEN, product: 'EU/1/99/0001' }, { ...JCOVDEN, product: 'comirnaty' }] }, valueSets),
      'ERR_VACCINE_UNKNOWN',
    )
    expect(error.message).toContain('EU/1/99/0001')
    expect(error.message).toContain('comirnaty')
    expect(error.details).toEqual({ unknown: ['EU/1/99/0001', 'comirnaty'] })
  })

  it('ERR_HTTP_BAD_REQUEST: a product listed twice', () => {
    const error = expectCode(() => setVaccines(draft, { vaccines: [COMIRNATY, { ...COMIRNATY, validityDays: 365 }] }, valueSets), 'ERR_HTTP_BAD_REQUEST')
    expect(error.message).toContain('EU/1/20/1528')
  })

  it('ERR_HTTP_BAD_REQUEST: shapes and ranges of the schema', () => {
    const cases: unknown[] = [
      null,
      [COMIRNATY],
      {},
      { vaccines: 'EU/1/20/1528' },
      { vaccines: [COMIRNATY], extra: true },
      { vaccines: [{ ...COMIRNATY, dosesForCompletion: 0 }] },
      { vaccines: [{ ...COMIRNATY, dosesForCompletion: 10 }] },
      { vaccines: [{ ...COMIRNATY, dosesForCompletion: 1.5 }] },
      { vaccines: [{ ...COMIRNATY, validityDays: 0 }] },
      { vaccines: [{ ...COMIRNATY, validityDays: 3651 }] },
      { vaccines: [{ ...JCOVDEN, daysAfterLastDose: -1 }] },
      { vaccines: [{ ...JCOVDEN, daysAfterLastDose: 366 }] },
      { vaccines: [{ ...COMIRNATY, product: '' }] },
      { vaccines: [{ dosesForCompletion: 2, validityDays: 270 }] },
      { vaccines: [{ ...COMIRNATY, note: 'x' }] },
      { vaccines: [COMIRNATY], rules: { testMaxAgeHours: 0 } },
      { vaccines: [COMIRNATY], rules: { maxAge: 1 } },
    ]
    for (const request of cases) expectCode(() => setVaccines(draft, request, valueSets), 'ERR_HTTP_BAD_REQUEST')
  })

  it('only EntenteError escapes on random requests (property)', () => {
    const product = fc.oneof(fc.constantFrom(...valueSets.products.keys()), fc.string())
    const vaccine = fc.record(
      { product, dosesForCompletion: fc.oneof(fc.integer(), fc.double()), validityDays: fc.integer(), daysAfterLastDose: fc.jsonValue() },
      { requiredKeys: [] },
    )
    const request = fc.oneof(fc.jsonValue(), fc.record({ vaccines: fc.array(vaccine, { maxLength: 4 }), rules: fc.jsonValue() }, { requiredKeys: ['vaccines'] }))
    fc.assert(
      fc.property(request, (body) => {
        try {
          setVaccines(draft, body, valueSets)
          return true
        } catch (error) {
          return error instanceof EntenteError
        }
      }),
      { numRuns: 500, seed: 20_261_124 },
    )
  })
})
