// Decoding shared by Entente's root-signed documents (trust lists, revocation lists): size cap, JWS general
// serialization shape, protected header bound to the document type, canonical payload, schema, the seq/prev
// and issuedAt/expiresAt invariants. Signatures are checked by each document's verifier. Pure.
// Two payload forms are accepted: unencoded canonical JSON text (RFC 7797, b64:false, what signers emit) and
// base64url of it (documents signed before); every signature of one document uses the same form.
import { isCanonicalText } from '../model/canonical-json.js'
import { jsonStringSize, utf8Length, utf8Text } from '../model/bytes.js'
import { fromBase64url, sha256Hex, utf8 } from '../model/encoding.js'
import { EntenteError, type EntenteErrorCode } from '../model/errors.js'
import { schemaValidators, type SchemaName, type SchemaTypes } from '../model/schemas.js'
import { UNENCODABLE_PAYLOAD } from './sign-document.js'

/** How the JWS carries its payload: RFC 7797 unencoded text, or base64url (the form of older documents). */
export type PayloadEncoding = 'unencoded' | 'base64url'

export interface DecodedSignature {
  readonly protected: string
  readonly signature: string
  readonly alg: 'ES256' | 'EdDSA'
  readonly kid: string
  readonly encoding: PayloadEncoding
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
  readonly encoding: PayloadEncoding
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

  // The headers say how the payload is carried, so they are read before it.
  const signatures = entries.map((entry) => decodeProtectedHeader(entry.protected, entry.signature, kind))
  const encoding = signatures[0]?.encoding ?? 'base64url'
  // One payload string cannot be both text and base64url: mixed forms mean some signature covers other bytes.
  if (signatures.some((s) => s.encoding !== encoding)) throw new EntenteError(codes.malformed, 'signatures mix the unencoded (b64:false) and base64url payload forms')
  const payloadText = encoding === 'unencoded' ? unencodedPayload(encodedPayload, codes.malformed) : base64urlPayload(encodedPayload, codes.malformed)
  const payload = validators.check(kind.payloadSchema, parseJson(payloadText, codes.schema), codes.schema)
  // Only canonical bytes are signed, so one payload has exactly one hash and equivocation cannot hide in whitespace.
  if (!isCanonicalText(payload, payloadText)) throw new EntenteError(codes.notCanonical, 'payload is not RFC 8785 canonical JSON')
  const chained = payload as unknown as ChainedPayload
  if (Date.parse(chained.expiresAt) <= Date.parse(chained.issuedAt)) throw new EntenteError(codes.schema, 'expiresAt must be after issuedAt')
  if ((chained.seq === 1) !== (chained.prev === null)) throw new EntenteError(codes.chain, 'prev must be null exactly for seq 1')

  // Two signatures under one kid could smuggle an unchecked one past a verifier that looks keys up by kid.
  if (new Set(signatures.map((s) => s.kid)).size !== signatures.length) throw new EntenteError(codes.malformed, 'two signatures name the same key')
  return { signed, payload, hash: sha256Hex(payloadText), size, encoding, signatures }
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
  // Exactly two header shapes: none of crit/b64 (base64url payload), or b64:false made critical (RFC 7797 §6), so a
  // verifier that does not know b64 refuses instead of checking the wrong bytes. Any other crit is unknown to us.
  let encoding: PayloadEncoding
  if (crit === undefined && b64 === undefined) encoding = 'base64url'
  else if (b64 === false && Array.isArray(crit) && crit.length === 1 && crit[0] === 'b64') encoding = 'unencoded'
  else throw new EntenteError(malformed, 'unsupported critical header parameters: only b64:false with crit ["b64"] is accepted')
  return { protected: protectedHeader, signature, alg, kid, encoding }
}

function base64urlPayload(encoded: string, malformed: EntenteErrorCode): string {
  const bytes = fromBase64url(encoded)
  if (bytes === undefined) throw new EntenteError(malformed, 'payload is not base64url, though the header says it is encoded')
  try {
    return utf8(bytes)
  } catch (cause) {
    throw new EntenteError(malformed, 'payload is not UTF-8', { cause })
  }
}

function unencodedPayload(text: string, malformed: EntenteErrorCode): string {
  // A JSON object's text starts with '{', which base64url never holds: an encoded payload under b64:false is refused here.
  if (!text.startsWith('{')) throw new EntenteError(malformed, 'payload is not JSON text, though the header says b64:false')
  // Refused by other JWS libraries (jose), so never accepted here either: one document, one verdict everywhere.
  // Text whose UTF-8 is as long as itself is ASCII, which holds neither (and spares a Unicode scan of the payload).
  if (utf8Length(text) !== text.length && UNENCODABLE_PAYLOAD.test(text)) throw new EntenteError(malformed, 'unencoded payload holds unpaired surrogates or unassigned code points')
  return text
}

/**
 * The payload text of a signed document in either form, without any check: for tools that only need to peek.
 * A payload that is not base64url reads as '' (it cannot be the text any hash names).
 */
export function payloadTextOf(signed: { readonly payload: string }): string {
  return signed.payload.startsWith('{') ? signed.payload : utf8Text(fromBase64url(signed.payload) ?? new Uint8Array())
}

function inputSize(input: unknown, malformed: EntenteErrorCode): number {
  if (typeof input === 'string') return utf8Length(input)
  if (input instanceof Uint8Array) return input.byteLength
  const jws = jwsSize(input)
  if (jws !== undefined) return jws
  try {
    return utf8Length(JSON.stringify(input))
  } catch (cause) {
    throw new EntenteError(malformed, 'the document is not serializable JSON', { cause })
  }
}

/**
 * The UTF-8 size of JSON.stringify(input) for a document of exactly the JWS shape ({payload, signatures: [{protected,
 * signature}]}, string members, plain objects), counted without serializing it: a verifier loading 200 lists of
 * 90 KB would otherwise write each out once only to measure it. Undefined for any other shape (serialized instead).
 */
function jwsSize(input: unknown): number | undefined {
  if (!isPlainObjectWithKeys(input, 'payload', 'signatures')) return undefined
  const { payload, signatures } = input as { payload: unknown; signatures: unknown }
  if (typeof payload !== 'string' || !Array.isArray(signatures) || Object.getPrototypeOf(signatures) !== Array.prototype) return undefined
  // {"payload":…,"signatures":[…]}: 28 bytes of syntax around the payload string and the items.
  let size = 28 + jsonStringSize(payload) + Math.max(0, signatures.length - 1)
  for (let i = 0; i < signatures.length; i++) {
    const entry: unknown = signatures[i]
    if (!isPlainObjectWithKeys(entry, 'protected', 'signature')) return undefined
    const { protected: header, signature } = entry as { protected: unknown; signature: unknown }
    if (typeof header !== 'string' || typeof signature !== 'string') return undefined
    // {"protected":…,"signature":…}: 27 bytes of syntax.
    size += 27 + jsonStringSize(header) + jsonStringSize(signature)
  }
  return size
}

function isPlainObjectWithKeys(value: unknown, a: string, b: string): boolean {
  if (typeof value !== 'object' || value === null || Object.getPrototypeOf(value) !== Object.prototype) return false
  const keys = Object.keys(value)
  // JSON.stringify skips symbol keys and calls toJSON; neither may change what is counted.
  return keys.length === 2 && keys.includes(a) && keys.includes(b) && Object.getOwnPropertySymbols(value).length === 0 && !('toJSON' in value)
}

function parseJson(input: string | Uint8Array, code: EntenteErrorCode): unknown {
  try {
    return JSON.parse(typeof input === 'string' ? input : utf8(input))
  } catch (cause) {
    throw new EntenteError(code, 'not valid JSON', { cause })
  }
}
