// Options of a single verification. Types only.
import type { DecodeLimits } from './constants.js'

export interface VerifyOptions {
  /** Verification time. Always injected: verification never reads the clock. */
  now: Date
  /** Include the holder's name, date of birth and certificate id in the verdict (default false: privacy). */
  showHolder?: boolean
  /** Tolerance for issuer clocks when checking iat/nbf, in seconds (default 0). */
  clockSkewSeconds?: number
  /** Size caps (default `defaultLimits`). */
  limits?: DecodeLimits
}
