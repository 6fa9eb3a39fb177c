// Generates src/model/schema-validators.generated.ts from registry-schema/: ajv compiles every schema once, here,
// into plain functions, so nothing compiles code at run time (a page under a strict Content Security Policy forbids
// it, and a verifier starts faster). `--check` exits 1 if the committed file is stale.
import { readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { _, Ajv2020, str, type CodeKeywordDefinition } from 'ajv/dist/2020.js'
import { useFunc } from 'ajv/dist/compile/util.js'
import ucs2lengthModule from 'ajv/dist/runtime/ucs2length.js'
import standaloneModule from 'ajv/dist/standalone/index.js'
import addFormats from 'ajv-formats'
import { allSchemas, type SchemaName } from '../src/model/schemas.js'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
export const validatorsFile = path.join(root, 'src/model/schema-validators.generated.ts')
const BASE = 'https://entente.example/schema/'

const NAMES: readonly SchemaName[] = [
  'trust-list.v1',
  'signed-trust-list.v1',
  'equivocation-proof.v1',
  'node-config.v1',
  'draft.v1',
  'bundle.v1',
  'federation.v1',
  'verified-bundle.v1',
  'revocation-list.v1',
  'signed-revocation-list.v1',
  'revocation-index.v1',
  'signed-revocation-index.v1',
  'revocation-partition.v1',
  'signed-revocation-partition.v1',
]

// CommonJS modules' default exports: Node's own ESM loader and bundlers disagree on which object that is.
const cjsDefault = <T>(module: unknown): T => ((module as { default?: unknown }).default ?? module) as T
const ucs2length = cjsDefault<typeof ucs2lengthModule.default>(ucs2lengthModule)
const standaloneCode = cjsDefault<typeof standaloneModule.default>(standaloneModule)

/**
 * ajv's maxLength counts code points in a JS loop over every string it checks (a DSC's base64 is ~1 KB; a bundle holds
 * 20,000). A string never has more code points than UTF-16 units, so only one longer than the limit in units needs
 * counting: the same verdict and error as ajv's own keyword.
 */
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

// What the generated code requires from ajv's runtime, handed in by src/model/schemas.ts instead.
const RUNTIME: Readonly<Record<string, string>> = {
  'require("ajv/dist/runtime/ucs2length").default': 'runtime.ucs2length',
  'require("ajv/dist/runtime/equal").default': 'runtime.equal',
  'require("ajv-formats/dist/formats").fullFormats': 'runtime.fullFormats',
}

/** Canonical standard base64, as registry-schema/ states it (see the runtime's isBase64 in src/model/schemas.ts). */
export const BASE64_PATTERN = '^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$'

/** The loose base64 of registry-schema/defs.v1 (a DSC's certificate); see the runtime's isBase64Alphabet. */
export const BASE64_ALPHABET_PATTERN = '^[A-Za-z0-9+/]*={0,2}$'

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

export function generateSchemaValidators(): string {
  // First error only (allErrors: false) and strict mode, as the validators always were; the meta-schema pass is in
  // test/model/schemas.test.ts.
  const ajv = new Ajv2020({
    allErrors: false,
    strict: true,
    strictTuples: false,
    validateSchema: false,
    code: { source: true, esm: true, lines: true, formats: _`require("ajv-formats/dist/formats").fullFormats` },
  })
  addFormats.default(ajv)
  // Same keyword, same place among the string keywords (before minLength), same error; see MAX_LENGTH.
  ajv.removeKeyword('maxLength').addKeyword({ ...MAX_LENGTH, before: 'minLength' })
  for (const schema of allSchemas) ajv.addSchema(schema)
  const exportName = (name: string) => name.replace(/\W/g, '_')
  let code = standaloneCode(ajv, Object.fromEntries(NAMES.map((name) => [exportName(name), `${BASE}${name}.schema.json`])))
  code = code.replace(/^"use strict";\s*/, '')
  const exported = new Map<string, string>()
  code = code.replace(/export const (\w+) = (\w+);/g, (_match, name: string, fn: string) => {
    exported.set(name, fn)
    return ''
  })
  code = code.replace(/require\("[^"]+"\)\.\w+/g, (found) => {
    const replacement = RUNTIME[found]
    if (replacement === undefined) throw new Error(`generated validators need ${found}: hand it in through the runtime`)
    return replacement
  })
  if (code.includes('require(')) throw new Error('generated validators still require a module')
  // A partition's `dcc` is up to 1.4 MB of base64: the pattern as a regular expression costs ~0.8 ms per 82 KB
  // partition, most of a sync's CPU per partition. The runtime's loop gives the same answer in a fraction of that.
  const base64 = JSON.stringify(BASE64_PATTERN)
  code = code.replace(new RegExp(`new RegExp\\(${escapeRegExp(base64)}, "u"\\)`, 'g'), '{ test: runtime.isBase64 }')
  if (code.includes(base64.slice(1, -1)) && !code.includes('runtime.isBase64')) throw new Error('the base64 pattern is no longer where the generator expects it')
  // A DSC's certificate (the loose base64 of defs.v1): 20,000 of ~1 KB in a bundle of 200 countries x 100 DSCs.
  const loose = JSON.stringify(BASE64_ALPHABET_PATTERN)
  code = code.replace(new RegExp(`new RegExp\\(${escapeRegExp(loose)}, "u"\\)`, 'g'), '{ test: runtime.isBase64Alphabet }')
  if (code.includes(`new RegExp(${loose}`)) throw new Error('the loose base64 pattern is no longer where the generator expects it')
  const returned = NAMES.map((name) => `    '${name}': ${exported.get(exportName(name)) ?? 'undefined'},`)
  return [
    '// Generated by `npm run schema:validators` from registry-schema/ (ajv standalone code). Do not edit by hand.',
    '// @ts-nocheck',
    "import type { ErrorObject } from 'ajv/dist/2020.js'",
    '',
    'export type PrecompiledValidator = ((data: unknown) => boolean) & { errors?: ErrorObject[] | null }',
    '',
    'export interface ValidatorRuntime {',
    '  ucs2length(text: string): number',
    '  equal(a: unknown, b: unknown): boolean',
    '  fullFormats: Record<string, unknown>',
    '  isBase64(text: string): boolean',
    '  isBase64Alphabet(text: string): boolean',
    '}',
    '',
    'export function createValidators(runtime: ValidatorRuntime): Record<string, PrecompiledValidator> {',
    code.trim(),
    '  return {',
    ...returned,
    '  }',
    '}',
    '',
  ].join('\n')
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const generated = generateSchemaValidators()
  if (process.argv.includes('--check')) {
    const current = await readFile(validatorsFile, 'utf8').catch(() => '')
    if (current !== generated) {
      console.error(`${path.relative(root, validatorsFile)} is stale: run npm run schema:validators`)
      process.exit(1)
    }
  } else {
    await writeFile(validatorsFile, generated)
  }
}
