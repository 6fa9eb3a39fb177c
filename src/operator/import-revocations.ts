// Bulk import of revoked DCC hashes: packed records sorted once, stored as published entries in key order (no queue
// rows), then the index and the partitions they touch published by publishRevocationIndex. Never signs by itself.
import { EntenteError } from '../model/errors.js'
import { BULK_RECORD_BYTES, BulkRevocationReader } from '../revocation/bulk-revocation-file.js'
import { DCC_HASH_BYTES } from '../revocation/constants.js'
import type { RevocationGroup } from '../revocation/partition-layout.js'
import { indexRefs } from '../store/revocation-partition-store.js'
import { slicer } from '../model/time-slice.js'
import { DEFAULT_REVOCATION_LIMITS, PUBLISH_SLICE_MS, publishRevocationIndex, sortPacked, type PublishedRevocations, type PublishRevocationIndexInput } from './publish-revocation-index.js'

/** Keys stored per transaction: a few ms each, so the node answers between them (5000 held it 40 ms). */
const KEYS_PER_STEP = 2000
/** Body bytes read per step: 10,000 records, a few ms (50,000 held the event loop some 45 ms). */
const BODY_BYTES_PER_STEP = 10_000 * BULK_RECORD_BYTES

export interface ImportedRevocations {
  /** Records in the body, and how many of them were new (not published before, not repeated in the body). */
  readonly records: number
  readonly added: number
  /** The publish of the imported entries; undefined when nothing was new (a re-import changes nothing). */
  readonly published: PublishedRevocations | undefined
}

/**
 * Imports packed records (see bulk-revocation-file.ts) and publishes them. The body may arrive as a stream: records
 * are read as it does, a bounded step at a time, and a bad one is refused by its number before anything is stored.
 * Crash-safe like the sliced publish: entries stored before a stop are not counted by any index, so the next publish
 * lays out every group again with them.
 */
export async function importCertificateRevocations(
  input: Omit<PublishRevocationIndexInput, 'imported'> & { readonly body: Uint8Array | AsyncIterable<Uint8Array> },
): Promise<ImportedRevocations> {
  const { revocations, country } = input
  const store = revocations.partitions
  const slice = slicer(input.sliceMs ?? PUBLISH_SLICE_MS)
  // The root and the room left are checked before the body is read, and the room again as records arrive, so an
  // import that cannot be taken is refused without reading (or holding) the rest of it. The publish checks the root again.
  const trustHead = input.trust.head(country)
  if (trustHead === undefined) throw new EntenteError('ERR_REVOCATION_WRONG_ROOT', `publish a trust list of ${country} before its revocations`)
  if (trustHead.rootThumbprint !== input.rootKey.thumbprint) {
    throw new EntenteError('ERR_REVOCATION_WRONG_ROOT', `the root key ${input.rootKey.thumbprint} is not ${country}'s current root ${trustHead.rootThumbprint}`)
  }
  const limits = input.limits ?? DEFAULT_REVOCATION_LIMITS
  const room = limits.maxRevocationEntries - store.publishedCount(country) - store.queueCount(country)
  const reader = new BulkRevocationReader()
  for await (const chunk of input.body instanceof Uint8Array ? [input.body] : input.body) {
    for (let at = 0; at < chunk.byteLength; at += BODY_BYTES_PER_STEP) {
      reader.push(chunk.subarray(at, at + BODY_BYTES_PER_STEP))
      if (reader.count > room) throw new EntenteError('ERR_REVOCATION_TOO_LARGE', `${country} may hold at most ${limits.maxRevocationEntries} revoked entries (published and queued)`)
      await slice()
    }
  }
  const groups = reader.groups()
  const records = reader.count
  const imported = new Map<RevocationGroup, Buffer>()
  let added = 0
  for (const [group, packed] of groups) {
    // Views of the reader's blocks, not copies: the sort reads them in place.
    const sorted = await sortPacked(packed.map((block) => Buffer.from(block.buffer, block.byteOffset, block.byteLength)), slice)
    // The new keys copied a step at a time (one concat of 160 MB would hold the event loop).
    const fresh = Buffer.allocUnsafe(sorted.byteLength)
    let written = 0
    const step = KEYS_PER_STEP * DCC_HASH_BYTES
    for (let i = 0; i < sorted.byteLength; i += step) {
      written += store.importEntries(country, group, sorted.subarray(i, i + step)).copy(fresh, written)
      await slice()
    }
    if (written > 0) imported.set(group, fresh.subarray(0, written))
    added += written / DCC_HASH_BYTES
  }
  // Nothing new and every stored entry counted by the head index: nothing to publish. Entries a stopped import left
  // uncounted are published now (the publish lays out every group again).
  if (added === 0) {
    const head = store.indexHead(country)
    const counted = head === undefined ? 0 : indexRefs(head).reduce((n, ref) => n + ref.count, 0)
    if (store.publishedCount(country) <= counted) return { records, added, published: undefined }
  }
  return { records, added, published: await publishRevocationIndex({ ...input, imported }) }
}
