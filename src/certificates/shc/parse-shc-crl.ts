// Turns a SMART Health Card issuer CRL (method "rid") into revoked-certificate entries, checking its
// format. Pure: no I/O (the caller fetched or read the CRL); throws only EntenteError.
import { EntenteError } from '../../model/errors.js'
import type { RevokedCertificate } from '../trust-material.types.js'
import type { Warning } from '../verdict.types.js'

// SHC spec: a rid is base64url of at most 24 characters; an optional ".<seconds>" revokes only
// cards issued (nbf) before that time.
const RID_ENTRY = /^([A-Za-z0-9_-]{1,24})(?:\.(\d{1,12}))?$/

export interface ParsedShcCrl {
  revocations: RevokedCertificate[]
  warnings: Warning[]
}

/**
 * `crlVersion` is the issuer JWK's `crlVersion`; when given, the CRL's `ctr` must equal it (a stale or
 * newer CRL than the key advertises is a mismatch).
 */
export function parseShcCrl(issuer: string, crl: unknown, crlVersion?: number): ParsedShcCrl {
  const fail = (message: string): never => {
    throw new EntenteError('ERR_DECODE_SHC_CRL', `CRL of ${issuer}: ${message}`)
  }
  if (typeof crl !== 'object' || crl === null || Array.isArray(crl)) return fail('not a JSON object')
  const { kid, method, ctr, rids } = crl as Record<string, unknown>
  if (typeof kid !== 'string' || kid === '') return fail('no kid')
  if (method !== 'rid') return fail(`unsupported method ${String(method)}`)
  if (typeof ctr !== 'number' || !Number.isInteger(ctr) || ctr < 1) return fail('ctr must be a positive integer')
  if (crlVersion !== undefined && ctr !== crlVersion) return fail(`ctr ${ctr} does not match the key's crlVersion ${crlVersion}`)
  if (!Array.isArray(rids)) return fail('rids is not an array')
  const revocations: RevokedCertificate[] = []
  const warnings: Warning[] = []
  const seen = new Set<string>()
  for (const entry of rids) {
    const match = typeof entry === 'string' ? RID_ENTRY.exec(entry) : null
    if (match === null) return fail(`invalid rid entry ${JSON.stringify(entry)}`)
    const rid = match[1] as string
    // Duplicates are tolerated (the widest revocation wins in prepareTrust), but reported.
    if (seen.has(rid)) warnings.push({ code: 'WARN_SCHEMA', message: `CRL of ${issuer}: rid ${rid} listed more than once` })
    seen.add(rid)
    const revokedAt = match[2] === undefined ? undefined : new Date(Number(match[2]) * 1000).toISOString()
    revocations.push({ format: 'shc', issuer, kid, rid, ...(revokedAt !== undefined ? { revokedAt } : {}) })
  }
  return { revocations, warnings }
}
