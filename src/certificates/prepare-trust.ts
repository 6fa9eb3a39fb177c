// Indexes trust material for fast verification: parses every DSC and JWK once (KeyObjects cached per
// signer), checks each entry's kid, and records unusable entries as problems instead of failing.
// Pure: no I/O; `now` is not needed here (windows are checked at verification time).
import { compileDccSchema, type DccSchemaValidator } from './dcc/validate-dcc-schema.js'
import { createPublicKey, type KeyObject } from 'node:crypto'
import { calculateJwkThumbprint } from 'jose'
import { isEntenteError } from '../model/errors.js'
import { fromBase64 } from '../model/encoding.js'
import type { CertificateErrorCode } from './error-codes.js'
import { parseDsc, type DscInfo } from './dcc/parse-dsc.js'
import type {
  DccSigner,
  PublicJwk,
  Recognition,
  RevokedSigner,
  ShcSigner,
  TrustMaterial,
} from './trust-material.types.js'

export interface PreparedDccSigner {
  country: string
  entry: DccSigner
  dsc: DscInfo
  validFrom: Date | undefined
  validUntil: Date | undefined
}

export interface PreparedShcSigner {
  country: string
  entry: ShcSigner
  key: KeyObject
  validFrom: Date | undefined
  validUntil: Date | undefined
}

export interface TrustProblem {
  format: 'dcc' | 'shc'
  country: string
  kid: string
  code: CertificateErrorCode
  message: string
}

export interface PreparedRevokedSigner {
  revokedAt: Date
  reason: RevokedSigner['reason']
  country: string | undefined
}

export interface PreparedTrust {
  readonly material: TrustMaterial
  readonly dccSchema?: DccSchemaValidator
  readonly dccByKid: ReadonlyMap<string, readonly PreparedDccSigner[]>
  /** `${issuer}\n${kid}` → signer; issuer '*' for keys bound to no issuer. */
  readonly shcByIssuerKid: ReadonlyMap<string, PreparedShcSigner>
  readonly shcIssuers: ReadonlySet<string>
  /** Entries that could not be used, by kid, so a verdict can say why instead of "unknown key". */
  readonly rejected: ReadonlyMap<string, TrustProblem>
  readonly problems: readonly TrustProblem[]
  readonly revokedSigners: ReadonlyMap<string, readonly PreparedRevokedSigner[]>
  /** hashType → base64 of the (16- or 32-byte) hash. */
  readonly revokedDccHashes: ReadonlyMap<string, ReadonlySet<string>>
  /** `${issuer}\n${kid}\n${rid}` → revokedAt (undefined: every card with that rid). */
  readonly revokedShcRids: ReadonlyMap<string, Date | undefined>
  readonly recognition: ReadonlyMap<string, Recognition> | undefined
}

function optionalDate(value: string | undefined, name: string): Date | undefined {
  if (value === undefined) return undefined
  const date = new Date(value)
  if (Number.isNaN(date.getTime())) throw new Error(`${name} is not a valid date`)
  return date
}

export function shcKeyId(issuer: string, kid: string): string {
  return `${issuer}\n${kid}`
}

/** Checks an SHC issuer JWK (EC P-256, use sig, alg ES256, public only) and returns its thumbprint. */
export async function checkShcJwk(jwk: PublicJwk): Promise<{ thumbprint: string; key: KeyObject }> {
  if (jwk.kty !== 'EC') throw new TrustEntryError('ERR_SIGNATURE_ALG_UNSUPPORTED', `JWK kty must be EC, not ${String(jwk.kty)}`)
  if (jwk.crv !== 'P-256') throw new TrustEntryError('ERR_SIGNATURE_ALG_UNSUPPORTED', `JWK crv must be P-256, not ${String(jwk.crv)}`)
  if (jwk.alg !== 'ES256') throw new TrustEntryError('ERR_SIGNATURE_ALG_UNSUPPORTED', `JWK alg must be ES256, not ${String(jwk.alg)}`)
  if (jwk.use !== 'sig') throw new TrustEntryError('ERR_KEY_USAGE', `JWK use must be sig, not ${String(jwk.use)}`)
  if (jwk.d !== undefined) throw new TrustEntryError('ERR_DECODE_SIGNER', 'JWK holds a private key')
  if (typeof jwk.x !== 'string' || typeof jwk.y !== 'string') throw new TrustEntryError('ERR_DECODE_SIGNER', 'JWK lacks x or y')
  let key: KeyObject
  try {
    key = createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y }, format: 'jwk' })
  } catch (error) {
    throw new TrustEntryError('ERR_DECODE_SIGNER', `JWK is not a valid P-256 public key: ${(error as Error).message}`)
  }
  const thumbprint = await calculateJwkThumbprint({ kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y }, 'sha256')
  return { thumbprint, key }
}

class TrustEntryError extends Error {
  constructor(
    readonly code: CertificateErrorCode,
    message: string,
  ) {
    super(message)
  }
}

function problemCode(error: unknown): CertificateErrorCode {
  if (error instanceof TrustEntryError) return error.code
  if (isEntenteError(error)) return error.code as CertificateErrorCode
  return 'ERR_DECODE_SIGNER'
}

export interface PrepareTrustOptions {
  /** The EU DCC JSON schema (combined, draft 2020-12), or its compiled form to share between preparations:
   * deviations become verdict warnings. */
  readonly dccSchema?: object | DccSchemaValidator
}

function schemaValidator(schema: object | DccSchemaValidator): DccSchemaValidator {
  return typeof schema === 'function' ? (schema as DccSchemaValidator) : compileDccSchema(schema)
}

export async function prepareTrust(material: TrustMaterial, options: PrepareTrustOptions = {}): Promise<PreparedTrust> {
  const dccByKid = new Map<string, PreparedDccSigner[]>()
  const shcByIssuerKid = new Map<string, PreparedShcSigner>()
  const shcIssuers = new Set<string>()
  const rejected = new Map<string, TrustProblem>()
  const problems: TrustProblem[] = []

  for (const [country, signers] of Object.entries(material.signers)) {
    for (const entry of signers) {
      try {
        const validFrom = optionalDate(entry.validFrom, 'validFrom')
        const validUntil = optionalDate(entry.validUntil, 'validUntil')
        if (entry.format === 'dcc') {
          const der = fromBase64(entry.certificate)
          if (der === undefined) throw new TrustEntryError('ERR_DECODE_SIGNER', 'certificate is not base64')
          const dsc = parseDsc(der)
          // The kid is how certificates find their signer: it must be the hash of this very DER.
          if (dsc.kid !== entry.kid) {
            throw new TrustEntryError('ERR_KID_MISMATCH', `kid ${entry.kid} is not the DSC's kid ${dsc.kid}`)
          }
          const list = dccByKid.get(entry.kid) ?? []
          list.push({ country, entry, dsc, validFrom, validUntil })
          dccByKid.set(entry.kid, list)
        } else {
          const { thumbprint, key } = await checkShcJwk(entry.jwk)
          if (thumbprint !== entry.kid || (entry.jwk.kid !== undefined && entry.jwk.kid !== thumbprint)) {
            throw new TrustEntryError('ERR_KID_MISMATCH', `kid ${entry.kid} is not the JWK thumbprint ${thumbprint}`)
          }
          shcByIssuerKid.set(shcKeyId(entry.issuer, entry.kid), { country, entry, key, validFrom, validUntil })
          shcIssuers.add(entry.issuer)
        }
      } catch (error) {
        const problem: TrustProblem = {
          format: entry.format,
          country,
          kid: entry.kid,
          code: problemCode(error),
          message: error instanceof Error ? error.message : String(error),
        }
        problems.push(problem)
        rejected.set(entry.kid, problem)
        // A kid whose jwk.kid differs is also how a card will name it.
        if (entry.format === 'shc' && typeof entry.jwk.kid === 'string') rejected.set(entry.jwk.kid, problem)
      }
    }
  }

  const revokedSigners = new Map<string, PreparedRevokedSigner[]>()
  for (const revoked of material.revokedSigners ?? []) {
    const revokedAt = new Date(revoked.revokedAt)
    // An unreadable revocation time must not silently un-revoke: treat it as revoked since ever.
    const at = Number.isNaN(revokedAt.getTime()) ? new Date(0) : revokedAt
    const list = revokedSigners.get(revoked.kid) ?? []
    list.push({ revokedAt: at, reason: revoked.reason, country: revoked.country })
    revokedSigners.set(revoked.kid, list)
  }

  const revokedDccHashes = new Map<string, Set<string>>()
  const revokedShcRids = new Map<string, Date | undefined>()
  for (const revoked of material.revokedCertificates ?? []) {
    if (revoked.format === 'dcc') {
      const set = revokedDccHashes.get(revoked.hashType) ?? new Set<string>()
      set.add(revoked.hash)
      revokedDccHashes.set(revoked.hashType, set)
    } else {
      const key = `${shcKeyId(revoked.issuer, revoked.kid)}\n${revoked.rid}`
      const at = revoked.revokedAt === undefined ? undefined : new Date(revoked.revokedAt)
      const previous = revokedShcRids.get(key)
      // Duplicate rids: keep the widest revocation (no timestamp beats any, later beats earlier).
      const widest =
        revokedShcRids.has(key) && (previous === undefined || at === undefined)
          ? undefined
          : at !== undefined && Number.isNaN(at.getTime())
            ? undefined
            : previous !== undefined && at !== undefined && previous > at
              ? previous
              : at
      revokedShcRids.set(key, widest)
    }
  }

  const recognition =
    material.recognition === undefined ? undefined : new Map(material.recognition.map((r) => [r.country, r]))

  return {
    material,
    ...(options.dccSchema === undefined ? {} : { dccSchema: schemaValidator(options.dccSchema) }),
    dccByKid,
    shcByIssuerKid,
    shcIssuers,
    rejected,
    problems,
    revokedSigners,
    revokedDccHashes,
    revokedShcRids,
    recognition,
  }
}
