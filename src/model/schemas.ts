// Runtime validation against registry-schema/ (the contract), draft 2020-12, with validators ajv generated ahead of
// time (scripts/generate-schema-validators.ts). Pure: no file or network access, no code generation.
import type { ErrorObject } from 'ajv/dist/2020.js'
import equalModule from 'ajv/dist/runtime/equal.js'
import ucs2lengthModule from 'ajv/dist/runtime/ucs2length.js'
import { fullFormats } from 'ajv-formats/dist/formats.js'
import bundle from '../../registry-schema/bundle.v1.schema.json' with { type: 'json' }
import federation from '../../registry-schema/federation.v1.schema.json' with { type: 'json' }
import verifiedBundle from '../../registry-schema/verified-bundle.v1.schema.json' with { type: 'json' }
import revocationList from '../../registry-schema/revocation-list.v1.schema.json' with { type: 'json' }
import signedRevocationList from '../../registry-schema/signed-revocation-list.v1.schema.json' with { type: 'json' }
import revocationIndex from '../../registry-schema/revocation-index.v1.schema.json' with { type: 'json' }
import signedRevocationIndex from '../../registry-schema/signed-revocation-index.v1.schema.json' with { type: 'json' }
import revocationPartition from '../../registry-schema/revocation-partition.v1.schema.json' with { type: 'json' }
import signedRevocationPartition from '../../registry-schema/signed-revocation-partition.v1.schema.json' with { type: 'json' }
import defs from '../../registry-schema/defs.v1.schema.json' with { type: 'json' }
import draft from '../../registry-schema/draft.v1.schema.json' with { type: 'json' }
import equivocationProof from '../../registry-schema/equivocation-proof.v1.schema.json' with { type: 'json' }
import nodeConfig from '../../registry-schema/node-config.v1.schema.json' with { type: 'json' }
import signedTrustList from '../../registry-schema/signed-trust-list.v1.schema.json' with { type: 'json' }
import trustList from '../../registry-schema/trust-list.v1.schema.json' with { type: 'json' }
import { EntenteError, type EntenteErrorCode } from './errors.js'
import { createValidators, type PrecompiledValidator } from './schema-validators.generated.js'
import type {
  Bundle,
  FederationPlan,
  VerifiedBundle,
  EquivocationProof,
  RevocationListPayload,
  SignedRevocationList,
  RevocationIndexPayload,
  SignedRevocationIndex,
  RevocationPartitionPayload,
  SignedRevocationPartition,
  NodeConfig,
  SignedTrustList,
  TrustListDraft,
  TrustListPayload,
} from './schema.types.js'

export const allSchemas = [defs, trustList, signedTrustList, equivocationProof, nodeConfig, draft, bundle, federation, verifiedBundle, revocationList, signedRevocationList, revocationIndex, signedRevocationIndex, revocationPartition, signedRevocationPartition] as const

export interface SchemaTypes {
  'trust-list.v1': TrustListPayload
  'signed-trust-list.v1': SignedTrustList
  'equivocation-proof.v1': EquivocationProof
  'node-config.v1': NodeConfig
  'draft.v1': TrustListDraft
  'bundle.v1': Bundle
  'federation.v1': FederationPlan
  'verified-bundle.v1': VerifiedBundle
  'revocation-list.v1': RevocationListPayload
  'signed-revocation-list.v1': SignedRevocationList
  'revocation-index.v1': RevocationIndexPayload
  'signed-revocation-index.v1': SignedRevocationIndex
  'revocation-partition.v1': RevocationPartitionPayload
  'signed-revocation-partition.v1': SignedRevocationPartition
}
export type SchemaName = keyof SchemaTypes

/** Validators for every schema, precompiled from registry-schema/ (src/model/schema-validators.generated.ts): no
 * code is generated at run time, so they work under a strict Content Security Policy, and start instantly. */
export class SchemaValidators {
  readonly #validators = precompiledValidators()

  /** Returns the value typed as the schema says, or throws `code` with the first violation. */
  check<N extends SchemaName>(name: N, value: unknown, code: EntenteErrorCode): SchemaTypes[N] {
    const validate = this.#validator(name)
    if (!validate(value)) {
      throw new EntenteError(code, `${name}: ${describe(validate.errors)}`, {
        details: { errors: (validate.errors ?? []).slice(0, 10) },
      })
    }
    return value as SchemaTypes[N]
  }

  is<N extends SchemaName>(name: N, value: unknown): value is SchemaTypes[N] {
    return this.#validator(name)(value)
  }

  #validator(name: SchemaName): PrecompiledValidator {
    const validate = this.#validators[name]
    if (validate === undefined) throw new Error(`schema ${name} is not registered`)
    return validate
  }
}

// CommonJS modules' default exports: Node's own ESM loader and bundlers disagree on which object that is.
const cjsDefault = <T>(module: unknown): T => ((module as { default?: unknown }).default ?? module) as T

function precompiledValidators(): Partial<Record<SchemaName, PrecompiledValidator>> {
  return createValidators({
    ucs2length: cjsDefault<typeof ucs2lengthModule.default>(ucs2lengthModule),
    equal: cjsDefault<(a: unknown, b: unknown) => boolean>(equalModule),
    fullFormats: { ...fullFormats, 'date-time': { ...AJV_DATE_TIME, validate: isDateTime } },
    isBase64,
    isBase64Alphabet,
  })
}

const BASE64_ALPHABET = (() => {
  const table = new Uint8Array(128)
  for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/') table[c.charCodeAt(0)] = 1
  return table
})()

/**
 * The schemas' base64 pattern `^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$` as a loop: a length
 * that is a multiple of 4, the standard alphabet, and at most two '=' at the very end. Same answer for every string.
 */
export function isBase64(text: string): boolean {
  const n = text.length
  if (n % 4 !== 0) return false
  const pad = n === 0 ? 0 : text.charCodeAt(n - 1) !== 61 ? 0 : text.charCodeAt(n - 2) !== 61 ? 1 : 2
  return inAlphabet(text, n - pad)
}

/**
 * The loose base64 pattern `^[A-Za-z0-9+/]*={0,2}$` (a DSC's certificate) as a loop: the standard alphabet, then at
 * most two '='. Same answer for every string; a bundle checks 20,000 certificates of ~1 KB with it.
 */
export function isBase64Alphabet(text: string): boolean {
  const n = text.length
  const pad = n === 0 || text.charCodeAt(n - 1) !== 61 ? 0 : n === 1 || text.charCodeAt(n - 2) !== 61 ? 1 : 2
  return inAlphabet(text, n - pad)
}

/** Whether the first `end` characters of `text` are all of the standard base64 alphabet. */
function inAlphabet(text: string, end: number): boolean {
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i)
    if (c >= 128 || BASE64_ALPHABET[c] !== 1) return false
  }
  return true
}

// ajv-formats' own definition: { validate, compare } with the validate function isDateTime falls back to.
const AJV_DATE_TIME = fullFormats['date-time'] as { validate: (text: string) => boolean; compare?: unknown }
const fullDateTime = AJV_DATE_TIME.validate
const DAYS_IN_MONTH = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
const digitsAt = (text: string, at: number, count: number): number => {
  let value = 0
  for (let i = at; i < at + count; i++) {
    const d = text.charCodeAt(i) - 48
    if (d < 0 || d > 9) return -1
    value = value * 10 + d
  }
  return value
}

/**
 * ajv-formats' date-time, with a fast path for the one shape Entente writes (`YYYY-MM-DDTHH:MM:SSZ`): that shape is
 * answered here without the regular expressions and string splits (a bundle holds 40,000 such timestamps); every other
 * string, and a leap second, goes to ajv-formats' own check. Same answer for every string.
 */
export function isDateTime(text: string): boolean {
  if (text.length === 20 && text.charCodeAt(4) === 45 && text.charCodeAt(7) === 45 && text.charCodeAt(10) === 84 && text.charCodeAt(13) === 58 && text.charCodeAt(16) === 58 && text.charCodeAt(19) === 90) {
    const year = digitsAt(text, 0, 4)
    const month = digitsAt(text, 5, 2)
    const day = digitsAt(text, 8, 2)
    const hour = digitsAt(text, 11, 2)
    const minute = digitsAt(text, 14, 2)
    const second = digitsAt(text, 17, 2)
    if (year >= 0 && month >= 1 && month <= 12 && day >= 1 && hour >= 0 && hour <= 23 && minute >= 0 && minute <= 59 && second >= 0 && second <= 59) {
      const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)
      return day <= (month === 2 && leap ? 29 : (DAYS_IN_MONTH[month] as number))
    }
  }
  return fullDateTime(text)
}

function describe(errors: ErrorObject[] | null | undefined): string {
  const first = errors?.[0]
  if (first === undefined) return 'invalid'
  return `${first.instancePath || '(root)'} ${first.message ?? 'is invalid'}`
}

let shared: SchemaValidators | undefined
/** The process-wide validators: immutable once built, so sharing them is safe. */
export function schemaValidators(): SchemaValidators {
  shared ??= new SchemaValidators()
  return shared
}
