// Parses a signed revocation list from the wire into payload and signature, with size, shape, canonical-form and
// schema checks. Does not check the signature (see verify-revocation-list.ts). Pure: no I/O.
import { EntenteError } from '../model/errors.js'
import type { RevocationListPayload, SignedRevocationList } from '../model/schema.types.js'
import { decodeSignedDocument, type DecodedSignature, type SignedDocumentKind } from '../trust-list/decode-signed-document.js'
import { DEFAULT_MAX_REVOCATION_LIST_BYTES, REVOCATION_LIST_TYP } from './constants.js'

export type RevocationListInput = string | Uint8Array | SignedRevocationList

export interface DecodedRevocationList {
  readonly signed: SignedRevocationList
  readonly payload: RevocationListPayload
  readonly hash: string
  readonly size: number
  /** A revocation list has exactly one signature: the country's current root. */
  readonly signature: DecodedSignature
}

const REVOCATION_LIST: SignedDocumentKind<'signed-revocation-list.v1', 'revocation-list.v1'> = {
  name: 'revocation list',
  typ: REVOCATION_LIST_TYP,
  signedSchema: 'signed-revocation-list.v1',
  payloadSchema: 'revocation-list.v1',
  codes: {
    malformed: 'ERR_REVOCATION_MALFORMED',
    tooLarge: 'ERR_REVOCATION_TOO_LARGE',
    schema: 'ERR_REVOCATION_SCHEMA',
    notCanonical: 'ERR_REVOCATION_NOT_CANONICAL',
    chain: 'ERR_REVOCATION_CHAIN',
  },
}

export function decodeRevocationList(input: RevocationListInput, maxBytes = DEFAULT_MAX_REVOCATION_LIST_BYTES): DecodedRevocationList {
  const { signatures, ...decoded } = decodeSignedDocument(input, REVOCATION_LIST, maxBytes)
  const signature = signatures[0]
  if (signature === undefined || signatures.length !== 1) throw new EntenteError('ERR_REVOCATION_MALFORMED', 'a revocation list carries exactly one signature')
  return { ...decoded, signature }
}
