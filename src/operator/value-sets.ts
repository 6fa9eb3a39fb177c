// The EU vaccine value set (vaccine-medicinal-product) and the operator's accepted-vaccines edit checked against it.
// Pure except loadVaccineValueSets/defaultValueSetsDir at the end, the only functions here that touch the file system.
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { EntenteError } from '../model/errors.js'
import type { AcceptedVaccine, Rules, TrustListDraft } from '../model/schema.types.js'
import { schemaValidators } from '../model/schemas.js'

export interface VaccineValueSets {
  /** EU vaccine-medicinal-product code → display name. */
  products: ReadonlyMap<string, string /* display */>
}

export interface SetVaccinesRequest {
  vaccines: AcceptedVaccine[]
  /** Omitted: the draft's rules stay as they are; `{}` clears them. */
  rules?: Rules
}

export const VACCINE_VALUE_SET_FILE = 'vaccine-medicinal-product.json'
// The id the EU publishes this value set under; another value set file (e.g. vaccine-prophylaxis) must not pass for it.
const VACCINE_VALUE_SET_ID = 'vaccines-covid-19-names'
const MAX_VALUE_SET_BYTES = 1_048_576

// ---------------------------------------------------------------------------------------------------------------
// Pure

/** From the EU value set file's JSON ({ valueSetId, valueSetValues: { code: { display, … } } }). */
export function parseVaccineValueSets(json: unknown): VaccineValueSets {
  const unavailable = (why: string): never => {
    throw new EntenteError('ERR_VALUESETS_UNAVAILABLE', `vaccine value set: ${why}`)
  }
  if (!isPlainObject(json)) return unavailable('not a JSON object')
  if (json.valueSetId !== VACCINE_VALUE_SET_ID) {
    unavailable(`valueSetId is ${JSON.stringify(json.valueSetId)}, expected ${JSON.stringify(VACCINE_VALUE_SET_ID)}`)
  }
  const values = json.valueSetValues
  if (!isPlainObject(values)) return unavailable('valueSetValues is not an object')
  const products = new Map<string, string>()
  for (const [code, entry] of Object.entries(values)) {
    if (code.length === 0 || !isPlainObject(entry) || typeof entry.display !== 'string') {
      unavailable(`entry ${JSON.stringify(code.slice(0, 64))} has no display name`)
    }
    // Inactive codes stay valid: certificates issued while they were active are still in people's hands.
    products.set(code, (entry as { display: string }).display)
  }
  if (products.size === 0) unavailable('it lists no products')
  return { products }
}

/** A new draft whose accepted vaccines (and rules, when given) are the request's, each product known to the EU set. */
export function setVaccines(draft: TrustListDraft, request: unknown, valueSets: VaccineValueSets): TrustListDraft {
  if (!isPlainObject(request)) throw new EntenteError('ERR_HTTP_BAD_REQUEST', 'the request must be a JSON object')
  const unknownMember = Object.keys(request).find((key) => key !== 'vaccines' && key !== 'rules')
  if (unknownMember !== undefined) {
    throw new EntenteError('ERR_HTTP_BAD_REQUEST', `unknown member ${JSON.stringify(unknownMember)}; allowed: vaccines, rules`)
  }
  if (!Array.isArray(request.vaccines)) throw new EntenteError('ERR_HTTP_BAD_REQUEST', 'vaccines must be an array')

  const next: TrustListDraft = { ...draft, vaccines: request.vaccines as AcceptedVaccine[] }
  if (request.rules !== undefined) next.rules = request.rules as Rules
  // Ranges, types and unknown members exactly as the published list will be checked.
  const checked = schemaValidators().check('draft.v1', next, 'ERR_HTTP_BAD_REQUEST')

  const seen = new Set<string>()
  for (const { product } of checked.vaccines) {
    // Two entries for one product would leave verifiers to guess which doses and validity apply.
    if (seen.has(product)) throw new EntenteError('ERR_HTTP_BAD_REQUEST', `product ${product} is listed twice`, { details: { product } })
    seen.add(product)
  }
  const unknown = checked.vaccines.map((vaccine) => vaccine.product).filter((product) => !valueSets.products.has(product))
  if (unknown.length > 0) {
    throw new EntenteError(
      'ERR_VACCINE_UNKNOWN',
      `${unknown.length === 1 ? 'product' : 'products'} ${unknown.join(', ')} ${unknown.length === 1 ? 'is' : 'are'} not in the EU vaccine-medicinal-product value set`,
      { details: { unknown } },
    )
  }
  // Copies of the request's parts, so later edits of the caller's objects cannot reach into the draft.
  const result: TrustListDraft = { ...checked, vaccines: structuredClone(checked.vaccines) }
  if (checked.rules !== undefined) result.rules = structuredClone(checked.rules)
  return result
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

// ---------------------------------------------------------------------------------------------------------------
// File system

/** Reads DIR/vaccine-medicinal-product.json; a missing, oversized or invalid file is ERR_VALUESETS_UNAVAILABLE. */
export async function loadVaccineValueSets(dir: string): Promise<VaccineValueSets> {
  const file = path.join(dir, VACCINE_VALUE_SET_FILE)
  let bytes: Buffer
  try {
    bytes = await readFile(file)
  } catch (error) {
    throw new EntenteError('ERR_VALUESETS_UNAVAILABLE', `cannot read ${file}`, { cause: error })
  }
  if (bytes.length > MAX_VALUE_SET_BYTES) {
    throw new EntenteError('ERR_VALUESETS_UNAVAILABLE', `${file} is larger than ${MAX_VALUE_SET_BYTES} bytes`)
  }
  let json: unknown
  try {
    json = JSON.parse(bytes.toString('utf8'))
  } catch (error) {
    throw new EntenteError('ERR_VALUESETS_UNAVAILABLE', `${file} is not JSON`, { cause: error })
  }
  return parseVaccineValueSets(json)
}

/** ENTENTE_VALUESETS, else the shared vectors next to the project (../shared/vectors/valuesets). */
export function defaultValueSetsDir(): string {
  const fromEnv = process.env.ENTENTE_VALUESETS
  // An empty variable means unset: resolving '' would silently read the working directory.
  if (fromEnv !== undefined && fromEnv !== '') return path.resolve(fromEnv)
  const projectRoot = path.resolve(import.meta.dirname, '../..')
  return path.resolve(projectRoot, '../shared/vectors/valuesets')
}
