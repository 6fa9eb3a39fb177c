// Loads a verifier from a verified-bundle file as `entente sync` writes it: the state sync prepared from the bundle
// after verifying it (BUNDLE.prepared), or the bundle itself, verified again, when there is no current one; and the
// revocation partitions in their files beside it (BUNDLE.parts/): listed at load, each read when a certificate first
// needs it. The Node-side I/O of createVerifier, which stays pure.
import { EntenteError } from '../model/errors.js'
import type { VerifiedBundle } from '../model/schema.types.js'
import { createVerifier, verifierFromState, type Verifier, type VerifierOptions } from './create-verifier.js'
import { readPreparedState } from './prepared-state-file.js'
import { namedPartitionFiles, readPartitionPayloadSync, readVerifiedBundleFile } from './state-file.js'

export interface LoadVerifierOptions extends Omit<VerifierOptions, 'revocationPartition' | 'revocationPartitionHeld'> {
  /**
   * Verify the bundle again instead of starting from the state sync prepared from it (default false). The prepared
   * state is the verifier's own storage, trusted as its code is; an app that keeps its files where others may write
   * passes this (or `expectedRoot`, which implies it) and pays for verifying every list at each load.
   */
  readonly reverify?: boolean
}

/**
 * The verifier of `file`: from the state sync prepared after verifying the bundle, when it still describes the bundle
 * file as it is (same size and modification time; an edited bundle is verified again), else from the bundle, verified
 * again in full. A partition file missing at load counts as missing: that country's certificates are refused
 * (ERR_REVOCATIONS_MISSING), nothing else. One found unreadable or edited when first needed (its bytes no longer the
 * hash its index names) refuses the certificates that need it, with the same code. A sync keeps the files of the
 * state it replaces, so a verifier loaded before it keeps working; load again after a sync for the new trust data.
 */
export async function loadVerifier(file: string, options: LoadVerifierOptions = {}): Promise<Verifier> {
  const { reverify, ...verifierOptions } = options
  if (reverify !== true && options.expectedRoot === undefined) {
    const prepared = await readPreparedState(file)
    if (prepared !== undefined) return verifierFromState(prepared, { ...verifierOptions, ...(await partitionFiles(file)) })
  }
  const bundle = await readBundleFile(file)
  return createVerifier(bundle, { ...verifierOptions, ...(await partitionFiles(file)) })
}

/** The verified-bundle file itself (without the partitions); ERR_CONFIG_NOT_FOUND when there is none. */
export async function readBundleFile(file: string): Promise<VerifiedBundle> {
  const read = await readVerifiedBundleFile(file)
  if (read === undefined) throw new EntenteError('ERR_CONFIG_NOT_FOUND', `cannot read ${file}`, { details: { hint: 'entente sync --out FILE writes it' } })
  return read.state
}

/** createVerifier's partition source for the files beside `file`: listed now, each read when first needed. */
export async function partitionFiles(file: string): Promise<Required<Pick<VerifierOptions, 'revocationPartition' | 'revocationPartitionHeld'>>> {
  const held = await namedPartitionFiles(file)
  return { revocationPartition: (hash) => readPartitionPayloadSync(file, hash), revocationPartitionHeld: (hash) => held.has(hash) }
}
