// Verifies a signed certificate revocation list: size, shape, country, signature by a root the caller trusts for
// that country (from its verified trust list), chain against the held list, freshness. Pure: `now` injected.
import { flattenedVerify } from 'jose'
import { EntenteError } from '../model/errors.js'
import { DEFAULT_CLOCK_SKEW_MS } from '../trust-list/constants.js'
import { importRootPublicKey, rootAlg } from '../trust-list/root-key.js'
import { decodeRevocationList, type RevocationListInput } from './decode-revocation-list.js'
import type { RevocationListHead, TrustedRoot, VerifiedRevocationList } from './revocation-list.types.js'

export interface VerifyRevocationListOptions {
  readonly now: Date
  /** The country whose trust list supplied `roots`. */
  readonly country: string
  /** The roots the caller trusts for that country: its held trust list's root (and previousRoot in a rotation list). */
  readonly roots: readonly TrustedRoot[]
  /** The latest revocation list of this country the caller accepted: chain rules apply against it. */
  readonly head?: RevocationListHead
  /** Default 1 MiB. */
  readonly maxBytes?: number
  /** Default 5 minutes. */
  readonly clockSkewMs?: number
  /** Skip the expiry check (re-verification on load judges expiry per verification instead). Default false. */
  readonly allowExpired?: boolean
}

export async function verifyRevocationList(input: RevocationListInput, options: VerifyRevocationListOptions): Promise<VerifiedRevocationList> {
  const { now, head } = options
  // 1: size cap, JWS shape, canonical payload, schema.
  const decoded = decodeRevocationList(input, options.maxBytes)
  const { payload, signature } = decoded

  // 2: country binding: one country's revocations never stand in for another's.
  if (payload.country !== options.country) {
    throw new EntenteError('ERR_REVOCATION_COUNTRY_MISMATCH', `revocation list is for ${payload.country}, expected ${options.country}`)
  }

  // 3: signed by the root the payload names, and that root is one the caller trusts for the country.
  if (signature.kid !== payload.rootThumbprint) {
    throw new EntenteError('ERR_REVOCATION_WRONG_ROOT', `signed by ${signature.kid}, but the list names root ${payload.rootThumbprint}`)
  }
  const root = options.roots.find((r) => r.thumbprint === signature.kid)
  if (root === undefined) {
    throw new EntenteError('ERR_REVOCATION_WRONG_ROOT', `root ${signature.kid} is not ${payload.country}'s trusted root`)
  }
  const alg = rootAlg(root.jwk)
  if (signature.alg !== alg) throw new EntenteError('ERR_REVOCATION_SIGNATURE', `alg ${signature.alg} does not fit the ${root.jwk.crv} root`)
  try {
    await flattenedVerify({ payload: decoded.signed.payload, protected: signature.protected, signature: signature.signature }, await importRootPublicKey(root.jwk), {
      algorithms: [alg],
    })
  } catch (cause) {
    throw new EntenteError('ERR_REVOCATION_SIGNATURE', `revocation list signature by ${signature.kid} does not verify`, { cause })
  }

  // 4: chain rules against the held list: never fewer revocations than already seen.
  if (head !== undefined) {
    if (payload.seq === head.payload.seq) {
      if (decoded.hash === head.hash) throw new EntenteError('ERR_REVOCATION_DUPLICATE', `revocation list seq ${payload.seq} is already held`)
      throw new EntenteError('ERR_REVOCATION_EQUIVOCATION', `two different revocation lists with seq ${payload.seq}`, { details: { hashes: [head.hash, decoded.hash] } })
    }
    if (payload.seq < head.payload.seq) {
      throw new EntenteError('ERR_REVOCATION_ROLLBACK', `revocation list seq ${payload.seq} is older than the held seq ${head.payload.seq}`)
    }
    if (Date.parse(payload.issuedAt) < Date.parse(head.payload.issuedAt)) throw new EntenteError('ERR_REVOCATION_ROLLBACK', 'issuedAt goes backwards')
    if (payload.seq === head.payload.seq + 1 && payload.prev !== head.hash) {
      throw new EntenteError('ERR_REVOCATION_CHAIN', `prev ${String(payload.prev)} is not the held revocation list ${head.hash}`)
    }
  }

  // 5: freshness: a frozen mirror must not keep serving an old list (with fewer revocations) forever.
  if (Date.parse(payload.issuedAt) > now.getTime() + (options.clockSkewMs ?? DEFAULT_CLOCK_SKEW_MS)) {
    throw new EntenteError('ERR_REVOCATION_NOT_YET_VALID', `issued in the future (${payload.issuedAt})`)
  }
  if (options.allowExpired !== true && now.getTime() >= Date.parse(payload.expiresAt)) {
    throw new EntenteError('ERR_REVOCATION_EXPIRED', `revocation list expired at ${payload.expiresAt}`)
  }
  return { signed: decoded.signed, payload, hash: decoded.hash, size: decoded.size }
}

/** The roots a country's verified trust list vouches for: its root, and during a rotation the one it hands over from. */
export function rootsOf(list: { readonly root: TrustedRoot; readonly previousRoot?: TrustedRoot | undefined }): TrustedRoot[] {
  return list.previousRoot === undefined ? [list.root] : [list.root, list.previousRoot]
}
