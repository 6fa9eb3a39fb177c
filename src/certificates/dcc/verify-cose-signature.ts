// Verifies a COSE_Sign1 signature with a DSC key: ES256/ES384/ES512 (raw r||s) and PS256.
// Pure: no I/O (signature checks through the crypto platform); returns a reason instead of throwing.
import { cryptoPlatform } from '../../platform/crypto-platform.js'
import type { EcCurve, SignatureScheme } from '../../platform/crypto-platform.types.js'
import { countSignatureCheck } from '../signature-checks.js'
import type { Reason } from '../verdict.types.js'
import type { DscInfo } from './parse-dsc.js'
import { sigStructure, type CoseSign1 } from './cose-sign1.js'

interface AlgSpec {
  name: string
  scheme: SignatureScheme
  keyType: 'ec' | 'rsa'
  curve?: EcCurve
  signatureLength?: number
}

// COSE algorithm registry values. PS256 uses a salt as long as the hash (RFC 8230 §2).
const ALGS = new Map<number, AlgSpec>([
  [-7, { name: 'ES256', scheme: { name: 'ECDSA', hash: 'SHA-256', encoding: 'ieee-p1363' }, keyType: 'ec', curve: 'P-256', signatureLength: 64 }],
  [-35, { name: 'ES384', scheme: { name: 'ECDSA', hash: 'SHA-384', encoding: 'ieee-p1363' }, keyType: 'ec', curve: 'P-384', signatureLength: 96 }],
  [-36, { name: 'ES512', scheme: { name: 'ECDSA', hash: 'SHA-512', encoding: 'ieee-p1363' }, keyType: 'ec', curve: 'P-521', signatureLength: 132 }],
  [-37, { name: 'PS256', scheme: { name: 'RSA-PSS', hash: 'SHA-256', saltLength: 32 }, keyType: 'rsa' }],
])

/** undefined when the signature verifies; otherwise the reason. */
export async function verifyCoseSignature(
  cose: CoseSign1,
  dsc: Pick<DscInfo, 'key' | 'keyType' | 'namedCurve'>,
  toBeSigned: Uint8Array = sigStructure(cose),
): Promise<Reason | undefined> {
  const alg = cose.alg === undefined ? undefined : ALGS.get(cose.alg)
  if (alg === undefined) {
    return { code: 'ERR_SIGNATURE_ALG_UNSUPPORTED', message: `unsupported COSE alg ${String(cose.alg)}` }
  }
  // The header's alg must fit the key: no curve or hash substitution (ES/401–403 sign P-384 under ES256).
  if (dsc.keyType !== alg.keyType || (alg.curve !== undefined && dsc.namedCurve !== alg.curve)) {
    return {
      code: 'ERR_SIGNATURE_ALG_MISMATCH',
      message: `${alg.name} does not match the signer's ${dsc.keyType} ${dsc.namedCurve ?? ''} key`.trimEnd(),
    }
  }
  if (alg.signatureLength !== undefined && cose.signature.length !== alg.signatureLength) {
    return { code: 'ERR_SIGNATURE', message: `${alg.name} signature must be ${alg.signatureLength} bytes (raw r||s)` }
  }
  countSignatureCheck()
  const ok = await cryptoPlatform().verify(alg.scheme, dsc.key, toBeSigned, cose.signature)
  return ok ? undefined : { code: 'ERR_SIGNATURE', message: 'COSE signature does not verify' }
}
