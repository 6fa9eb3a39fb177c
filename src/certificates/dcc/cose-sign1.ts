// COSE_Sign1 (RFC 9052) parsing and its Sig_structure. Pure: no I/O; throws only EntenteError.
import { concatBytes } from '../../model/bytes.js'
import { EntenteError } from '../../model/errors.js'
import { Tag, type CborDecode } from './cbor.js'

export interface CoseSign1 {
  /** The protected header exactly as received: the signature covers these bytes. */
  protectedBytes: Uint8Array
  alg: number | undefined
  /** kid from the protected header, else from the unprotected one (hcert §3.3.1). */
  kid: Uint8Array | undefined
  payload: Uint8Array
  signature: Uint8Array
}

const COSE_ALG = 1
const COSE_KID = 4
const TAG_COSE_SIGN1 = 18
const TAG_CWT = 61

function isBytes(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array
}

export function parseCoseSign1(data: Uint8Array, decode: CborDecode): CoseSign1 {
  let item = decode(data, 'COSE_Sign1', 'ERR_DECODE_COSE')
  // Accept tag 18, untagged, and tag 61 (CWT) around tag 18, as the real data has all three.
  if (item instanceof Tag && item.tag === TAG_CWT) item = item.value as unknown
  if (item instanceof Tag) {
    if (item.tag !== TAG_COSE_SIGN1) throw new EntenteError('ERR_DECODE_COSE', `unexpected CBOR tag ${item.tag}`)
    item = item.value as unknown
  }
  if (!Array.isArray(item) || item.length !== 4) {
    throw new EntenteError('ERR_DECODE_COSE', 'COSE_Sign1 is not an array of 4 items')
  }
  const [protectedBytes, unprotected, payload, signature] = item as unknown[]
  if (!isBytes(protectedBytes) || !isBytes(payload) || !isBytes(signature)) {
    throw new EntenteError('ERR_DECODE_COSE', 'COSE_Sign1 protected header, payload and signature must be byte strings')
  }
  if (!(unprotected instanceof Map)) throw new EntenteError('ERR_DECODE_COSE', 'COSE unprotected header is not a map')
  let protectedMap: Map<unknown, unknown> = new Map()
  if (protectedBytes.length > 0) {
    const decoded = decode(protectedBytes, 'COSE protected header', 'ERR_DECODE_COSE')
    if (!(decoded instanceof Map)) throw new EntenteError('ERR_DECODE_COSE', 'COSE protected header is not a map')
    protectedMap = decoded as Map<unknown, unknown>
  }
  const unprotectedMap = unprotected as Map<unknown, unknown>
  const alg = protectedMap.get(COSE_ALG) ?? unprotectedMap.get(COSE_ALG)
  if (alg !== undefined && typeof alg !== 'number') throw new EntenteError('ERR_DECODE_COSE', 'COSE alg is not an integer')
  const kid = protectedMap.get(COSE_KID) ?? unprotectedMap.get(COSE_KID)
  if (kid !== undefined && !isBytes(kid)) throw new EntenteError('ERR_DECODE_COSE', 'COSE kid is not a byte string')
  return { protectedBytes, alg, kid, payload, signature }
}

function bstrHeader(length: number): Uint8Array {
  if (length < 24) return Uint8Array.of(0x40 | length)
  if (length < 0x100) return Uint8Array.of(0x58, length)
  if (length < 0x10000) return Uint8Array.of(0x59, length >> 8, length & 0xff)
  return Uint8Array.of(0x5a, (length >>> 24) & 0xff, (length >> 16) & 0xff, (length >> 8) & 0xff, length & 0xff)
}

// CBOR of the array head (0x84) and the text string "Signature1".
const SIG_STRUCTURE_HEAD = Uint8Array.of(0x84, 0x6a, 0x53, 0x69, 0x67, 0x6e, 0x61, 0x74, 0x75, 0x72, 0x65, 0x31)
const EMPTY_BSTR = Uint8Array.of(0x40)

/** Sig_structure = ["Signature1", protected, external_aad = h'', payload], encoded by hand (no re-encoding of headers). */
export function sigStructure(cose: Pick<CoseSign1, 'protectedBytes' | 'payload'>): Uint8Array {
  return concatBytes([
    SIG_STRUCTURE_HEAD,
    bstrHeader(cose.protectedBytes.length),
    cose.protectedBytes,
    EMPTY_BSTR,
    bstrHeader(cose.payload.length),
    cose.payload,
  ])
}
