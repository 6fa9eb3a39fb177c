// Verifies an EU DCC ("HC1:") against prepared trust and returns a verdict: decode, find the signer by
// kid, check the signature (once per distinct key), the DSC, the CWT validity, revocation (one callback question),
// recognition and policy, in that order.
// Pure: no I/O; `now` is supplied by the caller. Throws only EntenteError (decode failures).
import { toBase64 } from '../../model/encoding.js'
import { defaultLimits } from '../constants.js'
import { isoSeconds } from '../iso-seconds.js'
import { judgeSignedEntity } from '../judge-signed-entity.js'
import type { PreparedDccSigner, PreparedTrust, TrustProblem } from '../prepare-trust.js'
import type { IsRevoked } from '../revocation-check.js'
import type { Reason, Verdict, Warning } from '../verdict.types.js'
import type { VerifyOptions } from '../verify-options.types.js'
import { sigStructure, type CoseSign1 } from './cose-sign1.js'
import { readDccContent } from './dcc-content.js'
import { dscAllowsType } from './dcc-key-usage.js'
import { dccRevocationHashes } from './dcc-revocation.js'
import { decodeHc1 } from './decode-hc1.js'
import type { DscInfo } from './parse-dsc.js'
import { verifyCoseSignature } from './verify-cose-signature.js'

/**
 * Diagnosing an unknown kid ("is it another signer's key with a wrong kid?") costs a DSC parse and a signature check
 * per candidate, and a QR code with a random kid is free to make: the diagnosis tries at most this many signers of
 * the claimed country and says so when it stopped short.
 */
export const MAX_KID_DIAGNOSIS_CHECKS = 2

interface Found {
  signer?: PreparedDccSigner
  dsc?: DscInfo
  reason?: Reason
}

function triedBefore(candidates: readonly PreparedDccSigner[], end: number, dsc: DscInfo): boolean {
  for (let j = 0; j < end; j++) {
    const earlier = (candidates[j] as PreparedDccSigner).parsed()
    if (earlier.ok && earlier.dsc === dsc) return true
  }
  return false
}

async function findSigner(cose: CoseSign1, kid: string | undefined, cwtIss: string | undefined, trust: PreparedTrust): Promise<Found> {
  const toBeSigned = sigStructure(cose)
  let failure: Reason | undefined
  let unusable: TrustProblem | undefined
  const candidates = kid === undefined ? [] : (trust.dccByKid.get(kid) ?? [])
  // hcert §3.3.1: several DSCs may share a kid; try each. Entries of one DER share its parsed DSC: tried once.
  for (let i = 0; i < candidates.length; i++) {
    const candidate = candidates[i] as PreparedDccSigner
    const parsed = candidate.parsed()
    if (!parsed.ok) {
      unusable ??= parsed.problem
      continue
    }
    const dsc = parsed.dsc
    if (i > 0 && triedBefore(candidates, i, dsc)) continue
    const reason = await verifyCoseSignature(cose, dsc, toBeSigned)
    if (reason === undefined) return { signer: candidate, dsc }
    failure ??= reason
  }
  if (failure !== undefined) return { reason: failure }
  const problem = unusable ?? (kid === undefined ? undefined : trust.rejected.get(kid))
  if (problem !== undefined) return { reason: { code: problem.code, message: `signer ${kid ?? ''} unusable: ${problem.message}` } }
  return { reason: await diagnoseUnknownKid(cose, kid, cwtIss, trust, toBeSigned) }
}

/** Not found by kid: if another signer of the claimed country verifies it, the kid is wrong, not the key unknown. */
async function diagnoseUnknownKid(cose: CoseSign1, kid: string | undefined, cwtIss: string | undefined, trust: PreparedTrust, toBeSigned: Uint8Array): Promise<Reason> {
  const pools = [cwtIss === undefined || cwtIss === '*' ? [] : (trust.dccByCountry.get(cwtIss) ?? []), trust.dccByCountry.get('*') ?? []]
  const total = pools[0]!.length + pools[1]!.length
  let tried = 0
  for (const pool of pools) {
    for (const candidate of pool) {
      if (tried >= MAX_KID_DIAGNOSIS_CHECKS) break
      tried++
      const parsed = candidate.parsed()
      if (parsed.ok && (await verifyCoseSignature(cose, parsed.dsc, toBeSigned)) === undefined) {
        return {
          code: 'ERR_KID_MISMATCH',
          message: `kid ${kid ?? '(none)'} does not match signer ${candidate.entry.kid}, whose key verifies the signature`,
        }
      }
    }
  }
  const unknown = kid === undefined ? 'COSE header has no kid' : `no signer with kid ${kid}`
  const limited = tried < total ? ` (kid-mismatch diagnosis limited to ${tried} of ${total} signers${cwtIss === undefined ? ' of no asserted country' : ` of ${cwtIss}`})` : ''
  return { code: 'ERR_KEY_UNKNOWN', message: unknown + limited }
}

export async function verifyDcc(payload: string, trust: PreparedTrust, options: VerifyOptions, isRevoked: IsRevoked): Promise<Verdict> {
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
  const { signer, dsc, reason } = await findSigner(cose, kid, claims.iss, trust)
  if (reason !== undefined) reasons.push(reason)

  // 2: the CWT's own validity (iat <= now <= exp).
  if (claims.exp === undefined) reasons.push({ code: 'ERR_DECODE_CWT', message: 'CWT has no exp' })
  else if (now > claims.exp * 1000) reasons.push({ code: 'ERR_EXPIRED', message: `certificate expired at ${isoSeconds(claims.exp) ?? claims.exp}` })
  if (claims.iat !== undefined && now + skew < claims.iat * 1000) {
    reasons.push({ code: 'ERR_NOT_YET_VALID', message: `certificate issued in the future (${isoSeconds(claims.iat) ?? claims.iat})` })
  }

  let country: string | undefined
  if (signer !== undefined && dsc !== undefined) {
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
    // 4: certificate revocation (EU DCC revocation lists), asked once, now that the signature and country are known.
    const hashes = dccRevocationHashes({ uci: content.uci, country: claims.iss ?? country, signature: cose.signature, alg: cose.alg })
    const hit = isRevoked({ format: 'dcc', country, kid: signer.entry.kid, hashes })
    if (hit !== undefined) {
      reasons.push({ code: 'ERR_CERT_REVOKED', message: `certificate revoked (${hit.format === 'dcc' ? hit.hashType : 'its'} hash listed)` })
    }
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
