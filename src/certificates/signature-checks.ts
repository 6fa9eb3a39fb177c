// Counts signature verifications (a test hook): tests hold verification to its bounds, one check per verdict and a
// few at most for an unknown kid, by counting instead of timing. Pure: a counter, no I/O.
let checks = 0

export function countSignatureCheck(): void {
  checks++
}

/** Signature verifications attempted by this process so far (take the difference around a call). */
export function signatureChecks(): number {
  return checks
}
