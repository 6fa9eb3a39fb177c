// Defaults of the diplomat workflow: lifetimes and caps. Every one can be overridden in DiplomatServiceInit.
export const DIPLOMAT_DEFAULTS = {
  /** An invite link works this long (ms), once. */
  inviteTtlMs: 72 * 60 * 60 * 1000,
  /** Longest invite lifetime an operator may ask for (ms). */
  maxInviteTtlMs: 30 * 24 * 60 * 60 * 1000,
  /** A WebAuthn challenge must be answered within this time (ms); the browser's own timeout is the same. */
  challengeTtlMs: 5 * 60 * 1000,
  /** A diplomat session lasts this long (ms) from sign-in, then the passkey is asked again. */
  sessionTtlMs: 60 * 60 * 1000,
  /** Outstanding (unanswered, unexpired) challenges beyond this are refused: anonymous sign-in must not fill the disk. */
  maxOutstandingChallenges: 10_000,
  /** Request bodies of the diplomat pages and API (bytes): a WebAuthn response is a few KiB. */
  maxBodyBytes: 64 * 1024,
} as const

export type DiplomatLimits = { readonly [K in keyof typeof DIPLOMAT_DEFAULTS]: number }

/** COSE algorithms offered at registration: exactly those the offline verifier re-checks. */
export { SUPPORTED_COSE_ALGORITHMS } from '../trust-list/verify-recognitions.js'

export const SESSION_COOKIE = 'entente_diplomat'
export const COOKIE_PATH = '/diplomats'
