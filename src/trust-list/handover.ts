// Handover lists: the lists a verifier must walk even when it skips seqs, because they change who decides
// (the root, the diplomats and quorum) or withdraw trust. Every list names the latest handover before it, so a
// gap that hides one is detected. Pure: no I/O.
import { canonicalize } from '../model/canonical-json.js'
import type { TrustListPayload } from '../model/schema.types.js'
import type { TrustListHead } from './trust-list.types.js'

export type HandoverChange = TrustListPayload['changes'][number]

export interface ChainPosition {
  readonly seq: number
  readonly hash: string
}

/** Whether a list is itself a handover: the first list, or one that declares a change. */
export function isHandover(payload: Pick<TrustListPayload, 'seq' | 'changes'>): boolean {
  return payload.seq === 1 || payload.changes.length > 0
}

/** The latest handover at or before `head`: what the next list must name as `lastHandover`. */
export function handoverPoint(head: TrustListHead): ChainPosition {
  if (isHandover(head.payload) || head.payload.lastHandover === null) return { seq: head.payload.seq, hash: head.hash }
  return head.payload.lastHandover
}

/** What `next` changes compared with `previous`, in the schema's order. */
export function changesBetween(
  previous: Pick<TrustListPayload, 'root' | 'diplomats' | 'quorum' | 'withdrawals'>,
  next: Pick<TrustListPayload, 'root' | 'diplomats' | 'quorum' | 'withdrawals'>,
): HandoverChange[] {
  const changes: HandoverChange[] = []
  if (previous.root.thumbprint !== next.root.thumbprint) changes.push('root')
  if (!sameGovernance(previous, next)) changes.push('governance')
  if (canonicalize(previous.withdrawals ?? []) !== canonicalize(next.withdrawals ?? [])) changes.push('withdrawals')
  return changes
}

/** Same diplomats (every field of every record) and same quorum. */
export function sameGovernance(
  a: Pick<TrustListPayload, 'diplomats' | 'quorum'>,
  b: Pick<TrustListPayload, 'diplomats' | 'quorum'>,
): boolean {
  return a.quorum === b.quorum && canonicalize(sortedDiplomats(a.diplomats)) === canonicalize(sortedDiplomats(b.diplomats))
}

/** What a governance approval signs: exactly the new diplomat set (sorted by credential id) and quorum. */
export function governanceEntry(payload: Pick<TrustListPayload, 'diplomats' | 'quorum'>): { diplomats: TrustListPayload['diplomats']; quorum: number } {
  return { diplomats: sortedDiplomats(payload.diplomats), quorum: payload.quorum }
}

function sortedDiplomats(diplomats: TrustListPayload['diplomats']): TrustListPayload['diplomats'] {
  return [...diplomats].sort((x, y) => (x.credentialId < y.credentialId ? -1 : x.credentialId > y.credentialId ? 1 : 0))
}

/** The newest chain position of any evidence `payload` holds for `country` (recognition or withdrawal), 0 for none. */
export function evidenceSeq(payload: Pick<TrustListPayload, 'recognitions' | 'withdrawals'>, country: string): number {
  let newest = 0
  for (const entry of [...payload.recognitions, ...(payload.withdrawals ?? [])]) {
    if (entry.country !== country) continue
    for (const approval of entry.approvals) newest = Math.max(newest, approval.head.seq)
  }
  return newest
}

/**
 * The floors the list after `previous` must carry at least: per country, the previous floor or the newest evidence
 * the previous list held, whichever is later. Evidence for a country must never again be older than that.
 */
export function floorsAfter(previous: Pick<TrustListPayload, 'recognitions' | 'withdrawals' | 'floors'>): Record<string, number> {
  const floors: Record<string, number> = {}
  for (const [country, seq] of Object.entries(previous.floors ?? {})) if (seq !== undefined) floors[country] = seq
  for (const entry of [...previous.recognitions, ...(previous.withdrawals ?? [])]) {
    const seq = evidenceSeq(previous, entry.country)
    if (seq > (floors[entry.country] ?? 0)) floors[entry.country] = seq
  }
  return floors
}
