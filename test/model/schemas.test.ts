import { readdirSync, readFileSync } from 'node:fs'
import fc from 'fast-check'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { generateSchemaTypes, typesFile } from '../../scripts/generate-schema-types.js'
import { BASE64_ALPHABET_PATTERN, BASE64_PATTERN, generateSchemaValidators, validatorsFile } from '../../scripts/generate-schema-validators.js'
import type { EntenteError } from '../../src/model/errors.js'
import { Ajv2020 } from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'
import { fullFormats } from 'ajv-formats/dist/formats.js'
import { allSchemas, isBase64, isBase64Alphabet, isDateTime, schemaValidators, type SchemaName } from '../../src/model/schemas.js'
import { verifyEquivocationProof } from '../../src/trust-list/equivocation.js'
import { verifyTrustList } from '../../src/trust-list/verify-trust-list.js'
import type { SignedRevocationList, SignedTrustList } from '../../src/model/schema.types.js'
import { verifyRevocationList } from '../../src/revocation/verify-revocation-list.js'

const examplesDir = path.resolve(import.meta.dirname, '../../registry-schema/examples')
const read = (file: string): unknown => JSON.parse(readFileSync(path.join(examplesDir, file), 'utf8'))

/** A loop the validators run instead of a pattern gives the pattern's answer: near misses, real base64, any text. */
function answersAsPattern(check: (text: string) => boolean, source: string, cases: readonly string[]): void {
  const pattern = new RegExp(source, 'u')
  const near = fc.array(fc.constantFrom(...'AZaz09+/=-_ \né'.split('')), { maxLength: 14 }).map((chars) => chars.join(''))
  const real = fc.uint8Array({ maxLength: 40 }).map((bytes) => Buffer.from(bytes).toString('base64'))
  fc.assert(fc.property(fc.oneof(near, real, fc.string({ maxLength: 12 })), (text) => check(text) === pattern.test(text)), { numRuns: 20_000 })
  for (const text of cases) expect(check(text), text).toBe(pattern.test(text))
}

describe('registry-schema', () => {
  const examples = readdirSync(examplesDir).filter((f) => f.endsWith('.example.json'))

  it('has an example for every root schema', () => {
    expect(examples.map((f) => f.replace('.example.json', '')).sort()).toEqual(
      ['draft.v1', 'equivocation-proof.v1', 'node-config.v1', 'signed-trust-list.v1', 'trust-list.v1', 'revocation-list.v1', 'signed-revocation-list.v1'].sort(),
    )
  })

  for (const file of examples) {
    it(`${file} validates against its schema`, () => {
      const name = file.replace('.example.json', '') as SchemaName
      expect(() => schemaValidators().check(name, read(file), 'ERR_TRUST_LIST_SCHEMA')).not.toThrow()
    })
  }

  it('the signed example really verifies, and so does the equivocation proof', async () => {
    const now = new Date('2026-11-24T12:00:00Z')
    const verified = await verifyTrustList(read('signed-trust-list.v1.example.json') as SignedTrustList, { now })
    expect(verified.payload).toEqual(read('trust-list.v1.example.json'))
    await expect(verifyEquivocationProof(read('equivocation-proof.v1.example.json'), { now })).resolves.toMatchObject({ country: 'GR' })
    // The revocation list is signed by the same root.
    const revocations = await verifyRevocationList(read('signed-revocation-list.v1.example.json') as SignedRevocationList, { now, country: 'GR', roots: [verified.payload.root] })
    expect(revocations.payload).toEqual(read('revocation-list.v1.example.json'))
  })

  it('reports the first violation with the caller’s code', () => {
    const error = (() => {
      try {
        schemaValidators().check('node-config.v1', { version: 1, country: 'Greece' }, 'ERR_CONFIG_INVALID')
      } catch (e) {
        return e as EntenteError
      }
      return undefined
    })()
    expect(error?.code).toBe('ERR_CONFIG_INVALID')
    expect(error?.message).toContain('/country')
  })

  it('every schema is valid 2020-12 and compiles in strict mode (the runtime skips the meta-schema pass)', () => {
    const ajv = new Ajv2020({ strict: true, strictTuples: false, validateSchema: true })
    addFormats.default(ajv)
    for (const schema of allSchemas) ajv.addSchema(schema)
    for (const schema of allSchemas) {
      expect(ajv.validateSchema(schema), `${schema.$id}: ${ajv.errorsText(ajv.errors)}`).toBe(true)
      expect(ajv.getSchema(schema.$id)).toBeTypeOf('function')
    }
  })

  it('maxLength gives the verdicts and errors of ajv’s own keyword (code points, not UTF-16 units)', () => {
    const stock = new Ajv2020({ strict: true, strictTuples: false })
    addFormats.default(stock)
    for (const schema of allSchemas) stock.addSchema(schema)
    const validate = stock.getSchema('https://entente.example/schema/trust-list.v1.schema.json')
    if (validate === undefined) throw new Error('no trust-list schema')
    const example = read('trust-list.v1.example.json') as { vaccines: { product: string }[] }
    // product: minLength 1, maxLength 64; an emoji is one code point in two UTF-16 units; a lone surrogate is one.
    const products = ['x'.repeat(64), 'x'.repeat(65), '😀'.repeat(64), '😀'.repeat(65), '😀'.repeat(32) + 'x', '\ud800'.repeat(65), `${'😀'.repeat(63)}\ud800`, '', '!'.repeat(200)]
    for (const product of products) {
      const value = structuredClone(example)
      for (const v of value.vaccines) v.product = product
      const ours = (() => {
        try {
          schemaValidators().check('trust-list.v1', value, 'ERR_TRUST_LIST_SCHEMA')
          return null
        } catch (error) {
          return (error as EntenteError).details?.errors
        }
      })()
      expect(ours, product).toEqual(validate(value) ? null : validate.errors)
    }
    expect(schemaValidators().is('trust-list.v1', { ...example, vaccines: example.vaccines.map((v) => ({ ...v, product: '😀'.repeat(64) })) })).toBe(true)
  })

  it('src/model/schema.types.ts is generated from the schemas and up to date', async () => {
    expect(readFileSync(typesFile, 'utf8')).toBe(await generateSchemaTypes())
  })

  it('the precompiled validators are generated from the current schemas (npm run schema:validators), and run no code generation', () => {
    const text = readFileSync(validatorsFile, 'utf8')
    expect(text).toBe(generateSchemaValidators())
    // A page under a strict Content Security Policy refuses eval and new Function.
    expect(text).not.toMatch(/new Function|\beval\(|require\(/)
  })

  it('isBase64, which the validators use for the base64 pattern, answers as the pattern does', () => {
    answersAsPattern(isBase64, BASE64_PATTERN, ['', 'AA==', 'AAA=', 'AAAA', 'A===', '====', 'AA=A', 'AAAAA', 'AAA', '+/+/'])
    // A partition that breaks it is refused with the pattern's own error.
    const partition = { type: 'entente.revocation-partition', version: 1, country: 'GR', rootThumbprint: 'x'.repeat(43), id: 'dcc/UCI/', seq: 1, prev: null, issuedAt: '2026-01-01T00:00:00Z', dcc: 'AAAAAAAAAAAAAAAAAAAAAA==' }
    expect(schemaValidators().is('revocation-partition.v1', partition)).toBe(true)
    expect(() => schemaValidators().check('revocation-partition.v1', { ...partition, dcc: 'AA=A' }, 'ERR_REVOCATION_MALFORMED')).toThrow(/dcc must match pattern/)
  })

  it('isBase64Alphabet, which the validators use for the loose base64 of a certificate, answers as its pattern does', () => {
    answersAsPattern(isBase64Alphabet, BASE64_ALPHABET_PATTERN, ['', '=', '==', '===', 'A=', 'A==', 'A===', 'AA=A', '+/', '=A'])
    const dsc = { format: 'dcc', kid: 'AAAAAAAAAAA=', certificate: 'MIIB', usage: ['test'], validFrom: '2026-01-01T00:00:00Z', validUntil: '2027-01-01T00:00:00Z' }
    const list = JSON.parse(readFileSync(path.join(import.meta.dirname, '../../registry-schema/examples/trust-list.v1.example.json'), 'utf8')) as { signers: unknown[] }
    expect(schemaValidators().is('trust-list.v1', { ...list, signers: [dsc] })).toBe(true)
    expect(() => schemaValidators().check('trust-list.v1', { ...list, signers: [{ ...dsc, certificate: 'MI-B' }] }, 'ERR_TRUST_LIST_SCHEMA')).toThrow(/certificate must match pattern/)
  })

  it('isDateTime, the date-time format of the validators, answers as ajv-formats does', () => {
    const ajvDateTime = (fullFormats['date-time'] as { validate: (text: string) => boolean }).validate
    const two = (max: number) => fc.integer({ min: 0, max }).map((n) => String(n).padStart(2, '0'))
    // Entente's own shape with every field near and beyond its range, then the same with one character swapped.
    const shaped = fc
      .tuple(fc.integer({ min: 0, max: 9999 }).map((n) => String(n).padStart(4, '0')), two(14), two(33), two(25), two(61), two(61))
      .map(([y, mo, d, h, mi, s]) => `${y}-${mo}-${d}T${h}:${mi}:${s}Z`)
    const swapped = fc.tuple(shaped, fc.nat(19), fc.constantFrom(...'0T Zz:-.+a\u0660'.split(''))).map(([text, at, c]) => text.slice(0, at) + c + text.slice(at + 1))
    fc.assert(fc.property(fc.oneof(shaped, swapped, fc.string({ maxLength: 24 })), (text) => isDateTime(text) === ajvDateTime(text)), { numRuns: 30_000 })
    for (const text of ['2024-02-29T12:00:00Z', '2023-02-29T12:00:00Z', '2000-02-29T00:00:00Z', '1900-02-29T00:00:00Z', '2026-12-31T23:59:60Z', '2026-12-31T22:59:60Z', '2026-04-31T00:00:00Z', '2026-01-01t00:00:00z', '2026-01-01T00:00:00.5Z', '2026-01-01T00:00:00+01:00', '2026-01-01 00:00:00Z', '0000-01-01T00:00:00Z']) {
      expect(isDateTime(text), text).toBe(ajvDateTime(text))
    }
  })
})
