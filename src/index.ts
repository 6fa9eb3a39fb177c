// Entente's library entry point for verifier apps: sync a bundle once (the only networked step), then verify
// certificates fully offline.
//   import { loadVerifier } from 'entente-trust'
//   const verifier = await loadVerifier('bundle.json') // the bundle `entente sync` wrote, partition files beside it
//   const verdict = await verifier.verify('HC1:...')
import './platform/use-node-platform.js'
export { createVerifier, type Verifier, type VerifierOptions, type VerifierStatus } from './verifier/create-verifier.js'
export { mergeBundle, emptyVerifiedBundle, type BundleInput, type MergeOptions, type MergeReport } from './verifier/verify-bundle.js'
export { loadVerifier, type LoadVerifierOptions } from './verifier/load-verifier.js'
export { syncBundle, readState, type SyncOptions, type SyncResult, type SourceReport, type SourceStatus } from './verifier/sync-client.js'
export type { VerifierErrorCode } from './verifier/error-codes.js'
export type { Verdict, Reason, Warning, CertificateSummary, Holder } from './certificates/verdict.types.js'
export type {
  Bundle,
  VerifiedBundle,
  SignedTrustList,
  TrustListPayload,
  EquivocationProof,
  RevocationListPayload,
  SignedRevocationList,
} from './model/schema.types.js'
export { EntenteError, isEntenteError, type EntenteErrorCode } from './model/errors.js'
export { verifyTrustList, verifyTrustListChain, type VerifyTrustListOptions } from './trust-list/verify-trust-list.js'
export { verifyRevocationList, type VerifyRevocationListOptions } from './revocation/verify-revocation-list.js'
export type { RootAnchor } from './trust-list/trust-list.types.js'
