// Parses a signed revocation list from the wire into payload and signature, with size, shape, canonical-form and
// schema checks. Does not check the signature (see verify-revocation-list.ts). Pure: no I/O.
import { canonicalize } from '../model/canonical-json.js'
import { fromBase64url, sha256Hex, utf8 } from '../model/encoding.js'
import { EntenteError } from '../model/errors.js'
import { schemaValidators } from '../model/schemas.js'
import type { RevocationListPayload, SignedRevocationList } from '../model/schema.types.js'
import { DEFAULT_MAX_REVOCATION_LIST_BYTES, REVOCATION_LIST_TYP } from './constants.js'

export type RevocationListInput = string | Uint8Array | SignedRevocationList

export interface DecodedRevocationList {
  readonly signed: SignedRevocationList
  readonly payload: RevocationListPayload
  readonly hash: string
  readonly size: number
  readonly signature: { readonly protected: string; readonly signature: string; readonly alg: 'ES256' | 'EdDSA'; readonly kid: string }
}

export function decodeRevocationList(input: RevocationListInput, maxBytes = DEFAULT_MAX_REVOCATION_LIST_BYTES): DecodedRevocationList {
  const validators = schemaValidators()
  // Size first: nothing else may run on an oversized document.
  const size = inputSize(input)
  if (size > maxBytes) throw new EntenteError('ERR_REVOCATION_TOO_LARGE', `revocation list is ${size} bytes, the limit is ${maxBytes}`)
  const raw = typeof input === 'object' && !(input instanceof Uint8Array) ? input : parseJson(input, 'ERR_REVOCATION_MALFORMED')
  const signed = validators.check('signed-revocation-list.v1', raw, 'ERR_REVOCATION_MALFORMED')

  const payloadBytes = fromBase64url(signed.payload)
  if (payloadBytes === undefined) throw new EntenteError('ERR_REVOCATION_MALFORMED', 'payload is not base64url')
  let payloadText: string
  try {
    payloadText = utf8(payloadBytes)
  } catch (cause) {
    throw new EntenteError('ERR_REVOCATION_MALFORMED', 'payload is not UTF-8', { cause })
  }
  const payload = validators.check('revocation-list.v1', parseJson(payloadText, 'ERR_REVOCATION_SCHEMA'), 'ERR_REVOCATION_SCHEMA')
  // Only canonical bytes are signed, so one payload has exactly one hash (chain and equivocation compare hashes).
  const canonical = canonicalize(payload)
  if (canonical !== payloadText) throw new EntenteError('ERR_REVOCATION_NOT_CANONICAL', 'payload is not RFC 8785 canonical JSON')
  if (Date.parse(payload.expiresAt) <= Date.parse(payload.issuedAt)) throw new EntenteError('ERR_REVOCATION_SCHEMA', 'expiresAt must be after issuedAt')
  if ((payload.seq === 1) !== (payload.prev === null)) throw new EntenteError('ERR_REVOCATION_CHAIN', 'prev must be null exactly for seq 1')
  const entry = signed.signatures[0]
  if (entry === undefined) throw new EntenteError('ERR_REVOCATION_MALFORMED', 'no signature')
  return { signed, payload, hash: sha256Hex(canonical), size, signature: decodeHeader(entry.protected, entry.signature) }
}

function decodeHeader(protectedHeader: string, signature: string): DecodedRevocationList['signature'] {
  const bytes = fromBase64url(protectedHeader)
  let header: unknown
  try {
    header = bytes === undefined ? undefined : JSON.parse(utf8(bytes))
  } catch {
    header = undefined
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw new EntenteError('ERR_REVOCATION_MALFORMED', 'protected header is not a JSON object')
  }
  const { alg, kid, typ, crit, b64 } = header as Record<string, unknown>
  if (alg !== 'ES256' && alg !== 'EdDSA') throw new EntenteError('ERR_REVOCATION_MALFORMED', `unsupported signature algorithm ${String(alg)}`)
  if (typeof kid !== 'string' || kid.length === 0) throw new EntenteError('ERR_REVOCATION_MALFORMED', 'protected header has no kid')
  // typ binds the signature to this document type: a root-signed trust list can never pose as a revocation list.
  if (typ !== REVOCATION_LIST_TYP) throw new EntenteError('ERR_REVOCATION_MALFORMED', `protected header typ must be ${REVOCATION_LIST_TYP}`)
  if (crit !== undefined || b64 !== undefined) throw new EntenteError('ERR_REVOCATION_MALFORMED', 'critical header parameters are not supported')
  return { protected: protectedHeader, signature, alg, kid }
}

function inputSize(input: RevocationListInput): number {
  if (typeof input === 'string') return Buffer.byteLength(input)
  if (input instanceof Uint8Array) return input.byteLength
  try {
    return Buffer.byteLength(JSON.stringify(input))
  } catch (cause) {
    throw new EntenteError('ERR_REVOCATION_MALFORMED', 'revocation list is not serializable JSON', { cause })
  }
}

function parseJson(input: string | Uint8Array, code: 'ERR_REVOCATION_MALFORMED' | 'ERR_REVOCATION_SCHEMA'): unknown {
  try {
    return JSON.parse(typeof input === 'string' ? input : utf8(input))
  } catch (cause) {
    throw new EntenteError(code, 'not valid JSON', { cause })
  }
}
