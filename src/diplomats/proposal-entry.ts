// Turns a proposal request into the recognition entry diplomats sign, in one normal form (scopes in a fixed
// order, vaccines sorted and unique), so equal intentions give equal challenges. Pure: no I/O.
import { EntenteError } from '../model/errors.js'
import type { Usage } from '../model/schema.types.js'
import type { ApprovalAction, RecognitionEntry } from '../trust-list/verify-recognitions.js'

const SCOPES: readonly Usage[] = ['vaccination', 'test', 'recovery']
const COUNTRY = /^[A-Z]{2}$/
const PRODUCT = /^[\x21-\x7e]{1,64}$/
const MAX_VACCINES = 500

export interface ProposalRequest {
  readonly action: ApprovalAction
  readonly country: string
  /** Needed for recognize; a withdrawal takes the entry from the current recognition. */
  readonly scopes?: readonly Usage[]
  /** Absent: every vaccine the home list accepts. */
  readonly vaccines?: readonly string[]
}

/** Validates an untrusted proposal body (JSON or form fields already collected). */
export function parseProposalRequest(body: unknown): ProposalRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw malformed('the proposal must be an object')
  const { action = 'recognize', country, scopes, vaccines } = body as Record<string, unknown>
  if (action !== 'recognize' && action !== 'withdraw') throw malformed('action must be recognize or withdraw')
  if (typeof country !== 'string' || !COUNTRY.test(country)) throw malformed('country must be an upper-case ISO 3166-1 alpha-2 code')
  if (action === 'withdraw') return { action, country }
  if (!Array.isArray(scopes) || scopes.length === 0 || scopes.some((s) => !SCOPES.includes(s as Usage))) {
    throw malformed('scopes must name at least one of vaccination, test, recovery')
  }
  const request: { action: ApprovalAction; country: string; scopes: Usage[]; vaccines?: string[] } = { action, country, scopes: scopes as Usage[] }
  if (vaccines !== undefined) {
    if (!Array.isArray(vaccines) || vaccines.length > MAX_VACCINES || vaccines.some((v) => typeof v !== 'string' || !PRODUCT.test(v))) {
      throw malformed(`vaccines must be up to ${MAX_VACCINES} product codes`)
    }
    request.vaccines = vaccines as string[]
  }
  return request
}

export function normalEntry(country: string, rootThumbprint: string, scopes: readonly Usage[], vaccines: readonly string[] | undefined): RecognitionEntry {
  const entry: RecognitionEntry = { country, rootThumbprint, scopes: SCOPES.filter((s) => scopes.includes(s)) }
  if (vaccines !== undefined) entry.vaccines = [...new Set(vaccines)].sort()
  return entry
}

function malformed(message: string): EntenteError {
  return new EntenteError('ERR_DIPLOMAT_MALFORMED', message)
}
