// Test helpers for SMART Health Card vectors: the spec issuer's trust (JWKS + CRL) as Entente trust material.
import { calculateJwkThumbprint } from 'jose'
import { parseShcCrl } from '../../src/certificates/shc/parse-shc-crl.js'
import type { PublicJwk, ShcSigner, TrustMaterial } from '../../src/certificates/trust-material.types.js'
import { readVector } from './vectors.js'

export const SPEC_ISSUER = 'https://spec.smarthealth.cards/examples/issuer'
/** After every example's nbf (2023-06-22) and before example 03's exp (2024-06-21). */
export const SHC_NOW = new Date('2023-07-01T00:00:00Z')

export async function signersFromJwks(jwks: { keys: PublicJwk[] }, issuer: string): Promise<ShcSigner[]> {
  return Promise.all(
    jwks.keys.map(async (jwk) => ({
      format: 'shc' as const,
      kid: jwk.kid ?? (await calculateJwkThumbprint(jwk as Parameters<typeof calculateJwkThumbprint>[0])),
      issuer,
      jwk,
      usage: ['vaccination' as const, 'test' as const, 'recovery' as const],
    })),
  )
}

export async function specIssuerTrust(country = 'US'): Promise<TrustMaterial> {
  const jwks = JSON.parse(readVector('shc/issuer/.well-known/jwks.json')) as { keys: PublicJwk[] }
  const kid = '3Kfdg-XwP-7gXyywtUfUADwBumDOPKMQx-iELL11W9s'
  const crl = JSON.parse(readVector(`shc/issuer/.well-known/crl/${kid}.json`)) as unknown
  const crlVersion = jwks.keys.find((k) => k.kid === kid)?.crlVersion
  return {
    signers: { [country]: await signersFromJwks(jwks, SPEC_ISSUER) },
    revokedCertificates: parseShcCrl(SPEC_ISSUER, crl, crlVersion).revocations,
  }
}
