// Indexes trust material for fast verification and records unusable entries as problems instead of failing.
// DCC signers are indexed by kid after a cheap check (base64, and kid = first 8 bytes of SHA-256 of the DER); the
// X.509 DSC is parsed on first use and cached, since a verifier holding 20,000 DSCs uses few of them. A DSC whose DER
// does not parse yields its coded problem when a certificate names it (the verdict's reason) or when `problems` is
// read (which parses every DSC not yet parsed: listing is the exhaustive check). SHC keys are few and checked eagerly.
// Pure: no I/O; `now` is not needed here (windows are checked at verification time).
import type { DccSchemaValidator } from './dcc/validate-dcc-schema.js'
import { calculateJwkThumbprint } from 'jose'
import { isEntenteError } from '../model/errors.js'
import { fromBase64Transient, sha256, toBase64 } from '../model/encoding.js'
import { cryptoPlatform } from '../platform/crypto-platform.js'
import type { PublicKey } from '../platform/crypto-platform.types.js'
import type { CertificateErrorCode } from './error-codes.js'
import { parseDsc, type DscInfo } from './dcc/parse-dsc.js'
import { revocationSets } from './revocation-check.js'
import type {
  DccSigner,
  PublicJwk,
  Recognition,
  RevokedSigner,
  ShcSigner,
  TrustMaterial,
} from './trust-material.types.js'

export interface PreparedDccSigner {
  readonly country: string
  readonly entry: DccSigner
  readonly validFrom: Date | undefined
  readonly validUntil: Date | undefined
  /** The DSC, parsed on first use and cached (shared by entries of the same DER); a problem when it does not parse. */
  parsed(): { ok: true; dsc: DscInfo } | { ok: false; problem: TrustProblem }
}

export interface PreparedShcSigner {
  country: string
  entry: ShcSigner
  key: PublicKey
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
  /** The same signers by country ('*': not asserted), in trust-material order, for kid-mismatch diagnosis. */
  readonly dccByCountry: ReadonlyMap<string, readonly PreparedDccSigner[]>
  /** `${issuer}\n${kid}` → signer; issuer '*' for keys bound to no issuer. */
  readonly shcByIssuerKid: ReadonlyMap<string, PreparedShcSigner>
  readonly shcIssuers: ReadonlySet<string>
  /** Entries that could not be used, by kid, so a verdict can say why instead of "unknown key" (DSCs that fail to
   * parse join it when first used). */
  readonly rejected: ReadonlyMap<string, TrustProblem>
  /** Every unusable entry, in trust-material order. Reading it parses every DSC not yet parsed; a copy made by
   * spreading a prepared trust does not carry it (not enumerable). */
  readonly problems: readonly TrustProblem[]
  readonly revokedSigners: ReadonlyMap<string, readonly PreparedRevokedSigner[]>
  /** The material's own certificate revocations (set-backed); verification asks them through a callback
   * (`setLookup`), which a caller may replace with its own (`VerifyOptions.isRevoked`). */
  readonly revokedDccHashes: ReadonlyMap<string, ReadonlySet<string>>
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
export async function checkShcJwk(jwk: PublicJwk): Promise<{ thumbprint: string; key: PublicKey }> {
  if (jwk.kty !== 'EC') throw new TrustEntryError('ERR_SIGNATURE_ALG_UNSUPPORTED', `JWK kty must be EC, not ${String(jwk.kty)}`)
  if (jwk.crv !== 'P-256') throw new TrustEntryError('ERR_SIGNATURE_ALG_UNSUPPORTED', `JWK crv must be P-256, not ${String(jwk.crv)}`)
  if (jwk.alg !== 'ES256') throw new TrustEntryError('ERR_SIGNATURE_ALG_UNSUPPORTED', `JWK alg must be ES256, not ${String(jwk.alg)}`)
  if (jwk.use !== 'sig') throw new TrustEntryError('ERR_KEY_USAGE', `JWK use must be sig, not ${String(jwk.use)}`)
  if (jwk.d !== undefined) throw new TrustEntryError('ERR_DECODE_SIGNER', 'JWK holds a private key')
  if (typeof jwk.x !== 'string' || typeof jwk.y !== 'string') throw new TrustEntryError('ERR_DECODE_SIGNER', 'JWK lacks x or y')
  let key: PublicKey
  try {
    key = await cryptoPlatform().publicKeyFromJwk({ kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y })
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

function problemOf(format: 'dcc' | 'shc', country: string, kid: string, error: unknown): TrustProblem {
  return { format, country, kid, code: problemCode(error), message: error instanceof Error ? error.message : String(error) }
}

/**
 * A DSC as a trust list gives it (base64 DER, or the DER, under a claimed kid), decoded, checked against the kid and
 * parsed on first use, at most once however many entries (countries) list it: at load, 20,000 DSCs cost a Map entry
 * each, not a decode, a hash and a parse.
 */
class LazyDsc {
  private result: DscInfo | { error: unknown } | undefined
  constructor(
    readonly certificate: string | Uint8Array,
    readonly kid: string,
  ) {}
  get(): DscInfo | { error: unknown } {
    if (this.result === undefined) {
      try {
        const der = typeof this.certificate === 'string' ? fromBase64Transient(this.certificate) : this.certificate
        if (der === undefined) throw new TrustEntryError('ERR_DECODE_SIGNER', 'certificate is not base64')
        // The kid is how certificates find their signer: it must be the hash of this very DER, or the entry is unusable.
        const kid = derKid(der)
        if (kid !== this.kid) throw new TrustEntryError('ERR_KID_MISMATCH', `kid ${this.kid} is not the DSC's kid ${kid}`)
        this.result = parseDsc(der)
      } catch (error) {
        this.result = { error }
      }
    }
    return this.result
  }
}

class LazyDccSigner implements PreparedDccSigner {
  private outcome: { ok: true; dsc: DscInfo } | { ok: false; problem: TrustProblem } | undefined
  constructor(
    readonly country: string,
    readonly entry: DccSigner,
    readonly validFrom: Date | undefined,
    readonly validUntil: Date | undefined,
    private readonly dsc: LazyDsc,
    private readonly onProblem: (problem: TrustProblem) => void,
  ) {}

  parsed(): { ok: true; dsc: DscInfo } | { ok: false; problem: TrustProblem } {
    if (this.outcome === undefined) {
      const result = this.dsc.get()
      if ('error' in result) {
        this.outcome = { ok: false, problem: problemOf('dcc', this.country, this.entry.kid, result.error) }
        this.onProblem(this.outcome.problem)
      } else {
        this.outcome = { ok: true, dsc: result }
      }
    }
    return this.outcome
  }
}

/** Standard base64 of the first 8 bytes of SHA-256 of the DER: what a DSC's kid must be (hcert §3.3.1). */
function derKid(der: Uint8Array): string {
  return toBase64(sha256(der).subarray(0, 8))
}

export interface PrepareTrustOptions {
  /** The EU DCC JSON schema (combined, draft 2020-12), or its compiled form to share between preparations:
   * deviations become verdict warnings. */
  readonly dccSchema?: object | DccSchemaValidator
}

/**
 * A schema given as data is compiled with ajv, loaded only then: a verifier that checks no schema (the web page) never
 * loads the compiler, and bundlers split it off.
 */
async function schemaValidator(schema: object | DccSchemaValidator): Promise<DccSchemaValidator> {
  if (typeof schema === 'function') return schema as DccSchemaValidator
  const { compileDccSchema } = await import('./dcc/validate-dcc-schema.js')
  return compileDccSchema(schema)
}

export async function prepareTrust(material: TrustMaterial, options: PrepareTrustOptions = {}): Promise<PreparedTrust> {
  const dccByKid = new Map<string, LazyDccSigner[]>()
  const dccByCountry = new Map<string, LazyDccSigner[]>()
  const shcByIssuerKid = new Map<string, PreparedShcSigner>()
  const shcIssuers = new Set<string>()
  const rejected = new Map<string, TrustProblem>()
  // Per entry in material order: its eager problem, or the lazy DSC whose parse may still yield one.
  const outcomes: (TrustProblem | LazyDccSigner)[] = []
  // By kid (checked to be the DER's hash on first use), not by the ~1 KB certificate text, which would be hashed as a
  // key each time.
  const dscByKid = new Map<string, LazyDsc>()
  const onLazyProblem = (problem: TrustProblem) => {
    if (!rejected.has(problem.kid)) rejected.set(problem.kid, problem)
  }

  for (const [country, signers] of Object.entries(material.signers)) {
    let ofCountry: LazyDccSigner[] | undefined
    for (const entry of signers) {
      try {
        const validFrom = optionalDate(entry.validFrom, 'validFrom')
        const validUntil = optionalDate(entry.validUntil, 'validUntil')
        if (entry.format === 'dcc') {
          const kid = entry.kid
          let dsc = dscByKid.get(kid)
          // Two DERs under one kid (a 64-bit prefix, or a kid that is not the DER's) each keep their own check and parse.
          if (dsc?.certificate !== entry.certificate) {
            dsc = new LazyDsc(entry.certificate, kid)
            if (!dscByKid.has(kid)) dscByKid.set(kid, dsc)
          }
          const signer = new LazyDccSigner(country, entry, validFrom, validUntil, dsc, onLazyProblem)
          outcomes.push(signer)
          const withKid = dccByKid.get(entry.kid)
          if (withKid === undefined) dccByKid.set(entry.kid, [signer])
          else withKid.push(signer)
          if (ofCountry === undefined) {
            ofCountry = dccByCountry.get(country) ?? []
            dccByCountry.set(country, ofCountry)
          }
          ofCountry.push(signer)
        } else {
          const { thumbprint, key } = await checkShcJwk(entry.jwk)
          if (thumbprint !== entry.kid || (entry.jwk.kid !== undefined && entry.jwk.kid !== thumbprint)) {
            throw new TrustEntryError('ERR_KID_MISMATCH', `kid ${entry.kid} is not the JWK thumbprint ${thumbprint}`)
          }
          shcByIssuerKid.set(shcKeyId(entry.issuer, entry.kid), { country, entry, key, validFrom, validUntil })
          shcIssuers.add(entry.issuer)
        }
      } catch (error) {
        const problem = problemOf(entry.format, country, entry.kid, error)
        outcomes.push(problem)
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

  const { revokedDccHashes, revokedShcRids } = revocationSets(material.revokedCertificates ?? [])
  const recognition =
    material.recognition === undefined ? undefined : new Map(material.recognition.map((r) => [r.country, r]))

  let problems: TrustProblem[] | undefined
  const prepared = {
    material,
    ...(options.dccSchema === undefined ? {} : { dccSchema: await schemaValidator(options.dccSchema) }),
    dccByKid,
    dccByCountry,
    shcByIssuerKid,
    shcIssuers,
    rejected,
    revokedSigners,
    revokedDccHashes,
    revokedShcRids,
    recognition,
  }
  // Listing is the exhaustive check: every DSC is parsed once, then the list is fixed. Not enumerable, so copying a
  // prepared trust (`{ ...trust, revoked... }`) never reads it and parses nothing.
  return Object.defineProperty(prepared, 'problems', {
    enumerable: false,
    get: (): readonly TrustProblem[] =>
      (problems ??= outcomes.flatMap((o) => {
        if (!(o instanceof LazyDccSigner)) return [o]
        const parsed = o.parsed()
        return parsed.ok ? [] : [parsed.problem]
      })),
  }) as typeof prepared & { readonly problems: readonly TrustProblem[] }
}
