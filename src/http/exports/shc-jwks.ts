// Builds the SMART Health Cards issuer key set (`<iss>/.well-known/jwks.json`) from the verified lists a node holds.
// Pure: no I/O; `now` is supplied by the caller. Public key members only, never `d` or Entente's own metadata.
import { createHash, createPublicKey } from 'node:crypto'
import { fromBase64url } from '../../model/encoding.js'
import type { ShcSigner } from '../../model/schema.types.js'
import type { ExportHead, ExportTime } from './export-head.types.js'

/** A public issuer key as the SHC spec requires it: EC P-256, `use` sig, `alg` ES256, kid = RFC 7638 thumbprint. */
export interface ShcIssuerJwk {
  kty: 'EC'
  kid: string
  use: 'sig'
  alg: 'ES256'
  crv: 'P-256'
  x: string
  y: string
  /** The issuer's certificate chain, when its list carries one. */
  x5c?: string[]
}

export interface ShcJwks {
  keys: ShcIssuerJwk[]
}

/**
 * Keys of every country's list for exactly this `iss` (no normalisation: SHC verifiers match `iss` byte for
 * byte and fetch `${iss}/.well-known/jwks.json`), ordered by kid.
 *
 * Left out, although the SHC FAQ on revocation says issuer keys "must be publicly available forever"
 * because cards do not expire:
 * - revoked kids: removing a key from the JWKS is how SHC itself revokes a key, and a copied JWKS cannot
 *   learn of a later revocation, so a scheduled revokedAt already removes the key;
 * - keys outside their list window. In Entente `validUntil` ends acceptance, not issuance: a verifier of
 *   Entente rejects every card of such a key (judge-signed-entity step 2), and a JWKS has no way to say
 *   "only cards issued before", so listing the key would make other verifiers accept what Entente rejects.
 *   A country that retires a key but wants its cards to stay valid keeps `validUntil` open and stops signing,
 *   which is the SHC notion of retirement.
 * - keys whose kid is not their thumbprint or that are not a valid P-256 point (Entente rejects them too).
 */
export function shcJwks(heads: readonly ExportHead[], issuer: string, options: ExportTime): ShcJwks {
  const byKid = new Map<string, ShcIssuerJwk>()
  for (const signer of exportableShcSigners(heads, options.now)) {
    if (signer.issuer !== issuer || byKid.has(signer.kid)) continue
    const { x, y, x5c } = signer.jwk
    byKid.set(signer.kid, {
      kty: 'EC',
      kid: signer.kid,
      use: 'sig',
      alg: 'ES256',
      crv: 'P-256',
      x,
      y,
      ...(x5c !== undefined && x5c.length > 0 ? { x5c: [...x5c] } : {}),
    })
  }
  return { keys: [...byKid.values()].sort((a, b) => compare(a.kid, b.kid)) }
}

/** Every `iss` with at least one exportable key at `now`, sorted: each has a non-empty `shcJwks`. */
export function shcIssuers(heads: readonly ExportHead[], options: ExportTime): string[] {
  return [...new Set(exportableShcSigners(heads, options.now).map((s) => s.issuer))].sort(compare)
}

function exportableShcSigners(heads: readonly ExportHead[], now: Date): ShcSigner[] {
  const at = now.getTime()
  const out: ShcSigner[] = []
  for (const head of heads) {
    const revoked = new Set(head.payload.revokedSigners.map((r) => r.kid))
    for (const signer of head.payload.signers) {
      if (signer.format !== 'shc' || revoked.has(signer.kid)) continue
      // NaN (an unreadable date) fails both comparisons, so such an entry is left out.
      if (!(at >= Date.parse(signer.validFrom) && at <= Date.parse(signer.validUntil))) continue
      if (!isSoundKey(signer)) continue
      out.push(signer)
    }
  }
  return out
}

function isSoundKey(signer: ShcSigner): boolean {
  const { jwk } = signer
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || jwk.use !== 'sig' || jwk.alg !== 'ES256') return false
  if (fromBase64url(jwk.x)?.length !== 32 || fromBase64url(jwk.y)?.length !== 32) return false
  // The kid is how a card names its key: it must be the RFC 7638 thumbprint of exactly these members.
  const thumbprint = createHash('sha256')
    .update(JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y }))
    .digest('base64url')
  if (thumbprint !== signer.kid || (jwk.kid !== undefined && jwk.kid !== thumbprint)) return false
  try {
    createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y }, format: 'jwk' })
    return true
  } catch {
    return false
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
