// The WebAuthn relying party of a node: rpId, name and origin, from node.json `webauthn` or from the node's URL.
// Pure: the URL is passed in.
import type { ResolvedNodeConfig } from '../config/node-config.js'

export interface RelyingParty {
  readonly rpId: string
  readonly rpName: string
  readonly origin: string
}

const LOOPBACK = new Set(['127.0.0.1', '[::1]', '::1', 'localhost'])

/**
 * `webauthn` in node.json wins (the config loader has checked that its rpId fits its origin); then http.publicUrl,
 * the URL diplomats open; then the URL the node listens on. One twist: browsers refuse IP addresses as
 * rpId, so a loopback node (http://127.0.0.1:PORT) gets rpId "localhost" and origin http://localhost:PORT,
 * the secure context where passkeys work without TLS.
 */
export function resolveRelyingParty(config: Pick<ResolvedNodeConfig, 'webauthn' | 'name' | 'http'>, nodeUrl: string | undefined): RelyingParty {
  const rpName = config.webauthn?.rpName ?? `${config.name} diplomats`
  if (config.webauthn !== undefined) return { rpId: config.webauthn.rpId, rpName, origin: new URL(config.webauthn.origin).origin }
  const url = new URL(config.http.publicUrl ?? nodeUrl ?? `http://localhost:${config.http.port}`)
  if (LOOPBACK.has(url.hostname)) {
    return { rpId: 'localhost', rpName, origin: `${url.protocol}//localhost${url.port === '' ? '' : `:${url.port}`}` }
  }
  return { rpId: url.hostname, rpName, origin: url.origin }
}
