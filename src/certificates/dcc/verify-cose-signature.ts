// Verifies a COSE_Sign1 signature with a DSC key: ES256/ES384/ES512 (raw r||s) and PS256.
// Pure: no I/O (node:crypto); returns a reason instead of throwing.
import { constants, verify as cryptoVerify } from 'node:crypto'
import { countSignatureCheck } from '../signature-checks.js'
import type { Reason } from '../verdict.types.js'
import type { DscInfo } from './parse-dsc.js'
import { sigStructure, type CoseSign1 } from './cose-sign1.js'

interface AlgSpec {
  name: string
  hash: string
  keyType: 'ec' | 'rsa'
  curve?: string
  signatureLength?: number
}

// COSE algorithm registry values.
const ALGS = new Map<number, AlgSpec>([
  [-7, { name: 'ES256', hash: 'sha256', keyType: 'ec', curve: 'prime256v1', signatureLength: 64 }],
  [-35, { name: 'ES384', hash: 'sha384', keyType: 'ec', curve: 'secp384r1', signatureLength: 96 }],
  [-36, { name: 'ES512', hash: 'sha512', keyType: 'ec', curve: 'secp521r1', signatureLength: 132 }],
  [-37, { name: 'PS256', hash: 'sha256', keyType: 'rsa' }],
])

/** undefined when the signature verifies; otherwise the reason. */
export function verifyCoseSignature(
  cose: CoseSign1,
  dsc: Pick<DscInfo, 'key' | 'keyType' | 'namedCurve'>,
  toBeSigned: Buffer = sigStructure(cose),
): Reason | undefined {
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
  let ok: boolean
  countSignatureCheck()
  try {
    ok =
      alg.keyType === 'ec'
        ? cryptoVerify(alg.hash, toBeSigned, { key: dsc.key, dsaEncoding: 'ieee-p1363' }, cose.signature)
        : cryptoVerify(
            alg.hash,
            toBeSigned,
            { key: dsc.key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 },
            cose.signature,
          )
  } catch {
    ok = false
  }
  return ok ? undefined : { code: 'ERR_SIGNATURE', message: 'COSE signature does not verify' }
}
