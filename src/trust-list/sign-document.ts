// Signs any root-signed Entente document (trust list, revocation list, index, partition) as a JWS in general
// serialization with an unencoded payload (RFC 7797): the canonical JSON text is carried once, not base64url'd.
// Checks nothing about the payload's meaning: each document's signer validates before calling this.
import { GeneralSign, importJWK } from 'jose'
import { toBase64url, utf8Bytes, utf8Length } from '../model/bytes.js'
import { canonicalize } from '../model/canonical-json.js'
import { EntenteError } from '../model/errors.js'
import type { RootSigningKey } from './root-key.js'

export interface SignedDocument {
  /** The canonical JSON text of the payload (unencoded form), or its base64url (the older, still accepted form). */
  readonly payload: string
  readonly signatures: { readonly protected: string; readonly signature: string }[]
}

/**
 * Code points a JWS JSON verifier may refuse in an unencoded payload (jose does: unpaired surrogates and code points
 * unassigned in its engine's Unicode version). Such a payload is signed in the base64url form instead, so every
 * document we sign verifies in other libraries too.
 */
export const UNENCODABLE_PAYLOAD = /[\p{Cs}\p{Cn}]/u

export async function signDocument(payload: unknown, keys: readonly RootSigningKey[], typ: string): Promise<SignedDocument> {
  if (keys.length === 0) throw new EntenteError('ERR_KEY_INVALID', 'at least one root key must sign')
  // The signed bytes and the identity hash are both the canonical text, so one payload has one hash in either form.
  const text = canonicalize(payload)
  const unencoded = !UNENCODABLE_PAYLOAD.test(text)
  const sign = new GeneralSign(new TextEncoder().encode(text))
  for (const key of keys) sign.addSignature(await importJWK(key.privateJwk, key.alg)).setProtectedHeader(protectedHeader(key, typ, unencoded))
  const jws = await sign.sign()
  return {
    // jose leaves the payload member empty for b64:false (it assumes a detached payload); we attach the text.
    payload: unencoded ? text : jws.payload,
    signatures: jws.signatures.map((s) => ({ protected: s.protected ?? '', signature: s.signature })),
  }
}

/** What signDocument puts in each protected header (jose serializes it with JSON.stringify, in this order). */
function protectedHeader(key: Pick<RootSigningKey, 'alg' | 'thumbprint'>, typ: string, unencoded: boolean): Record<string, unknown> {
  return unencoded ? { alg: key.alg, kid: key.thumbprint, typ, b64: false, crit: ['b64'] } : { alg: key.alg, kid: key.thumbprint, typ }
}

/** Both root algorithms give 64-byte signatures: 86 base64url characters. */
const SIGNATURE_CHARS = 86

/**
 * The exact byte length of `JSON.stringify(await signDocument(payload, keys, typ))`, without signing: what a size cap
 * on the signed document will measure, for refusing a draft early with the same limit publishing applies.
 */
export function signedDocumentBytes(payload: unknown, keys: readonly Pick<RootSigningKey, 'alg' | 'thumbprint'>[], typ: string): number {
  const text = canonicalize(payload)
  const unencoded = !UNENCODABLE_PAYLOAD.test(text)
  const signatures = keys.map((key) => ({
    protected: toBase64url(utf8Bytes(JSON.stringify(protectedHeader(key, typ, unencoded)))),
    signature: 'x'.repeat(SIGNATURE_CHARS),
  }))
  return utf8Length(JSON.stringify({ payload: unencoded ? text : toBase64url(utf8Bytes(text)), signatures }))
}
