// Runtime validation against registry-schema/ (the contract) with ajv, draft 2020-12.
// Pure: the schemas are imported as modules; no file or network access.
import { _, Ajv2020, str, type CodeKeywordDefinition, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js'
import { useFunc } from 'ajv/dist/compile/util.js'
import ucs2lengthModule from 'ajv/dist/runtime/ucs2length.js'
import addFormats from 'ajv-formats'
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

const BASE = 'https://entente.example/schema/'

/** Compiled validators for every schema. Build once per process and pass it along; compiling is the slow part. */
export class SchemaValidators {
  readonly #ajv: Ajv2020
  readonly #compiled = new Map<SchemaName, ValidateFunction>()

  constructor() {
    // No meta-schema pass over our own fixed schemas on every start (test/model/schemas.test.ts checks them against
    // the 2020-12 meta-schema), and no optimizing pass over the generated code: together about half of what a
    // verifier spends before its first check. Strict mode still applies at compile time.
    this.#ajv = new Ajv2020({ allErrors: false, strict: true, strictTuples: false, validateSchema: false, code: { optimize: false } })
    addFormats.default(this.#ajv)
    // Same keyword, same place among the string keywords (before minLength), same error; see MAX_LENGTH.
    this.#ajv.removeKeyword('maxLength').addKeyword({ ...MAX_LENGTH, before: 'minLength' })
    for (const schema of allSchemas) this.#ajv.addSchema(schema)
  }

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

  #validator(name: SchemaName): ValidateFunction {
    let validate = this.#compiled.get(name)
    if (validate === undefined) {
      validate = this.#ajv.getSchema(`${BASE}${name}.schema.json`)
      if (validate === undefined) throw new Error(`schema ${name} is not registered`)
      this.#compiled.set(name, validate)
    }
    return validate
  }
}

/**
 * ajv's maxLength counts code points in a JS loop over every string it checks (a DSC's base64 is ~1 KB; a bundle holds
 * 20,000). A string never has more code points than UTF-16 units, so only one longer than the limit in units needs
 * counting: the same verdict and error as ajv's own keyword.
 */
// A CommonJS module's default export: Node's own ESM loader and bundlers disagree on which object that is.
const ucs2length = ((ucs2lengthModule as { default?: unknown }).default ?? ucs2lengthModule) as typeof ucs2lengthModule.default

const MAX_LENGTH: CodeKeywordDefinition = {
  keyword: 'maxLength',
  type: 'string',
  schemaType: 'number',
  $data: true,
  error: {
    message: ({ schemaCode }) => str`must NOT have more than ${schemaCode} characters`,
    params: ({ schemaCode }) => _`{limit: ${schemaCode}}`,
  },
  code(cxt) {
    const { data, schemaCode } = cxt
    cxt.fail$data(_`${data}.length > ${schemaCode} && ${useFunc(cxt.gen, ucs2length)}(${data}) > ${schemaCode}`)
  },
}

function describe(errors: ErrorObject[] | null | undefined): string {
  const first = errors?.[0]
  if (first === undefined) return 'invalid'
  return `${first.instancePath || '(root)'} ${first.message ?? 'is invalid'}`
}

let shared: SchemaValidators | undefined
/** The process-wide compiled validators: immutable once built, so sharing them is safe. */
export function schemaValidators(): SchemaValidators {
  shared ??= new SchemaValidators()
  return shared
}
