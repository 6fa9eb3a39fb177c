// Codes of the verifier SDK and `entente sync` (the bundle as a whole, sources), plus the revocation codes, so
// src/model/errors.ts takes both into the one union with one line.
import type { RevocationErrorCode } from '../revocation/error-codes.js'

export type VerifierErrorCode =
  /** A verified-bundle file that does not re-verify (edited on disk, or written by something else). */
  | 'ERR_BUNDLE_INVALID'
  /** The bundle file belongs to another home country than asked for. */
  | 'ERR_BUNDLE_HOME_MISMATCH'
  /** No source gave a home list that verifies from the pinned root. */
  | 'ERR_SYNC_NO_VALID_SOURCE'
  /** A source served lists older than ones already accepted (a frozen or lagging node or mirror). */
  | 'ERR_SYNC_STALE_SOURCE'
  /** A sync response larger on the wire than the sync accepts (declared or counted bytes, before decoding). */
  | 'ERR_SYNC_WIRE_TOO_LARGE'
  /** A sync response that decompresses past the decoded-size cap (a compression bomb, or an oversized bundle). */
  | 'ERR_SYNC_DECOMPRESSED_TOO_LARGE'
  | RevocationErrorCode
