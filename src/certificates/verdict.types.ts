// The one verdict shape for every certificate format. Types only.
import type { CertificateErrorCode } from './error-codes.js'

export type CertificateFormat = 'dcc' | 'shc'
export type CertificateType = 'vaccination' | 'test' | 'recovery' | 'other'

export interface Reason {
  code: CertificateErrorCode
  message: string
}

export type WarningCode =
  | 'WARN_SCHEMA'
  | 'WARN_ISSUER_MISMATCH'
  | 'WARN_MULTIPLE_ENTRIES'
  | 'WARN_SHC_ISSUER_UNBOUND'
  | 'WARN_SHC_JWS_TOO_LONG'
  | 'WARN_SHC_CHUNKS'
  | 'WARN_SHC_VC_TYPE'

export interface Warning {
  code: WarningCode
  message: string
}

/** Medical content without identity: enough for a human to see why a verdict came out as it did. */
export interface CertificateSummary {
  vaccination?: { product?: string; doseNumber: number; totalDoses?: number; date?: string; country?: string }
  test?: { testType?: string; result: 'negative' | 'positive' | 'unknown'; sampledAt?: string; country?: string }
  recovery?: { firstPositive?: string; validFrom?: string; validUntil?: string; country?: string }
}

export interface Holder {
  name: string
  dateOfBirth?: string
  /** DCC unique certificate identifier (links to a person, so shown only with the holder). */
  certificateId?: string
}

export interface Verdict {
  /** True only if every check passed: signature, signer, validity, revocation, recognition and policy. */
  valid: boolean
  format: CertificateFormat | 'unknown'
  /** Issuing country (ISO 3166-1 alpha-2) when known. */
  issuer?: string
  /** SHC `iss` URL. */
  issuerUrl?: string
  kid?: string
  type?: CertificateType
  issuedAt?: string
  expiresAt?: string
  summary?: CertificateSummary
  reasons: Reason[]
  warnings: Warning[]
  /** Only with `showHolder`. */
  holder?: Holder
}
