// Builds the payload of a country's next list from its head and the operator's draft. Pure: `now` injected.
import type { NodeAddress, Root, TrustListDraft, TrustListPayload } from '../model/schema.types.js'
import { DEFAULT_VALIDITY_DAYS } from './constants.js'
import { changesBetween, floorsAfter, handoverPoint, type ChainPosition } from './handover.js'
import type { TrustListHead } from './trust-list.types.js'

export interface BuildTrustListInput {
  readonly country: string
  readonly root: Root
  /** Set only for a root rotation: the root that hands over (it co-signs). */
  readonly previousRoot?: Root
  readonly draft: TrustListDraft
  readonly head?: TrustListHead
  readonly nodes?: readonly NodeAddress[]
  readonly now: Date
  readonly validityDays?: number
  /** The country's current certificate revocation list, named so a verifier knows it must hold it. */
  readonly revocationList?: ChainPosition
  /** Recovery below quorum: a root rotation replaces the diplomats without their approvals (surfaced as an alarm). */
  readonly resetGovernance?: boolean
}

const DAY_MS = 24 * 60 * 60 * 1000

export function buildTrustList(input: BuildTrustListInput): TrustListPayload {
  const { head, now, draft } = input
  // Whole seconds: timestamps stay short and compare the same in every language.
  const issued = new Date(Math.floor(now.getTime() / 1000) * 1000)
  const expires = new Date(issued.getTime() + (input.validityDays ?? DEFAULT_VALIDITY_DAYS) * DAY_MS)
  const payload: TrustListPayload = {
    type: 'entente.trust-list',
    version: 1,
    country: input.country,
    seq: head === undefined ? 1 : head.payload.seq + 1,
    issuedAt: issued.toISOString().replace('.000Z', 'Z'),
    expiresAt: expires.toISOString().replace('.000Z', 'Z'),
    prev: head === undefined ? null : head.hash,
    root: input.root,
    ...(input.previousRoot === undefined ? {} : { previousRoot: input.previousRoot }),
    signers: [...draft.signers].sort((a, b) => compare(a.kid, b.kid)),
    revokedSigners: [...draft.revokedSigners].sort((a, b) => compare(a.kid, b.kid)),
    vaccines: [...draft.vaccines].sort((a, b) => compare(a.product, b.product)),
    recognitions: [...draft.recognitions].sort((a, b) => compare(a.country, b.country)),
    diplomats: [...draft.diplomats].sort((a, b) => compare(a.credentialId, b.credentialId)),
    quorum: draft.quorum,
    nodes: [...(input.nodes ?? [])],
    lastHandover: head === undefined ? null : handoverPoint(head),
    changes: [],
    governance: { since: 1 },
  }
  if (draft.rules !== undefined) payload.rules = draft.rules
  if (draft.withdrawals !== undefined && draft.withdrawals.length > 0) {
    payload.withdrawals = [...draft.withdrawals].sort((a, b) => compare(a.country, b.country))
  }
  if (input.revocationList !== undefined) payload.revocationList = { seq: input.revocationList.seq, hash: input.revocationList.hash }
  if (head !== undefined) {
    const floors = floorsAfter(head.payload)
    if (Object.keys(floors).length > 0) payload.floors = floors
    payload.changes = changesBetween(head.payload, payload)
    if (payload.changes.includes('governance')) {
      // A new governance epoch starts here, with the previous diplomats' approvals of exactly this set.
      const approvals = draft.governanceApprovals ?? []
      payload.governance = {
        since: payload.seq,
        ...(approvals.length > 0 ? { approvals: [...approvals].sort((a, b) => compare(a.credentialId, b.credentialId)) } : {}),
        ...(input.resetGovernance === true ? { reset: true as const } : {}),
      }
    } else {
      payload.governance = { since: head.payload.governance.since }
    }
  }
  return payload
}

export function emptyDraft(quorum = 2): TrustListDraft {
  return { signers: [], revokedSigners: [], vaccines: [], recognitions: [], diplomats: [], quorum }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
