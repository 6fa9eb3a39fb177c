// Signs a trust-list payload as a JWS in general serialization over its RFC 8785 canonical text (unencoded, see
// sign-document.ts). Several keys sign only during a root rotation (previous root and new root).
import { EntenteError } from '../model/errors.js'
import { schemaValidators } from '../model/schemas.js'
import type { SignedTrustList, TrustListPayload } from '../model/schema.types.js'
import { TRUST_LIST_TYP } from './constants.js'
import type { RootSigningKey } from './root-key.js'
import { signDocument } from './sign-document.js'

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
  return signDocument(payload, keys, TRUST_LIST_TYP)
}
