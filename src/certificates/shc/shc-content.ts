// Reads type, medical summary and holder from a SMART Health Card's FHIR bundle. Pure; never throws.
import { COVID_CVX_CODES, CVX_TO_EU_PRODUCT } from '../policy/cvx-to-eu-product.js'
import type { CertificateSummary, CertificateType, Holder } from '../verdict.types.js'

const CVX_SYSTEM = 'http://hl7.org/fhir/sid/cvx'
const LOINC_SYSTEM = 'http://loinc.org'
// Common LOINC codes of SARS-CoV-2 NAAT and antigen tests (subset of the SHC vocabulary; extend as needed).
const COVID_TEST_LOINC = new Set([
  '94306-8', '94309-2', '94500-6', '94531-1', '94533-7', '94534-5', '94558-4', '94559-2', '94565-9',
  '94759-8', '94845-5', '95209-3', '95406-5', '95409-9', '95423-0', '95608-6', '96119-3', '96448-6', '97097-0',
])
// SNOMED CT results.
const NEGATIVE = new Set(['260385009', '260415000'])
const POSITIVE = new Set(['10828004', '260373001'])

type Json = Record<string, unknown>

function obj(value: unknown): Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : {}
}
function arr(value: unknown): unknown[] {
  return Array.isArray(value) ? value : []
}
function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined
}
function codings(concept: unknown): Json[] {
  return arr(obj(concept).coding).map(obj)
}
/** The first coding of `concept` in `system`, like codings(concept).find(…) without the array. */
function findCoding(concept: unknown, system: string): Json | undefined {
  for (const c of arr(obj(concept).coding)) {
    const coding = obj(c)
    if (coding.system === system) return coding
  }
  return undefined
}

export interface ShcContent {
  type: CertificateType
  summary: CertificateSummary
  holder: Holder | undefined
}

export function readShcContent(vc: Json): ShcContent {
  const bundle = obj(obj(vc.credentialSubject).fhirBundle)
  const resources = arr(bundle.entry).map((e) => obj(obj(e).resource))
  const summary: CertificateSummary = {}
  let type: CertificateType = 'other'

  // The latest completed COVID-19 dose decides; one pass, no intermediate arrays (this runs on every scan).
  let doseNumber = 0
  let last: { cvx: string; date: string | undefined } | undefined
  for (const r of resources) {
    if (r.resourceType !== 'Immunization' || r.status !== 'completed') continue
    const cvx = str(findCoding(r.vaccineCode, CVX_SYSTEM)?.code)
    if (cvx === undefined || !COVID_CVX_CODES.has(cvx)) continue
    doseNumber++
    const date = str(r.occurrenceDateTime)
    // ISO dates compare as strings; ">=" lets the later of two equal dates win, as a stable sort would.
    if (last === undefined || (date ?? '') >= (last.date ?? '')) last = { cvx, date }
  }
  if (last !== undefined) {
    type = 'vaccination'
    // Not `{ ...(product ? { product } : {}), … }`: V8 takes a ~1 µs slow path for a literal that opens with
    // a conditional spread. Same keys, same order.
    const product = CVX_TO_EU_PRODUCT[last.cvx]
    const vaccination: NonNullable<CertificateSummary['vaccination']> = product !== undefined ? { product, doseNumber } : { doseNumber }
    if (last.date !== undefined) vaccination.date = last.date
    summary.vaccination = vaccination
  } else {
    const test = resources.find(
      (r) =>
        r.resourceType === 'Observation' &&
        codings(r.code).some((c) => c.system === LOINC_SYSTEM && COVID_TEST_LOINC.has(str(c.code) ?? '')),
    )
    if (test !== undefined) {
      type = 'test'
      const result = codings(test.valueCodeableConcept).map((c) => str(c.code) ?? '')
      summary.test = {
        testType: str(codings(test.code).find((c) => c.system === LOINC_SYSTEM)?.code),
        result: result.some((c) => NEGATIVE.has(c)) ? 'negative' : result.some((c) => POSITIVE.has(c)) ? 'positive' : 'unknown',
        ...(str(test.effectiveDateTime) !== undefined ? { sampledAt: str(test.effectiveDateTime) } : {}),
      }
    }
  }

  const patient = resources.find((r) => r.resourceType === 'Patient')
  let holder: Holder | undefined
  if (patient !== undefined) {
    const name = obj(arr(patient.name)[0])
    const given = arr(name.given).filter((g): g is string => typeof g === 'string')
    const full = str(name.text) ?? [...given, str(name.family)].filter((x) => x !== undefined && x !== '').join(' ')
    holder = { name: full, ...(str(patient.birthDate) !== undefined ? { dateOfBirth: str(patient.birthDate) } : {}) }
  }
  return { type, summary, holder }
}
