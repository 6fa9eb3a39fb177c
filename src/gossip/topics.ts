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

/** What a list notice names: a list of `country` too large to gossip, held by the peer `via`. */
export interface ListNotice {
  readonly country: string
  readonly seq: number
  readonly hash: string
  /** The announcing node's peer id: each node announces once per list, so every hop is a new message id. */
  readonly via: string
}

export function encodeListNotice(notice: ListNotice): Uint8Array {
  return canonicalBytes({ type: 'entente.list-notice', version: 1, country: notice.country, seq: notice.seq, hash: notice.hash, via: notice.via })
}

/** The notice in a message, or undefined when it is not one (shape only: a notice proves nothing). */
export function decodeListNotice(data: Uint8Array): ListNotice | undefined {
  const value = decodeJsonMessage(data)
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined
  const { type, version, country, seq, hash, via, ...rest } = value as Record<string, unknown>
  if (type !== 'entente.list-notice' || version !== 1 || Object.keys(rest).length > 0) return undefined
  if (typeof country !== 'string' || !/^[A-Z]{2}$/.test(country) || typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1) return undefined
  if (typeof hash !== 'string' || !/^[0-9a-f]{64}$/.test(hash) || typeof via !== 'string' || via.length === 0 || via.length > 128) return undefined
  return { country, seq, hash, via }
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
