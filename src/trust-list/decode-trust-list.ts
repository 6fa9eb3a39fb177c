// Parses a signed trust list from the wire into its payload and signatures, with size, shape,
// canonical-form and schema checks. Does not check signatures (see verify-trust-list.ts). Pure.
import type { SignedTrustList, TrustListPayload } from '../model/schema.types.js'
import { DEFAULT_MAX_TRUST_LIST_BYTES, TRUST_LIST_TYP } from './constants.js'
import { decodeSignedDocument, type DecodedSignature, type PayloadEncoding, type SignedDocumentKind } from './decode-signed-document.js'

export type { DecodedSignature } from './decode-signed-document.js'

export interface DecodedTrustList {
  readonly signed: SignedTrustList
  readonly payload: TrustListPayload
  readonly hash: string
  readonly size: number
  readonly encoding: PayloadEncoding
  readonly signatures: readonly DecodedSignature[]
}

export type TrustListInput = string | Uint8Array | SignedTrustList

const TRUST_LIST: SignedDocumentKind<'signed-trust-list.v1', 'trust-list.v1'> = {
  name: 'trust list',
  typ: TRUST_LIST_TYP,
  signedSchema: 'signed-trust-list.v1',
  payloadSchema: 'trust-list.v1',
  codes: {
    malformed: 'ERR_TRUST_LIST_MALFORMED',
    tooLarge: 'ERR_TRUST_LIST_TOO_LARGE',
    schema: 'ERR_TRUST_LIST_SCHEMA',
    notCanonical: 'ERR_TRUST_LIST_NOT_CANONICAL',
    chain: 'ERR_TRUST_LIST_CHAIN',
  },
}

export function decodeTrustList(input: TrustListInput, maxBytes = DEFAULT_MAX_TRUST_LIST_BYTES): DecodedTrustList {
  return decodeSignedDocument(input, TRUST_LIST, maxBytes)
}
