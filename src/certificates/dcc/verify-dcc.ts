// Verifies an EU DCC ("HC1:") against prepared trust and returns a verdict: decode, find the signer by
// kid, check the signature, the DSC, the CWT validity, revocation, recognition and policy, in that order.
// Pure: no I/O; `now` is supplied by the caller. Throws only EntenteError (decode failures).
import { toBase64 } from '../../model/encoding.js'
import { defaultLimits } from '../constants.js'
import { isoSeconds } from '../iso-seconds.js'
import { judgeSignedEntity } from '../judge-signed-entity.js'
import type { PreparedDccSigner, PreparedTrust } from '../prepare-trust.js'
import type { Reason, Verdict, Warning } from '../verdict.types.js'
import type { VerifyOptions } from '../verify-options.types.js'
import { sigStructure, type CoseSign1 } from './cose-sign1.js'
import { readDccContent } from './dcc-content.js'
import { dscAllowsType } from './dcc-key-usage.js'
import { dccRevocation } from './dcc-revocation.js'
import { decodeHc1 } from './decode-hc1.js'
import { verifyCoseSignature } from './verify-cose-signature.js'

// Diagnosing a wrong kid costs one signature check per candidate; bound it.
const MAX_KID_DIAGNOSIS_CANDIDATES = 64

function findSigner(
  cose: CoseSign1,
  kid: string | undefined,
  cwtIss: string | undefined,
  trust: PreparedTrust,
): { signer?: PreparedDccSigner; reason?: Reason } {
  const toBeSigned = sigStructure(cose)
  let failure: Reason | undefined
  // hcert §3.3.1: several DSCs may share a kid; try each.
  for (const candidate of kid === undefined ? [] : (trust.dccByKid.get(kid) ?? [])) {
    const reason = verifyCoseSignature(cose, candidate.dsc, toBeSigned)
    if (reason === undefined) return { signer: candidate }
    failure ??= reason
  }
  if (failure !== undefined) return { reason: failure }
  const problem = kid === undefined ? undefined : trust.rejected.get(kid)
  if (problem !== undefined) return { reason: { code: problem.code, message: `signer ${kid ?? ''} unusable: ${problem.message}` } }
  // Not found by kid: if another signer of the claimed country verifies it, the kid is wrong, not the key unknown.
  let tried = 0
  for (const signers of trust.dccByKid.values()) {
    for (const candidate of signers) {
      if (candidate.country !== cwtIss && candidate.country !== '*') continue
      if (++tried > MAX_KID_DIAGNOSIS_CANDIDATES) break
      if (verifyCoseSignature(cose, candidate.dsc, toBeSigned) === undefined) {
        return {
          reason: {
            code: 'ERR_KID_MISMATCH',
            message: `kid ${kid ?? '(none)'} does not match signer ${candidate.entry.kid}, whose key verifies the signature`,
          },
        }
      }
    }
  }
  return {
    reason: { code: 'ERR_KEY_UNKNOWN', message: kid === undefined ? 'COSE header has no kid' : `no signer with kid ${kid}` },
  }
}

export function verifyDcc(payload: string, trust: PreparedTrust, options: VerifyOptions): Verdict {
  const now = options.now.getTime()
  const skew = (options.clockSkewSeconds ?? 0) * 1000
  const { cose, claims } = decodeHc1(payload, options.limits ?? defaultLimits)
  const content = readDccContent(claims.hcert)
  const reasons: Reason[] = []
  // Without a schema from the caller the payload's shape is judged by the content checks alone.
  const warnings: Warning[] = trust.dccSchema?.(claims.hcert) ?? []
  const kid = cose.kid === undefined ? undefined : toBase64(cose.kid)

  if (content.type === undefined) {
    reasons.push({
      code: 'ERR_DECODE_HCERT',
      message: content.groups === 0 ? 'DCC holds no v, t or r entry' : 'DCC holds more than one of v, t and r',
    })
  } else if (content.entries > 1) {
    warnings.push({ code: 'WARN_MULTIPLE_ENTRIES', message: `DCC holds ${content.entries} entries; the first is used` })
  }
  const type = content.type ?? 'other'

  // 1: signer by kid, and the signature.
  const { signer, reason } = findSigner(cose, kid, claims.iss, trust)
  if (reason !== undefined) reasons.push(reason)

  // 2: the CWT's own validity (iat <= now <= exp).
  if (claims.exp === undefined) reasons.push({ code: 'ERR_DECODE_CWT', message: 'CWT has no exp' })
  else if (now > claims.exp * 1000) reasons.push({ code: 'ERR_EXPIRED', message: `certificate expired at ${isoSeconds(claims.exp) ?? claims.exp}` })
  if (claims.iat !== undefined && now + skew < claims.iat * 1000) {
    reasons.push({ code: 'ERR_NOT_YET_VALID', message: `certificate issued in the future (${isoSeconds(claims.iat) ?? claims.iat})` })
  }

  let country: string | undefined
  if (signer !== undefined) {
    const dsc = signer.dsc
    country = signer.country !== '*' ? signer.country : (dsc.country ?? claims.iss)
    if (claims.iss !== undefined && country !== undefined && claims.iss !== country) {
      warnings.push({ code: 'WARN_ISSUER_MISMATCH', message: `CWT iss ${claims.iss} differs from the signer's country ${country}` })
    }
    // 3: the DSC's own validity and extended key usage.
    if (now < dsc.notBefore.getTime()) {
      reasons.push({ code: 'ERR_NOT_YET_VALID_SIGNER', message: `DSC valid from ${dsc.notBefore.toISOString()}` })
    }
    if (now > dsc.notAfter.getTime()) {
      reasons.push({ code: 'ERR_EXPIRED_SIGNER', message: `DSC expired at ${dsc.notAfter.toISOString()}` })
    }
    if (!dscAllowsType(dsc.extendedKeyUsage, type)) {
      reasons.push({ code: 'ERR_KEY_USAGE', message: `DSC extended key usage does not allow ${type} certificates` })
    }
    // 4: certificate revocation (EU DCC revocation lists).
    const revokedBy = dccRevocation(trust, { uci: content.uci, country: claims.iss ?? country, signature: cose.signature, alg: cose.alg })
    if (revokedBy !== undefined) reasons.push({ code: 'ERR_CERT_REVOKED', message: `certificate revoked (${revokedBy} hash listed)` })
    // 5: signer revocation, trust-list window and usage, recognition, policy.
    reasons.push(
      ...judgeSignedEntity(
        {
          format: 'dcc',
          country,
          kid: signer.entry.kid,
          type,
          summary: content.summary,
          signer: { usage: signer.entry.usage, validFrom: signer.validFrom, validUntil: signer.validUntil },
        },
        trust,
        options.now,
      ),
    )
  }

  const verdict: Verdict = {
    valid: reasons.length === 0,
    format: 'dcc',
    ...(country !== undefined || claims.iss !== undefined ? { issuer: country ?? claims.iss } : {}),
    ...(kid !== undefined ? { kid } : {}),
    type,
    ...(claims.iat !== undefined ? { issuedAt: isoSeconds(claims.iat) } : {}),
    ...(claims.exp !== undefined ? { expiresAt: isoSeconds(claims.exp) } : {}),
    summary: content.summary,
    reasons,
    warnings,
  }
  if (options.showHolder === true && content.holder !== undefined) verdict.holder = content.holder
  return verdict
}
