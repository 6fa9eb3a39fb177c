// Reads a JSON request body: content type checked, size already capped by bodyLimit, parse errors coded.
import type { Context } from 'hono'
import { EntenteError } from '../model/errors.js'

export async function readJson(c: Context, options: { optional?: boolean } = {}): Promise<unknown> {
  const type = c.req.header('content-type') ?? ''
  const text = await c.req.text()
  if (text.length === 0 && options.optional === true) return {}
  if (!/^application\/([a-z0-9.+-]+\+)?json\s*(;|$)/i.test(type)) {
    throw new EntenteError('ERR_HTTP_UNSUPPORTED_MEDIA_TYPE', 'send the body as application/json')
  }
  try {
    return JSON.parse(text) as unknown
  } catch (cause) {
    throw new EntenteError('ERR_HTTP_MALFORMED_JSON', 'the body is not valid JSON', { cause })
  }
}
