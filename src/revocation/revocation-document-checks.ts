// The checks every root-signed revocation document shares (single lists and partitioned indexes): signature by the
// root it names which the caller trusts for the country, chain against the held head, and freshness. Pure.
import { EntenteError } from '../model/errors.js'
import { DEFAULT_CLOCK_SKEW_MS } from '../trust-list/constants.js'
import type { DecodedSignature } from '../trust-list/decode-signed-document.js'
import { rootAlg, verifyRootSignatureBytes } from '../trust-list/root-key.js'
import type { TrustedRoot } from './revocation-list.types.js'

/** How messages name the document checked (`label`) and the held document it chains to (`held`). */
export interface RevocationDocumentNames {
  readonly label: string
  readonly held: string
}

interface ChainedRevocationPayload {
  readonly seq: number
  readonly prev: string | null
  readonly issuedAt: string
  readonly expiresAt: string
}

export async function verifyRootSignature(signedPayload: string, signature: DecodedSignature, named: string, roots: readonly TrustedRoot[], country: string, label: string): Promise<void> {
  if (signature.kid !== named) throw new EntenteError('ERR_REVOCATION_WRONG_ROOT', `signed by ${signature.kid}, but the ${label} names root ${named}`)
  const root = roots.find((r) => r.thumbprint === signature.kid)
  if (root === undefined) throw new EntenteError('ERR_REVOCATION_WRONG_ROOT', `root ${signature.kid} is not ${country}'s trusted root`)
  const alg = rootAlg(root.jwk)
  if (signature.alg !== alg) throw new EntenteError('ERR_REVOCATION_SIGNATURE', `alg ${signature.alg} does not fit the ${root.jwk.crv} root`)
  // Both payload forms sign `protected.payload` as given (RFC 7797 text or base64url).
  if (!(await verifyRootSignatureBytes(root.jwk, signature.protected, signedPayload, signature.signature))) {
    throw new EntenteError('ERR_REVOCATION_SIGNATURE', `${label} signature by ${signature.kid} does not verify`)
  }
}

/** Chain rules against the held head: never fewer revocations than already seen. */
export function checkRevocationChain(payload: ChainedRevocationPayload, hash: string, head: { seq: number; issuedAt: string; hash: string }, names: RevocationDocumentNames): void {
  if (payload.seq === head.seq) {
    if (hash === head.hash) throw new EntenteError('ERR_REVOCATION_DUPLICATE', `${names.label} seq ${payload.seq} is already held`)
    throw new EntenteError('ERR_REVOCATION_EQUIVOCATION', `two different ${names.held}s with seq ${payload.seq}`, { details: { hashes: [head.hash, hash] } })
  }
  if (payload.seq < head.seq) throw new EntenteError('ERR_REVOCATION_ROLLBACK', `${names.label} seq ${payload.seq} is older than the held seq ${head.seq}`)
  if (Date.parse(payload.issuedAt) < Date.parse(head.issuedAt)) throw new EntenteError('ERR_REVOCATION_ROLLBACK', 'issuedAt goes backwards')
  if (payload.seq === head.seq + 1 && payload.prev !== head.hash) {
    throw new EntenteError('ERR_REVOCATION_CHAIN', `prev ${String(payload.prev)} is not the held ${names.held} ${head.hash}`)
  }
}

/** Freshness: a frozen mirror must not keep serving an old document (with fewer revocations) forever. */
export function checkRevocationFreshness(payload: ChainedRevocationPayload, now: Date, options: { clockSkewMs?: number; allowExpired?: boolean }, label: string): void {
  if (Date.parse(payload.issuedAt) > now.getTime() + (options.clockSkewMs ?? DEFAULT_CLOCK_SKEW_MS)) {
    throw new EntenteError('ERR_REVOCATION_NOT_YET_VALID', `issued in the future (${payload.issuedAt})`)
  }
  if (options.allowExpired !== true && now.getTime() >= Date.parse(payload.expiresAt)) {
    throw new EntenteError('ERR_REVOCATION_EXPIRED', `${label} expired at ${payload.expiresAt}`)
  }
}
