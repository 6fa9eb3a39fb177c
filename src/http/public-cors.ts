// CORS for the public reads a verifier page hosted elsewhere (a mirror, a static host) syncs from: the bundle, trust
// lists and revocation documents. They hold no personal data and no credentials, so any origin may read them;
// ETag is exposed so the page can tell an unchanged bundle. Never used on operator or diplomat routes.
import type { MiddlewareHandler } from 'hono'

export const PUBLIC_CORS_HEADERS = {
  'access-control-allow-origin': '*',
  'access-control-expose-headers': 'ETag, X-Entente-Token',
} as const

/** Adds the public CORS headers to whatever the route answers (errors included, so the page can read them). */
export const publicCors: MiddlewareHandler = async (c, next) => {
  await next()
  for (const [name, value] of Object.entries(PUBLIC_CORS_HEADERS)) c.res.headers.set(name, value)
}
