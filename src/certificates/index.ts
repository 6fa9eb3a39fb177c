// Public surface of offline certificate verification (EU DCC and SMART Health Cards).
// Pure: nothing here does I/O; callers read files and pass `now`.
import '../platform/use-node-platform.js'
export type { CertificateErrorCode } from './error-codes.js'
export type {
  AcceptedVaccine,
  DccSigner,
  Policy,
  PublicJwk,
  PolicyRules,
  Recognition,
  RevokedCertificate,
  RevokedSigner,
  ShcSigner,
  Signer,
  TrustMaterial,
  Usage,
} from './trust-material.types.js'
export type {
  CertificateFormat,
  CertificateSummary,
  CertificateType,
  Holder,
  Reason,
  Verdict,
  Warning,
  WarningCode,
} from './verdict.types.js'
export type { VerifyOptions } from './verify-options.types.js'
export { defaultLimits, type DecodeLimits } from './constants.js'
export { prepareTrust, checkShcJwk, type PreparedTrust, type TrustProblem } from './prepare-trust.js'
export { verifyCertificate, detectFormat } from './verify-certificate.js'
export {
  askLookup,
  revocationCallback,
  revocationSets,
  setLookup,
  type DccHashType,
  type IsRevoked,
  type RevocationCheck,
  type RevocationHit,
  type RevocationLookup,
  type RevocationSets,
} from './revocation-check.js'
export { dscKid, parseDsc, type DscInfo } from './dcc/parse-dsc.js'
export { decodeHc1, type DecodedHc1 } from './dcc/decode-hc1.js'
export { decodeShcQr } from './shc/decode-shc-qr.js'
export { decodeShcJws } from './shc/decode-shc-jws.js'
export { parseShcCrl, type ParsedShcCrl } from './shc/parse-shc-crl.js'
export { decodeSmartHealthCardFile } from './shc/decode-smart-health-card-file.js'
export { CVX_TO_EU_PRODUCT } from './policy/cvx-to-eu-product.js'
