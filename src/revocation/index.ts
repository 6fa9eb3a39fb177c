// Certificate revocation: signed, chained companion documents of a country's trust list. A country's revocations are
// a set of PARTITIONS plus one signed, chained INDEX that names every partition by id, seq, hash and count (the index
// continues the chain of the country's former single revocation list, still accepted for old data).
//   Layout:  layoutRevocationSet, layoutKeys, planRevocationUpdate, revocationSet, partitionId/parsePartitionId
//   Build:   buildRevocationRelease (whole set, unchanged partitions keep seq/hash), buildRevocationPartition,
//            buildRevocationIndex, hashRevocationDocument
//   Sign:    signRevocationIndex, signRevocationPartition
//   Verify:  verifyRevocationIndex (root, chain, expiry, caps), verifyRevocationPartition (root + the exact id, seq
//            and hash the verified index names)
//   Lookup:  createLazyRevocationLookup([{ id, open }]) (each partition opened on first use) or
//            createRevocationLookup(partitionPayloads) → { isDccRevoked(hashType, hash), shcRevokedAt(issuer, kid,
//            rid): Date | null | undefined, counts }
export { buildRevocationList, normalizeEntries, type BuildRevocationListInput, type RevocationEntries } from './build-revocation-list.js'
export {
  DCC_HASH_BYTES,
  DEFAULT_MAX_REVOCATION_INDEX_BYTES,
  DEFAULT_MAX_REVOCATION_LIST_BYTES,
  DEFAULT_MAX_REVOCATION_PARTITION_BYTES,
  DEFAULT_PARTITION_MAX_ENTRIES,
  DEFAULT_REVOCATION_VALIDITY_DAYS,
  MAX_INDEX_PARTITIONS,
  REVOCATION_INDEX_TYP,
  REVOCATION_LIST_TYP,
  REVOCATION_PARTITION_TYP,
} from './constants.js'
export { decodeRevocationList, type DecodedRevocationList, type RevocationListInput } from './decode-revocation-list.js'
export {
  decodeRevocationIndex,
  decodeRevocationPartition,
  type DecodedRevocationIndex,
  type DecodedRevocationPartition,
  type RevocationIndexInput,
  type RevocationPartitionInput,
} from './decode-revocation-partitions.js'
export {
  buildRevocationIndex,
  buildRevocationPartition,
  buildRevocationRelease,
  hashRevocationDocument,
  layoutRevocationSet,
  partitionCount,
  planRevocationUpdate,
  prefixRange,
  revocationSet,
  type BuildIndexInput,
  type BuildPartitionInput,
  type BuildReleaseInput,
  type PartitionContent,
  type RevocationRelease,
  type RevocationSet,
  type UpdatePlan,
  type UpdatePlanInput,
} from './build-revocation-partitions.js'
export {
  DCC_HASH_TYPES,
  REVOCATION_GROUPS,
  hexKeys,
  layoutKeys,
  maxPrefixDigits,
  packedKeys,
  parsePartitionId,
  partitionId,
  shcKey,
  sortPackedHashes,
  sortShcEntries,
  type DccHashType,
  type LayoutLeaf,
  type RevocationGroup,
  type SortedKeys,
} from './partition-layout.js'
export { dccRevocationHash, parseRevocationRequest } from './parse-revocation-request.js'
export { createLazyRevocationLookup, createRevocationLookup, type LazyPartition, type RevocationLookup } from './revocation-lookup.js'
export type { RevocationListHead, TrustedRoot, VerifiedRevocationList } from './revocation-list.types.js'
export { signRevocationList } from './sign-revocation-list.js'
export { signRevocationIndex, signRevocationPartition } from './sign-revocation-partitions.js'
export { rootsOf, verifyRevocationList, type VerifyRevocationListOptions } from './verify-revocation-list.js'
export {
  verifyRevocationIndex,
  verifyRevocationPartition,
  type RevocationChainHead,
  type VerifiedRevocationIndex,
  type VerifiedRevocationPartition,
  type VerifyRevocationIndexOptions,
  type VerifyRevocationPartitionOptions,
} from './verify-revocation-partitions.js'
