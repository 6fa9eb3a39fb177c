// The runtime-neutral entry point (`entente-trust/core`): the verification core with no Node module, for browsers,
// workers and other JavaScript runtimes. Crypto goes through the platform interface, WebCrypto by default; bring
// your own storage and transport (the Node entry point adds files and HTTP sync).
//   import { createVerifier } from 'entente-trust/core'
//   const verifier = await createVerifier(bundle, { expectedRoot: { thumbprint } }) // a verified bundle, as stored
//   const verdict = await verifier.verify('HC1:...')
export { createVerifier, prepareVerifierState, verifierFromState, type PreparedVerifierState, type Verifier, type VerifierOptions, type VerifierStatus } from './verifier/create-verifier.js'
export { mergeBundle, emptyVerifiedBundle, type BundleInput, type MergeOptions, type MergeReport } from './verifier/verify-bundle.js'
export { prepareTrust, type PreparedTrust, type TrustProblem } from './certificates/prepare-trust.js'
export { verifyCertificate, detectFormat } from './certificates/verify-certificate.js'
export type { TrustMaterial, Signer, DccSigner, ShcSigner, PublicJwk } from './certificates/trust-material.types.js'
export type { Verdict, Reason, Warning, CertificateSummary, Holder } from './certificates/verdict.types.js'
export type { VerifyOptions } from './certificates/verify-options.types.js'
export type { Bundle, VerifiedBundle, SignedTrustList, TrustListPayload, RevocationListPayload, SignedRevocationList } from './model/schema.types.js'
export { EntenteError, isEntenteError, type EntenteErrorCode } from './model/errors.js'
export { verifyTrustList, verifyTrustListChain, type VerifyTrustListOptions } from './trust-list/verify-trust-list.js'
export { verifyRevocationList, type VerifyRevocationListOptions } from './revocation/verify-revocation-list.js'
export { fingerprintGroups } from './trust-list/fingerprint.js'
export type { RootAnchor } from './trust-list/trust-list.types.js'
export { cryptoPlatform, useCryptoPlatform } from './platform/crypto-platform.js'
export { webCryptoPlatform } from './platform/web-crypto-platform.js'
export type { CryptoPlatform, PublicKey, SignatureScheme, X509Fields } from './platform/crypto-platform.types.js'
