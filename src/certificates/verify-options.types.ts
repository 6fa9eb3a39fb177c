// Options of a single verification. Types only.
import type { DecodeLimits } from './constants.js'
import type { IsRevoked } from './revocation-check.js'

export interface VerifyOptions {
  /** Verification time. Always injected: verification never reads the clock. */
  now: Date
  /** Include the holder's name, date of birth and certificate id in the verdict (default false: privacy). */
  showHolder?: boolean
  /** Tolerance for issuer clocks when checking iat/nbf, in seconds (default 0). */
  clockSkewSeconds?: number
  /** Size caps (default `defaultLimits`). */
  limits?: DecodeLimits
  /**
   * Certificate revocation, asked once per verdict after the signature verified, with the issuing country (default:
   * the trust material's own `revokedCertificates`). A verifier holding per-country revocations answers here.
   */
  isRevoked?: IsRevoked
}
