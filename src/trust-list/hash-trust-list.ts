// The identity of a list: SHA-256 of its canonical payload, independent of who signed it or how often.
import { canonicalize } from '../model/canonical-json.js'
import { sha256Hex } from '../model/encoding.js'
import type { TrustListPayload } from '../model/schema.types.js'

export function hashTrustList(payload: TrustListPayload): string {
  return sha256Hex(canonicalize(payload))
}
