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

  const doses = resources
    .filter((r) => r.resourceType === 'Immunization' && r.status === 'completed')
    .map((r) => {
      const cvx = codings(r.vaccineCode).find((c) => c.system === CVX_SYSTEM)
      return { cvx: str(cvx?.code), date: str(r.occurrenceDateTime) }
    })
    .filter((d) => d.cvx !== undefined && COVID_CVX_CODES.has(d.cvx))
    // ISO dates sort as strings; plain comparison (not localeCompare) keeps this off the hot path.
    .sort((a, b) => ((a.date ?? '') < (b.date ?? '') ? -1 : (a.date ?? '') > (b.date ?? '') ? 1 : 0))
  const last = doses[doses.length - 1]
  if (last !== undefined) {
    type = 'vaccination'
    summary.vaccination = {
      ...(last.cvx !== undefined && CVX_TO_EU_PRODUCT[last.cvx] !== undefined ? { product: CVX_TO_EU_PRODUCT[last.cvx] } : {}),
      doseNumber: doses.length,
      ...(last.date !== undefined ? { date: last.date } : {}),
    }
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
