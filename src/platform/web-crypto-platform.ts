// The runtime-neutral implementation of the crypto platform: WebCrypto for signatures (in every browser, Node,
// Deno and Bun), and small, well-kept pure libraries for what must stay synchronous or what WebCrypto lacks:
// SHA-256 (@noble/hashes), DEFLATE (pako) and X.509 parsing (@peculiar/asn1-x509).
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js'
import { RSAPublicKey } from '@peculiar/asn1-rsa'
import { AsnConvert } from '@peculiar/asn1-schema'
import { Certificate, ExtendedKeyUsage, SubjectPublicKeyInfo, id_ce_extKeyUsage } from '@peculiar/asn1-x509'
import { Inflate, constants } from 'pako'
import { concatBytes } from '../model/bytes.js'
import { EntenteError } from '../model/errors.js'
import type { CryptoPlatform, EcCurve, PublicJwkInput, PublicKey, PublicKeyType, SignatureScheme, X509Fields } from './crypto-platform.types.js'

const OID_EC_PUBLIC_KEY = '1.2.840.10045.2.1'
const OID_RSA = '1.2.840.113549.1.1.1'
const OID_RSA_PSS = '1.2.840.113549.1.1.10'
const OID_ED25519 = '1.3.101.112'
const OID_COUNTRY = '2.5.4.6'
const CURVE_OIDS: Readonly<Record<string, EcCurve>> = {
  '1.2.840.10045.3.1.7': 'P-256',
  '1.3.132.0.34': 'P-384',
  '1.3.132.0.35': 'P-521',
}

const utf8Encoder = new TextEncoder()

// Bytes here are never views of a SharedArrayBuffer, which is all WebCrypto's BufferSource type rules out.
const source = (bytes: Uint8Array): Uint8Array<ArrayBuffer> => bytes as Uint8Array<ArrayBuffer>

function subtle(): SubtleCrypto {
  // Checked per use, not at import: importing the core must work where WebCrypto is absent (until a signature is checked).
  const value = (globalThis as { crypto?: { subtle?: SubtleCrypto } }).crypto?.subtle
  if (value === undefined) throw new EntenteError('ERR_PLATFORM', 'WebCrypto (crypto.subtle) is not available here; pages need a secure context (https or localhost)')
  return value
}

/** The key's type, curve and size from its SPKI, read without importing it. */
function describeSpki(spki: Uint8Array): PublicKey {
  const info = AsnConvert.parse(spki, SubjectPublicKeyInfo)
  const oid = info.algorithm.algorithm
  let type: PublicKeyType = 'other'
  let curve: EcCurve | undefined
  let modulusBits: number | undefined
  if (oid === OID_EC_PUBLIC_KEY) {
    type = 'ec'
    const parameters = info.algorithm.parameters
    // namedCurve parameters: an OBJECT IDENTIFIER (tag 6).
    if (parameters !== null && parameters !== undefined) {
      const bytes = new Uint8Array(parameters)
      if (bytes[0] === 0x06) curve = CURVE_OIDS[oidText(bytes.subarray(2, 2 + (bytes[1] ?? 0)))]
    }
  } else if (oid === OID_RSA || oid === OID_RSA_PSS) {
    type = oid === OID_RSA ? 'rsa' : 'rsa-pss'
    const rsa = AsnConvert.parse(info.subjectPublicKey, RSAPublicKey)
    modulusBits = bitLength(new Uint8Array(rsa.modulus))
  } else if (oid === OID_ED25519) {
    type = 'ed25519'
  }
  return { type, curve, modulusBits, spki }
}

function oidText(bytes: Uint8Array): string {
  if (bytes.length === 0) return ''
  const first = bytes[0] ?? 0
  const parts = [Math.min(2, Math.floor(first / 40)), first - Math.min(2, Math.floor(first / 40)) * 40]
  let value = 0
  for (const byte of bytes.subarray(1)) {
    value = value * 128 + (byte & 0x7f)
    if ((byte & 0x80) === 0) {
      parts.push(value)
      value = 0
    }
  }
  return parts.join('.')
}

function bitLength(unsigned: Uint8Array): number {
  let start = 0
  while (start < unsigned.length && unsigned[start] === 0) start++
  if (start === unsigned.length) return 0
  return (unsigned.length - start - 1) * 8 + Math.floor(Math.log2(unsigned[start] ?? 1)) + 1
}

// Imported keys, per key and per WebCrypto algorithm (an RSA key imports once for PSS and once for PKCS#1 v1.5).
const imported = new WeakMap<PublicKey, Map<string, Promise<CryptoKey>>>()

function importParams(scheme: SignatureScheme, key: PublicKey): EcKeyImportParams | RsaHashedImportParams | Algorithm | undefined {
  switch (scheme.name) {
    case 'ECDSA':
      return key.type === 'ec' && key.curve !== undefined ? { name: 'ECDSA', namedCurve: key.curve } : undefined
    case 'RSA-PSS':
    case 'RSASSA-PKCS1-v1_5':
      return key.type === 'rsa' ? { name: scheme.name, hash: scheme.hash } : undefined
    case 'Ed25519':
      return key.type === 'ed25519' ? { name: 'Ed25519' } : undefined
  }
}

function cryptoKeyOf(scheme: SignatureScheme, key: PublicKey): Promise<CryptoKey> | undefined {
  const params = importParams(scheme, key)
  if (params === undefined) return undefined
  let byAlgorithm = imported.get(key)
  if (byAlgorithm === undefined) imported.set(key, (byAlgorithm = new Map<string, Promise<CryptoKey>>()))
  let cryptoKey = byAlgorithm.get(scheme.name)
  if (cryptoKey === undefined) {
    cryptoKey = subtle().importKey('spki', source(key.spki), params, false, ['verify'])
    byAlgorithm.set(scheme.name, cryptoKey)
  }
  return cryptoKey
}

/** ASN.1 DER ECDSA-Sig-Value → the raw r||s WebCrypto takes; undefined when malformed (strict DER, no trailing bytes). */
export function derToP1363(der: Uint8Array, curve: EcCurve): Uint8Array | undefined {
  const size = curve === 'P-256' ? 32 : curve === 'P-384' ? 48 : 66
  let offset = 0
  const readLength = (): number | undefined => {
    const first = der[offset++]
    if (first === undefined) return undefined
    if (first < 0x80) return first
    if (first !== 0x81) return undefined // signatures of these curves never need more than one length byte
    const value = der[offset++]
    return value !== undefined && value >= 0x80 ? value : undefined
  }
  if (der[offset++] !== 0x30) return undefined
  const total = readLength()
  if (total === undefined || offset + total !== der.length) return undefined
  const out = new Uint8Array(size * 2)
  for (let i = 0; i < 2; i++) {
    if (der[offset++] !== 0x02) return undefined
    const length = readLength()
    if (length === undefined || length === 0 || offset + length > der.length) return undefined
    let integer = der.subarray(offset, offset + length)
    offset += length
    // Minimal encoding: no needless leading zero, no negative value.
    if ((integer[0] ?? 0) & 0x80) return undefined
    if (integer.length > 1 && integer[0] === 0 && ((integer[1] ?? 0) & 0x80) === 0) return undefined
    if (integer[0] === 0 && integer.length > 1) integer = integer.subarray(1)
    if (integer.length > size) return undefined
    out.set(integer, size * (i + 1) - integer.length)
  }
  return offset === der.length ? out : undefined
}

// pako's default 64 KiB output chunk, allocated per call, costs more than inflating a 400-byte COSE message.
// Certificates inflate to 1–4x their compressed size, so a chunk of 4x the input usually holds the whole output; a
// larger output is still inflated correctly, in several chunks, each counted against the cap as it is produced.
const MIN_CHUNK = 1024
const MAX_CHUNK = 16 * 1024

/** zlib (RFC 1950: header, DEFLATE, Adler-32 checked by pako) or raw DEFLATE, with a hard output cap. */
function inflateCapped(data: Uint8Array, raw: boolean, maxOutputLength: number): Uint8Array {
  const chunks: Uint8Array[] = []
  let total = 0
  const inflater = new Inflate({ raw, chunkSize: Math.min(MAX_CHUNK, Math.max(MIN_CHUNK, data.length * 4)) })
  inflater.onData = (chunk: Uint8Array) => {
    total += chunk.length
    // Thrown out of push(): inflation stops here, about one chunk past the cap at most.
    if (total > maxOutputLength) throw new EntenteError('ERR_DECODE_TOO_LARGE', `inflated data exceeds ${maxOutputLength} bytes`)
    chunks.push(chunk)
  }
  const what = raw ? 'invalid raw DEFLATE data' : 'invalid zlib data'
  try {
    inflater.push(data, true)
  } catch (error) {
    if (error instanceof EntenteError) throw error
    throw new EntenteError('ERR_DECODE_ZLIB', what, { cause: error })
  }
  // pako reports bad data in err/msg, and a stream that never reached its end by not ending.
  if (inflater.err !== constants.Z_OK) throw new EntenteError('ERR_DECODE_ZLIB', `${what}: ${inflater.msg}`)
  if ((inflater as Inflate & { ended?: boolean }).ended !== true) throw new EntenteError('ERR_DECODE_ZLIB', `${what}: unexpected end`)
  return chunks.length === 1 && chunks[0] !== undefined ? chunks[0] : concatBytes(chunks)
}

export const webCryptoPlatform: CryptoPlatform = {
  name: 'web',

  sha256(data) {
    return nobleSha256(typeof data === 'string' ? utf8Encoder.encode(data) : data)
  },

  inflate(data, options) {
    return inflateCapped(data, options.raw, options.maxOutputLength)
  },

  parseX509(der): X509Fields {
    let cert: Certificate
    let key: PublicKey
    try {
      cert = AsnConvert.parse(der, Certificate)
      key = describeSpki(new Uint8Array(AsnConvert.serialize(cert.tbsCertificate.subjectPublicKeyInfo)))
    } catch (error) {
      throw new EntenteError('ERR_DECODE_SIGNER', 'invalid X.509 certificate', { cause: error })
    }
    const { validity, extensions, subject } = cert.tbsCertificate
    const notBefore = validity.notBefore.getTime()
    const notAfter = validity.notAfter.getTime()
    if (Number.isNaN(notBefore.getTime()) || Number.isNaN(notAfter.getTime())) {
      throw new EntenteError('ERR_DECODE_SIGNER', 'X.509 validity dates are unreadable')
    }
    let extendedKeyUsage: string[] | undefined
    const ekuExtension = extensions?.find((extension) => extension.extnID === id_ce_extKeyUsage)
    if (ekuExtension !== undefined) {
      try {
        const usages = AsnConvert.parse(ekuExtension.extnValue, ExtendedKeyUsage).map(String)
        extendedKeyUsage = usages.length > 0 ? usages : undefined
      } catch (error) {
        throw new EntenteError('ERR_DECODE_SIGNER', 'invalid X.509 extended key usage', { cause: error })
      }
    }
    let subjectCountry: string | undefined
    for (const rdn of subject) {
      for (const attribute of rdn) {
        if (attribute.type !== OID_COUNTRY || subjectCountry !== undefined) continue
        const value = attribute.value.toString()
        if (/^[A-Za-z]{2}$/.test(value)) subjectCountry = value.toUpperCase()
      }
    }
    return { key, notBefore, notAfter, extendedKeyUsage, subjectCountry }
  },

  async publicKeyFromJwk(jwk: PublicJwkInput) {
    const params: EcKeyImportParams | RsaHashedImportParams | Algorithm =
      jwk.kty === 'EC' ? { name: 'ECDSA', namedCurve: jwk.crv } : jwk.kty === 'OKP' ? { name: 'Ed25519' } : { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }
    // Importing validates the key (an EC point off its curve is refused); the SPKI export is its portable identity.
    const cryptoKey = await subtle().importKey('jwk', { ...jwk, ext: true }, params, true, ['verify'])
    return describeSpki(new Uint8Array(await subtle().exportKey('spki', cryptoKey)))
  },

  async verify(scheme, key, data, signature) {
    try {
      const cryptoKey = cryptoKeyOf(scheme, key)
      if (cryptoKey === undefined) return false
      let raw: Uint8Array | undefined = signature
      if (scheme.name === 'ECDSA' && scheme.encoding === 'der') {
        raw = key.curve === undefined ? undefined : derToP1363(signature, key.curve)
        if (raw === undefined) return false
      }
      const params =
        scheme.name === 'ECDSA' ? { name: 'ECDSA', hash: scheme.hash } : scheme.name === 'RSA-PSS' ? { name: 'RSA-PSS', saltLength: scheme.saltLength } : { name: scheme.name }
      return await subtle().verify(params, await cryptoKey, source(raw), source(data))
    } catch {
      return false
    }
  },
}
