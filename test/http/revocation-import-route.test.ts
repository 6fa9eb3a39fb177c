// The operator's bulk revocation import route: packed records in, the published index out; refused without the
// operator token, over the body cap (before reading it) and for a body that is not application/octet-stream.
import { describe, expect, it } from 'vitest'
import { sha256 } from '../../src/model/encoding.js'
import { BULK_IMPORT_MAX_BYTES, BULK_MAGIC } from '../../src/revocation/bulk-revocation-file.js'
import { createTestNode } from '../helpers/node.js'

const NOW = new Date('2026-06-01T12:00:00Z')
const PATH = '/v1/operator/certificate-revocations/import'

function body(count: number): Uint8Array<ArrayBuffer> {
  return new Uint8Array(Buffer.concat([BULK_MAGIC, ...Array.from({ length: count }, (_, i) => Buffer.concat([Buffer.from([3]), Buffer.from(sha256(`r${i}`).subarray(0, 16))]))]))
}

const octets = { 'content-type': 'application/octet-stream' }

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
})
