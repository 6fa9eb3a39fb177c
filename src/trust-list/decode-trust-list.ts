// Parses a signed trust list from the wire into its payload and signatures, with size, shape,
// canonical-form and schema checks. Does not check signatures (see verify-trust-list.ts). Pure.
import { canonicalize } from '../model/canonical-json.js'
import { fromBase64url, sha256Hex, utf8 } from '../model/encoding.js'
import { EntenteError } from '../model/errors.js'
import { schemaValidators } from '../model/schemas.js'
import type { SignedTrustList, TrustListPayload } from '../model/schema.types.js'
import { DEFAULT_MAX_TRUST_LIST_BYTES, TRUST_LIST_TYP } from './constants.js'

export interface DecodedSignature {
  readonly protected: string
  readonly signature: string
  readonly alg: string
  readonly kid: string
}

export interface DecodedTrustList {
  readonly signed: SignedTrustList
  readonly payload: TrustListPayload
  readonly hash: string
  readonly size: number
  readonly signatures: readonly DecodedSignature[]
}

export type TrustListInput = string | Uint8Array | SignedTrustList

export function decodeTrustList(input: TrustListInput, maxBytes = DEFAULT_MAX_TRUST_LIST_BYTES): DecodedTrustList {
  const validators = schemaValidators()
  // Size first: nothing else may run on an oversized document.
  const size = inputSize(input)
  if (size > maxBytes) {
    throw new EntenteError('ERR_TRUST_LIST_TOO_LARGE', `trust list is ${size} bytes, the limit is ${maxBytes}`)
  }
  const raw = typeof input === 'object' && !(input instanceof Uint8Array) ? input : parseJson(input)
  const signed = validators.check('signed-trust-list.v1', raw, 'ERR_TRUST_LIST_MALFORMED')

  const payloadBytes = fromBase64url(signed.payload)
  if (payloadBytes === undefined) throw new EntenteError('ERR_TRUST_LIST_MALFORMED', 'payload is not base64url')
  let payloadText: string
  try {
    payloadText = utf8(payloadBytes)
  } catch (cause) {
    throw new EntenteError('ERR_TRUST_LIST_MALFORMED', 'payload is not UTF-8', { cause })
  }
  const payloadJson = parseJson(payloadText, 'ERR_TRUST_LIST_SCHEMA')
  const payload = validators.check('trust-list.v1', payloadJson, 'ERR_TRUST_LIST_SCHEMA')
  // Only canonical bytes are signed, so one payload has exactly one hash and equivocation cannot hide in whitespace.
  const canonical = canonicalize(payload)
  if (canonical !== payloadText) {
    throw new EntenteError('ERR_TRUST_LIST_NOT_CANONICAL', 'payload is not RFC 8785 canonical JSON')
  }
  if (Date.parse(payload.expiresAt) <= Date.parse(payload.issuedAt)) {
    throw new EntenteError('ERR_TRUST_LIST_SCHEMA', 'expiresAt must be after issuedAt')
  }
  if ((payload.seq === 1) !== (payload.prev === null)) {
    throw new EntenteError('ERR_TRUST_LIST_CHAIN', 'prev must be null exactly for seq 1')
  }

  const signatures = signed.signatures.map((entry) => decodeProtectedHeader(entry.protected, entry.signature))
  const kids = new Set(signatures.map((s) => s.kid))
  if (kids.size !== signatures.length) {
    throw new EntenteError('ERR_TRUST_LIST_MALFORMED', 'two signatures name the same key')
  }
  return { signed, payload, hash: sha256Hex(canonical), size, signatures }
}

function decodeProtectedHeader(protectedHeader: string, signature: string): DecodedSignature {
  const bytes = fromBase64url(protectedHeader)
  let header: unknown
  try {
    header = bytes === undefined ? undefined : JSON.parse(utf8(bytes))
  } catch {
    header = undefined
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw new EntenteError('ERR_TRUST_LIST_MALFORMED', 'protected header is not a JSON object')
  }
  const { alg, kid, typ, crit, b64 } = header as Record<string, unknown>
  if (alg !== 'ES256' && alg !== 'EdDSA') {
    throw new EntenteError('ERR_TRUST_LIST_MALFORMED', `unsupported signature algorithm ${String(alg)}`)
  }
  if (typeof kid !== 'string' || kid.length === 0) {
    throw new EntenteError('ERR_TRUST_LIST_MALFORMED', 'protected header has no kid')
  }
  if (typ !== TRUST_LIST_TYP) {
    // typ binds the signature to this document type, so a root-signed JWS of another kind cannot pose as a list.
    throw new EntenteError('ERR_TRUST_LIST_MALFORMED', `protected header typ must be ${TRUST_LIST_TYP}`)
  }
  if (crit !== undefined || b64 !== undefined) {
    throw new EntenteError('ERR_TRUST_LIST_MALFORMED', 'critical header parameters are not supported')
  }
  return { protected: protectedHeader, signature, alg, kid }
}

function inputSize(input: TrustListInput): number {
  if (typeof input === 'string') return Buffer.byteLength(input)
  if (input instanceof Uint8Array) return input.byteLength
  try {
    return Buffer.byteLength(JSON.stringify(input))
  } catch (cause) {
    throw new EntenteError('ERR_TRUST_LIST_MALFORMED', 'trust list is not serializable JSON', { cause })
  }
}

function parseJson(input: string | Uint8Array, code: 'ERR_TRUST_LIST_MALFORMED' | 'ERR_TRUST_LIST_SCHEMA' = 'ERR_TRUST_LIST_MALFORMED'): unknown {
  try {
    return JSON.parse(typeof input === 'string' ? input : utf8(input))
  } catch (cause) {
    throw new EntenteError(code, 'not valid JSON', { cause })
  }
}
