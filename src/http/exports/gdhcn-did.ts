// Builds a WHO GDHCN-style DID trust list (did:web, JsonWebKey2020 with x5c) of the DSCs a node may export.
// Pure: no I/O; `now` is supplied by the caller. Unsigned: authenticity comes from the countries' signed lists.
import type { KeyObject } from 'node:crypto'
import { EntenteError } from '../../model/errors.js'
import { fromBase64url, toBase64url } from '../../model/encoding.js'
import type { Usage } from '../../model/schema.types.js'
import { exportableDscs } from './eu-dcc-trust-list.js'
import type { ExportHead, ExportTime } from './export-head.types.js'

export const DID_CONTEXT = ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/suites/jws-2020/v1'] as const

export type DidPublicKeyJwk =
  | { kty: 'EC'; kid: string; x5c: string[]; crv: 'P-256' | 'P-384' | 'P-521'; x: string; y: string }
  | { kty: 'RSA'; kid: string; x5c: string[]; n: string; e: string }

export interface DidVerificationMethod {
  /** `${did}:${country}#${kid}`: the country-level DID, so every key resolves in its country's document. */
  id: string
  type: 'JsonWebKey2020'
  controller: string
  publicKeyJwk: DidPublicKeyJwk
}

export interface DidDocument {
  '@context': string[]
  id: string
  controller: string
  verificationMethod: DidVerificationMethod[]
}

export interface GdhcnDidOptions extends ExportTime {
  /** The base DID of this export, e.g. `did:web:127.0.0.1%3A7101:v1:export:gdhcn`. */
  readonly did: string
  /** Only this country's DSCs; the document id becomes `${did}:${country}`. */
  readonly country?: string
  /** Only DSCs whose list entry allows this certificate type; the id gets `:${usage}` (after `:-` without a country). */
  readonly usage?: Usage
}

/** Coordinate sizes in bytes (RFC 7518 §6.2.1.2: the full field size, leading zeros kept). */
const EC_SIZE = { 'P-256': 32, 'P-384': 48, 'P-521': 66 } as const

const DID = /^did:[a-z0-9]+:[A-Za-z0-9._%-]+(?::[A-Za-z0-9._%-]+)*$/
const COUNTRY = /^[A-Z]{2}$/
const USAGES: readonly string[] = ['vaccination', 'test', 'recovery'] satisfies Usage[]

/**
 * The WHO's v2 trust lists (WorldHealthOrganization/smart-trust, "DID Trustlist v2"; tng-cdn-dev) nest
 * documents as `trustlist:$domain:$participant:$usage` with `-` as wildcard. Entente has one domain (DCC)
 * and one key usage (DSC), so its levels are `${did}`, `${did}:${country}` and `${did}:${country}:${usage}`
 * (`${did}:-:${usage}` for every country), with Entente's alpha-2 codes where the WHO uses alpha-3.
 * Each key's id and controller name its country-level DID, as in the WHO's participant documents, so a
 * verifier can group or resolve keys per country from any level. Key ids are the DCC kid as the spec's
 * example writes them (`#XPjhL9Znd1M=`; `+`, `/` and `=` are legal in a fragment); the WHO's CDN
 * base64-encodes the kid once more, which a COSE kid no longer matches.
 * Unlike the WHO's export, EC coordinates have exactly the field size (32 bytes for P-256) and no `proof`
 * is attached: Entente signs trust lists with country roots, never exports with a node key.
 */
export function gdhcnDidDocument(heads: readonly ExportHead[], options: GdhcnDidOptions): DidDocument {
  const { did, country, usage } = options
  if (!DID.test(did)) throw new EntenteError('ERR_CONFIG_INVALID', `not a DID without path, query or fragment: ${did}`)
  if (country !== undefined && !COUNTRY.test(country)) {
    throw new EntenteError('ERR_HTTP_BAD_REQUEST', `country must be an ISO 3166-1 alpha-2 code, not ${country}`)
  }
  if (usage !== undefined && !USAGES.includes(usage)) {
    throw new EntenteError('ERR_HTTP_BAD_REQUEST', `usage must be one of ${USAGES.join(', ')}, not ${String(usage)}`)
  }
  const id = usage === undefined ? (country === undefined ? did : `${did}:${country}`) : `${did}:${country ?? '-'}:${usage}`
  const verificationMethod: DidVerificationMethod[] = []
  for (const dsc of exportableDscs(heads, options.now)) {
    if (country !== undefined && dsc.country !== country) continue
    if (usage !== undefined && !dsc.signer.usage.includes(usage)) continue
    const publicKeyJwk = didPublicKeyJwk(dsc.key, dsc.kid, [dsc.signer.certificate])
    // A key type JWK cannot express (e.g. RSASSA-PSS SPKI) stays available in the EU DCC export.
    if (publicKeyJwk === undefined) continue
    const controller = `${did}:${dsc.country}`
    verificationMethod.push({ id: `${controller}#${dsc.kid}`, type: 'JsonWebKey2020', controller, publicKeyJwk })
  }
  return { '@context': [...DID_CONTEXT], id, controller: did, verificationMethod }
}

/** The public JWK of a DSC key with its certificate in `x5c`, or undefined for a key type the list cannot carry. */
export function didPublicKeyJwk(key: KeyObject, kid: string, x5c: string[]): DidPublicKeyJwk | undefined {
  let jwk
  try {
    jwk = key.export({ format: 'jwk' })
  } catch {
    return undefined
  }
  if (jwk.kty === 'EC' && (jwk.crv === 'P-256' || jwk.crv === 'P-384' || jwk.crv === 'P-521')) {
    if (jwk.x === undefined || jwk.y === undefined) return undefined
    // Fixed size whatever the runtime emits: the WHO's own export writes Java BigInteger bytes (31 or 33).
    const x = fixedSizeCoordinate(jwk.x, EC_SIZE[jwk.crv])
    const y = fixedSizeCoordinate(jwk.y, EC_SIZE[jwk.crv])
    return x === undefined || y === undefined ? undefined : { kty: 'EC', kid, x5c, crv: jwk.crv, x, y }
  }
  if (jwk.kty === 'RSA' && jwk.n !== undefined && jwk.e !== undefined) {
    return { kty: 'RSA', kid, x5c, n: jwk.n, e: jwk.e }
  }
  return undefined
}

/**
 * An unsigned big-endian integer (base64url) as exactly `size` bytes: left-padded with zeros, and with
 * surplus leading zero bytes (a two's-complement sign byte) dropped; undefined if the value does not fit.
 */
export function fixedSizeCoordinate(value: string, size: number): string | undefined {
  const bytes = fromBase64url(value)
  if (bytes === undefined) return undefined
  let start = 0
  while (bytes.length - start > size && bytes[start] === 0) start += 1
  const length = bytes.length - start
  if (length > size) return undefined
  const out = new Uint8Array(size)
  out.set(bytes.subarray(start), size - length)
  return toBase64url(out)
}
