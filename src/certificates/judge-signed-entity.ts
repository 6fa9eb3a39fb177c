// Format-neutral checks applied after a certificate's signature has been attributed to a signer:
// signer revocation, the trust list's validity window and usage, recognition, and policy.
// Pure: no I/O; `now` is supplied by the caller.
import { evaluatePolicy } from './policy/evaluate-policy.js'
import type { PreparedTrust } from './prepare-trust.js'
import type { Usage } from './trust-material.types.js'
import type { CertificateFormat, CertificateSummary, CertificateType, Reason } from './verdict.types.js'

/** A certificate reduced to what trust decisions need (after sigstore's "signed entity"). */
export interface SignedEntity {
  format: CertificateFormat
  /** Issuing country, or undefined when the trust does not assert one. */
  country: string | undefined
  kid: string
  type: CertificateType
  summary: CertificateSummary
  signer: { usage: readonly Usage[]; validFrom: Date | undefined; validUntil: Date | undefined }
}

export function judgeSignedEntity(entity: SignedEntity, trust: PreparedTrust, now: Date): Reason[] {
  const reasons: Reason[] = []
  const at = now.getTime()

  // 1: a revoked signer invalidates everything it signed from the revocation time on.
  for (const revoked of trust.revokedSigners.get(entity.kid) ?? []) {
    if ((revoked.country === undefined || revoked.country === entity.country) && at >= revoked.revokedAt.getTime()) {
      reasons.push({
        code: 'ERR_SIGNER_REVOKED',
        message: `signer ${entity.kid} revoked at ${revoked.revokedAt.toISOString()} (${revoked.reason ?? 'unspecified'})`,
      })
      break
    }
  }

  // 2: the trust list's own window for the signer.
  if (entity.signer.validFrom !== undefined && at < entity.signer.validFrom.getTime()) {
    reasons.push({ code: 'ERR_NOT_YET_VALID_SIGNER', message: `signer valid from ${entity.signer.validFrom.toISOString()}` })
  }
  if (entity.signer.validUntil !== undefined && at > entity.signer.validUntil.getTime()) {
    reasons.push({ code: 'ERR_EXPIRED_SIGNER', message: `signer valid until ${entity.signer.validUntil.toISOString()}` })
  }

  // 3: the signer may sign only the certificate types its entry lists.
  if (entity.type !== 'other' && !entity.signer.usage.includes(entity.type)) {
    reasons.push({ code: 'ERR_KEY_USAGE', message: `signer is not allowed to sign ${entity.type} certificates` })
  }

  // 4: recognition: a valid signature from a country the home country does not recognize is never a pass.
  let recognitionEntry
  if (trust.recognition !== undefined) {
    const home = trust.material.home
    if (entity.country === undefined) {
      reasons.push({ code: 'ERR_NOT_RECOGNIZED', message: 'issuing country is unknown' })
    } else if (entity.country !== home) {
      recognitionEntry = trust.recognition.get(entity.country)
      if (recognitionEntry === undefined) {
        reasons.push({ code: 'ERR_NOT_RECOGNIZED', message: `${entity.country} is not recognized` })
      } else if (entity.type === 'other' || !recognitionEntry.scopes.includes(entity.type)) {
        reasons.push({
          code: 'ERR_NOT_RECOGNIZED_SCOPE',
          message: `${entity.country} is not recognized for ${entity.type} certificates`,
        })
      }
    }
  }

  // 5: the home country's vaccines and rules.
  if (trust.material.policy !== undefined) {
    reasons.push(...evaluatePolicy(entity.type, entity.summary, trust.material.policy, recognitionEntry, now))
  }
  return reasons
}
