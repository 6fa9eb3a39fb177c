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
  /** The root the diplomats received from that country out of band (thumbprint or hex fingerprint). */
  readonly rootThumbprint?: string
  /** For govern: the new quorum. */
  readonly quorum?: number
  /** Needed for recognize; a withdrawal takes the entry from the current recognition. */
  readonly scopes?: readonly Usage[]
  /** Absent: every vaccine the home list accepts. */
  readonly vaccines?: readonly string[]
}

/** Validates an untrusted proposal body (JSON or form fields already collected). */
export function parseProposalRequest(body: unknown): ProposalRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw malformed('the proposal must be an object')
  const { action = 'recognize', country, scopes, vaccines, fingerprint, rootThumbprint, quorum } = body as Record<string, unknown>
  if (action !== 'recognize' && action !== 'withdraw' && action !== 'govern') throw malformed('action must be recognize, withdraw or govern')
  if (action === 'govern') {
    if (quorum === undefined) return { action, country: typeof country === 'string' ? country : '' }
    const n = typeof quorum === 'string' && /^\d{1,3}$/.test(quorum) ? Number(quorum) : quorum
    if (typeof n !== 'number' || !Number.isInteger(n)) throw malformed('quorum must be an integer')
    return { action, country: typeof country === 'string' ? country : '', quorum: n }
  }
  if (typeof country !== 'string' || !COUNTRY.test(country)) throw malformed('country must be an upper-case ISO 3166-1 alpha-2 code')
  if (action === 'withdraw') return { action, country }
  if (!Array.isArray(scopes) || scopes.length === 0 || scopes.some((s) => !SCOPES.includes(s as Usage))) {
    throw malformed('scopes must name at least one of vaccination, test, recovery')
  }
  const request: { action: ApprovalAction; country: string; scopes: Usage[]; vaccines?: string[]; rootThumbprint?: string } = { action, country, scopes: scopes as Usage[] }
  const typed = rootThumbprint ?? fingerprint
  if (typed !== undefined && typed !== '') {
    if (typeof typed !== 'string') throw malformed('the root fingerprint must be text')
    request.rootThumbprint = parseThumbprint(typed)
  }
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

/**
 * A root fingerprint as a person enters it: the RFC 7638 thumbprint (base64url, 43 characters) or its 64 hex digits,
 * in any case, with spaces, colons or dashes between groups (the form diplomats read to each other by phone).
 */
export function parseThumbprint(text: string): string {
  const trimmed = text.trim()
  if (/^[A-Za-z0-9_-]{43}$/.test(trimmed)) return trimmed
  const hex = trimmed.replace(/[\s:-]/g, '')
  if (!/^[0-9A-Fa-f]{64}$/.test(hex)) throw malformed('the root fingerprint must be 64 hex digits (spaces allowed) or a 43-character thumbprint')
  return Buffer.from(hex, 'hex').toString('base64url')
}

function malformed(message: string): EntenteError {
  return new EntenteError('ERR_DIPLOMAT_MALFORMED', message)
}
