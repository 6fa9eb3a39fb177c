// Signs a revocation-list payload as a JWS in general serialization over its RFC 8785 canonical text (unencoded, see
// sign-document.ts), with the country's root key and its own typ. Never signs what a verifier would reject as malformed.
import { EntenteError } from '../model/errors.js'
import { schemaValidators } from '../model/schemas.js'
import type { RevocationListPayload, SignedRevocationList } from '../model/schema.types.js'
import type { RootSigningKey } from '../trust-list/root-key.js'
import { signDocument } from '../trust-list/sign-document.js'
import { REVOCATION_LIST_TYP } from './constants.js'

export async function signRevocationList(payload: RevocationListPayload, key: RootSigningKey): Promise<SignedRevocationList> {
  schemaValidators().check('revocation-list.v1', payload, 'ERR_REVOCATION_SCHEMA')
  if (key.thumbprint !== payload.rootThumbprint) {
    throw new EntenteError('ERR_REVOCATION_WRONG_ROOT', 'the revocation list must be signed by the root it names')
  }
  return signDocument(payload, [key], REVOCATION_LIST_TYP)
}
