// Routes of the exports for verifier apps that already exist (EU DCC gateway, SMART Health Cards, WHO GDHCN),
// built from the verified latest list of every country this node holds.
import type { Hono } from 'hono'
import { nodeBaseUrl, type ResolvedNodeConfig } from '../config/node-config.js'
import { EntenteError } from '../model/errors.js'
import type { TrustStore } from '../store/store.types.js'
import { decodeTrustList } from '../trust-list/decode-trust-list.js'
import type { ExportHead } from './exports/export-head.types.js'
import { euDccTrustList } from './exports/eu-dcc-trust-list.js'
import { gdhcnDidDocument } from './exports/gdhcn-did.js'
import { shcJwks } from './exports/shc-jwks.js'

export function mountExports(app: Hono, deps: { store: TrustStore; now: () => Date; config: ResolvedNodeConfig }): void {
  const heads = (): ExportHead[] => {
    const now = deps.now().getTime()
    return deps.store
      .heads()
      .filter((l) => Date.parse(l.expiresAt) > now)
      .map((l) => ({ country: l.country, payload: decodeTrustList(l.signed, Number.MAX_SAFE_INTEGER).payload, issuedAt: l.issuedAt }))
  }
  const cache = { 'cache-control': 'public, max-age=300' }

  app.get('/v1/export/eu-dcc/trustList/DSC', (c) => c.json(euDccTrustList(heads(), { now: deps.now() }), 200, cache))

  app.get('/v1/export/shc/*', (c) => {
    // The issuer URL without its scheme: /v1/export/shc/example.org/path/.well-known/jwks.json
    const match = /^\/v1\/export\/shc\/(.+)\/\.well-known\/jwks\.json$/.exec(c.req.path)
    if (match?.[1] === undefined) throw new EntenteError('ERR_HTTP_NOT_FOUND', 'expected /v1/export/shc/{issuer}/.well-known/jwks.json')
    let issuer: string
    try {
      issuer = `https://${decodeURIComponent(match[1])}`
    } catch (cause) {
      throw new EntenteError('ERR_HTTP_BAD_REQUEST', 'the issuer in the path is not valid percent-encoding', { cause })
    }
    const jwks = shcJwks(heads(), issuer, { now: deps.now() })
    if (jwks.keys.length === 0) throw new EntenteError('ERR_HTTP_NOT_FOUND', `no keys held for issuer ${issuer}`)
    // SHC verifiers fetch this cross-origin from browsers.
    return c.json(jwks, 200, { ...cache, 'access-control-allow-origin': '*' })
  })

  app.get('/v1/export/gdhcn/did.json', (c) => {
    // did:web names the host others resolve: http.publicUrl when set.
    const base = nodeBaseUrl(deps.config)
    // did:web encodes the port's colon as %3A (did:web spec §3.1); IPv6 hosts are not representable, so use the name.
    const url = new URL(base)
    const host = url.hostname.startsWith('[') ? 'localhost' : url.hostname
    // A path prefix (a node behind a proxy at https://host/entente) becomes colon-separated segments (§3.2).
    const prefix = url.pathname.split('/').filter((segment) => segment !== '').map((segment) => `:${encodeURIComponent(segment)}`).join('')
    const did = `did:web:${host}${url.port === '' ? '' : `%3A${url.port}`}${prefix}:v1:export:gdhcn`
    return c.json(gdhcnDidDocument(heads(), { did, now: deps.now() }), 200, cache)
  })
}
