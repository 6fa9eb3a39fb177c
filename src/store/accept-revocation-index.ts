// Accepting partitioned revocations from anywhere (gossip, catch-up): an index verified against the root of the
// country's held trust list and its held chain head (index, or last single list), and a partition only when the held
// index names exactly it. Only for countries the node holds a trust list of. Invalid documents throw their error.
import { EntenteError } from '../model/errors.js'
import { decodeRevocationIndex, decodeRevocationPartition, type RevocationIndexInput, type RevocationPartitionInput } from '../revocation/decode-revocation-partitions.js'
import { REVOCATION_INDEX_TYP, REVOCATION_LIST_TYP, REVOCATION_PARTITION_TYP } from '../revocation/constants.js'
import { rootsOf } from '../revocation/verify-revocation-list.js'
import type { TrustedRoot } from '../revocation/revocation-list.types.js'
import { verifyRevocationIndex, verifyRevocationPartition } from '../revocation/verify-revocation-partitions.js'
import { fromBase64url, utf8 } from '../model/encoding.js'
import { decodeTrustList } from '../trust-list/decode-trust-list.js'
import type { RevocationRepository } from './revocation-repository.js'
import type { StoredRevocationIndex } from './revocation-partition-store.js'
import type { TrustStore } from './store.types.js'

export type RevocationIndexOutcome =
  | { readonly status: 'accepted'; readonly index: StoredRevocationIndex }
  | { readonly status: 'duplicate'; readonly country: string; readonly seq: number }
  | { readonly status: 'stale'; readonly country: string; readonly seq: number; readonly headSeq: number }

export type RevocationPartitionOutcome = { readonly status: 'accepted' | 'duplicate'; readonly country: string; readonly id: string }

interface Stores {
  readonly trust: TrustStore
  readonly revocations: RevocationRepository
}

export async function acceptRevocationIndex(stores: Stores, input: RevocationIndexInput, options: { readonly now: Date; readonly maxBytes?: number }): Promise<RevocationIndexOutcome> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await acceptIndexOnce(stores, input, options)
    } catch (error) {
      // Retried only when another writer moved the head while we verified.
      if (attempt < 3 && error instanceof EntenteError && error.code === 'ERR_STORE_CONFLICT') continue
      throw error
    }
  }
}

async function acceptIndexOnce(stores: Stores, input: RevocationIndexInput, options: { readonly now: Date; readonly maxBytes?: number }): Promise<RevocationIndexOutcome> {
  const decoded = decodeRevocationIndex(input, options.maxBytes)
  const { country } = decoded.payload
  const roots = heldRoots(stores.trust, country)
  const chain = stores.revocations.chainHead(country)
  const indexHead = stores.revocations.partitions.indexHead(country)
  try {
    const verified = await verifyRevocationIndex(decoded.signed, { now: options.now, country, roots, head: chain, ...(options.maxBytes === undefined ? {} : { maxBytes: options.maxBytes }) })
    return { status: 'accepted', index: stores.revocations.partitions.appendIndex(verified, { expectedHead: indexHead?.hash, receivedAt: options.now }) }
  } catch (error) {
    if (!(error instanceof EntenteError) || chain === undefined) throw error
    if (error.code === 'ERR_REVOCATION_DUPLICATE') return { status: 'duplicate', country, seq: chain.seq }
    if (error.code === 'ERR_REVOCATION_ROLLBACK') return { status: 'stale', country, seq: decoded.payload.seq, headSeq: chain.seq }
    throw error
  }
}

export async function acceptRevocationPartition(stores: Stores, input: RevocationPartitionInput, options: { readonly maxBytes?: number; readonly now: Date }): Promise<RevocationPartitionOutcome> {
  const decoded = decodeRevocationPartition(input, options.maxBytes)
  const { country, id } = decoded.payload
  if (stores.revocations.partitions.hasPartition(decoded.hash)) return { status: 'duplicate', country, id }
  const roots = heldRoots(stores.trust, country)
  const index = stores.revocations.partitions.decodedIndexHead(country)
  if (index === undefined) throw new EntenteError('ERR_REVOCATION_PARTITION_UNLISTED', `no revocation index of ${country} is held to check partition ${id} against`)
  const verified = await verifyRevocationPartition(decoded.signed, { index, roots, ...(options.maxBytes === undefined ? {} : { maxBytes: options.maxBytes }) })
  stores.revocations.partitions.putPartition(verified, options.now)
  return { status: 'accepted', country, id }
}

/** Only a country's own root may revoke its certificates: the roots come from its verified, held trust list. */
function heldRoots(trust: TrustStore, country: string): TrustedRoot[] {
  const trustHead = trust.head(country)
  if (trustHead === undefined) throw new EntenteError('ERR_REVOCATION_WRONG_ROOT', `no trust list of ${country} is held, so no root to check its revocations against`)
  return rootsOf(decodeTrustList(trustHead.signed, Number.MAX_SAFE_INTEGER).payload)
}

/** Which revocation document a signed JWS is, by its protected header's typ (undefined: none of them). */
export function revocationDocumentKind(input: unknown): 'list' | 'index' | 'partition' | undefined {
  if (typeof input !== 'object' || input === null) return undefined
  const first = (input as { signatures?: unknown }).signatures
  const header = Array.isArray(first) ? (first[0] as { protected?: unknown } | undefined)?.protected : undefined
  if (typeof header !== 'string' || header.length > 4096) return undefined
  let typ: unknown
  try {
    const bytes = fromBase64url(header)
    typ = bytes === undefined ? undefined : (JSON.parse(utf8(bytes)) as { typ?: unknown }).typ
  } catch {
    return undefined
  }
  return typ === REVOCATION_LIST_TYP ? 'list' : typ === REVOCATION_INDEX_TYP ? 'index' : typ === REVOCATION_PARTITION_TYP ? 'partition' : undefined
}
