// Certificate revocation lists: signed, chained companion documents of a country's trust list.
export { buildRevocationList, normalizeEntries, type BuildRevocationListInput, type RevocationEntries } from './build-revocation-list.js'
export { DEFAULT_MAX_REVOCATION_LIST_BYTES, DEFAULT_REVOCATION_VALIDITY_DAYS, REVOCATION_LIST_TYP } from './constants.js'
export { decodeRevocationList, type DecodedRevocationList, type RevocationListInput } from './decode-revocation-list.js'
export { dccRevocationHash, parseRevocationRequest } from './parse-revocation-request.js'
export type { RevocationListHead, TrustedRoot, VerifiedRevocationList } from './revocation-list.types.js'
export { signRevocationList } from './sign-revocation-list.js'
export { rootsOf, verifyRevocationList, type VerifyRevocationListOptions } from './verify-revocation-list.js'
