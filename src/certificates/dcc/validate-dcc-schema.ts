// Checks a DCC payload against the EU DCC JSON schema the caller supplies and returns deviations as warnings
// (real certificates deviate; see the vectors README). Pure: the schema arrives as data, never read from disk.
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js'
import addFormatsModule from 'ajv-formats'
import type { Warning } from '../verdict.types.js'

// ajv-formats is CommonJS; under NodeNext its default import is the module object or the function.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (
  ajv: Ajv2020,
) => Ajv2020

const MAX_SCHEMA_WARNINGS = 5

export type DccSchemaValidator = (hcert: unknown) => Warning[]

/** Compiles the EU DCC combined schema (e.g. DCC.combined-schema.json 1.3.3) once, for many verifications. */
export function compileDccSchema(schema: object): DccSchemaValidator {
  const ajv = new Ajv2020({ allErrors: true, strict: false, validateFormats: true })
  addFormats(ajv)
  const validate: ValidateFunction = ajv.compile(schema)
  return (hcert) => {
    if (validate(hcert)) return []
    return (validate.errors ?? []).slice(0, MAX_SCHEMA_WARNINGS).map((error) => ({
      code: 'WARN_SCHEMA' as const,
      message: `${error.instancePath || '/'} ${error.message ?? 'violates the schema'}`,
    }))
  }
}
