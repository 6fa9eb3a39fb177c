// Parses a signed revocation index or partition from the wire: size cap, JWS shape, typ, canonical payload, schema.
// Does not check signatures, chains or the index/partition binding (see verify-revocation-partitions.ts). Pure.
import { EntenteError } from '../model/errors.js'
import type { RevocationIndexPayload, RevocationPartitionPayload, SignedRevocationIndex, SignedRevocationPartition } from '../model/schema.types.js'
import { decodeSignedDocument, type DecodedSignature, type SignedDocumentKind } from '../trust-list/decode-signed-document.js'
import { DEFAULT_MAX_REVOCATION_INDEX_BYTES, DEFAULT_MAX_REVOCATION_PARTITION_BYTES, REVOCATION_INDEX_TYP, REVOCATION_PARTITION_TYP } from './constants.js'

export type RevocationIndexInput = string | Uint8Array | SignedRevocationIndex
export type RevocationPartitionInput = string | Uint8Array | SignedRevocationPartition

export interface DecodedRevocationDocument<S, P> {
  readonly signed: S
  readonly payload: P
  /** SHA-256 hex of the canonical payload: what the index names and `prev` chains. */
  readonly hash: string
  readonly size: number
  /** Exactly one signature: the country's root. */
  readonly signature: DecodedSignature
}
export type DecodedRevocationIndex = DecodedRevocationDocument<SignedRevocationIndex, RevocationIndexPayload>
export type DecodedRevocationPartition = DecodedRevocationDocument<SignedRevocationPartition, RevocationPartitionPayload>

const CODES = {
  malformed: 'ERR_REVOCATION_MALFORMED',
  tooLarge: 'ERR_REVOCATION_TOO_LARGE',
  schema: 'ERR_REVOCATION_SCHEMA',
  notCanonical: 'ERR_REVOCATION_NOT_CANONICAL',
  chain: 'ERR_REVOCATION_CHAIN',
} as const

const INDEX: SignedDocumentKind<'signed-revocation-index.v1', 'revocation-index.v1'> = {
  name: 'revocation index',
  typ: REVOCATION_INDEX_TYP,
  signedSchema: 'signed-revocation-index.v1',
  payloadSchema: 'revocation-index.v1',
  codes: CODES,
}

const PARTITION: SignedDocumentKind<'signed-revocation-partition.v1', 'revocation-partition.v1'> = {
  name: 'revocation partition',
  typ: REVOCATION_PARTITION_TYP,
  signedSchema: 'signed-revocation-partition.v1',
  payloadSchema: 'revocation-partition.v1',
  codes: CODES,
}

export function decodeRevocationIndex(input: RevocationIndexInput, maxBytes = DEFAULT_MAX_REVOCATION_INDEX_BYTES): DecodedRevocationIndex {
  const { signatures, ...decoded } = decodeSignedDocument(input, INDEX, maxBytes)
  return { ...decoded, signature: single(signatures) }
}

export function decodeRevocationPartition(input: RevocationPartitionInput, maxBytes = DEFAULT_MAX_REVOCATION_PARTITION_BYTES): DecodedRevocationPartition {
  const { signatures, ...decoded } = decodeSignedDocument(input, PARTITION, maxBytes)
  return { ...decoded, signature: single(signatures) }
}

function single(signatures: readonly DecodedSignature[]): DecodedSignature {
  const signature = signatures[0]
  if (signature === undefined || signatures.length !== 1) throw new EntenteError('ERR_REVOCATION_MALFORMED', 'a revocation document carries exactly one signature')
  return signature
}
