// A large revocation publish runs in slices: the node answers HTTP and timers while it stores entries (the entries
// of the publish appear step by step, never all at once), and the result is byte for byte the one an unsliced
// publish of the same state gives. Also: a publish stopped before its index is repaired by the next one.
import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { loadNodeConfig } from '../../src/config/node-config.js'
import { rootAccess } from '../../src/config/node-root.js'
import { sha256 } from '../../src/model/encoding.js'
import { slicer } from '../../src/model/time-slice.js'
import { publishRevocationIndex, sortPacked } from '../../src/operator/publish-revocation-index.js'
import { indexRefs } from '../../src/store/revocation-partition-store.js'
import { blocking } from '../helpers/event-loop.js'
import { copyTestNode, createTestNode, type TestNode } from '../helpers/node.js'

const NOW = new Date('2026-06-01T12:00:00Z')

async function queue(node: { operator: { revokeCertificates(request: unknown): Promise<unknown> } }, from: number, count: number): Promise<void> {
  for (let i = from; i < from + count; i += 1000) {
    const dcc = Array.from({ length: Math.min(1000, from + count - i) }, (_, j) => ({ hashType: 'UCI', hash: Buffer.from(sha256(`revoked ${i + j}`).subarray(0, 16)).toString('base64') }))
    await node.operator.revokeCertificates({ dcc })
  }
}

const copyOf = (node: Pick<TestNode, 'dir' | 'store'>) => copyTestNode(node, NOW)

async function publish(
  node: { dir: string; store: Parameters<typeof publishRevocationIndex>[0]['trust']; revocations: Parameters<typeof publishRevocationIndex>[0]['revocations'] },
  sliceMs?: number,
  options: { maxEntries?: number } = {},
) {
  const rootKey = await rootAccess(await loadNodeConfig(node.dir)).loadRootKey()
  return publishRevocationIndex({ trust: node.store, revocations: node.revocations, country: 'GR', rootKey, now: NOW, validityDays: 7, ...(sliceMs === undefined ? {} : { sliceMs }), ...options })
}

/**
 * `count` DCC hashes stored as published entries that no index counts, as an import stopped before its index leaves
 * them: written in one SQL statement (ascending keys spread evenly over the key space), far faster than any import.
 */
function storeUncounted(node: Pick<TestNode, 'store'>, count: number): void {
  node.store.database
    .prepare(
      `WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM c WHERE i < ?)
       INSERT INTO revocation_entries (country, grp, key, entry) SELECT 'GR', 'dcc/UCI', unhex(printf('%08x%024x', (i << 32) / ?, i)), NULL FROM c`,
    )
    .run(count - 1, count)
  // Written back from the WAL now: the publish's first commit would otherwise copy the whole fill back (an import's
  // own transactions are small, so its checkpoints are too).
  node.store.database.pragma('wal_checkpoint(TRUNCATE)')
}

describe('publishRevocationIndex in slices', () => {
  it('answers HTTP and timers while it stores a large publish, and signs what an unsliced publish signs', async () => {
    const a = await createTestNode('GR', { now: NOW })
    await a.operator.publish()
    await queue(a, 0, 12_000)
    await publish(a, Number.POSITIVE_INFINITY)
    await queue(a, 12_000, 30_000)
    const b = await copyOf(a)
    const before = a.revocations.partitions.publishedCount('GR')

    // A ticker on the event loop notes how many entries are stored each time it runs, and asks the node over HTTP
    // once it sees the publish half done.
    const seen: number[] = []
    const events: string[] = []
    let ticking = true
    const tick = (): void => {
      if (!ticking) return
      const n = a.revocations.partitions.publishedCount('GR')
      seen.push(n)
      if (n > before && events.length === 0) {
        events.push('asked')
        void a.request('/health').then((response) => events.push(`answered ${response.status}`))
      }
      setImmediate(tick)
    }
    setImmediate(tick)
    const sliced = await publish(a, 0)
    events.push('published')
    ticking = false

    const after = a.revocations.partitions.publishedCount('GR')
    expect(after).toBe(before + 30_000)
    // Entries appeared step by step: the ticker ran between the steps of the store phase.
    expect(seen.filter((n) => n > before && n < after).length).toBeGreaterThan(2)
    expect(events).toEqual(['asked', 'answered 200', 'published'])

    const whole = await publish(b, Number.POSITIVE_INFINITY)
    expect(sliced.index.hash).toBe(whole.index.hash)
    expect(sliced.partitions.map((p) => p.hash)).toEqual(whole.partitions.map((p) => p.hash))
    expect(sliced.queued).toBe(0)
    expect(indexRefs(sliced.index).reduce((n, ref) => n + ref.count, 0)).toBe(42_000)
  }, 60_000)

  it('lays out two million stored hashes again (after a stopped import) without holding the event loop over 50 ms', async () => {
    const node = await createTestNode('GR', { now: NOW })
    await node.operator.publish()
    const count = 2_000_000
    storeUncounted(node, count)
    // The whole group is one region read back from the store, 32 MB of keys; partitions of 8,192 entries keep the
    // signing short (256 partitions, not 4,096).
    let published: Awaited<ReturnType<typeof publish>> | undefined
    const hold = await blocking(async () => (published = await publish(node, undefined, { maxEntries: 8192 })))
    expect(hold.maxBlockMs, JSON.stringify(hold)).toBeLessThan(50)
    expect(indexRefs((published as Awaited<ReturnType<typeof publish>>).index).reduce((n, ref) => n + ref.count, 0)).toBe(count)
  }, 60_000)

  it('sorts six million keys without holding the event loop over 50 ms', async () => {
    // The bucket order array (24 MB here) is written in scattered places: its first write faults every page in.
    const count = 6_000_000
    const packed = randomBytes(count * 16)
    let sorted: Buffer = Buffer.alloc(0)
    const hold = await blocking(async () => (sorted = await sortPacked(packed, slicer(10))))
    expect(hold.maxBlockMs, JSON.stringify(hold)).toBeLessThan(50)
    expect(sorted.byteLength).toBe(packed.byteLength)
    for (let i = 16; i < sorted.byteLength; i += 16 * 997) expect(sorted.compare(sorted, i - 16, i, i, i + 16)).toBe(1)
  }, 60_000)

  it('a publish stopped after its entries but before its index is completed by the next publish', async () => {
    const a = await createTestNode('GR', { now: NOW })
    await a.operator.publish()
    await queue(a, 0, 12_000)
    await publish(a, 0)
    await queue(a, 12_000, 20)
    // The entries of a publish that never reached its index (as if the node stopped there), queue rows kept.
    const rows = a.revocations.partitions.queuedForPublishAfter('GR', 0, Number.MAX_SAFE_INTEGER, 1000)
    expect(rows).toHaveLength(20)
    a.revocations.partitions.putEntries('GR', rows.map((r) => ({ group: r.group, key: r.key, entry: { hashType: 'UCI', hash: '' } })))

    const published = await publish(a, 0)
    // Without the repair the 20 stored entries would be dropped as repeats and never reach a partition.
    expect(indexRefs(published.index).reduce((n, ref) => n + ref.count, 0)).toBe(12_020)
    expect(published.queued).toBe(0)
  }, 60_000)
})
