// Signs a revocation-list payload as a JWS in general serialization over its RFC 8785 canonical bytes, with the
// country's root key and its own typ. Never signs what a verifier would reject as malformed.
import { GeneralSign, importJWK } from 'jose'
import { canonicalBytes } from '../model/canonical-json.js'
import { EntenteError } from '../model/errors.js'
import { schemaValidators } from '../model/schemas.js'
import type { RevocationListPayload, SignedRevocationList } from '../model/schema.types.js'
import type { RootSigningKey } from '../trust-list/root-key.js'
import { REVOCATION_LIST_TYP } from './constants.js'

export async function signRevocationList(payload: RevocationListPayload, key: RootSigningKey): Promise<SignedRevocationList> {
  schemaValidators().check('revocation-list.v1', payload, 'ERR_REVOCATION_SCHEMA')
  if (key.thumbprint !== payload.rootThumbprint) {
    throw new EntenteError('ERR_REVOCATION_WRONG_ROOT', 'the revocation list must be signed by the root it names')
  }
  const jws = await new GeneralSign(canonicalBytes(payload))
    .addSignature(await importJWK(key.privateJwk, key.alg))
    .setProtectedHeader({ alg: key.alg, kid: key.thumbprint, typ: REVOCATION_LIST_TYP })
    .sign()
  return { payload: jws.payload, signatures: jws.signatures.map((s) => ({ protected: s.protected ?? '', signature: s.signature })) }
}
