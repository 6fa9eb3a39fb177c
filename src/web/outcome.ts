// The five outcomes a door guard reads at a glance, from a verdict's reason codes, with one plain sentence why.
// Pure: no DOM, no I/O; the country names come from the caller (Intl in the page, anything in tests).
import type { CertificateErrorCode } from '../certificates/error-codes.js'
import type { Reason, Verdict } from '../certificates/verdict.types.js'

export type Outcome = 'valid' | 'not-valid' | 'not-recognized' | 'revoked' | 'trust-data-too-old'

export interface OutcomeView {
  readonly outcome: Outcome
  /** The word shown large: VALID, NOT VALID, NOT RECOGNIZED, REVOKED, TRUST DATA TOO OLD. */
  readonly title: string
  /** One sentence a guard can act on. */
  readonly sentence: string
  /** The code that decided it (shown small, for support calls); undefined for VALID. */
  readonly code?: CertificateErrorCode
}

export const OUTCOME_TITLES: Readonly<Record<Outcome, string>> = {
  valid: 'VALID',
  'not-valid': 'NOT VALID',
  'not-recognized': 'NOT RECOGNIZED',
  revoked: 'REVOKED',
  'trust-data-too-old': 'TRUST DATA TOO OLD',
}

/**
 * Which outcome each code leads to, and how strongly. A certain refusal (revoked, forged, expired) outranks
 * "sync first": newer trust data cannot make it valid. Old trust data outranks "not recognized", since a sync may
 * bring the recognition or the key. Codes not listed fall back to NOT VALID (fail closed).
 */
const RANK: Readonly<Record<Outcome, number>> = { revoked: 4, 'not-valid': 3, 'trust-data-too-old': 2, 'not-recognized': 1, valid: 0 }

function outcomeOf(code: CertificateErrorCode): Outcome {
  switch (code) {
    case 'ERR_CERT_REVOKED':
    case 'ERR_SIGNER_REVOKED':
      return 'revoked'
    case 'ERR_EXPIRED_TRUST_LIST':
    case 'ERR_REVOCATIONS_MISSING':
      return 'trust-data-too-old'
    case 'ERR_NOT_RECOGNIZED':
    case 'ERR_NOT_RECOGNIZED_SCOPE':
    case 'ERR_NOT_RECOGNIZED_EQUIVOCATION':
    case 'ERR_KEY_UNKNOWN':
      return 'not-recognized'
    default:
      return 'not-valid'
  }
}

const TYPE_WORDS: Readonly<Record<string, string>> = { vaccination: 'Vaccination', test: 'Test', recovery: 'Recovery', other: 'Health' }

/** The outcome of `verdict`; `countryName` turns ISO codes into names (default: the code itself). */
export function outcomeOfVerdict(verdict: Pick<Verdict, 'valid' | 'reasons' | 'issuer' | 'type'>, countryName: (code: string) => string = (c) => c): OutcomeView {
  const from = verdict.issuer === undefined ? undefined : countryName(verdict.issuer)
  if (verdict.valid && verdict.reasons.length === 0) {
    const kind = TYPE_WORDS[verdict.type ?? 'other'] ?? 'Health'
    return { outcome: 'valid', title: OUTCOME_TITLES.valid, sentence: `${kind} certificate${from === undefined ? '' : ` from ${from}`}: genuine, not revoked, and accepted by the rules of home.` }
  }
  // A verdict that says invalid without a reason is still refused.
  const reasons: readonly Reason[] = verdict.reasons.length > 0 ? verdict.reasons : [{ code: 'ERR_DECODE_UNEXPECTED', message: 'no reason given' }]
  let decisive = reasons[0] as Reason
  for (const reason of reasons) if (RANK[outcomeOf(reason.code)] > RANK[outcomeOf(decisive.code)]) decisive = reason
  const outcome = outcomeOf(decisive.code)
  const sentence = sentenceOf(decisive.code, from)
  return { outcome, title: OUTCOME_TITLES[outcome], sentence: sentence.charAt(0).toUpperCase() + sentence.slice(1), code: decisive.code }
}

function sentenceOf(code: CertificateErrorCode, from: string | undefined): string {
  const issuer = from ?? 'the issuing country'
  if (code.startsWith('ERR_DECODE')) return code === 'ERR_DECODE_TOO_LARGE' ? 'This code is too large to be a health certificate.' : 'This is not a readable health certificate.'
  if (code.startsWith('ERR_POLICY')) return POLICY[code] ?? 'The certificate does not meet the entry rules of home.'
  switch (code) {
    case 'ERR_CERT_REVOKED':
      return `${issuer} has revoked this certificate.`
    case 'ERR_SIGNER_REVOKED':
      return `${issuer} has revoked the key that signed this certificate.`
    case 'ERR_EXPIRED_TRUST_LIST':
      return 'The trust data on this device has expired: sync, then scan again.'
    case 'ERR_REVOCATIONS_MISSING':
      return `The revocation data of ${issuer} is missing on this device: sync, then scan again.`
    case 'ERR_NOT_RECOGNIZED':
      return `Home does not recognize certificates from ${issuer}.`
    case 'ERR_NOT_RECOGNIZED_SCOPE':
      return `Home does not recognize this kind of certificate from ${issuer}.`
    case 'ERR_NOT_RECOGNIZED_EQUIVOCATION':
      return `The trust data of ${issuer} is in dispute, so its certificates are refused for now.`
    case 'ERR_KEY_UNKNOWN':
      return 'Its signer is in none of the trust lists on this device.'
    case 'ERR_EXPIRED':
      return 'The certificate has expired.'
    case 'ERR_NOT_YET_VALID':
      return 'The certificate is not valid yet.'
    case 'ERR_EXPIRED_SIGNER':
    case 'ERR_NOT_YET_VALID_SIGNER':
      return 'It was signed with a key that was not valid at that time.'
    case 'ERR_KEY_USAGE':
      return `The signing key of ${issuer} may not sign this kind of certificate.`
    default:
      return 'The signature does not check out: the certificate may be forged or altered.'
  }
}

const POLICY: Partial<Record<CertificateErrorCode, string>> = {
  ERR_POLICY_TYPE_NOT_ACCEPTED: 'Home does not accept this kind of certificate.',
  ERR_POLICY_VACCINE_NOT_ACCEPTED: 'Home does not accept this vaccine.',
  ERR_POLICY_DOSES_INCOMPLETE: 'The vaccination is not complete.',
  ERR_POLICY_VACCINATION_TOO_RECENT: 'The vaccination is too recent to count yet.',
  ERR_POLICY_VACCINATION_EXPIRED: 'The vaccination is too old to count.',
  ERR_POLICY_TEST_POSITIVE: 'The test result is positive.',
  ERR_POLICY_TEST_TOO_OLD: 'The test is too old.',
  ERR_POLICY_RECOVERY_NOT_YET_VALID: 'The recovery certificate is not valid yet.',
  ERR_POLICY_RECOVERY_EXPIRED: 'The recovery certificate has expired.',
  ERR_POLICY_DATA_INVALID: 'The certificate holds data the rules cannot read.',
}
