// Signs a trust-list payload as a JWS in general serialization over its RFC 8785 canonical bytes.
// Several keys sign only during a root rotation (previous root and new root).
import { GeneralSign, importJWK } from 'jose'
import { canonicalBytes } from '../model/canonical-json.js'
import { EntenteError } from '../model/errors.js'
import { schemaValidators } from '../model/schemas.js'
import type { SignedTrustList, TrustListPayload } from '../model/schema.types.js'
import { TRUST_LIST_TYP } from './constants.js'
import type { RootSigningKey } from './root-key.js'

export async function signTrustList(
  payload: TrustListPayload,
  keys: readonly RootSigningKey[],
): Promise<SignedTrustList> {
  // Never sign what a verifier would reject as malformed.
  schemaValidators().check('trust-list.v1', payload, 'ERR_TRUST_LIST_SCHEMA')
  if (keys.length === 0) throw new EntenteError('ERR_KEY_INVALID', 'at least one root key must sign')
  if (!keys.some((key) => key.thumbprint === payload.root.thumbprint)) {
    throw new EntenteError('ERR_TRUST_LIST_WRONG_ROOT', 'the list must be signed by the root it names')
  }
  const sign = new GeneralSign(canonicalBytes(payload))
  for (const key of keys) {
    sign
      .addSignature(await importJWK(key.privateJwk, key.alg))
      .setProtectedHeader({ alg: key.alg, kid: key.thumbprint, typ: TRUST_LIST_TYP })
  }
  const jws = await sign.sign()
  return {
    payload: jws.payload,
    signatures: jws.signatures.map((s) => ({ protected: s.protected ?? '', signature: s.signature })),
  }
}
