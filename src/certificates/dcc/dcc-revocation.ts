// EU DCC revocation check: hashes of UCI, country+UCI and signature against the revocation lists.
// Pure: no I/O (node:crypto hashing only).
import { createHash } from 'node:crypto'
import type { PreparedTrust } from '../prepare-trust.js'

function sha256(data: Uint8Array | string): Buffer {
  return createHash('sha256').update(data).digest()
}

function listed(set: ReadonlySet<string> | undefined, hash: Buffer): boolean {
  // The gateway distributes the first 128 bits; accept full hashes too.
  return set !== undefined && (set.has(hash.subarray(0, 16).toString('base64')) || set.has(hash.toString('base64')))
}

/** The hash type under which the certificate is revoked, or undefined. */
export function dccRevocation(
  trust: PreparedTrust,
  input: { uci: string | undefined; country: string | undefined; signature: Uint8Array; alg: number | undefined },
): string | undefined {
  const lists = trust.revokedDccHashes
  if (lists.size === 0) return undefined
  if (input.uci !== undefined) {
    if (listed(lists.get('UCI'), sha256(input.uci))) return 'UCI'
    if (input.country !== undefined && listed(lists.get('COUNTRYCODEUCI'), sha256(input.country + input.uci))) {
      return 'COUNTRYCODEUCI'
    }
  }
  // For ECDSA only r (the first half of r||s) is hashed, since s can be re-randomised by anyone.
  const isEcdsa = input.alg === -7 || input.alg === -35 || input.alg === -36
  const signed = isEcdsa ? input.signature.subarray(0, input.signature.length / 2) : input.signature
  if (listed(lists.get('SIGNATURE'), sha256(signed))) return 'SIGNATURE'
  return undefined
}
