// Decoding shared by Entente's root-signed documents (trust lists, revocation lists): size cap, JWS general
// serialization shape, protected header bound to the document type, canonical payload, schema, the seq/prev
// and issuedAt/expiresAt invariants. Signatures are checked by each document's verifier. Pure.
import { canonicalize } from '../model/canonical-json.js'
import { fromBase64url, sha256Hex, utf8 } from '../model/encoding.js'
import { EntenteError, type EntenteErrorCode } from '../model/errors.js'
import { schemaValidators, type SchemaName, type SchemaTypes } from '../model/schemas.js'

export interface DecodedSignature {
  readonly protected: string
  readonly signature: string
  readonly alg: 'ES256' | 'EdDSA'
  readonly kid: string
}

/** What distinguishes one document kind: its schemas, its JWS `typ`, and its error codes. */
export interface SignedDocumentKind<S extends SchemaName, P extends SchemaName> {
  readonly name: string
  readonly typ: string
  readonly signedSchema: S
  readonly payloadSchema: P
  readonly codes: {
    readonly malformed: EntenteErrorCode
    readonly tooLarge: EntenteErrorCode
    readonly schema: EntenteErrorCode
    readonly notCanonical: EntenteErrorCode
    readonly chain: EntenteErrorCode
  }
}

interface ChainedPayload {
  readonly seq: number
  readonly prev: string | null
  readonly issuedAt: string
  readonly expiresAt: string
}

export interface DecodedDocument<S extends SchemaName, P extends SchemaName> {
  readonly signed: SchemaTypes[S]
  readonly payload: SchemaTypes[P]
  /** SHA-256 hex of the canonical payload: the document's identity, whoever signed it. */
  readonly hash: string
  readonly size: number
  readonly signatures: readonly DecodedSignature[]
}

export function decodeSignedDocument<S extends SchemaName, P extends SchemaName>(
  input: string | Uint8Array | SchemaTypes[S],
  kind: SignedDocumentKind<S, P>,
  maxBytes: number,
): DecodedDocument<S, P> {
  const { codes } = kind
  const validators = schemaValidators()
  // Size first: nothing else may run on an oversized document.
  const size = inputSize(input, codes.malformed)
  if (size > maxBytes) throw new EntenteError(codes.tooLarge, `${kind.name} is ${size} bytes, the limit is ${maxBytes}`)
  const raw = typeof input === 'object' && !(input instanceof Uint8Array) ? input : parseJson(input, codes.malformed)
  const signed = validators.check(kind.signedSchema, raw, codes.malformed)
  const { payload: encodedPayload, signatures: entries } = signed as unknown as { payload: string; signatures: { protected: string; signature: string }[] }

  const payloadBytes = fromBase64url(encodedPayload)
  if (payloadBytes === undefined) throw new EntenteError(codes.malformed, 'payload is not base64url')
  let payloadText: string
  try {
    payloadText = utf8(payloadBytes)
  } catch (cause) {
    throw new EntenteError(codes.malformed, 'payload is not UTF-8', { cause })
  }
  const payload = validators.check(kind.payloadSchema, parseJson(payloadText, codes.schema), codes.schema)
  // Only canonical bytes are signed, so one payload has exactly one hash and equivocation cannot hide in whitespace.
  const canonical = canonicalize(payload)
  if (canonical !== payloadText) throw new EntenteError(codes.notCanonical, 'payload is not RFC 8785 canonical JSON')
  const chained = payload as unknown as ChainedPayload
  if (Date.parse(chained.expiresAt) <= Date.parse(chained.issuedAt)) throw new EntenteError(codes.schema, 'expiresAt must be after issuedAt')
  if ((chained.seq === 1) !== (chained.prev === null)) throw new EntenteError(codes.chain, 'prev must be null exactly for seq 1')

  const signatures = entries.map((entry) => decodeProtectedHeader(entry.protected, entry.signature, kind))
  // Two signatures under one kid could smuggle an unchecked one past a verifier that looks keys up by kid.
  if (new Set(signatures.map((s) => s.kid)).size !== signatures.length) throw new EntenteError(codes.malformed, 'two signatures name the same key')
  return { signed, payload, hash: sha256Hex(canonical), size, signatures }
}

function decodeProtectedHeader(
  protectedHeader: string,
  signature: string,
  kind: SignedDocumentKind<SchemaName, SchemaName>,
): DecodedSignature {
  const malformed = kind.codes.malformed
  const bytes = fromBase64url(protectedHeader)
  let header: unknown
  try {
    header = bytes === undefined ? undefined : JSON.parse(utf8(bytes))
  } catch {
    header = undefined
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw new EntenteError(malformed, 'protected header is not a JSON object')
  }
  const { alg, kid, typ, crit, b64 } = header as Record<string, unknown>
  if (alg !== 'ES256' && alg !== 'EdDSA') throw new EntenteError(malformed, `unsupported signature algorithm ${String(alg)}`)
  if (typeof kid !== 'string' || kid.length === 0) throw new EntenteError(malformed, 'protected header has no kid')
  // typ binds the signature to this document kind, so a root-signed JWS of another kind cannot pose as this one.
  if (typ !== kind.typ) throw new EntenteError(malformed, `protected header typ must be ${kind.typ}`)
  if (crit !== undefined || b64 !== undefined) throw new EntenteError(malformed, 'critical header parameters are not supported')
  return { protected: protectedHeader, signature, alg, kid }
}

function inputSize(input: unknown, malformed: EntenteErrorCode): number {
  if (typeof input === 'string') return Buffer.byteLength(input)
  if (input instanceof Uint8Array) return input.byteLength
  try {
    return Buffer.byteLength(JSON.stringify(input))
  } catch (cause) {
    throw new EntenteError(malformed, 'the document is not serializable JSON', { cause })
  }
}

function parseJson(input: string | Uint8Array, code: EntenteErrorCode): unknown {
  try {
    return JSON.parse(typeof input === 'string' ? input : utf8(input))
  } catch (cause) {
    throw new EntenteError(code, 'not valid JSON', { cause })
  }
}
