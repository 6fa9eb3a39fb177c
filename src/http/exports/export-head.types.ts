// Inputs shared by the exports for existing verifier apps (EU DCC gateway, SMART Health Cards, WHO GDHCN).
// Types only.
import type { TrustListPayload } from '../../model/schema.types.js'

/**
 * The verified latest list of one country. The caller (the HTTP layer) has already checked its signature,
 * chain and expiry; the exports trust it as given and only select signers from it.
 */
export interface ExportHead {
  /** ISO 3166-1 alpha-2 code of the country whose list this is. */
  country: string
  payload: TrustListPayload
  /** RFC 3339 issue time of the list (normally `payload.issuedAt`). */
  issuedAt: string
}

/** Time is injected: an export lists exactly the signers Entente itself would accept at `now`. */
export interface ExportTime {
  readonly now: Date
}
