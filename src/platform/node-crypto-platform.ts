// The Node implementation of the crypto platform: node:crypto and node:zlib, synchronous and native (the fastest
// path, which the CLI, the node and the Node library use).
import { X509Certificate, constants, createPublicKey, hash, verify as cryptoVerify, type KeyObject } from 'node:crypto'
import { inflateRawSync, inflateSync } from 'node:zlib'
import { EntenteError } from '../model/errors.js'
import type { CryptoPlatform, EcCurve, PublicJwkInput, PublicKey, PublicKeyType, SignatureScheme, X509Fields } from './crypto-platform.types.js'

const CURVES: Readonly<Record<string, EcCurve>> = { prime256v1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521' }

// The KeyObject behind each key this platform made: kept aside so the key stays a plain, portable value.
const keyObjects = new WeakMap<PublicKey, KeyObject>()

function publicKeyOf(keyObject: KeyObject): PublicKey {
  const type = keyObject.asymmetricKeyType
  const details = keyObject.asymmetricKeyDetails
  const key: PublicKey = {
    type: type === 'ec' || type === 'rsa' || type === 'rsa-pss' || type === 'ed25519' ? (type satisfies PublicKeyType) : 'other',
    curve: type === 'ec' ? CURVES[details?.namedCurve ?? ''] : undefined,
    modulusBits: type === 'rsa' || type === 'rsa-pss' ? details?.modulusLength : undefined,
    spki: keyObject.export({ type: 'spki', format: 'der' }),
  }
  keyObjects.set(key, keyObject)
  return key
}

function keyObjectOf(key: PublicKey): KeyObject {
  let keyObject = keyObjects.get(key)
  if (keyObject === undefined) {
    // A key made by another platform: its SPKI is enough.
    keyObject = createPublicKey({ key: Buffer.from(key.spki), format: 'der', type: 'spki' })
    keyObjects.set(key, keyObject)
  }
  return keyObject
}

const NODE_HASH = { 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' } as const

function verifyWith(scheme: SignatureScheme, key: KeyObject, data: Uint8Array, signature: Uint8Array): boolean {
  switch (scheme.name) {
    case 'ECDSA':
      return cryptoVerify(NODE_HASH[scheme.hash], data, { key, dsaEncoding: scheme.encoding }, signature)
    case 'RSA-PSS':
      return cryptoVerify(NODE_HASH[scheme.hash], data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: scheme.saltLength }, signature)
    case 'RSASSA-PKCS1-v1_5':
      return cryptoVerify(NODE_HASH[scheme.hash], data, { key, padding: constants.RSA_PKCS1_PADDING }, signature)
    case 'Ed25519':
      return cryptoVerify(null, data, key, signature)
  }
}

// zlib's default output chunk is 16 KiB, allocated on every call even for a 400-byte COSE message, and the decoded
// views keep it alive. Certificates inflate to 1–4x their compressed size, so a chunk of 4x the input usually holds
// the whole output; a larger output is still inflated correctly, in several chunks.
const MIN_CHUNK = 1024
const MAX_CHUNK = 16 * 1024

export const nodeCryptoPlatform: CryptoPlatform = {
  name: 'node',

  sha256(data) {
    // One-shot: no Hash object per digest, which dominated hashing thousands of small inputs (DSCs).
    return hash('sha256', data, 'buffer')
  },

  inflate(data, options) {
    const chunkSize = Math.min(MAX_CHUNK, Math.max(MIN_CHUNK, data.length * 4))
    try {
      const inflate = options.raw ? inflateRawSync : inflateSync
      return inflate(data, { maxOutputLength: options.maxOutputLength, chunkSize })
    } catch (error) {
      // zlib reports the cap as a RangeError with code ERR_BUFFER_TOO_LARGE.
      if ((error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') {
        throw new EntenteError('ERR_DECODE_TOO_LARGE', `inflated data exceeds ${options.maxOutputLength} bytes`, { cause: error })
      }
      throw new EntenteError('ERR_DECODE_ZLIB', options.raw ? 'invalid raw DEFLATE data' : 'invalid zlib data', { cause: error })
    }
  },

  parseX509(der): X509Fields {
    let cert: X509Certificate
    let key: PublicKey
    try {
      cert = new X509Certificate(der)
      key = publicKeyOf(cert.publicKey)
    } catch (error) {
      throw new EntenteError('ERR_DECODE_SIGNER', 'invalid X.509 certificate', { cause: error })
    }
    const notBefore = new Date(cert.validFrom)
    const notAfter = new Date(cert.validTo)
    if (Number.isNaN(notBefore.getTime()) || Number.isNaN(notAfter.getTime())) {
      throw new EntenteError('ERR_DECODE_SIGNER', 'X.509 validity dates are unreadable')
    }
    // node names the extended key usage OIDs `keyUsage`.
    const eku = cert.keyUsage as string[] | undefined
    return {
      key,
      notBefore,
      notAfter,
      extendedKeyUsage: eku !== undefined && eku.length > 0 ? eku : undefined,
      subjectCountry: /(?:^|\n)C=([A-Za-z]{2})(?:\n|$)/.exec(cert.subject)?.[1]?.toUpperCase(),
    }
  },

  publicKeyFromJwk(jwk: PublicJwkInput) {
    return Promise.resolve(publicKeyOf(createPublicKey({ key: { ...jwk }, format: 'jwk' })))
  },

  verify(scheme, key, data, signature) {
    try {
      return verifyWith(scheme, keyObjectOf(key), data, signature)
    } catch {
      // Malformed DER signatures, keys of the wrong type and the like: not a valid signature.
      return false
    }
  },
}
