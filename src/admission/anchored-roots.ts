// Which roots a node anchors, per country: its own root, the roots its operator pinned, and, to a fixpoint, the roots
// named by recognitions in the held head of a country that is itself admitted. Pure: no I/O; the caller passes what
// the store holds, and only recognitions whose evidence it verified (chains it followed from their first list).

/** Why a root is anchored. */
export type AnchorSource =
  | { readonly kind: 'own' }
  | { readonly kind: 'pin' }
  | { readonly kind: 'recognition'; readonly by: string }

export interface AnchoredCountry {
  /** Root thumbprints a first list of the country may be signed by (or rotate from). */
  readonly roots: ReadonlySet<string>
  /** Every reason, root by root. */
  readonly via: readonly { readonly root: string; readonly source: AnchorSource }[]
}

export interface HeldCountry {
  /** Roots that signed any held list of the country: the verified chain hands trust from each to the next. */
  readonly chainRoots: readonly string[]
  /** Recognitions in the held head. */
  readonly recognitions: readonly { readonly country: string; readonly rootThumbprint: string }[]
}

export interface AnchorInput {
  readonly own: { readonly country: string; readonly roots: readonly string[] }
  readonly pins: readonly { readonly country: string; readonly rootThumbprint: string }[]
  readonly held: ReadonlyMap<string, HeldCountry>
}

export function anchoredRoots(input: AnchorInput): Map<string, AnchoredCountry> {
  const anchors = new Map<string, { roots: Set<string>; via: { root: string; source: AnchorSource }[] }>()
  const add = (country: string, root: string, source: AnchorSource): boolean => {
    let entry = anchors.get(country)
    if (entry === undefined) anchors.set(country, (entry = { roots: new Set(), via: [] }))
    const isNew = !entry.roots.has(root)
    entry.roots.add(root)
    if (!entry.via.some((v) => v.root === root && sameSource(v.source, source))) entry.via.push({ root, source })
    return isNew
  }
  for (const root of input.own.roots) add(input.own.country, root, { kind: 'own' })
  for (const pin of input.pins) add(pin.country, pin.rootThumbprint, { kind: 'pin' })
  // Fixpoint: each admitted held country vouches for the roots its head recognizes; an admission can make more.
  const expanded = new Set<string>()
  for (let changed = true; changed; ) {
    changed = false
    for (const [country, held] of input.held) {
      if (expanded.has(country) || !isAdmitted(anchors.get(country), held)) continue
      expanded.add(country)
      for (const recognition of held.recognitions) {
        if (recognition.country === country) continue
        add(recognition.country, recognition.rootThumbprint, { kind: 'recognition', by: country })
        changed = true
      }
    }
  }
  return anchors
}

/**
 * Whether a country may be held: it has an anchored root and, when a chain is already held, that chain runs through
 * one of those roots (a chain from an unanchored root vouches for nothing).
 */
export function isAdmitted(anchor: Pick<AnchoredCountry, 'roots'> | undefined, held: Pick<HeldCountry, 'chainRoots'> | undefined): boolean {
  if (anchor === undefined || anchor.roots.size === 0) return false
  return held === undefined || held.chainRoots.some((root) => anchor.roots.has(root))
}

function sameSource(a: AnchorSource, b: AnchorSource): boolean {
  return a.kind === b.kind && (a.kind !== 'recognition' || (b.kind === 'recognition' && a.by === b.by))
}
