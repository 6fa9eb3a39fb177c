// Equivocation: two validly signed lists of one country with the same seq and different payloads.
// The pair itself is the proof; anyone re-verifies it from the two JWS alone. Pure.
import { EntenteError } from '../model/errors.js'
import { schemaValidators } from '../model/schemas.js'
import type { EquivocationProof, SignedTrustList } from '../model/schema.types.js'
import type { RootAnchor, VerifiedTrustList } from './trust-list.types.js'
import { verifyTrustList } from './verify-trust-list.js'

/** Returns the proof when `a` and `b` equivocate, otherwise undefined. Both must already be verified. */
export function detectEquivocation(a: VerifiedTrustList, b: VerifiedTrustList): EquivocationProof | undefined {
  if (a.payload.country !== b.payload.country || a.payload.seq !== b.payload.seq || a.hash === b.hash) return undefined
  // Only lists under the same root convict the country; a list under another root is a forgery, not a proof.
  if (a.payload.root.thumbprint !== b.payload.root.thumbprint) return undefined
  const [first, second] = a.hash < b.hash ? [a, b] : [b, a]
  return {
    type: 'entente.equivocation-proof',
    version: 1,
    country: a.payload.country,
    seq: a.payload.seq,
    rootThumbprint: a.payload.root.thumbprint,
    lists: [first.signed, second.signed],
  }
}

export interface VerifiedEquivocation {
  readonly proof: EquivocationProof
  readonly country: string
  readonly seq: number
  readonly rootThumbprint: string
  readonly hashes: readonly [string, string]
}

/**
 * Re-verifies a proof: both lists validly signed by the same root (optionally the one the caller pins),
 * same country and seq, different payloads. Expiry does not matter: a lie stays a lie.
 */
export async function verifyEquivocationProof(
  input: unknown,
  options: { now: Date; anchor?: RootAnchor; maxBytes?: number },
): Promise<VerifiedEquivocation> {
  const proof = schemaValidators().check('equivocation-proof.v1', input, 'ERR_EQUIVOCATION_PROOF_INVALID')
  const [a, b] = proof.lists as [SignedTrustList, SignedTrustList]
  const verify = async (list: SignedTrustList): Promise<VerifiedTrustList> => {
    try {
      return await verifyTrustList(list, {
        now: options.now,
        country: proof.country,
        ...(options.anchor === undefined ? {} : { anchor: options.anchor }),
        ...(options.maxBytes === undefined ? {} : { maxBytes: options.maxBytes }),
        allowExpired: true,
        clockSkewMs: Number.MAX_SAFE_INTEGER,
      })
    } catch (cause) {
      throw new EntenteError('ERR_EQUIVOCATION_PROOF_INVALID', 'a list in the proof does not verify', { cause })
    }
  }
  const [va, vb] = [await verify(a), await verify(b)]
  const found = detectEquivocation(va, vb)
  if (found === undefined || found.seq !== proof.seq) {
    throw new EntenteError('ERR_EQUIVOCATION_PROOF_INVALID', 'the two lists do not equivocate')
  }
  if (proof.rootThumbprint !== undefined && proof.rootThumbprint !== found.rootThumbprint) {
    throw new EntenteError('ERR_EQUIVOCATION_PROOF_INVALID', 'rootThumbprint does not match the lists')
  }
  return {
    proof,
    country: found.country,
    seq: found.seq,
    rootThumbprint: va.payload.root.thumbprint,
    hashes: va.hash < vb.hash ? [va.hash, vb.hash] : [vb.hash, va.hash],
  }
}
