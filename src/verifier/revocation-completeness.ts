// First-sync completeness of certificate revocation lists: a trusted country's trust list names its current
// revocation list (seq and payload hash), so a verifier can tell when a source omitted it or served a frozen one.
// Pure: no I/O; the caller says which lists it holds.

/** A revocation list's position in its country's chain. */
export interface RevocationPosition {
  readonly seq: number
  readonly hash: string
}

/** A trusted country whose trust list names a revocation list the verifier does not hold. */
export interface RevocationGap {
  readonly country: string
  /** What the country's trust list names. */
  readonly needs: RevocationPosition
  /** What the verifier holds instead, if anything. */
  readonly holds?: RevocationPosition
  /**
   * none: no list at all (omitted); older: a lower seq (frozen); other-hash: the named seq with other bytes;
   * partitions: the named revocation index is held, but not every partition it names.
   */
  readonly kind: 'none' | 'older' | 'other-hash' | 'partitions'
  /** For `partitions`: how many named partitions are missing. */
  readonly missingPartitions?: number
}

/**
 * Whether `held` satisfies the named position: the named list itself, or any newer one (the trust list may lag
 * behind the revocation list; a newer one was verified to chain on from what the country signed before).
 */
export function satisfiesRevocationPointer(needs: RevocationPosition, held: RevocationPosition | undefined): boolean {
  if (held === undefined) return false
  return held.seq > needs.seq || (held.seq === needs.seq && held.hash === needs.hash)
}

/**
 * The gap of one country, or undefined when what it holds satisfies what its trust list names (or names nothing).
 * `missingPartitions`: partitions its held index names but the verifier lacks: the index alone judges nothing.
 */
export function revocationGap(country: string, needs: RevocationPosition | undefined, held: RevocationPosition | undefined, missingPartitions = 0): RevocationGap | undefined {
  if (needs === undefined) return undefined
  if (satisfiesRevocationPointer(needs, held)) {
    if (missingPartitions === 0 || held === undefined) return undefined
    return { country, needs: { seq: needs.seq, hash: needs.hash }, holds: { seq: held.seq, hash: held.hash }, kind: 'partitions', missingPartitions }
  }
  const named = { seq: needs.seq, hash: needs.hash }
  if (held === undefined) return { country, needs: named, kind: 'none' }
  const holds = { seq: held.seq, hash: held.hash }
  return { country, needs: named, holds, kind: held.seq < needs.seq ? 'older' : 'other-hash' }
}

/** Every gap among `trusted` countries (country → the revocation list its trust list names), sorted by country. */
export function revocationGaps(
  trusted: Iterable<readonly [country: string, needs: RevocationPosition | undefined]>,
  held: ReadonlyMap<string, RevocationPosition>,
  missingPartitions: ReadonlyMap<string, number> = new Map(),
): RevocationGap[] {
  const gaps: RevocationGap[] = []
  for (const [country, needs] of trusted) {
    const gap = revocationGap(country, needs, held.get(country), missingPartitions.get(country))
    if (gap !== undefined) gaps.push(gap)
  }
  return gaps.sort((a, b) => (a.country < b.country ? -1 : a.country > b.country ? 1 : 0))
}

/** One line for a verdict or a terminal: names the country, the seq it needs and what is held instead. */
export function describeRevocationGap(gap: RevocationGap): string {
  if (gap.kind === 'partitions') {
    return `the revocation index of ${gap.country} (seq ${gap.holds?.seq ?? gap.needs.seq}) names ${gap.missingPartitions ?? '?'} partition(s) the verifier does not hold; ${gap.country}'s certificates are refused until a sync brings them`
  }
  const held =
    gap.kind === 'none'
      ? 'none is held'
      : gap.kind === 'older'
        ? `only seq ${gap.holds?.seq ?? '?'} is held`
        : `a different seq ${gap.needs.seq} is held`
  return `the trust list of ${gap.country} names its revocation list seq ${gap.needs.seq}, but ${held}; ${gap.country}'s certificates are refused until a sync brings that list or a newer one`
}
