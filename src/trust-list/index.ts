export { buildTrustList, emptyDraft, type BuildTrustListInput } from './build-trust-list.js'
export { DEFAULT_MAX_TRUST_LIST_BYTES, DEFAULT_VALIDITY_DAYS, TRUST_LIST_TYP } from './constants.js'
export { decodeTrustList, type DecodedTrustList, type TrustListInput } from './decode-trust-list.js'
export { detectEquivocation, verifyEquivocationProof, type VerifiedEquivocation } from './equivocation.js'
export { hashTrustList } from './hash-trust-list.js'
export {
  generateRootKey,
  publicRootJwk,
  rootKeyFromJwk,
  rootOf,
  rootThumbprint,
  type RootKeyType,
  type RootPublicJwk,
  type RootSigningKey,
} from './root-key.js'
export { signTrustList } from './sign-trust-list.js'
export type { RootAnchor, TrustListHead, VerifiedTrustList } from './trust-list.types.js'
export { verifyTrustList, verifyTrustListChain, type VerifyTrustListOptions } from './verify-trust-list.js'
