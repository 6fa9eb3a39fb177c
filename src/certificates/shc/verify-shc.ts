// Verifies a SMART Health Card ("shc:/" QR text or compact JWS) against prepared trust: decode, find the
// key by exact iss and kid (= JWK thumbprint), check the ES256 signature, nbf/exp, the issuer CRL (rid),
// then recognition and policy (revocation is one callback question). Pure: no I/O; `now` is supplied by the
// caller. Throws only EntenteError.
import { latin1Bytes } from '../../model/bytes.js'
import { cryptoPlatform } from '../../platform/crypto-platform.js'
import { SHC_MAX_SINGLE_QR_JWS, defaultLimits } from '../constants.js'
import { isoSeconds } from '../iso-seconds.js'
import { judgeSignedEntity } from '../judge-signed-entity.js'
import { shcKeyId, type PreparedShcSigner, type PreparedTrust } from '../prepare-trust.js'
import type { IsRevoked } from '../revocation-check.js'
import { countSignatureCheck } from '../signature-checks.js'
import type { Reason, Verdict, Warning } from '../verdict.types.js'
import type { VerifyOptions } from '../verify-options.types.js'
import { decodeShcJws, type DecodedShcJws } from './decode-shc-jws.js'
import { SHC_PREFIX, decodeShcQr } from './decode-shc-qr.js'
import { readShcContent } from './shc-content.js'

function findSigner(decoded: DecodedShcJws, trust: PreparedTrust): { signer?: PreparedShcSigner; reason?: Reason } {
  const { iss } = decoded.claims
  const { kid } = decoded.header
  const signer = trust.shcByIssuerKid.get(shcKeyId(iss, kid)) ?? trust.shcByIssuerKid.get(shcKeyId('*', kid))
  if (signer !== undefined) return { signer }
  const problem = trust.rejected.get(kid)
  if (problem !== undefined) return { reason: { code: problem.code, message: `key ${kid} unusable: ${problem.message}` } }
  // Issuer lookup is by exact iss: "http:", a trailing slash or another host is another issuer.
  return {
    reason: {
      code: 'ERR_KEY_UNKNOWN',
      message: trust.shcIssuers.has(iss) ? `issuer ${iss} has no key ${kid}` : `unknown issuer ${iss}`,
    },
  }
}

const ES256 = { name: 'ECDSA', hash: 'SHA-256', encoding: 'ieee-p1363' } as const

async function verifyEs256(decoded: DecodedShcJws, signer: PreparedShcSigner): Promise<Reason | undefined> {
  // JWS ES256 signatures are raw r||s (RFC 7518 §3.4); DER-encoded ones are rejected.
  if (decoded.signature.length !== 64) return { code: 'ERR_SIGNATURE', message: 'ES256 signature must be 64 bytes (raw r||s)' }
  countSignatureCheck()
  // The signing input is ASCII (base64url and a dot), so latin1 gives its bytes.
  const ok = await cryptoPlatform().verify(ES256, signer.key, latin1Bytes(decoded.signingInput), decoded.signature)
  return ok ? undefined : { code: 'ERR_SIGNATURE', message: 'JWS signature does not verify' }
}

export async function verifyShc(payload: string, trust: PreparedTrust, options: VerifyOptions, isRevoked: IsRevoked): Promise<Verdict> {
  const limits = options.limits ?? defaultLimits
  const now = options.now.getTime()
  const skew = (options.clockSkewSeconds ?? 0) * 1000
  const warnings: Warning[] = []
  let jws = payload
  if (payload.startsWith(SHC_PREFIX)) {
    const qr = decodeShcQr(payload, limits)
    jws = qr.jws
    if (qr.chunks === 1 && jws.length > SHC_MAX_SINGLE_QR_JWS) {
      warnings.push({ code: 'WARN_SHC_JWS_TOO_LONG', message: `JWS of ${jws.length} characters exceeds one QR code (${SHC_MAX_SINGLE_QR_JWS})` })
    }
    if (qr.chunks > 1 && jws.length <= SHC_MAX_SINGLE_QR_JWS) {
      warnings.push({ code: 'WARN_SHC_CHUNKS', message: `JWS of ${jws.length} characters fits one QR code but came in ${qr.chunks}` })
    }
  }
  const decoded = decodeShcJws(jws, limits)
  const { claims, header } = decoded
  const content = readShcContent(claims.vc)
  const reasons: Reason[] = []

  // 1: key by exact iss and kid, and the signature.
  const { signer, reason } = findSigner(decoded, trust)
  if (reason !== undefined) reasons.push(reason)
  const signatureReason = signer === undefined ? undefined : await verifyEs256(decoded, signer)
  if (signatureReason !== undefined) reasons.push(signatureReason)

  // 2: nbf <= now <= exp.
  if (now + skew < claims.nbf * 1000) reasons.push({ code: 'ERR_NOT_YET_VALID', message: `card valid from ${isoSeconds(claims.nbf) ?? ''}` })
  if (claims.exp !== undefined && now > claims.exp * 1000) reasons.push({ code: 'ERR_EXPIRED', message: `card expired at ${isoSeconds(claims.exp) ?? ''}` })

  let country: string | undefined
  if (signer !== undefined && signatureReason === undefined) {
    country = signer.country === '*' ? undefined : signer.country
    if (signer.entry.issuer === '*') {
      warnings.push({ code: 'WARN_SHC_ISSUER_UNBOUND', message: `key ${header.kid} is trusted for any issuer; ${claims.iss} was not checked` })
    }
    // 3: issuer CRL (method rid): "rid.t" revokes cards with nbf before t; a bare rid revokes all. Asked once, now
    // that the signature and country are known.
    const rid = typeof claims.vc.rid === 'string' ? claims.vc.rid : undefined
    const hit = rid === undefined ? undefined : isRevoked({ format: 'shc', country, issuer: claims.iss, kid: header.kid, rid, iat: new Date(claims.nbf * 1000) })
    if (hit !== undefined) {
      const at = hit.format === 'shc' ? hit.revokedAt : null
      reasons.push({ code: 'ERR_CERT_REVOKED', message: `card rid ${rid ?? ''} is revoked${at === null ? '' : ` (issued before ${at.toISOString()})`}` })
    }
    // 4: signer revocation, trust-list window and usage, recognition, policy.
    reasons.push(
      ...judgeSignedEntity(
        {
          format: 'shc',
          country,
          kid: header.kid,
          type: content.type,
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
    format: 'shc',
    ...(country !== undefined ? { issuer: country } : {}),
    issuerUrl: claims.iss,
    kid: header.kid,
    type: content.type,
    issuedAt: isoSeconds(claims.nbf),
    ...(claims.exp !== undefined ? { expiresAt: isoSeconds(claims.exp) } : {}),
    summary: content.summary,
    reasons,
    warnings,
  }
  if (options.showHolder === true && content.holder !== undefined) verdict.holder = content.holder
  return verdict
}
