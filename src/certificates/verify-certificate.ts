// Entry point: the text of a scanned QR code (or an SHC compact JWS) → one verdict, never an exception; one
// signature check for a known kid, a bounded few for an unknown one, and one revocation question.
// Pure: no I/O; `now` is supplied by the caller.
import { isEntenteError } from '../model/errors.js'
import type { CertificateErrorCode } from './error-codes.js'
import { HC1_PREFIX } from './dcc/decode-hc1.js'
import { verifyDcc } from './dcc/verify-dcc.js'
import type { PreparedTrust } from './prepare-trust.js'
import { askLookup, setLookup, type IsRevoked, type RevocationCheck } from './revocation-check.js'
import { SHC_PREFIX } from './shc/decode-shc-qr.js'
import { verifyShc } from './shc/verify-shc.js'
import type { CertificateFormat, Verdict } from './verdict.types.js'
import type { VerifyOptions } from './verify-options.types.js'

export function detectFormat(payload: string): CertificateFormat | undefined {
  if (payload.startsWith(HC1_PREFIX)) return 'dcc'
  // "eyJ" is base64url of '{"': a bare compact JWS as found in .smart-health-card files.
  if (payload.startsWith(SHC_PREFIX) || payload.startsWith('eyJ')) return 'shc'
  return undefined
}

function failed(format: Verdict['format'], code: CertificateErrorCode, message: string): Verdict {
  return { valid: false, format, reasons: [{ code, message }], warnings: [] }
}

const notRevoked: IsRevoked = () => undefined

/** The trust material's own revocations; none asked (nor hashed) when it has none. */
function ownRevocations(trust: PreparedTrust): IsRevoked {
  if (trust.revokedDccHashes.size === 0 && trust.revokedShcRids.size === 0) return notRevoked
  return (check: RevocationCheck) => askLookup(setLookup(trust), check)
}

export async function verifyCertificate(payload: string, trust: PreparedTrust, options: VerifyOptions): Promise<Verdict> {
  if (typeof payload !== 'string') return failed('unknown', 'ERR_DECODE_PREFIX', 'payload is not text')
  if (!(options.now instanceof Date) || Number.isNaN(options.now.getTime())) {
    return failed('unknown', 'ERR_DECODE_PREFIX', 'verification time is not a valid date')
  }
  const format = detectFormat(payload)
  if (format === undefined) return failed('unknown', 'ERR_DECODE_PREFIX', 'payload starts with neither "HC1:" nor "shc:/"')
  try {
    const isRevoked = options.isRevoked ?? ownRevocations(trust)
    return await (format === 'dcc' ? verifyDcc(payload, trust, options, isRevoked) : verifyShc(payload, trust, options, isRevoked))
  } catch (error) {
    if (isEntenteError(error)) return failed(format, error.code as CertificateErrorCode, error.message)
    // Decoders throw only EntenteError (the fuzz test holds them to it); anything else is a bug, still no pass.
    return failed(format, 'ERR_DECODE_UNEXPECTED', `unexpected error: ${error instanceof Error ? error.message : String(error)}`)
  }
}
