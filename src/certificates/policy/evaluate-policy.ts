// Applies the home country's vaccine list and rules to a certificate's medical content.
// Pure: no I/O; `now` is supplied by the caller.
import type { Policy, Recognition } from '../trust-material.types.js'
import type { CertificateSummary, CertificateType, Reason } from '../verdict.types.js'

const DAY_MS = 86_400_000
const HOUR_MS = 3_600_000

/** EU value set test-result: "Not detected". */
const TEST_RESULT_NEGATIVE = 'negative'

function parseDate(value: string | undefined): Date | undefined {
  if (value === undefined || value === '') return undefined
  const date = new Date(value)
  return Number.isNaN(date.getTime()) ? undefined : date
}

export function evaluatePolicy(
  type: CertificateType,
  summary: CertificateSummary,
  policy: Policy,
  recognition: Recognition | undefined,
  now: Date,
): Reason[] {
  const reasons: Reason[] = []
  const at = now.getTime()
  switch (type) {
    case 'vaccination': {
      const v = summary.vaccination
      const product = v?.product
      const accepted = product === undefined ? undefined : policy.vaccines.find((x) => x.product === product)
      if (v === undefined || product === undefined || accepted === undefined) {
        reasons.push({ code: 'ERR_POLICY_VACCINE_NOT_ACCEPTED', message: `vaccine ${product ?? '(none)'} is not accepted` })
        break
      }
      if (recognition?.vaccines !== undefined && !recognition.vaccines.includes(product)) {
        reasons.push({
          code: 'ERR_POLICY_VACCINE_NOT_ACCEPTED',
          message: `vaccine ${product} is not accepted from ${recognition.country}`,
        })
      }
      if (v.doseNumber < accepted.dosesForCompletion) {
        reasons.push({
          code: 'ERR_POLICY_DOSES_INCOMPLETE',
          message: `dose ${v.doseNumber} of ${accepted.dosesForCompletion} needed for ${product}`,
        })
      }
      const date = parseDate(v.date)
      if (date === undefined) {
        reasons.push({ code: 'ERR_POLICY_DATA_INVALID', message: 'vaccination date is missing or invalid' })
        break
      }
      const days = Math.floor((at - date.getTime()) / DAY_MS)
      if (days < (accepted.daysAfterLastDose ?? 0)) {
        reasons.push({
          code: 'ERR_POLICY_VACCINATION_TOO_RECENT',
          message: `last dose ${days} days ago; accepted from day ${accepted.daysAfterLastDose ?? 0}`,
        })
      }
      if (days > accepted.validityDays) {
        reasons.push({
          code: 'ERR_POLICY_VACCINATION_EXPIRED',
          message: `last dose ${days} days ago; accepted for ${accepted.validityDays} days`,
        })
      }
      break
    }
    case 'test': {
      const t = summary.test
      if (t === undefined || t.result !== TEST_RESULT_NEGATIVE) {
        reasons.push({ code: 'ERR_POLICY_TEST_POSITIVE', message: `test result is ${t?.result ?? 'missing'}, not negative` })
      }
      const sampled = parseDate(t?.sampledAt)
      if (sampled === undefined) {
        reasons.push({ code: 'ERR_POLICY_DATA_INVALID', message: 'test sample time is missing or invalid' })
        break
      }
      if (sampled.getTime() > at) {
        reasons.push({ code: 'ERR_POLICY_DATA_INVALID', message: 'test sample time is in the future' })
      }
      const maxHours = policy.rules?.testMaxAgeHours
      if (maxHours !== undefined && at - sampled.getTime() > maxHours * HOUR_MS) {
        reasons.push({ code: 'ERR_POLICY_TEST_TOO_OLD', message: `test sampled more than ${maxHours} hours ago` })
      }
      break
    }
    case 'recovery': {
      const r = summary.recovery
      const from = parseDate(r?.validFrom)
      const until = parseDate(r?.validUntil)
      const first = parseDate(r?.firstPositive)
      if (from !== undefined && at < from.getTime()) {
        reasons.push({ code: 'ERR_POLICY_RECOVERY_NOT_YET_VALID', message: `recovery valid from ${r?.validFrom ?? ''}` })
      }
      // du is a date: the whole day counts.
      if (until !== undefined && at >= until.getTime() + DAY_MS) {
        reasons.push({ code: 'ERR_POLICY_RECOVERY_EXPIRED', message: `recovery valid until ${r?.validUntil ?? ''}` })
      }
      const days = policy.rules?.recoveryValidityDays
      if (days !== undefined) {
        if (first === undefined) {
          reasons.push({ code: 'ERR_POLICY_DATA_INVALID', message: 'first positive test date is missing or invalid' })
        } else if (at > first.getTime() + (days + 1) * DAY_MS) {
          reasons.push({ code: 'ERR_POLICY_RECOVERY_EXPIRED', message: `recovery accepted for ${days} days after the positive test` })
        }
      }
      break
    }
    case 'other':
      reasons.push({ code: 'ERR_POLICY_TYPE_NOT_ACCEPTED', message: 'only vaccination, test and recovery certificates are accepted' })
      break
  }
  return reasons
}
