// The operator's bulk revocation import route: packed records in, the published index out; refused without the
// operator token, over the body cap (before reading it) and for a body that is not application/octet-stream. The body
// is read as it arrives: a bad record stops the reading, and a large upload never holds the event loop.
import { describe, expect, it } from 'vitest'
import { sha256 } from '../../src/model/encoding.js'
import { BULK_IMPORT_MAX_BYTES, BULK_MAGIC } from '../../src/revocation/bulk-revocation-file.js'
import { blocking } from '../helpers/event-loop.js'
import { createTestNode } from '../helpers/node.js'

const NOW = new Date('2026-06-01T12:00:00Z')
const PATH = '/v1/operator/certificate-revocations/import'

function body(count: number): Uint8Array<ArrayBuffer> {
  return new Uint8Array(Buffer.concat([BULK_MAGIC, ...Array.from({ length: count }, (_, i) => Buffer.concat([Buffer.from([3]), Buffer.from(sha256(`r${i}`).subarray(0, 16))]))]))
}

const octets = { 'content-type': 'application/octet-stream' }

/**
 * An upload as the server hands it over: chunks of 64 KiB of UCI records (the header first), pulled one at a time,
 * with a bad hash type byte in record `bad`; `pulled` counts the chunks read. Keys repeat every 256 records, so each
 * chunk is cut from one precomputed run.
 */
function upload(records: number, bad: number): { body: ReadableStream<Uint8Array>; readonly pulled: number } {
  const chunk = 64 * 1024
  const period = 256 * 17
  const run = Buffer.alloc(chunk + period)
  for (let at = 0; at < run.byteLength; at++) run[at] = at % 17 === 0 ? 1 : (Math.floor(at / 17) * 31 + (at % 17) * 7) & 0xff
  const total = BULK_MAGIC.byteLength + records * 17
  const badAt = BULK_MAGIC.byteLength + (bad - 1) * 17
  const state = { pulled: 0 }
  const body = new ReadableStream<Uint8Array>({
    pull: (controller) => {
      const from = state.pulled++ * chunk
      if (from >= total) return controller.close()
      // Offsets in the records, counted from the end of the header.
      const start = Math.max(from - BULK_MAGIC.byteLength, 0)
      const out = Buffer.alloc(Math.min(from + chunk, total) - from)
      const head = BULK_MAGIC.subarray(from, BULK_MAGIC.byteLength)
      out.set(head)
      run.copy(out, head.byteLength, start % period, start % period + out.byteLength - head.byteLength)
      if (badAt >= from && badAt < from + out.byteLength) out[badAt - from] = 9
      controller.enqueue(new Uint8Array(out))
    },
  })
  return {
    body,
    get pulled() {
      return state.pulled
    },
  }
}

describe('POST /v1/operator/certificate-revocations/import', () => {
  it('imports and publishes; refused without the token, over the cap, or as JSON', async () => {
    const node = await createTestNode('GR', { now: NOW })
    await node.operator.publish()

    const anonymous = await node.request(PATH, { method: 'POST', headers: octets, body: body(3), auth: false })
    expect(anonymous.status).toBe(401)
    expect(node.revocations.partitions.publishedCount('GR')).toBe(0)

    const huge = await node.request(PATH, { method: 'POST', headers: { ...octets, 'content-length': String(BULK_IMPORT_MAX_BYTES + 1) }, body: body(3) })
    expect(huge.status).toBe(413)
    expect(((await huge.json()) as { code: string }).code).toBe('ERR_HTTP_BODY_TOO_LARGE')

    const json = await node.request(PATH, { method: 'POST', headers: { 'content-type': 'application/json' }, body: body(3) })
    expect(json.status).toBe(400)

    const bad = await node.request(PATH, { method: 'POST', headers: octets, body: new Uint8Array(Buffer.concat([body(2), Buffer.from([0])])) })
    expect(bad.status).toBe(400)
    expect(((await bad.json()) as { detail?: string; message?: string }).detail ?? '').toContain('record 3')

    const ok = await node.request(PATH, { method: 'POST', headers: octets, body: body(500) })
    expect(ok.status).toBe(200)
    const result = (await ok.json()) as { records: number; added: number; index: { seq: number; hash: string }; trustList: { seq: number } }
    expect(result).toMatchObject({ records: 500, added: 500 })
    expect(node.revocations.partitions.indexHead('GR')?.hash).toBe(result.index.hash)
    expect(node.store.head('GR')?.seq).toBe(result.trustList.seq)

    const again = (await (await node.request(PATH, { method: 'POST', headers: octets, body: body(500) })).json()) as { added: number; index?: unknown }
    expect(again).toEqual({ records: 500, added: 0 })
  })

  it('reads the body as it arrives: a bad record is refused by its number and the rest is never read', async () => {
    const node = await createTestNode('GR', { now: NOW })
    await node.operator.publish()
    const sent = upload(100_000, 20_000)
    const bad = await node.request(PATH, { method: 'POST', headers: octets, body: sent.body, duplex: 'half' } as RequestInit)
    expect(bad.status).toBe(400)
    expect(((await bad.json()) as { detail?: string }).detail ?? '').toContain('record 20000:')
    // 1.7 MB sent in 26 chunks; record 20,000 is in the sixth.
    expect(sent.pulled).toBeLessThan(10)
    expect(node.revocations.partitions.publishedCount('GR')).toBe(0)
  })

  it('reads an upload of two million records (34 MB) without holding the event loop over 50 ms', async () => {
    const node = await createTestNode('GR', { now: NOW })
    await node.operator.publish()
    // The last record is bad: every record is read and checked, nothing is stored or published.
    const sent = upload(2_000_000, 2_000_000)
    let status = 0
    const hold = await blocking(async () => {
      const response = await node.request(PATH, { method: 'POST', headers: octets, body: sent.body, duplex: 'half' } as RequestInit)
      status = response.status
      expect(((await response.json()) as { detail?: string }).detail ?? '').toContain('record 2000000:')
    })
    expect(status).toBe(400)
    expect(hold.maxBlockMs, JSON.stringify(hold)).toBeLessThan(50)
  }, 60_000)
})
