// Signs a revocation index or partition with the country's root (the shared root-document signer, unencoded
// payload). Never signs what a verifier would reject as malformed.
import { EntenteError } from '../model/errors.js'
import { schemaValidators } from '../model/schemas.js'
import type { RevocationIndexPayload, RevocationPartitionPayload, SignedRevocationIndex, SignedRevocationPartition } from '../model/schema.types.js'
import type { RootSigningKey } from '../trust-list/root-key.js'
import { signDocument } from '../trust-list/sign-document.js'
import { REVOCATION_INDEX_TYP, REVOCATION_PARTITION_TYP } from './constants.js'

export async function signRevocationIndex(payload: RevocationIndexPayload, key: RootSigningKey): Promise<SignedRevocationIndex> {
  schemaValidators().check('revocation-index.v1', payload, 'ERR_REVOCATION_SCHEMA')
  checkRoot(payload.rootThumbprint, key)
  return signDocument(payload, [key], REVOCATION_INDEX_TYP)
}

export async function signRevocationPartition(payload: RevocationPartitionPayload, key: RootSigningKey): Promise<SignedRevocationPartition> {
  schemaValidators().check('revocation-partition.v1', payload, 'ERR_REVOCATION_SCHEMA')
  checkRoot(payload.rootThumbprint, key)
  return signDocument(payload, [key], REVOCATION_PARTITION_TYP)
}

function checkRoot(named: string, key: RootSigningKey): void {
  if (key.thumbprint !== named) throw new EntenteError('ERR_REVOCATION_WRONG_ROOT', 'a revocation document must be signed by the root it names')
}
