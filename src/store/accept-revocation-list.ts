// Accepting a certificate revocation list from anywhere (operator, gossip, catch-up): verify it against the root of
// the country's held trust list and the held revocation head, then store. Invalid lists throw their EntenteError.
import { EntenteError } from '../model/errors.js'
import { decodeRevocationList, type RevocationListInput } from '../revocation/decode-revocation-list.js'
import { rootsOf, verifyRevocationList } from '../revocation/verify-revocation-list.js'
import { decodeTrustList } from '../trust-list/decode-trust-list.js'
import type { RevocationRepository, StoredRevocationList } from './revocation-repository.js'
import type { TrustStore } from './store.types.js'

export type RevocationAcceptOutcome =
  | { readonly status: 'accepted'; readonly list: StoredRevocationList }
  /** The exact list is already held. */
  | { readonly status: 'duplicate'; readonly country: string; readonly seq: number }
  /** Validly signed but older than the held head: ignored. */
  | { readonly status: 'stale'; readonly country: string; readonly seq: number; readonly headSeq: number }

export interface RevocationAcceptOptions {
  readonly now: Date
  readonly maxBytes?: number
}

export async function acceptRevocationList(
  stores: { readonly trust: TrustStore; readonly revocations: RevocationRepository },
  input: RevocationListInput,
  options: RevocationAcceptOptions,
): Promise<RevocationAcceptOutcome> {
  // Retried only when another writer moved the head while we verified.
  for (let attempt = 0; ; attempt++) {
    try {
      return await acceptOnce(stores, input, options)
    } catch (error) {
      if (attempt < 3 && error instanceof EntenteError && error.code === 'ERR_STORE_CONFLICT') continue
      throw error
    }
  }
}

async function acceptOnce(
  stores: { readonly trust: TrustStore; readonly revocations: RevocationRepository },
  input: RevocationListInput,
  options: RevocationAcceptOptions,
): Promise<RevocationAcceptOutcome> {
  const maxBytes = options.maxBytes === undefined ? {} : { maxBytes: options.maxBytes }
  const { country } = decodeRevocationList(input, options.maxBytes).payload
  // Only a country's own root may revoke its certificates: the root comes from its verified, held trust list.
  const trustHead = stores.trust.head(country)
  if (trustHead === undefined) throw new EntenteError('ERR_REVOCATION_WRONG_ROOT', `no trust list of ${country} is held, so no root to check its revocations against`)
  // Once the country's chain continues as indexes, a single list can only be old (stale) or a fork of that chain.
  const indexHead = stores.revocations.partitions.indexHead(country)
  if (indexHead !== undefined) {
    const seq = decodeRevocationList(input, Number.MAX_SAFE_INTEGER).payload.seq
    if (seq < indexHead.seq) return { status: 'stale', country, seq, headSeq: indexHead.seq }
    throw new EntenteError('ERR_REVOCATION_CHAIN', `${country} publishes revocation indexes from seq ${indexHead.seq}; a single list seq ${seq} forks that chain`)
  }
  const roots = rootsOf(decodeTrustList(trustHead.signed, Number.MAX_SAFE_INTEGER).payload)
  const held = stores.revocations.head(country)
  const head = held === undefined ? undefined : decodeRevocationList(held.signed, Number.MAX_SAFE_INTEGER)
  try {
    const verified = await verifyRevocationList(input, { now: options.now, country, roots, ...(head === undefined ? {} : { head }), ...maxBytes })
    return { status: 'accepted', list: stores.revocations.append(verified, { expectedHead: head?.hash, receivedAt: options.now }) }
  } catch (error) {
    if (!(error instanceof EntenteError) || head === undefined) throw error
    if (error.code === 'ERR_REVOCATION_DUPLICATE') return { status: 'duplicate', country, seq: head.payload.seq }
    if (error.code === 'ERR_REVOCATION_ROLLBACK') {
      return { status: 'stale', country, seq: decodeRevocationList(input, Number.MAX_SAFE_INTEGER).payload.seq, headSeq: head.payload.seq }
    }
    throw error
  }
}
