// Per-client rate limits for anonymous endpoints that cost the node work (WebAuthn ceremony options): a token
// bucket per client address and purpose, in memory and bounded. Trusts X-Forwarded-For only from configured proxies.
import type { Context, MiddlewareHandler } from 'hono'
import { isIP } from 'node:net'
import { EntenteError } from '../model/errors.js'
import { problemResponse } from './problem.js'

export interface RateLimitInit {
  /** Requests a client may make at once (default 20). */
  readonly burst?: number
  /** Tokens regained per minute (default 60). */
  readonly perMinute?: number
  /** Clients tracked at most; beyond it the stalest bucket is forgotten (default 10000). */
  readonly maxClients?: number
  readonly now?: () => number
}

/** The address of the peer that sent the request, or 'unknown' in-process (app.request) where there is no socket. */
export type ClientAddress = (c: Context) => string

/**
 * The socket's remote address; when that is one of `trustProxy`, the right-most X-Forwarded-For entry that is not
 * itself a trusted proxy (entries to its left are whatever the client wrote). Nothing else a proxy sends is used.
 */
export function clientAddress(trustProxy: readonly string[] = []): ClientAddress {
  const trusted = new Set(trustProxy.map(normalise))
  return (c) => {
    const remote = socketAddress(c)
    if (remote === undefined) return 'unknown'
    if (!trusted.has(remote)) return remote
    const forwarded = (c.req.header('x-forwarded-for') ?? '').split(',').map((part) => normalise(part.trim()))
    for (let i = forwarded.length - 1; i >= 0; i -= 1) {
      const hop = forwarded[i] as string
      if (isIP(hop) === 0) break
      if (!trusted.has(hop)) return hop
    }
    return remote
  }
}

/** Token buckets keyed by `${purpose} ${client}`; an empty bucket answers 429 ERR_HTTP_RATE_LIMITED with Retry-After. */
export function rateLimit(purpose: string, client: ClientAddress, init: RateLimitInit = {}): MiddlewareHandler {
  const burst = init.burst ?? 20
  const perMs = (init.perMinute ?? 60) / 60_000
  const maxClients = init.maxClients ?? 10_000
  const now = init.now ?? Date.now
  // Map order is insertion order: re-inserting on use keeps the stalest first, so eviction is LRU.
  const buckets = new Map<string, { tokens: number; at: number }>()
  return async (c, next) => {
    const key = `${purpose} ${client(c)}`
    const t = now()
    const bucket = buckets.get(key) ?? { tokens: burst, at: t }
    buckets.delete(key)
    bucket.tokens = Math.min(burst, bucket.tokens + (t - bucket.at) * perMs)
    bucket.at = t
    buckets.set(key, bucket)
    if (buckets.size > maxClients) buckets.delete(buckets.keys().next().value as string)
    if (bucket.tokens < 1) {
      const response = problemResponse(c, new EntenteError('ERR_HTTP_RATE_LIMITED', `too many ${purpose} requests from this address; try again shortly`))
      response.headers.set('retry-after', String(Math.max(1, Math.ceil((1 - bucket.tokens) / perMs / 1000))))
      return response
    }
    bucket.tokens -= 1
    await next()
    return undefined
  }
}

function socketAddress(c: Context): string | undefined {
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined
  const address = env?.incoming?.socket?.remoteAddress
  return address === undefined ? undefined : normalise(address)
}

/** IPv4-mapped IPv6 (::ffff:1.2.3.4 on a dual-stack socket) is the IPv4 address. */
function normalise(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)
  return (mapped?.[1] ?? address).toLowerCase()
}
