// Verifies a signed certificate revocation list: size, shape, country, signature by a root the caller trusts for
// that country (from its verified trust list), chain against the held list, freshness. Pure: `now` injected.
import { EntenteError } from '../model/errors.js'
import { decodeRevocationList, type RevocationListInput } from './decode-revocation-list.js'
import { checkRevocationChain, checkRevocationFreshness, verifyRootSignature } from './revocation-document-checks.js'
import type { RevocationListHead, TrustedRoot, VerifiedRevocationList } from './revocation-list.types.js'

const LIST_NAMES = { label: 'revocation list', held: 'revocation list' }

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
  await verifyRootSignature(decoded.signed.payload, signature, payload.rootThumbprint, options.roots, payload.country, 'revocation list')

  // 4: chain rules against the held list, 5: freshness.
  if (head !== undefined) checkRevocationChain(payload, decoded.hash, { seq: head.payload.seq, issuedAt: head.payload.issuedAt, hash: head.hash }, LIST_NAMES)
  checkRevocationFreshness(payload, now, options, 'revocation list')
  return { signed: decoded.signed, payload, hash: decoded.hash, size: decoded.size }
}

/** The roots a country's verified trust list vouches for: its root, and during a rotation the one it hands over from. */
export function rootsOf(list: { readonly root: TrustedRoot; readonly previousRoot?: TrustedRoot | undefined }): TrustedRoot[] {
  return list.previousRoot === undefined ? [list.root] : [list.root, list.previousRoot]
}
