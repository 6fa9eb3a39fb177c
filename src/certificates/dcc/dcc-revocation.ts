// The EU DCC revocation hashes of a certificate: of the UCI, of issuing country + UCI and of the signature.
// Pure: no I/O (hashing through the crypto platform).
import { sha256 } from '../../model/encoding.js'
import type { DccHashType } from '../revocation-check.js'

interface HashInput {
  uci: string | undefined
  country: string | undefined
  signature: Uint8Array
  alg: number | undefined
}

/** Each hash is computed when first read (a country without revocations reads none), then kept. */
class DccRevocationHashes implements Partial<Record<DccHashType, Uint8Array>> {
  private readonly memo: Partial<Record<DccHashType, Uint8Array>> = {}
  constructor(private readonly input: HashInput) {}

  private sha256(type: DccHashType, data: string | Uint8Array): Uint8Array {
    return (this.memo[type] ??= sha256(data))
  }

  get UCI(): Uint8Array | undefined {
    return this.input.uci === undefined ? undefined : this.sha256('UCI', this.input.uci)
  }

  get COUNTRYCODEUCI(): Uint8Array | undefined {
    const { uci, country } = this.input
    return uci === undefined || country === undefined ? undefined : this.sha256('COUNTRYCODEUCI', country + uci)
  }

  get SIGNATURE(): Uint8Array {
    const { signature, alg } = this.input
    // For ECDSA only r (the first half of r||s) is hashed, since s can be re-randomised by anyone.
    const isEcdsa = alg === -7 || alg === -35 || alg === -36
    return this.sha256('SIGNATURE', isEcdsa ? signature.subarray(0, signature.length / 2) : signature)
  }
}

/** Full SHA-256 per hash type (UCI and COUNTRYCODEUCI undefined without a UCI or country), each computed once. */
export function dccRevocationHashes(input: HashInput): Readonly<Partial<Record<DccHashType, Uint8Array>>> {
  return new DccRevocationHashes(input)
}
