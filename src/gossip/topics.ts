// Message encodings of the two gossip topics. Pure: bytes in, bytes out; verification happens in the validators.
import { canonicalBytes } from '../model/canonical-json.js'
import type { EquivocationProof, SignedRevocationIndex, SignedRevocationList, SignedRevocationPartition, SignedTrustList } from '../model/schema.types.js'

/**
 * A trust-list message is the signed list as canonical JSON. Canonical bytes matter: the gossip message id is the
 * SHA-256 of the data, so the same list published by two nodes must be the same bytes to be one message.
 */
export function encodeListMessage(signed: SignedTrustList): Uint8Array {
  return canonicalBytes({
    payload: signed.payload,
    signatures: signed.signatures.map((s) => ({ protected: s.protected, signature: s.signature })),
  })
}

/**
 * A revocation message is one signed revocation document (single list, index or partition; its typ tells which) as
 * canonical JSON: one document, one byte string, one message id.
 */
export function encodeRevocationMessage(signed: SignedRevocationList | SignedRevocationIndex | SignedRevocationPartition): Uint8Array {
  return canonicalBytes({
    payload: signed.payload,
    signatures: signed.signatures.map((s) => ({ protected: s.protected, signature: s.signature })),
  })
}

/** An alarm message is the equivocation proof as canonical JSON (lists ordered by hash, so also one message id). */
export function encodeAlarmMessage(proof: EquivocationProof): Uint8Array {
  return canonicalBytes(proof)
}

/** Parses a message as UTF-8 JSON; undefined when it is not (its content is checked by its verifier). */
export function decodeJsonMessage(data: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(data)) as unknown
  } catch {
    return undefined
  }
}

/** Upper bound of an alarm message: two lists plus the proof envelope. */
export function maxAlarmBytes(maxListBytes: number): number {
  return 2 * maxListBytes + 4096
}
