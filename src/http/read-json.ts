// Reads a JSON request body: content type checked, size already capped by bodyLimit, nesting depth bounded before
// parsing, parse errors coded.
import type { Context } from 'hono'
import { EntenteError } from '../model/errors.js'

/** Deeper than any Entente document (a signed list nests about ten levels); deep nesting only costs the parser. */
export const MAX_JSON_DEPTH = 64

export async function readJson(c: Context, options: { optional?: boolean } = {}): Promise<unknown> {
  const type = c.req.header('content-type') ?? ''
  const text = await c.req.text()
  if (text.length === 0 && options.optional === true) return {}
  if (!/^application\/([a-z0-9.+-]+\+)?json\s*(;|$)/i.test(type)) {
    throw new EntenteError('ERR_HTTP_UNSUPPORTED_MEDIA_TYPE', 'send the body as application/json')
  }
  checkJsonDepth(text, MAX_JSON_DEPTH)
  try {
    return JSON.parse(text) as unknown
  } catch (cause) {
    throw new EntenteError('ERR_HTTP_MALFORMED_JSON', 'the body is not valid JSON', { cause })
  }
}

/** A body that must be a JSON object (an options body: `{}` or `{ "validityDays": 30 }`); empty counts as `{}`. */
export async function readJsonObject(c: Context, options: { optional?: boolean } = {}): Promise<Record<string, unknown>> {
  const body = await readJson(c, options)
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new EntenteError('ERR_HTTP_BAD_REQUEST', 'the body must be a JSON object')
  return body as Record<string, unknown>
}

/**
 * One linear pass over the text counting open brackets outside strings: refuses a body nested deeper than `max`
 * before JSON.parse and everything after it walk it recursively. Malformed text is left to JSON.parse.
 */
export function checkJsonDepth(text: string, max: number): void {
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i += 1) {
    const ch = text.charCodeAt(i)
    if (inString) {
      if (ch === 0x5c) i += 1 // backslash: skip the escaped character
      else if (ch === 0x22) inString = false
    } else if (ch === 0x22) {
      inString = true
    } else if (ch === 0x5b || ch === 0x7b) {
      depth += 1
      if (depth > max) throw new EntenteError('ERR_HTTP_JSON_TOO_DEEP', `the body is nested deeper than ${max} levels`)
    } else if (ch === 0x5d || ch === 0x7d) {
      depth -= 1
    }
  }
}
