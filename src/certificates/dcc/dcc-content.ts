// Reads type, medical summary and holder from a decoded DCC payload (hcert). Pure; never throws.
import type { CertificateSummary, CertificateType, Holder } from '../verdict.types.js'

/** EU value set test-result codes. */
const TEST_NOT_DETECTED = '260415000'
const TEST_DETECTED = '260373001'

export interface DccContent {
  /** undefined when the payload holds none or several of v/t/r. */
  type: Exclude<CertificateType, 'other'> | undefined
  groups: number
  entries: number
  summary: CertificateSummary
  holder: Holder | undefined
  /** The unique certificate identifier (`ci`) of the entry. */
  uci: string | undefined
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined
}

function num(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {}
}

export function readDccContent(hcert: Record<string, unknown>): DccContent {
  const groups = (['v', 't', 'r'] as const).filter((k) => Array.isArray(hcert[k]) && (hcert[k] as unknown[]).length > 0)
  const key = groups.length === 1 ? groups[0] : undefined
  const list = key === undefined ? [] : (hcert[key] as unknown[])
  const entry = record(list[0])
  const summary: CertificateSummary = {}
  let type: DccContent['type']
  if (key === 'v') {
    type = 'vaccination'
    summary.vaccination = {
      product: str(entry.mp),
      doseNumber: num(entry.dn),
      totalDoses: num(entry.sd),
      date: str(entry.dt),
      country: str(entry.co),
    }
  } else if (key === 't') {
    type = 'test'
    const tr = str(entry.tr)
    summary.test = {
      testType: str(entry.tt),
      result: tr === TEST_NOT_DETECTED ? 'negative' : tr === TEST_DETECTED ? 'positive' : 'unknown',
      sampledAt: str(entry.sc),
      country: str(entry.co),
    }
  } else if (key === 'r') {
    type = 'recovery'
    summary.recovery = { firstPositive: str(entry.fr), validFrom: str(entry.df), validUntil: str(entry.du), country: str(entry.co) }
  }
  const nam = record(hcert.nam)
  const given = str(nam.gn) ?? str(nam.gnt)
  const family = str(nam.fn) ?? str(nam.fnt)
  const name = [given, family].filter((x) => x !== undefined && x !== '').join(' ')
  const holder: Holder | undefined =
    name === '' && hcert.dob === undefined ? undefined : { name, dateOfBirth: str(hcert.dob), certificateId: str(entry.ci) }
  return { type, groups: groups.length, entries: list.length, summary, holder, uci: str(entry.ci) }
}
