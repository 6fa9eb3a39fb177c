// Codes of recognition evidence checks: a recognition grants trust only with a quorum of valid diplomat approvals.
export type RecognitionErrorCode =
  | 'ERR_RECOGNITION_UNKNOWN_CREDENTIAL'
  | 'ERR_RECOGNITION_SIGNATURE'
  | 'ERR_RECOGNITION_WRONG_ENTRY'
  | 'ERR_RECOGNITION_DUPLICATE_DIPLOMAT'
  | 'ERR_RECOGNITION_REPLAY'
  | 'ERR_RECOGNITION_UNDER_QUORUM'
  | 'ERR_RECOGNITION_USER_VERIFICATION'
  | 'ERR_RECOGNITION_ORIGIN'
  | 'ERR_RECOGNITION_RP_ID'
  | 'ERR_RECOGNITION_MALFORMED'
  /** Evidence bound to a chain position it may not have: before the governance epoch, not newer than held evidence. */
  | 'ERR_RECOGNITION_STALE'
  /** One list both recognizes and withdraws a country. */
  | 'ERR_RECOGNITION_CONFLICT'
  /** The diplomats or quorum changed without a quorum of the previous diplomats approving exactly that change. */
  | 'ERR_GOVERNANCE_UNAPPROVED'
  /** Quorum below 2 with two or more diplomats, or above their number. */
  | 'ERR_GOVERNANCE_QUORUM'
  /** governance.since does not fit the chain. */
  | 'ERR_GOVERNANCE_EPOCH'
  | DiplomatErrorCode

// Codes of the node's diplomat workflow (invites, passkey ceremonies, sessions, proposals). They live here
// because this file is the recognition part of the one EntenteError union.
export type DiplomatErrorCode =
  | 'ERR_DIPLOMAT_MALFORMED'
  | 'ERR_DIPLOMAT_INVITE_UNKNOWN'
  | 'ERR_DIPLOMAT_INVITE_USED'
  | 'ERR_DIPLOMAT_INVITE_EXPIRED'
  | 'ERR_DIPLOMAT_CHALLENGE'
  | 'ERR_DIPLOMAT_WEBAUTHN'
  | 'ERR_DIPLOMAT_UNKNOWN_CREDENTIAL'
  | 'ERR_DIPLOMAT_EXISTS'
  | 'ERR_DIPLOMAT_NOT_FOUND'
  | 'ERR_DIPLOMAT_SESSION'
  | 'ERR_DIPLOMAT_CSRF'
  | 'ERR_DIPLOMAT_COUNTRY_UNKNOWN'
  | 'ERR_DIPLOMAT_PROPOSAL_NOT_FOUND'
  | 'ERR_DIPLOMAT_PROPOSAL_EXISTS'
  | 'ERR_DIPLOMAT_PROPOSAL_CLOSED'
  | 'ERR_DIPLOMAT_ALREADY_APPROVED'
  | 'ERR_DIPLOMAT_BUSY'
  | 'ERR_DIPLOMAT_NOT_PUBLISHED'
  | 'ERR_DIPLOMAT_NOT_IN_FORCE'
  | 'ERR_DIPLOMAT_FINGERPRINT_MISMATCH'
