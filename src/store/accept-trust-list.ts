// Accepting a list from anywhere (operator, gossip, catch-up, HTTP): verify against the held head, then store,
// or keep the equivocation proof. Returns what happened; invalid lists throw their EntenteError code.
import { EntenteError } from '../model/errors.js'
import type { EquivocationProof } from '../model/schema.types.js'
import type { TrustListInput } from '../trust-list/decode-trust-list.js'
import { decodeTrustList } from '../trust-list/decode-trust-list.js'
import { detectEquivocation } from '../trust-list/equivocation.js'
import type { RootAnchor, TrustListHead, VerifiedTrustList } from '../trust-list/trust-list.types.js'
import { verifyTrustList } from '../trust-list/verify-trust-list.js'
import type { StoredTrustList, TrustStore } from './store.types.js'

export type AcceptOutcome =
  | { readonly status: 'accepted'; readonly list: StoredTrustList; readonly verified: VerifiedTrustList }
  /** The exact list is already held: nothing to do, nothing to forward. */
  | { readonly status: 'duplicate'; readonly country: string; readonly seq: number }
  /** Validly signed but older than the head: ignore, do not forward. */
  | { readonly status: 'stale'; readonly country: string; readonly seq: number; readonly headSeq: number }
  /** Validly signed and conflicting with a held list of the same seq: the proof is stored. */
  | { readonly status: 'equivocation'; readonly proof: EquivocationProof; readonly isNew: boolean }

export interface AcceptOptions {
  readonly now: Date
  readonly maxBytes?: number
  /** Pinned roots by country, for first contact with a country (otherwise its first list is trusted as is). */
  readonly anchors?: ReadonlyMap<string, RootAnchor>
  /** Whether one more equivocation proof of (country, seq) may be stored (the node's alarm caps); default: yes. */
  readonly alarmRoom?: (country: string, seq: number) => boolean
}

export async function acceptTrustList(
  store: TrustStore,
  input: TrustListInput,
  options: AcceptOptions,
): Promise<AcceptOutcome> {
  // Retried only when another writer moved the head while we verified (ERR_STORE_CONFLICT).
  for (let attempt = 0; ; attempt++) {
    try {
      return await acceptOnce(store, input, options)
    } catch (error) {
      if (attempt < 3 && error instanceof EntenteError && error.code === 'ERR_STORE_CONFLICT') continue
      throw error
    }
  }
}

async function acceptOnce(store: TrustStore, input: TrustListInput, options: AcceptOptions): Promise<AcceptOutcome> {
  const { now } = options
  // Decoding first checks size and schema before any store access.
  const country = decodeTrustList(input, options.maxBytes).payload.country
  const stored = store.head(country)
  const head = stored === undefined ? undefined : heldHead(stored)
  const anchor = options.anchors?.get(country)
  try {
    const verified = await verifyTrustList(input, {
      now,
      ...(head === undefined ? {} : { head }),
      ...(anchor === undefined ? {} : { anchor }),
      ...(options.maxBytes === undefined ? {} : { maxBytes: options.maxBytes }),
    })
    const list = store.append(verified, { expectedHead: head?.hash, receivedAt: now })
    return { status: 'accepted', list, verified }
  } catch (error) {
    if (!(error instanceof EntenteError) || head === undefined) throw error
    if (error.code === 'ERR_TRUST_LIST_DUPLICATE') {
      return { status: 'duplicate', country: head.payload.country, seq: head.payload.seq }
    }
    if (error.code === 'ERR_TRUST_LIST_EQUIVOCATION' || error.code === 'ERR_TRUST_LIST_ROLLBACK') {
      return olderOrConflicting(store, input, head.payload.seq, options)
    }
    throw error
  }
}

/** A validly signed list at or below the head: same bytes as history → stale; other bytes → equivocation. */
async function olderOrConflicting(
  store: TrustStore,
  input: TrustListInput,
  headSeq: number,
  options: AcceptOptions,
): Promise<AcceptOutcome> {
  const { now } = options
  const candidate = await verifyTrustList(input, {
    now,
    allowExpired: true,
    ...(options.maxBytes === undefined ? {} : { maxBytes: options.maxBytes }),
  })
  const held = store.get(candidate.payload.country, candidate.payload.seq)
  if (held !== undefined && held.hash !== candidate.hash) {
    const heldVerified = await verifyTrustList(held.signed, {
      now,
      allowExpired: true,
      clockSkewMs: Number.MAX_SAFE_INTEGER,
      maxBytes: Number.MAX_SAFE_INTEGER,
    })
    const proof = detectEquivocation(heldVerified, candidate)
    if (proof !== undefined) {
      // One proof per country and seq is enough: further ones are verified, then neither stored nor forwarded.
      const known = store.equivocations(proof.country).some((e) => e.seq === proof.seq && e.hashes.includes(candidate.hash) && e.hashes.includes(held.hash))
      if (!known && options.alarmRoom?.(proof.country, proof.seq) === false) return { status: 'equivocation', proof, isNew: false }
      const { isNew } = store.recordEquivocation(proof, { detectedAt: now })
      return { status: 'equivocation', proof, isNew }
    }
    // Signed by a different root than the one we hold at that seq: not a proof, a forgery.
    throw new EntenteError('ERR_TRUST_LIST_WRONG_ROOT', `seq ${candidate.payload.seq} is signed by an unknown root`)
  }
  return { status: 'stale', country: candidate.payload.country, seq: candidate.payload.seq, headSeq }
}

function heldHead(stored: StoredTrustList): TrustListHead {
  // The head was verified when stored: decoding gives its typed payload without another signature check.
  const { payload, hash } = decodeTrustList(stored.signed, Number.MAX_SAFE_INTEGER)
  return { payload, hash }
}
