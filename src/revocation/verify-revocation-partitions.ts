// Verifies a country's partitioned revocations: the index (country, signature by a root the caller trusts for the
// country, chain against the held index or last revocation list, freshness, layout caps) and each partition
// (signature, and exactly the id, seq and hash the verified index names: a forged, replayed or unnamed partition is
// refused). Pure: `now` injected.
import { fromBase64, toHex } from '../model/bytes.js'
import { EntenteError } from '../model/errors.js'
import type { PartitionRef, RevocationIndexPayload } from '../model/schema.types.js'
import { partitionCount } from './build-revocation-partitions.js'
import { DCC_HASH_BYTES, MAX_INDEX_PARTITIONS } from './constants.js'
import {
  decodeRevocationIndex,
  decodeRevocationPartition,
  type DecodedRevocationIndex,
  type DecodedRevocationPartition,
  type RevocationIndexInput,
  type RevocationPartitionInput,
} from './decode-revocation-partitions.js'
import { compareHashAt, parsePartitionId, shcKey } from './partition-layout.js'
import { checkRevocationChain, checkRevocationFreshness, verifyRootSignature } from './revocation-document-checks.js'
import type { TrustedRoot } from './revocation-list.types.js'

/** The latest chained revocation document the caller holds for the country: an index, or its last single list. */
export interface RevocationChainHead {
  readonly seq: number
  readonly issuedAt: string
  readonly hash: string
}

export interface VerifiedRevocationIndex {
  readonly signed: DecodedRevocationIndex['signed']
  readonly payload: RevocationIndexPayload
  readonly hash: string
  readonly size: number
}

export interface VerifiedRevocationPartition {
  readonly signed: DecodedRevocationPartition['signed']
  readonly payload: DecodedRevocationPartition['payload']
  readonly hash: string
  readonly size: number
  /** The index entry that names it. */
  readonly ref: PartitionRef
}

export interface VerifyRevocationIndexOptions {
  readonly now: Date
  readonly country: string
  /** The roots the caller trusts for the country: from its verified trust list (`rootsOf`). */
  readonly roots: readonly TrustedRoot[]
  readonly head?: RevocationChainHead | undefined
  /** Default 16 MiB. */
  readonly maxBytes?: number
  /** Default 5 minutes. */
  readonly clockSkewMs?: number
  /** Skip the expiry check (re-verification on load judges expiry per verification). Default false. */
  readonly allowExpired?: boolean
}

export async function verifyRevocationIndex(input: RevocationIndexInput, options: VerifyRevocationIndexOptions): Promise<VerifiedRevocationIndex> {
  const { now, head } = options
  // 1: size cap, JWS shape, canonical payload, schema.
  const decoded = decodeRevocationIndex(input, options.maxBytes)
  const { payload } = decoded

  // 2: country binding: one country's revocations never stand in for another's.
  if (payload.country !== options.country) {
    throw new EntenteError('ERR_REVOCATION_COUNTRY_MISMATCH', `revocation index is for ${payload.country}, expected ${options.country}`)
  }

  // 3: signed by the root it names, which the caller trusts for the country.
  await verifyRootSignature(decoded.signed.payload, decoded.signature, payload.rootThumbprint, options.roots, payload.country, 'revocation index')

  // 4: layout: ascending distinct ids, no partition inside another, counts within the layout's cap, totals that add up.
  checkLayout(payload)

  // 5: chain against the held index (or last single list): never fewer revocations than already seen. 6: freshness.
  if (head !== undefined) checkRevocationChain(payload, decoded.hash, head, { label: 'revocation index', held: 'revocation document' })
  checkRevocationFreshness(payload, now, options, 'revocation index')
  return { signed: decoded.signed, payload, hash: decoded.hash, size: decoded.size }
}

export interface VerifyRevocationPartitionOptions {
  /** The verified index the partition must be named by. */
  readonly index: { readonly payload: RevocationIndexPayload; readonly hash: string }
  /** The roots the caller trusts for the index's country. */
  readonly roots: readonly TrustedRoot[]
  /** Default 1 MiB. */
  readonly maxBytes?: number
}

export async function verifyRevocationPartition(input: RevocationPartitionInput, options: VerifyRevocationPartitionOptions): Promise<VerifiedRevocationPartition> {
  const { index } = options
  // 1: size cap, JWS shape, canonical payload, schema.
  const decoded = decodeRevocationPartition(input, options.maxBytes)
  const { payload } = decoded
  if (payload.country !== index.payload.country) {
    throw new EntenteError('ERR_REVOCATION_COUNTRY_MISMATCH', `revocation partition is for ${payload.country}, the index for ${index.payload.country}`)
  }

  // 2: exactly the partition the index names: an old (replayed), forged or retired partition has another hash or seq.
  const ref = findRef(index.payload.partitions, payload.id)
  if (ref === undefined) throw new EntenteError('ERR_REVOCATION_PARTITION_UNLISTED', `index seq ${index.payload.seq} names no partition ${payload.id}`)
  if (ref.hash !== decoded.hash || ref.seq !== payload.seq) {
    throw new EntenteError('ERR_REVOCATION_PARTITION_UNLISTED', `partition ${payload.id} seq ${payload.seq} is not the one index seq ${index.payload.seq} names (seq ${ref.seq})`, {
      details: { id: payload.id, expected: ref.hash, got: decoded.hash },
    })
  }

  // 3: signed by a root the caller trusts for the country.
  await verifyRootSignature(decoded.signed.payload, decoded.signature, payload.rootThumbprint, options.roots, payload.country, 'revocation partition')

  // 4: content fits the id and count, sorted and distinct, so a lookup's binary search is sound.
  checkContent(decoded, ref)
  return { signed: decoded.signed, payload, hash: decoded.hash, size: decoded.size, ref }
}

function checkLayout(payload: RevocationIndexPayload): void {
  const { partitions } = payload
  if (partitions.length > MAX_INDEX_PARTITIONS) throw new EntenteError('ERR_REVOCATION_TOO_LARGE', `an index names at most ${MAX_INDEX_PARTITIONS} partitions`)
  let dcc = 0
  let shc = 0
  let previous: string | undefined
  for (const ref of partitions) {
    parsePartitionId(ref.id)
    if (previous !== undefined && !(previous < ref.id)) throw new EntenteError('ERR_REVOCATION_SCHEMA', 'index partitions must be ascending by id, each once')
    // Sorted order puts a prefix right before the ids it contains, so one comparison with the previous id suffices.
    if (previous !== undefined && ref.id.startsWith(previous)) throw new EntenteError('ERR_REVOCATION_SCHEMA', `partition ${ref.id} lies inside partition ${previous}`)
    if (ref.count > payload.maxEntries) throw new EntenteError('ERR_REVOCATION_SCHEMA', `partition ${ref.id} holds ${ref.count} entries, the layout allows ${payload.maxEntries}`)
    if (ref.id.startsWith('shc/')) shc += ref.count
    else dcc += ref.count
    previous = ref.id
  }
  if (dcc !== payload.totals.dcc || shc !== payload.totals.shc) throw new EntenteError('ERR_REVOCATION_SCHEMA', 'index totals do not match its partitions')
}

function checkContent(decoded: DecodedRevocationPartition, ref: PartitionRef): void {
  const { payload } = decoded
  const { group, prefix } = parsePartitionId(payload.id)
  const bad = (message: string): EntenteError => new EntenteError('ERR_REVOCATION_SCHEMA', `partition ${payload.id}: ${message}`)
  if ((group === 'shc') !== (payload.shc !== undefined) || (group === 'shc') === (payload.dcc !== undefined)) throw bad('entries of the wrong kind for its id')
  if (partitionCount(payload) !== ref.count) throw bad(`holds ${partitionCount(payload)} entries, the index says ${ref.count}`)
  if (payload.dcc !== undefined) {
    const bytes = fromBase64(payload.dcc)
    if (bytes === undefined) throw bad('dcc is not base64')
    // Whole hashes only: the count check above held the length to a multiple of 16.
    for (let i = DCC_HASH_BYTES; i < bytes.length; i += DCC_HASH_BYTES) {
      if (compareHashAt(bytes, i - DCC_HASH_BYTES, bytes, i) >= 0) throw bad('hashes must be ascending and distinct')
    }
    // The hashes under a prefix form one contiguous range of the order: ascending hashes all lie in it when the first
    // and the last do (checking each one's hex was most of loading ten million).
    const last = bytes.length - DCC_HASH_BYTES
    if (bytes.length > 0 && !(toHex(bytes.subarray(0, DCC_HASH_BYTES)).startsWith(prefix) && toHex(bytes.subarray(last, last + DCC_HASH_BYTES)).startsWith(prefix))) {
      throw bad('a hash lies outside its prefix')
    }
  } else {
    let previous: string | undefined
    for (const entry of payload.shc ?? []) {
      const key = shcKey(entry)
      if (previous !== undefined && !(previous < key)) throw bad('entries must be ascending by key and distinct')
      if (!key.startsWith(prefix)) throw bad('an entry lies outside its prefix')
      previous = key
    }
  }
}

function findRef(partitions: readonly PartitionRef[], id: string): PartitionRef | undefined {
  let lo = 0
  let hi = partitions.length - 1
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1
    const ref = partitions[mid]!
    if (ref.id === id) return ref
    if (ref.id < id) lo = mid + 1
    else hi = mid - 1
  }
  return undefined
}
