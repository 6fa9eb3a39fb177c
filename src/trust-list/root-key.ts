// Root keys: generation, import and RFC 7638 thumbprints. A root key signs trust lists only.
// Pure apart from key generation's randomness; reading key files belongs to the caller.
import { exportJWK, generateKeyPair, importJWK, type JWK } from 'jose'
import { fromBase64url, toBase64url, utf8Bytes } from '../model/bytes.js'
import { sha256 } from '../model/encoding.js'
import { EntenteError } from '../model/errors.js'
import type { Root } from '../model/schema.types.js'
import { cryptoPlatform } from '../platform/crypto-platform.js'
import type { PublicKey } from '../platform/crypto-platform.types.js'

export type RootPublicJwk = Root['jwk']
export type RootKeyType = 'ed25519' | 'p256'

/** A root key able to sign: the private JWK plus what a trust list publishes about it. */
export interface RootSigningKey {
  readonly privateJwk: JWK
  readonly publicJwk: RootPublicJwk
  readonly thumbprint: string
  readonly alg: 'ES256' | 'EdDSA'
}

export async function generateRootKey(type: RootKeyType = 'ed25519'): Promise<RootSigningKey> {
  const { privateKey } =
    type === 'ed25519'
      ? await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true })
      : await generateKeyPair('ES256', { extractable: true })
  return rootKeyFromJwk(await exportJWK(privateKey))
}

/** Validates a private root JWK (from a key file) and derives its public half and thumbprint. */
export async function rootKeyFromJwk(jwk: JWK): Promise<RootSigningKey> {
  const publicJwk = publicRootJwk(jwk)
  if (typeof jwk.d !== 'string' || jwk.d.length === 0) {
    throw new EntenteError('ERR_KEY_INVALID', 'root key file holds no private key (d)')
  }
  const alg = publicJwk.kty === 'EC' ? 'ES256' : 'EdDSA'
  const privateJwk: JWK = { ...publicJwk, d: jwk.d }
  // Importing proves the private scalar is well formed before we ever try to sign with it.
  await importJWK(privateJwk, alg).catch((cause: unknown) => {
    throw new EntenteError('ERR_KEY_INVALID', 'root key cannot be imported', { cause })
  })
  return { privateJwk, publicJwk, thumbprint: await rootThumbprint(publicJwk), alg }
}

/** Keeps only the public members of a supported root JWK; rejects everything else. */
export function publicRootJwk(jwk: JWK): RootPublicJwk {
  if (jwk.kty === 'EC' && jwk.crv === 'P-256' && typeof jwk.x === 'string' && typeof jwk.y === 'string') {
    return { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y }
  }
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519' && typeof jwk.x === 'string') {
    return { kty: 'OKP', crv: 'Ed25519', x: jwk.x }
  }
  throw new EntenteError('ERR_KEY_INVALID', 'root key must be an EC P-256 or OKP Ed25519 JWK')
}

/** RFC 7638's thumbprint input: the key's required members in lexicographic order; undefined when one is missing. */
function thumbprintInput(jwk: RootPublicJwk): string | undefined {
  const members = jwk.kty === 'EC' ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: (jwk as { y?: unknown }).y } : { crv: jwk.crv, kty: jwk.kty, x: jwk.x }
  return Object.values(members).every((value) => typeof value === 'string') ? JSON.stringify(members) : undefined
}

/**
 * RFC 7638 SHA-256 thumbprint, hashed synchronously (a verifier takes one per list at load; WebCrypto's asynchronous
 * digest cost 0.4 ms each). Same value as jose's calculateJwkThumbprint (tested).
 */
export function rootThumbprint(jwk: RootPublicJwk): Promise<string> {
  const input = thumbprintInput(jwk)
  if (input === undefined) return Promise.reject(new EntenteError('ERR_KEY_INVALID', 'a root JWK lacks a member its thumbprint needs'))
  return Promise.resolve(toBase64url(sha256(input)))
}

export function rootAlg(jwk: RootPublicJwk): 'ES256' | 'EdDSA' {
  return jwk.kty === 'EC' ? 'ES256' : 'EdDSA'
}

/** Parsed root keys by their thumbprint input: a verifier checks hundreds of documents under a few hundred roots. */
const rootKeys = new Map<string, Promise<PublicKey>>()
const MAX_CACHED_ROOT_KEYS = 4096

/**
 * Whether `signature` (base64url) is a root's JWS signature over `protectedHeader.payload`, checked with the crypto
 * platform: ES256 (raw r||s) for a P-256 root, EdDSA for an Ed25519 one. The signing input is the same for both
 * payload forms (RFC 7797 unencoded text, or base64url); the caller has checked the header (alg, b64, crit).
 * A key that does not parse or a signature that does not decode verifies nothing.
 */
export async function verifyRootSignatureBytes(jwk: RootPublicJwk, protectedHeader: string, payload: string, signature: string): Promise<boolean> {
  const id = thumbprintInput(jwk)
  if (id === undefined) return false
  let key = rootKeys.get(id)
  if (key === undefined) {
    if (rootKeys.size >= MAX_CACHED_ROOT_KEYS) rootKeys.clear()
    key = cryptoPlatform().publicKeyFromJwk(jwk)
    // A key that fails to parse is not kept: the next document tries again.
    key.catch(() => rootKeys.delete(id))
    rootKeys.set(id, key)
  }
  const bytes = fromBase64url(signature)
  if (bytes === undefined) return false
  let parsed: PublicKey
  try {
    parsed = await key
  } catch {
    return false
  }
  const scheme = rootAlg(jwk) === 'ES256' ? ({ name: 'ECDSA', hash: 'SHA-256', encoding: 'ieee-p1363' } as const) : ({ name: 'Ed25519' } as const)
  return cryptoPlatform().verify(scheme, parsed, utf8Bytes(`${protectedHeader}.${payload}`), bytes)
}

export function rootOf(key: RootSigningKey): Root {
  return { jwk: key.publicJwk, thumbprint: key.thumbprint }
}
