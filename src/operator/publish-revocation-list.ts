// Certificate revocation for the operator: add entries to this country's pending revocations, and publish them as
// the next signed, chained revocation list (verified like any incoming one, then stored).
import { EntenteError } from '../model/errors.js'
import { buildRevocationList, normalizeEntries, type RevocationEntries } from '../revocation/build-revocation-list.js'
import { decodeRevocationList } from '../revocation/decode-revocation-list.js'
import { parseRevocationRequest } from '../revocation/parse-revocation-request.js'
import { signRevocationList } from '../revocation/sign-revocation-list.js'
import { acceptRevocationList } from '../store/accept-revocation-list.js'
import type { RevocationRepository, StoredRevocationList } from '../store/revocation-repository.js'
import type { TrustStore } from '../store/store.types.js'
import type { RootSigningKey } from '../trust-list/root-key.js'

/** Adds the request's entries to the pending revocations of `country`; returns the whole pending set. */
export function addCertificateRevocations(revocations: RevocationRepository, country: string, request: unknown, now: Date): RevocationEntries {
  const added = parseRevocationRequest(request, country)
  const current = revocations.draft(country)
  const merged = normalizeEntries({ dcc: [...current.dcc, ...added.dcc], shc: [...current.shc, ...added.shc] })
  if (merged.dcc.length > 20_000 || merged.shc.length > 20_000) throw new EntenteError('ERR_REVOCATION_ENTRY', 'a revocation list holds at most 20000 entries of each kind')
  revocations.saveDraft(country, merged, { updatedAt: now })
  return merged
}

export interface PublishRevocationsInput {
  readonly trust: TrustStore
  readonly revocations: RevocationRepository
  readonly country: string
  readonly rootKey: RootSigningKey
  readonly now: Date
  readonly validityDays: number
  readonly maxBytes?: number
}

export async function publishRevocationList(input: PublishRevocationsInput): Promise<StoredRevocationList> {
  const { trust, revocations, country, rootKey, now } = input
  // The list is signed by the root of the country's current trust list: publish a trust list first.
  const trustHead = trust.head(country)
  if (trustHead === undefined) throw new EntenteError('ERR_REVOCATION_WRONG_ROOT', `publish a trust list of ${country} before its revocation list`)
  if (trustHead.rootThumbprint !== rootKey.thumbprint) {
    throw new EntenteError('ERR_REVOCATION_WRONG_ROOT', `the root key ${rootKey.thumbprint} is not ${country}'s current root ${trustHead.rootThumbprint}`)
  }
  const held = revocations.head(country)
  const head = held === undefined ? undefined : decodeRevocationList(held.signed, Number.MAX_SAFE_INTEGER)
  const payload = buildRevocationList({
    country,
    rootThumbprint: rootKey.thumbprint,
    entries: revocations.draft(country),
    ...(head === undefined ? {} : { head: { payload: head.payload, hash: head.hash } }),
    now,
    validityDays: input.validityDays,
  })
  const signed = await signRevocationList(payload, rootKey)
  // The same checks every peer and verifier apply.
  const outcome = await acceptRevocationList({ trust, revocations }, signed, { now, ...(input.maxBytes === undefined ? {} : { maxBytes: input.maxBytes }) })
  if (outcome.status !== 'accepted') throw new EntenteError('ERR_STORE_CONFLICT', `publish of the ${country} revocation list seq ${payload.seq} was ${outcome.status}`)
  return outcome.list
}
