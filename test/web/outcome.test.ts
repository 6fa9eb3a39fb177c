// The five door-guard outcomes from verdict reason codes: every code maps somewhere, certain refusals outrank
// "sync first", and the sentence names the issuing country.
import { describe, expect, it } from 'vitest'
import type { CertificateErrorCode } from '../../src/certificates/error-codes.js'
import type { Verdict } from '../../src/certificates/verdict.types.js'
import { OUTCOME_TITLES, outcomeOfVerdict } from '../../src/web/outcome.js'

const verdict = (codes: CertificateErrorCode[], extra: Partial<Verdict> = {}): Verdict => ({
  valid: codes.length === 0,
  format: 'dcc',
  issuer: 'IL',
  type: 'vaccination',
  reasons: codes.map((code) => ({ code, message: code })),
  warnings: [],
  ...extra,
})
const names = (code: string) => ({ IL: 'Israel (IL)', CN: 'China (CN)' })[code] ?? code

describe('outcomeOfVerdict', () => {
  it('VALID only for a valid verdict without reasons, naming the kind and country', () => {
    const view = outcomeOfVerdict(verdict([]), names)
    expect(view).toEqual({ outcome: 'valid', title: 'VALID', sentence: expect.stringContaining('Vaccination certificate from Israel (IL)') as string })
    expect(view.code).toBeUndefined()
    // A verdict claiming valid but carrying a reason is not shown as valid (fail closed).
    expect(outcomeOfVerdict({ ...verdict(['ERR_CERT_REVOKED']), valid: true }).outcome).toBe('revoked')
    expect(outcomeOfVerdict({ valid: false, reasons: [] }).outcome).toBe('not-valid')
  })

  it.each<[CertificateErrorCode, string]>([
    ['ERR_CERT_REVOKED', 'revoked'],
    ['ERR_SIGNER_REVOKED', 'revoked'],
    ['ERR_NOT_RECOGNIZED', 'not-recognized'],
    ['ERR_NOT_RECOGNIZED_SCOPE', 'not-recognized'],
    ['ERR_NOT_RECOGNIZED_EQUIVOCATION', 'not-recognized'],
    ['ERR_KEY_UNKNOWN', 'not-recognized'],
    ['ERR_EXPIRED_TRUST_LIST', 'trust-data-too-old'],
    ['ERR_REVOCATIONS_MISSING', 'trust-data-too-old'],
    ['ERR_SIGNATURE', 'not-valid'],
    ['ERR_EXPIRED', 'not-valid'],
    ['ERR_DECODE_BASE45', 'not-valid'],
    ['ERR_POLICY_TEST_POSITIVE', 'not-valid'],
    ['ERR_KID_MISMATCH', 'not-valid'],
  ])('%s → %s', (code, outcome) => {
    const view = outcomeOfVerdict(verdict([code]), names)
    expect(view.outcome).toBe(outcome)
    expect(view.title).toBe(OUTCOME_TITLES[view.outcome])
    expect(view.code).toBe(code)
    // One sentence: a capital, one full stop at the end.
    expect(view.sentence).toMatch(/^[A-Z][^]*[.]$/)
  })

  it('a certain refusal outranks old trust data, which outranks not recognized', () => {
    expect(outcomeOfVerdict(verdict(['ERR_EXPIRED_TRUST_LIST', 'ERR_CERT_REVOKED'])).outcome).toBe('revoked')
    expect(outcomeOfVerdict(verdict(['ERR_EXPIRED_TRUST_LIST', 'ERR_SIGNATURE'])).outcome).toBe('not-valid')
    expect(outcomeOfVerdict(verdict(['ERR_NOT_RECOGNIZED', 'ERR_EXPIRED_TRUST_LIST'])).outcome).toBe('trust-data-too-old')
    expect(outcomeOfVerdict(verdict(['ERR_NOT_RECOGNIZED', 'ERR_EXPIRED'])).outcome).toBe('not-valid')
  })

  it('names the issuing country in the reason', () => {
    expect(outcomeOfVerdict(verdict(['ERR_NOT_RECOGNIZED'], { issuer: 'CN' }), names).sentence).toBe('Home does not recognize certificates from China (CN).')
    expect(outcomeOfVerdict(verdict(['ERR_CERT_REVOKED']), names).sentence).toBe('Israel (IL) has revoked this certificate.')
    expect(outcomeOfVerdict(verdict(['ERR_CERT_REVOKED'], { issuer: undefined })).sentence).toBe('The issuing country has revoked this certificate.')
  })
})
