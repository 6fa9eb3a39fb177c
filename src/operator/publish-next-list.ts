// Publishing: the next list from the head and the operator's draft, signed by the root key (and, for a
// rotation, by the next root too), verified like any incoming list, then stored.
import { EntenteError } from '../model/errors.js'
import type { NodeAddress, TrustListDraft } from '../model/schema.types.js'
import { acceptTrustList } from '../store/accept-trust-list.js'
import type { StoredTrustList, TrustStore } from '../store/store.types.js'
import { buildTrustList, emptyDraft } from '../trust-list/build-trust-list.js'
import { decodeTrustList } from '../trust-list/decode-trust-list.js'
import { rootOf, type RootSigningKey } from '../trust-list/root-key.js'
import { signTrustList } from '../trust-list/sign-trust-list.js'

export interface PublishInput {
  readonly store: TrustStore
  readonly country: string
  readonly rootKey: RootSigningKey
  /** Hands trust over to this key: the list names it as root and both keys sign. */
  readonly nextRootKey?: RootSigningKey
  readonly now: Date
  readonly validityDays: number
  readonly quorum: number
  readonly nodes?: readonly NodeAddress[]
  readonly maxBytes?: number
}

export async function publishNextList(input: PublishInput): Promise<StoredTrustList> {
  const { store, country, rootKey, nextRootKey, now } = input
  const stored = store.head(country)
  const head = stored === undefined ? undefined : decodeTrustList(stored.signed, Number.MAX_SAFE_INTEGER)
  if (head !== undefined && head.payload.root.thumbprint !== rootKey.thumbprint) {
    throw new EntenteError(
      'ERR_TRUST_LIST_WRONG_ROOT',
      `the root key ${rootKey.thumbprint} is not ${country}'s current root ${head.payload.root.thumbprint}`,
    )
  }
  const draft: TrustListDraft = store.draft(country) ?? emptyDraft(input.quorum)
  const signingRoot = nextRootKey ?? rootKey
  const payload = buildTrustList({
    country,
    root: rootOf(signingRoot),
    ...(nextRootKey === undefined ? {} : { previousRoot: rootOf(rootKey) }),
    draft,
    ...(head === undefined ? {} : { head: { payload: head.payload, hash: head.hash } }),
    ...(input.nodes === undefined ? {} : { nodes: input.nodes }),
    now,
    validityDays: input.validityDays,
  })
  const signed = await signTrustList(payload, nextRootKey === undefined ? [rootKey] : [rootKey, nextRootKey])
  // The same checks every peer will apply: a node never publishes what others would reject.
  const outcome = await acceptTrustList(store, signed, {
    now,
    ...(input.maxBytes === undefined ? {} : { maxBytes: input.maxBytes }),
    anchors: new Map([[country, { jwk: rootKey.publicJwk }]]),
  })
  if (outcome.status !== 'accepted') {
    throw new EntenteError('ERR_STORE_CONFLICT', `publish of ${country} seq ${payload.seq} was ${outcome.status}`)
  }
  return outcome.list
}
