// Operator body caps: a signed-list upload may be as large as the list cap, every other request is capped by
// maxBodyBytes, and a refusal names the size sent and the limit.
import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { DEFAULT_LIMITS } from '../../src/config/node-config.js'
import { operatorBodyLimit, streamCapped } from '../../src/http/body-limits.js'
import { EntenteError } from '../../src/model/errors.js'
import { UPLOAD_ENVELOPE_BYTES } from '../../src/trust-list/constants.js'

function app(): Hono {
  const operator = new Hono()
  operator.use('*', operatorBodyLimit(DEFAULT_LIMITS))
  operator.post('*', async (c) => c.json({ bytes: (await c.req.arrayBuffer()).byteLength }))
  const root = new Hono()
  root.route('/v1/operator', operator)
  root.onError((error, c) => c.json({ code: error instanceof EntenteError ? error.code : 'other', message: error.message }, 413))
  return root
}

const post = (path: string, bytes: number) =>
  app().request(path, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(bytes) }, body: 'x'.repeat(bytes) })

describe('operator body limits', () => {
  it('an upload of a list at the list cap passes; one byte over the upload limit is refused with both numbers', async () => {
    const limit = DEFAULT_LIMITS.maxTrustListBytes + UPLOAD_ENVELOPE_BYTES
    expect(DEFAULT_LIMITS.maxTrustListBytes).toBeGreaterThan(DEFAULT_LIMITS.maxBodyBytes)
    for (const path of ['/v1/operator/trust-lists', '/v1/operator/revocation-lists']) {
      expect(await (await post(path, DEFAULT_LIMITS.maxTrustListBytes)).json()).toEqual({ bytes: DEFAULT_LIMITS.maxTrustListBytes })
    }
    const refused = (await (await post('/v1/operator/trust-lists', limit + 1)).json()) as { code: string; message: string }
    expect(refused.code).toBe('ERR_HTTP_BODY_TOO_LARGE')
    expect(refused.message).toBe(`the body is ${limit + 1} bytes; the limit for a signed list upload (limits.maxTrustListBytes plus 64 KiB) is ${limit} bytes`)
  })

  it('ATTACK: a large body on any other operator route is refused at maxBodyBytes', async () => {
    const bytes = DEFAULT_LIMITS.maxBodyBytes + 1
    const refused = (await (await post('/v1/operator/signers', bytes)).json()) as { code: string; message: string }
    expect(refused.code).toBe('ERR_HTTP_BODY_TOO_LARGE')
    expect(refused.message).toContain(`${bytes} bytes`)
    expect(refused.message).toContain(`is ${DEFAULT_LIMITS.maxBodyBytes} bytes`)
  })

  it('a body read as a stream is refused once it passes its cap, sent with or without a length, and never buffered', async () => {
    const streamed = new Hono()
    streamed.use('*', streamCapped(100, 'a test stream'))
    // The route reads the stream itself, chunk by chunk, as the bulk import does.
    streamed.post('*', async (c) => {
      let bytes = 0
      for await (const chunk of c.req.raw.body ?? []) bytes += chunk.byteLength
      return c.json({ bytes })
    })
    streamed.onError((error, c) => c.json({ code: error instanceof EntenteError ? error.code : 'other', message: error.message }, 413))
    let pulled = 0
    const chunks = (count: number) =>
      new ReadableStream<Uint8Array>({
        pull: (controller) => {
          if (pulled++ === count) controller.close()
          else controller.enqueue(new Uint8Array(30))
        },
      })
    const send = (body: ReadableStream<Uint8Array> | string, headers: Record<string, string> = {}) =>
      streamed.request('/import', { method: 'POST', headers, body, duplex: 'half' } as RequestInit)

    expect(await (await send(chunks(3))).json()).toEqual({ bytes: 90 })
    pulled = 0
    const unbounded = (await (await send(chunks(1000))).json()) as { code: string; message: string }
    expect(unbounded).toEqual({ code: 'ERR_HTTP_BODY_TOO_LARGE', message: 'the body is over 100 bytes; the limit for a test stream is 100 bytes' })
    // Refused at the fourth chunk: what follows is never read.
    expect(pulled).toBeLessThan(10)
    const declared = (await (await send('x'.repeat(101), { 'content-length': '101' })).json()) as { code: string; message: string }
    expect(declared.message).toBe('the body is 101 bytes; the limit for a test stream is 100 bytes')
  })
})
