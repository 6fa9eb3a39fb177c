// Verifies a signed trust list: size, shape, root, signatures, country, chain and freshness, in that order.
// Pure: `now` is supplied by the caller; no I/O.
import { EntenteError } from '../model/errors.js'
import type { TrustListPayload } from '../model/schema.types.js'
import { DEFAULT_CLOCK_SKEW_MS, DEFAULT_MAX_TRUST_LIST_BYTES } from './constants.js'
import { decodeTrustList, type DecodedSignature, type TrustListInput } from './decode-trust-list.js'
import { rootThumbprint, verifyRootSignatureBytes, type RootPublicJwk } from './root-key.js'
import { changesBetween, handoverPoint } from './handover.js'
import type { RootAnchor, TrustListHead, VerifiedTrustList } from './trust-list.types.js'
import { verifyRecognitions } from './verify-recognitions.js'

export interface VerifyTrustListOptions {
  /** Verification time. */
  readonly now: Date
  /** The latest list of this country the caller has accepted: chain rules apply against it. */
  readonly head?: TrustListHead
  /** The root the caller pins for this country when it has no head. Without either, the list's own root is taken (first contact). */
  readonly anchor?: RootAnchor
  /** The country the caller expects. */
  readonly country?: string
  /** Default DEFAULT_MAX_TRUST_LIST_BYTES (8 MiB). */
  readonly maxBytes?: number
  /** Default 5 minutes. */
  readonly clockSkewMs?: number
  /** Skip the expiry check: only for lists inside a chain whose newest list is checked for freshness. Default false. */
  readonly allowExpired?: boolean
}

export async function verifyTrustList(
  input: TrustListInput,
  options: VerifyTrustListOptions,
): Promise<VerifiedTrustList> {
  const { now, head } = options
  // 1: size cap, JWS shape, canonical payload, schema.
  const decoded = decodeTrustList(input, options.maxBytes ?? DEFAULT_MAX_TRUST_LIST_BYTES)
  const { payload } = decoded

  // 2: the payload's root must describe itself truthfully.
  if ((await rootThumbprint(payload.root.jwk)) !== payload.root.thumbprint) {
    throw new EntenteError('ERR_TRUST_LIST_MALFORMED', 'root thumbprint does not match the root key')
  }

  // 3: country binding: a list of one country can never stand in for another's.
  const expectedCountry = options.country ?? head?.payload.country
  if (expectedCountry !== undefined && payload.country !== expectedCountry) {
    throw new EntenteError(
      'ERR_TRUST_LIST_COUNTRY_MISMATCH',
      `list is for ${payload.country}, expected ${expectedCountry}`,
    )
  }

  // 4: which root the caller trusts: the head's, else the pinned one, else (first contact) the list's own.
  const previous = payload.previousRoot
  if (previous !== undefined) {
    if (previous.thumbprint === payload.root.thumbprint) {
      throw new EntenteError('ERR_TRUST_LIST_ROTATION', 'previousRoot must differ from root')
    }
    if ((await rootThumbprint(previous.jwk)) !== previous.thumbprint) {
      throw new EntenteError('ERR_TRUST_LIST_MALFORMED', 'previousRoot thumbprint does not match its key')
    }
  }
  const trusted = await trustedRoot(payload, head, options.anchor)

  // 5: signatures. Every signature present must verify; junk signatures are not carried along.
  const byKid = new Map<string, RootPublicJwk>([[payload.root.thumbprint, payload.root.jwk]])
  if (previous !== undefined) byKid.set(previous.thumbprint, previous.jwk)
  if (trusted.jwk !== undefined) byKid.set(trusted.thumbprint, trusted.jwk)
  const signedBy = new Set<string>()
  for (const signature of decoded.signatures) {
    const jwk = byKid.get(signature.kid)
    if (jwk === undefined) {
      throw new EntenteError('ERR_TRUST_LIST_WRONG_ROOT', `signed by ${signature.kid}, which is not this country's root`)
    }
    await verifySignature(decoded.signed.payload, signature, jwk)
    signedBy.add(signature.kid)
  }

  // 6: root continuity (TUF-style rotation): a new root is accepted only when the trusted root co-signs
  // a handover that names it, and the new root proves possession by signing too.
  if (!signedBy.has(trusted.thumbprint)) {
    throw new EntenteError('ERR_TRUST_LIST_WRONG_ROOT', `not signed by the trusted root ${trusted.thumbprint}`)
  }
  if (!signedBy.has(payload.root.thumbprint)) {
    throw new EntenteError('ERR_TRUST_LIST_ROTATION', 'the new root did not sign the rotation')
  }
  const rootRotated = payload.root.thumbprint !== trusted.thumbprint
  if (rootRotated && previous?.thumbprint !== trusted.thumbprint) {
    throw new EntenteError('ERR_TRUST_LIST_ROTATION', 'a rotation must name the trusted root as previousRoot')
  }
  if (previous !== undefined && !signedBy.has(previous.thumbprint)) {
    throw new EntenteError('ERR_TRUST_LIST_ROTATION', 'the previous root did not sign the rotation')
  }

  // 7: chain rules against the head.
  let gap = false
  if (head !== undefined) {
    if (payload.seq === head.payload.seq) {
      // Same seq with other bytes is equivocation: both are validly signed, so the pair is the proof.
      if (decoded.hash === head.hash) throw new EntenteError('ERR_TRUST_LIST_DUPLICATE', `seq ${payload.seq} is already held`)
      throw new EntenteError('ERR_TRUST_LIST_EQUIVOCATION', `two different lists with seq ${payload.seq}`, {
        details: { hashes: [head.hash, decoded.hash] },
      })
    }
    // Rollback: an older list, however validly signed, must never replace a newer one.
    if (payload.seq < head.payload.seq) {
      throw new EntenteError('ERR_TRUST_LIST_ROLLBACK', `seq ${payload.seq} is older than the held seq ${head.payload.seq}`)
    }
    if (Date.parse(payload.issuedAt) < Date.parse(head.payload.issuedAt)) {
      throw new EntenteError('ERR_TRUST_LIST_ROLLBACK', 'issuedAt goes backwards')
    }
    if (payload.seq === head.payload.seq + 1) {
      if (payload.prev !== head.hash) {
        throw new EntenteError('ERR_TRUST_LIST_CHAIN', `prev ${String(payload.prev)} is not the held list ${head.hash}`)
      }
    } else {
      gap = true
    }
    // 7.1: handovers (root, governance, withdrawals) may not be skipped: a gap that hides one must be walked.
    const expected = handoverPoint(head)
    const named = payload.lastHandover
    if (named === null) throw new EntenteError('ERR_TRUST_LIST_CHAIN', `seq ${payload.seq} names no previous handover`)
    if (named.seq > head.payload.seq) {
      throw new EntenteError('ERR_TRUST_LIST_HANDOVER_MISSING', `seq ${payload.seq} follows handover seq ${named.seq}, which the held seq ${head.payload.seq} predates`, {
        details: { country: payload.country, handover: named, held: head.payload.seq },
      })
    }
    if (named.seq !== expected.seq || named.hash !== expected.hash) {
      throw new EntenteError('ERR_TRUST_LIST_CHAIN', `seq ${payload.seq} names handover seq ${named.seq}, the chain's latest is seq ${expected.seq}`)
    }
    // 7.2: what the list declares it changes is what it changes (no handover hides among ordinary lists).
    const actual = changesBetween(head.payload, payload)
    if (actual.join() !== [...payload.changes].sort(byChangeOrder).join()) {
      throw new EntenteError('ERR_TRUST_LIST_HANDOVER', `declares changes [${payload.changes.join(', ')}] but changes [${actual.join(', ')}]`)
    }
  } else {
    // On its own a list can only be consistent with itself.
    if ((payload.seq === 1) !== (payload.lastHandover === null)) {
      throw new EntenteError('ERR_TRUST_LIST_CHAIN', payload.seq === 1 ? 'the first list names a previous handover' : `seq ${payload.seq} names no previous handover`)
    }
    if (payload.lastHandover !== null && payload.lastHandover.seq >= payload.seq) {
      throw new EntenteError('ERR_TRUST_LIST_CHAIN', `seq ${payload.seq} names a handover at seq ${payload.lastHandover.seq}`)
    }
    if ((payload.seq === 1 && payload.changes.length > 0) || payload.changes.includes('root') !== (previous !== undefined)) {
      throw new EntenteError('ERR_TRUST_LIST_HANDOVER', `declared changes [${payload.changes.join(', ')}] do not fit the list`)
    }
  }

  // 7.5: evidence. The root signing a recognition or a new diplomat set is not enough: each needs a quorum of
  // valid passkey approvals by the diplomats in force (the head's), bound to a chain position, so an operator alone
  // cannot grant trust, install puppets, lower the quorum or bring back a withdrawn recognition.
  const evidence = await verifyRecognitions(payload, head)

  // 8: freshness. An expired list is refused so a frozen mirror cannot keep serving revoked signers forever.
  const skew = options.clockSkewMs ?? DEFAULT_CLOCK_SKEW_MS
  if (Date.parse(payload.issuedAt) > now.getTime() + skew) {
    throw new EntenteError('ERR_TRUST_LIST_NOT_YET_VALID', `issued in the future (${payload.issuedAt})`)
  }
  if (options.allowExpired !== true && now.getTime() >= Date.parse(payload.expiresAt)) {
    throw new EntenteError('ERR_TRUST_LIST_EXPIRED', `expired at ${payload.expiresAt}`)
  }

  return {
    signed: decoded.signed,
    payload,
    hash: decoded.hash,
    size: decoded.size,
    rootRotated,
    gap,
    governanceReset: evidence.governanceReset,
    carriedFromEarlierEpoch: evidence.carriedFromEarlierEpoch,
  }
}

const CHANGE_ORDER = ['root', 'governance', 'withdrawals']
function byChangeOrder(a: string, b: string): number {
  return CHANGE_ORDER.indexOf(a) - CHANGE_ORDER.indexOf(b)
}

async function trustedRoot(
  payload: TrustListPayload,
  head: TrustListHead | undefined,
  anchor: RootAnchor | undefined,
): Promise<{ thumbprint: string; jwk?: RootPublicJwk }> {
  if (head !== undefined) return { thumbprint: head.payload.root.thumbprint, jwk: head.payload.root.jwk }
  if (anchor !== undefined && 'jwk' in anchor) return { thumbprint: await rootThumbprint(anchor.jwk), jwk: anchor.jwk }
  const candidates = [payload.root, ...(payload.previousRoot === undefined ? [] : [payload.previousRoot])]
  if (anchor !== undefined) {
    // A thumbprint pin carries no key: it must be a root the list itself names (its own, or the one it rotates from).
    const pinned = candidates.find((root) => root.thumbprint === anchor.thumbprint)
    if (pinned === undefined) {
      throw new EntenteError('ERR_TRUST_LIST_WRONG_ROOT', `root ${payload.root.thumbprint} is not the pinned ${anchor.thumbprint}`)
    }
    return pinned
  }
  // First contact: the list vouches for itself; a rotation list is judged from the root it hands over from.
  return payload.previousRoot ?? payload.root
}

async function verifySignature(payload: string, signature: DecodedSignature, jwk: RootPublicJwk): Promise<void> {
  const expectedAlg = jwk.kty === 'EC' ? 'ES256' : 'EdDSA'
  if (signature.alg !== expectedAlg) {
    throw new EntenteError('ERR_TRUST_LIST_SIGNATURE', `alg ${signature.alg} does not fit the ${jwk.crv} root`)
  }
  if (!(await verifyRootSignatureBytes(jwk, signature.protected, payload, signature.signature))) {
    throw new EntenteError('ERR_TRUST_LIST_SIGNATURE', `signature by ${signature.kid} does not verify`)
  }
}

/** Verifies lists of one country in seq order from a pinned root, as a verifier following the chain does.
 * Only the newest list must be fresh; older ones are links. */
export async function verifyTrustListChain(
  lists: readonly TrustListInput[],
  options: Omit<VerifyTrustListOptions, 'head' | 'allowExpired'>,
): Promise<VerifiedTrustList[]> {
  const verified: VerifiedTrustList[] = []
  let head: TrustListHead | undefined
  for (const [index, list] of lists.entries()) {
    const result = await verifyTrustList(list, { ...options, head, allowExpired: index < lists.length - 1 })
    verified.push(result)
    head = { payload: result.payload, hash: result.hash }
  }
  return verified
}
