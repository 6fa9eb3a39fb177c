// Loads a verifier from a verified-bundle file as `entente sync` writes it: the bundle JSON (lists and revocation
// indexes) and the revocation partitions in their files beside it (BUNDLE.parts/), read one by one as a verified
// index names them. The Node-side I/O of createVerifier, which stays pure; nothing here is trusted by itself.
import { EntenteError } from '../model/errors.js'
import type { VerifiedBundle } from '../model/schema.types.js'
import { createVerifier, type Verifier, type VerifierOptions } from './create-verifier.js'
import { readPartitionPayloadSync, readVerifiedBundleFile } from './state-file.js'

/**
 * The verifier of `file`. A partition file that is missing, unreadable or edited (its bytes no longer the hash its
 * index names) counts as missing: that country's certificates are refused (ERR_REVOCATIONS_MISSING), nothing else.
 */
export async function loadVerifier(file: string, options: Omit<VerifierOptions, 'revocationPartition'> = {}): Promise<Verifier> {
  const bundle = await readBundleFile(file)
  return createVerifier(bundle, { ...options, revocationPartition: partitionSource(file) })
}

/** The verified-bundle file itself (without the partitions); ERR_CONFIG_NOT_FOUND when there is none. */
export async function readBundleFile(file: string): Promise<VerifiedBundle> {
  const read = await readVerifiedBundleFile(file)
  if (read === undefined) throw new EntenteError('ERR_CONFIG_NOT_FOUND', `cannot read ${file}`, { details: { hint: 'entente sync --out FILE writes it' } })
  return read.state
}

/** createVerifier's `revocationPartition` for the files beside `file`. */
export function partitionSource(file: string): (hash: string) => Uint8Array | undefined {
  return (hash) => readPartitionPayloadSync(file, hash)
}
