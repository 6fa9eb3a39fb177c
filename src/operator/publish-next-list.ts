// Publishing: the next list from the head and the operator's draft (prepared here, unsigned, for an offline root),
// signed by the root key (and, for a rotation, by the next root too), verified like any incoming list, then stored
// only if the head is still the one it was built on: a lost race is a conflict, never an equivocation against oneself.
import { EntenteError } from '../model/errors.js'
import type { NodeAddress, Root, TrustListDraft, TrustListPayload } from '../model/schema.types.js'
import type { StoredTrustList, TrustStore } from '../store/store.types.js'
import { buildTrustList, emptyDraft } from '../trust-list/build-trust-list.js'
import { decodeTrustList, type TrustListInput } from '../trust-list/decode-trust-list.js'
import type { ChainPosition } from '../trust-list/handover.js'
import { rootOf, type RootSigningKey } from '../trust-list/root-key.js'
import { signTrustList } from '../trust-list/sign-trust-list.js'
import { signedDocumentBytes } from '../trust-list/sign-document.js'
import { TRUST_LIST_TYP } from '../trust-list/constants.js'
import type { TrustListHead } from '../trust-list/trust-list.types.js'
import { verifyTrustList } from '../trust-list/verify-trust-list.js'

export interface PrepareInput {
  readonly store: TrustStore
  readonly country: string
  /** The root that signs: the current one (its public half is enough to prepare). */
  readonly root: Root
  /** Hands trust over to this root: the list names it as root and both keys sign. */
  readonly nextRoot?: Root
  /** Recovery below quorum: only with a root rotation; every node and verifier surfaces it. */
  readonly resetGovernance?: boolean
  /** With `resetGovernance`: the diplomat set and quorum the reset installs (the pending governance change). */
  readonly resetTo?: { readonly diplomats: TrustListDraft['diplomats']; readonly quorum: number }
  readonly now: Date
  readonly validityDays: number
  readonly quorum: number
  readonly nodes?: readonly NodeAddress[]
  /** The country's current certificate revocation list, named in the list (first-sync completeness). */
  readonly revocationList?: ChainPosition
  /**
   * Re-issue the head's content instead of the draft (dates, nodes and the revocation pointer renewed): a revocation
   * publish names its new list this way, so it never publishes half-finished draft edits along with it.
   */
  readonly fromHead?: boolean
  /** Build from this draft instead of the stored one (to measure an edit before it is saved). */
  readonly draft?: TrustListDraft
}

export interface PreparedList {
  readonly payload: TrustListPayload
  /** The head it was built on: storing it later requires this head to be unchanged. */
  readonly head: TrustListHead | undefined
}

/** The unsigned next list, exactly as the root will sign it. */
export function prepareNextList(input: PrepareInput): PreparedList {
  const { store, country, root, nextRoot, now } = input
  const head = heldHead(store, country)
  if (head !== undefined && head.payload.root.thumbprint !== root.thumbprint) {
    throw new EntenteError('ERR_TRUST_LIST_WRONG_ROOT', `the root key ${root.thumbprint} is not ${country}'s current root ${head.payload.root.thumbprint}`)
  }
  if (nextRoot !== undefined && nextRoot.thumbprint === root.thumbprint) throw new EntenteError('ERR_TRUST_LIST_ROTATION', 'the next root must differ from the current root')
  if (input.resetGovernance === true && nextRoot === undefined) {
    throw new EntenteError('ERR_TRUST_LIST_ROTATION', 'a governance reset is only possible with a root rotation')
  }
  const stored: TrustListDraft =
    input.fromHead === true && head !== undefined ? draftOf(head.payload) : (input.draft ?? store.draft(country) ?? emptyDraft(input.quorum))
  // Recovery below quorum: the set the remaining diplomats could not approve is installed by the rotation itself.
  const draft: TrustListDraft =
    input.resetGovernance === true && input.resetTo !== undefined
      ? { ...stored, diplomats: [...input.resetTo.diplomats], quorum: input.resetTo.quorum, governanceApprovals: [] }
      : stored
  const payload = buildTrustList({
    country,
    root: nextRoot ?? root,
    ...(nextRoot === undefined ? {} : { previousRoot: root }),
    draft,
    ...(head === undefined ? {} : { head }),
    ...(input.nodes === undefined ? {} : { nodes: input.nodes }),
    ...(input.revocationList === undefined ? {} : { revocationList: input.revocationList }),
    ...(input.resetGovernance === true ? { resetGovernance: true } : {}),
    now,
    validityDays: input.validityDays,
  })
  return { payload, head }
}

/**
 * The signed size of the list `input` would publish, counted as the size cap counts it, with room for a second
 * signature (a root rotation): a draft that fits here can always be published.
 */
export function nextListBytes(input: PrepareInput): number {
  const { payload } = prepareNextList(input)
  const key = { alg: input.root.jwk.kty === 'EC' ? ('ES256' as const) : ('EdDSA' as const), thumbprint: input.root.thumbprint }
  return signedDocumentBytes(payload, [key, key], TRUST_LIST_TYP)
}

export interface PublishInput extends Omit<PrepareInput, 'root' | 'nextRoot'> {
  readonly rootKey: RootSigningKey
  /** Hands trust over to this key: the list names it as root and both keys sign. */
  readonly nextRootKey?: RootSigningKey
  readonly maxBytes?: number
}

export async function publishNextList(input: PublishInput): Promise<StoredTrustList> {
  const { rootKey, nextRootKey } = input
  const { payload, head } = prepareNextList({ ...input, root: rootOf(rootKey), ...(nextRootKey === undefined ? {} : { nextRoot: rootOf(nextRootKey) }) })
  const signed = await signTrustList(payload, nextRootKey === undefined ? [rootKey] : [rootKey, nextRootKey])
  return storeOwnList(input.store, signed, head, { now: input.now, anchor: rootKey.publicJwk, ...(input.maxBytes === undefined ? {} : { maxBytes: input.maxBytes }) })
}

/**
 * A list of this country signed offline: accepted only as the direct successor of the held head. A list at or
 * below the head is refused before any proof is made of it: a stale upload is the operator's lost race, and the
 * node must not publish an alarm against its own country from it.
 */
export async function acceptUploadedList(
  store: TrustStore,
  input: TrustListInput,
  options: { readonly country: string; readonly now: Date; readonly maxBytes: number; readonly anchor?: Root['jwk'] },
): Promise<StoredTrustList> {
  const { payload, hash } = decodeTrustList(input, options.maxBytes)
  if (payload.country !== options.country) {
    throw new EntenteError('ERR_TRUST_LIST_COUNTRY_MISMATCH', `this node publishes ${options.country}, not ${payload.country}`)
  }
  const head = heldHead(store, options.country)
  if (head !== undefined && payload.seq <= head.payload.seq) {
    if (payload.seq === head.payload.seq && hash === head.hash) throw new EntenteError('ERR_TRUST_LIST_DUPLICATE', `seq ${payload.seq} is already held`)
    throw new EntenteError(
      'ERR_STORE_CONFLICT',
      `seq ${payload.seq} was prepared from an older head; the node is at seq ${head.payload.seq}: prepare and sign again`,
    )
  }
  return storeOwnList(store, input, head, { now: options.now, maxBytes: options.maxBytes, ...(options.anchor === undefined ? {} : { anchor: options.anchor }) })
}

/** The same checks every peer applies, then one append bound to the head the list was built on. */
async function storeOwnList(
  store: TrustStore,
  signed: TrustListInput,
  head: TrustListHead | undefined,
  options: { readonly now: Date; readonly maxBytes?: number; readonly anchor?: Root['jwk'] },
): Promise<StoredTrustList> {
  const verified = await verifyTrustList(signed, {
    now: options.now,
    ...(head === undefined ? {} : { head }),
    ...(options.anchor === undefined ? {} : { anchor: { jwk: options.anchor } }),
    ...(options.maxBytes === undefined ? {} : { maxBytes: options.maxBytes }),
  })
  // No retry: if another writer moved the head, this list is not its successor (ERR_STORE_CONFLICT from append).
  return store.append(verified, { expectedHead: head?.hash, receivedAt: options.now })
}

function heldHead(store: TrustStore, country: string): TrustListHead | undefined {
  const stored = store.head(country)
  if (stored === undefined) return undefined
  const { payload, hash } = decodeTrustList(stored.signed, Number.MAX_SAFE_INTEGER)
  return { payload, hash }
}

/** A list's published content as a draft (no governance approvals: an unchanged governance needs none). */
function draftOf(payload: TrustListPayload): TrustListDraft {
  return {
    signers: payload.signers,
    revokedSigners: payload.revokedSigners,
    vaccines: payload.vaccines,
    ...(payload.rules === undefined ? {} : { rules: payload.rules }),
    recognitions: payload.recognitions,
    ...(payload.withdrawals === undefined ? {} : { withdrawals: payload.withdrawals }),
    diplomats: payload.diplomats,
    quorum: payload.quorum,
  }
}
