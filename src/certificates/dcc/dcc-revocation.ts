// The EU DCC revocation hashes of a certificate: of the UCI, of issuing country + UCI and of the signature.
// Pure: no I/O (node:crypto hashing only).
import { createHash } from 'node:crypto'
import type { DccHashType } from '../revocation-check.js'

function sha256(data: Uint8Array | string): Buffer {
  return createHash('sha256').update(data).digest()
}

/** Full SHA-256 per hash type, computed once per verdict. */
export function dccRevocationHashes(input: {
  uci: string | undefined
  country: string | undefined
  signature: Uint8Array
  alg: number | undefined
}): Partial<Record<DccHashType, Uint8Array>> {
  const hashes: Partial<Record<DccHashType, Uint8Array>> = {}
  if (input.uci !== undefined) {
    hashes.UCI = sha256(input.uci)
    if (input.country !== undefined) hashes.COUNTRYCODEUCI = sha256(input.country + input.uci)
  }
  // For ECDSA only r (the first half of r||s) is hashed, since s can be re-randomised by anyone.
  const isEcdsa = input.alg === -7 || input.alg === -35 || input.alg === -36
  hashes.SIGNATURE = sha256(isEcdsa ? input.signature.subarray(0, input.signature.length / 2) : input.signature)
  return hashes
}
