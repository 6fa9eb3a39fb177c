// EU DCC decoding: "HC1:" prefix → strict base45 → capped zlib → COSE_Sign1 → CWT claims → hcert.
// Pure: no I/O, no signature check (see verify-dcc.ts); throws only EntenteError.
import { EntenteError } from '../../model/errors.js'
import { defaultLimits, type DecodeLimits } from '../constants.js'
import { inflateCapped } from '../inflate-capped.js'
import { cborToJson, createCborDecoder, type CborDecode } from './cbor.js'
import { decodeBase45 } from './decode-base45.js'
import { parseCoseSign1, type CoseSign1 } from './cose-sign1.js'

export const HC1_PREFIX = 'HC1:'

export interface CwtClaims {
  /** Claim 1: issuing country. */
  iss?: string
  /** Claim 6, seconds (may be fractional in real data). */
  iat?: number
  /** Claim 4, seconds. */
  exp?: number
  /** Claim -260 / 1: the DCC payload as JSON. */
  hcert: Record<string, unknown>
}

export interface DecodedHc1 {
  cose: CoseSign1
  claims: CwtClaims
}

/** Strips the context identifier; only "HC1:" is supported (hcert §4.1). */
export function unprefixHc1(payload: string): string {
  if (!payload.startsWith(HC1_PREFIX)) throw new EntenteError('ERR_DECODE_PREFIX', 'payload does not start with "HC1:"')
  return payload.slice(HC1_PREFIX.length)
}

/** zlib is mandatory (hcert §4.4): an uncompressed COSE after HC1: is rejected (vector common/Z2). */
export function inflateHc1(compressed: Uint8Array, limits: DecodeLimits = defaultLimits): Uint8Array {
  return inflateCapped(compressed, { raw: false, maxOutputLength: limits.maxInflatedBytes })
}

const CWT_ISS = 1
const CWT_EXP = 4
const CWT_IAT = 6
const CWT_HCERT = -260
const HCERT_EU_DCC_V1 = 1

function numericDate(value: unknown, name: string): number | undefined {
  if (value === undefined) return undefined
  // 22 real CWTs carry floats; the hcert spec says integer, so accept both but nothing else.
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new EntenteError('ERR_DECODE_CWT', `CWT ${name} is not a number`)
  }
  return value
}

export function decodeCwtClaims(payload: Uint8Array, decode: CborDecode): CwtClaims {
  const decoded = decode(payload, 'CWT payload', 'ERR_DECODE_CWT')
  if (!(decoded instanceof Map)) throw new EntenteError('ERR_DECODE_CWT', 'CWT payload is not a map')
  const map = decoded as Map<unknown, unknown>
  const iss = map.get(CWT_ISS)
  if (iss !== undefined && typeof iss !== 'string') throw new EntenteError('ERR_DECODE_CWT', 'CWT iss is not a string')
  const hcertClaim = map.get(CWT_HCERT)
  if (!(hcertClaim instanceof Map)) throw new EntenteError('ERR_DECODE_HCERT', 'CWT has no hcert claim (-260)')
  const dcc = (hcertClaim as Map<unknown, unknown>).get(HCERT_EU_DCC_V1)
  if (!(dcc instanceof Map)) throw new EntenteError('ERR_DECODE_HCERT', 'hcert has no EU DCC v1 payload (key 1)')
  const hcert = cborToJson(dcc) as Record<string, unknown>
  return { iss, iat: numericDate(map.get(CWT_IAT), 'iat'), exp: numericDate(map.get(CWT_EXP), 'exp'), hcert }
}

export function decodeCose(coseBytes: Uint8Array, decode: CborDecode = createCborDecoder()): DecodedHc1 {
  const cose = parseCoseSign1(coseBytes, decode)
  return { cose, claims: decodeCwtClaims(cose.payload, decode) }
}

export function decodeHc1(payload: string, limits: DecodeLimits = defaultLimits): DecodedHc1 {
  if (payload.length > limits.maxPayloadChars) {
    throw new EntenteError('ERR_DECODE_TOO_LARGE', `payload longer than ${limits.maxPayloadChars} characters`)
  }
  const compressed = decodeBase45(unprefixHc1(payload))
  return decodeCose(inflateHc1(compressed, limits))
}
