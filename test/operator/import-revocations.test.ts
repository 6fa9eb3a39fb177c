// A bulk revocation import publishes what queueing and publishing the same set publishes (same index hash), refuses
// a malformed record by its number before storing anything, and a re-import of the same set changes nothing.
import { Readable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { loadNodeConfig } from '../../src/config/node-config.js'
import { rootAccess } from '../../src/config/node-root.js'
import { sha256 } from '../../src/model/encoding.js'
import { importCertificateRevocations } from '../../src/operator/import-revocations.js'
import { publishRevocationIndex } from '../../src/operator/publish-revocation-index.js'
import { BULK_MAGIC, packBulkText } from '../../src/revocation/bulk-revocation-file.js'
import { indexRefs } from '../../src/store/revocation-partition-store.js'
import { copyTestNode, createTestNode, type TestNode } from '../helpers/node.js'

const NOW = new Date('2026-06-01T12:00:00Z')
const N = 20_000

const hash = (i: number): Buffer => Buffer.from(sha256(`revoked ${i}`).subarray(0, 16))

function packed(from: number, count: number): Buffer {
  const records = Array.from({ length: count }, (_, i) => Buffer.concat([Buffer.from([1]), hash(from + i)]))
  return Buffer.concat([BULK_MAGIC, ...records])
}

const copyOf = (node: Pick<TestNode, 'dir' | 'store'>) => copyTestNode(node, NOW)

async function inputOf(node: Pick<TestNode, 'dir' | 'store' | 'revocations'>) {
  const rootKey = await rootAccess(await loadNodeConfig(node.dir)).loadRootKey()
  return { trust: node.store, revocations: node.revocations, country: 'GR', rootKey, now: NOW, validityDays: 7 }
}

describe('importCertificateRevocations', () => {
  it('gives the index hash queueing and publishing the same set gives, and a re-import changes nothing', async () => {
    const queued = await createTestNode('GR', { now: NOW })
    await queued.operator.publish()
    const imported = await copyOf(queued)
    for (let i = 0; i < N; i += 1000) {
      await queued.operator.revokeCertificates({ dcc: Array.from({ length: 1000 }, (_, j) => ({ hashType: 'UCI', hash: hash(i + j).toString('base64') })) })
    }
    const viaQueue = await publishRevocationIndex(await inputOf(queued))

    // Out of order and with a repeat: sorted and deduplicated once.
    const body = Buffer.concat([packed(N / 2, N / 2), packed(0, N / 2).subarray(BULK_MAGIC.byteLength), packed(7, 1).subarray(BULK_MAGIC.byteLength)])
    const first = await importCertificateRevocations({ ...(await inputOf(imported)), body, sliceMs: 0 })
    expect(first).toMatchObject({ records: N + 1, added: N })
    expect(first.published?.index.hash).toBe(viaQueue.index.hash)
    expect(imported.revocations.partitions.queueCount('GR')).toBe(0)

    const again = await importCertificateRevocations({ ...(await inputOf(imported)), body })
    expect(again).toEqual({ records: N + 1, added: 0, published: undefined })
    expect(imported.revocations.partitions.indexHead('GR')?.hash).toBe(viaQueue.index.hash)

    // An import on top of a published index lays out only the partitions its keys touch.
    const more = await importCertificateRevocations({ ...(await inputOf(imported)), body: packed(N, 1) })
    expect(more.added).toBe(1)
    expect(more.published?.partitions.length).toBe(1)
    expect(imported.revocations.partitions.publishedCount('GR')).toBe(N + 1)
  })

  it('a stopped import (entries stored, no index) is published by the next import of the same set', async () => {
    const node = await createTestNode('GR', { now: NOW })
    await node.operator.publish()
    const keys = Buffer.concat(Array.from({ length: 300 }, (_, i) => hash(i)).sort((a, b) => Buffer.compare(a, b)))
    // What an import stopped after its entries leaves: entries no index counts (invisible to verifiers).
    node.revocations.partitions.importEntries('GR', 'dcc/UCI', keys)
    expect(node.revocations.partitions.indexHead('GR')).toBeUndefined()
    const again = await importCertificateRevocations({ ...(await inputOf(node)), body: packed(0, 300) })
    expect(again.added).toBe(0)
    expect(again.published?.index.hash).toBe(node.revocations.partitions.indexHead('GR')?.hash)
    expect(indexRefs(node.revocations.partitions.indexHead('GR')!).reduce((n, r) => n + r.count, 0)).toBe(300)
  })

  it('reads a body streamed in chunks cut anywhere (the header and records split) as it reads it whole', async () => {
    const whole = await createTestNode('GR', { now: NOW })
    await whole.operator.publish()
    const streamed = await copyOf(whole)
    const body = packed(0, 3000)
    const parts: Buffer[] = []
    for (let at = 0, size = 5; at < body.byteLength; at += size, size = ((size * 7) % 97) + 1) parts.push(body.subarray(at, at + size))
    const fromWhole = await importCertificateRevocations({ ...(await inputOf(whole)), body })
    const fromChunks = await importCertificateRevocations({ ...(await inputOf(streamed)), body: Readable.from(parts) })
    expect(fromChunks).toMatchObject({ records: 3000, added: 3000 })
    expect(fromChunks.published?.index.hash).toBe(fromWhole.published?.index.hash)
  })

  it('refuses a malformed record by its number and stores nothing', async () => {
    const node = await createTestNode('GR', { now: NOW })
    await node.operator.publish()
    const body = packed(0, 10)
    body[BULK_MAGIC.byteLength + 4 * 17] = 9
    await expect(importCertificateRevocations({ ...(await inputOf(node)), body })).rejects.toThrow(/^record 5: hash type byte 9/)
    await expect(importCertificateRevocations({ ...(await inputOf(node)), body: packed(0, 3).subarray(0, -2) })).rejects.toThrow(/^record 3: truncated/)
    await expect(importCertificateRevocations({ ...(await inputOf(node)), body: Buffer.from('nope') })).rejects.toMatchObject({ code: 'ERR_REVOCATION_ENTRY' })
    expect(node.revocations.partitions.publishedCount('GR')).toBe(0)
  })

  it('packs text lines (TYPE:BASE64 or a UCI) and names a bad line', () => {
    const text = `# revoked\nUCI:${hash(1).toString('base64')}\n\nURN:UVCI:01:GR:ABC\n`
    expect(packBulkText(text, 'GR').byteLength).toBe(BULK_MAGIC.byteLength + 3 * 17)
    expect(() => packBulkText('SIGNATURE:!!\n', 'GR')).toThrow(/line 1/)
  })
})
