// SMART Health Card compact JWS structure: header (ES256, DEF, kid), raw-DEFLATE JSON payload, raw r||s
// signature. Pure: no I/O, no signature check; throws only EntenteError.
import { fromBase64url } from '../../model/bytes.js'
import { EntenteError } from '../../model/errors.js'
import { defaultLimits, type DecodeLimits } from '../constants.js'
import { inflateCapped } from '../inflate-capped.js'

export interface ShcClaims {
  iss: string
  /** Seconds, may be fractional. */
  nbf: number
  exp: number | undefined
  vc: Record<string, unknown>
}

export interface DecodedShcJws {
  header: { alg: string; zip: string; kid: string }
  /** ASCII `header.payload`: what the signature covers. */
  signingInput: string
  signature: Uint8Array
  claims: ShcClaims
}

// Keeps a BOM instead of silently dropping it: JSON with a BOM is malformed (SDK case utf8_bom_prefix).
// Non-streaming decode() keeps no state between calls, so one shared decoder is safe.
const UTF8: Readonly<TextDecoder> = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

// Three non-empty base64url parts (the signature may be empty only to be rejected later by length).
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/

function base64url(text: string): Uint8Array {
  // Length 4k+1 cannot be base64url (the alphabet was checked with the whole JWS).
  const bytes = fromBase64url(text)
  if (bytes === undefined) throw new EntenteError('ERR_DECODE_JWS', 'JWS part has an impossible base64url length')
  return bytes
}

function utf8Strict(bytes: Uint8Array, what: string): string {
  try {
    return UTF8.decode(bytes)
  } catch (error) {
    throw new EntenteError('ERR_DECODE_JWS', `${what} is not UTF-8`, { cause: error })
  }
}

function parseJsonObject(text: string, what: string, code: 'ERR_DECODE_JWS' | 'ERR_DECODE_JWS_PAYLOAD'): Record<string, unknown> {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    throw new EntenteError(code, `${what} is not JSON`, { cause: error })
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new EntenteError(code, `${what} is not a JSON object`)
  return value as Record<string, unknown>
}

// Seconds since 1970 stay below 1e11 until the year 5138; larger values are milliseconds by mistake.
const MAX_SECONDS = 1e11

function seconds(value: unknown, name: string, required: boolean): number | undefined {
  if (value === undefined && !required) return undefined
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new EntenteError('ERR_DECODE_JWS_PAYLOAD', `${name} must be a number of seconds`)
  }
  if (value > MAX_SECONDS) throw new EntenteError('ERR_DECODE_JWS_PAYLOAD', `${name} looks like milliseconds, not seconds`)
  return value
}

export const SHC_VC_TYPE = 'https://smarthealth.cards#health-card'

export function decodeShcJws(jws: string, limits: DecodeLimits = defaultLimits): DecodedShcJws {
  if (jws.length > limits.maxPayloadChars) throw new EntenteError('ERR_DECODE_TOO_LARGE', 'JWS too long')
  if (!COMPACT_JWS.test(jws)) throw new EntenteError('ERR_DECODE_JWS', 'not a compact JWS of three base64url parts')
  const [h, p, s] = jws.split('.') as [string, string, string]
  const headerBytes = base64url(h)
  const payloadBytes = base64url(p)
  const signature = base64url(s)
  const header = parseJsonObject(utf8Strict(headerBytes, 'JWS header'), 'JWS header', 'ERR_DECODE_JWS')
  if (header.alg === undefined) throw new EntenteError('ERR_DECODE_JWS', 'JWS header has no alg')
  if (header.alg !== 'ES256') throw new EntenteError('ERR_SIGNATURE_ALG_UNSUPPORTED', `JWS alg must be ES256, not ${JSON.stringify(header.alg)}`)
  if (typeof header.kid !== 'string' || header.kid === '') throw new EntenteError('ERR_DECODE_JWS', 'JWS header has no kid')
  // SMART Health Cards are always compressed (spec: "zip": "DEF").
  if (header.zip !== 'DEF') throw new EntenteError('ERR_DECODE_JWS', 'JWS header must have "zip": "DEF"')
  if (header.crit !== undefined) throw new EntenteError('ERR_DECODE_JWS', 'JWS crit headers are not supported')

  const inflated = inflateCapped(payloadBytes, { raw: true, maxOutputLength: limits.maxInflatedBytes })
  const claims = parseJsonObject(utf8Strict(inflated, 'JWS payload'), 'JWS payload', 'ERR_DECODE_JWS_PAYLOAD')
  if (typeof claims.iss !== 'string' || claims.iss === '') throw new EntenteError('ERR_DECODE_JWS_PAYLOAD', 'payload has no iss')
  const nbf = seconds(claims.nbf, 'nbf', true) as number
  const exp = seconds(claims.exp, 'exp', false)
  const vc = claims.vc
  if (typeof vc !== 'object' || vc === null || Array.isArray(vc)) throw new EntenteError('ERR_DECODE_JWS_PAYLOAD', 'payload has no vc')
  const vcObject = vc as Record<string, unknown>
  if (!Array.isArray(vcObject.type) || !vcObject.type.includes(SHC_VC_TYPE)) {
    throw new EntenteError('ERR_DECODE_JWS_PAYLOAD', `vc.type must include ${SHC_VC_TYPE}`)
  }
  return {
    header: { alg: header.alg, zip: header.zip, kid: header.kid },
    // A slice of the JWS, not a concatenation: no copy, and hashed as one flat string.
    signingInput: jws.slice(0, h.length + 1 + p.length),
    signature,
    claims: { iss: claims.iss, nbf, exp, vc: vcObject },
  }
}
