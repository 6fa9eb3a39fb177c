// How fresh the trust data on the device is, in the words the page shows: "Trust data updated 3 hours ago, valid
// until …", and whether to warn. Pure: `now` and the date formatter are passed in.

/** The parts of VerifierStatus this needs. */
export interface FreshnessInput {
  readonly countries: readonly { role: 'home' | 'recognized' | 'unrecognized'; expiresAt: string; revocations?: { expiresAt: string } }[]
}

export type FreshnessLevel = 'fresh' | 'stale' | 'expired'

export interface Freshness {
  readonly level: FreshnessLevel
  /** The earliest expiry among the lists verdicts rely on (home, recognized, their revocation lists). */
  readonly validUntil?: string
  readonly text: string
  /** Set when the guard should sync before relying on verdicts. */
  readonly warning?: string
}

/** After this long without a successful sync the page asks for one, even if nothing has expired yet. */
export const STALE_AFTER_MS = 24 * 3_600_000

export function freshnessOf(status: FreshnessInput, lastSync: string | undefined, now: Date, formatDate: (iso: string) => string = (iso) => iso.replace('T', ' ').replace(/:\d\d(\.\d+)?Z$/, ' UTC')): Freshness {
  const expiries = status.countries
    .filter((c) => c.role !== 'unrecognized')
    .flatMap((c) => [c.expiresAt, ...(c.revocations === undefined ? [] : [c.revocations.expiresAt])])
    .filter((iso) => Number.isFinite(Date.parse(iso)))
    .sort((a, b) => Date.parse(a) - Date.parse(b))
  const validUntil = expiries[0]
  const updated = lastSync === undefined ? 'Trust data never synced' : `Trust data updated ${relativeTime(Date.parse(lastSync), now.getTime())}`
  const until = validUntil === undefined ? '' : `, valid until ${formatDate(validUntil)}`
  const text = `${updated}${until}.`
  if (validUntil !== undefined && now.getTime() > Date.parse(validUntil)) {
    return { level: 'expired', validUntil, text, warning: 'Trust data has expired: verdicts will say TRUST DATA TOO OLD until you sync.' }
  }
  if (lastSync === undefined || now.getTime() - Date.parse(lastSync) > STALE_AFTER_MS) {
    return { level: 'stale', ...(validUntil === undefined ? {} : { validUntil }), text, warning: 'Trust data is more than a day old: sync when you can.' }
  }
  return { level: 'fresh', ...(validUntil === undefined ? {} : { validUntil }), text }
}

/** "just now", "5 minutes ago", "3 hours ago", "2 days ago" (and "in …" for a clock running behind). */
export function relativeTime(thenMs: number, nowMs: number): string {
  const delta = nowMs - thenMs
  const ahead = delta < 0
  const seconds = Math.abs(delta) / 1000
  if (seconds < 60) return 'just now'
  const [value, unit] =
    seconds < 3600 ? [Math.floor(seconds / 60), 'minute'] : seconds < 86_400 ? [Math.floor(seconds / 3600), 'hour'] : [Math.floor(seconds / 86_400), 'day']
  const phrase = `${value} ${unit}${value === 1 ? '' : 's'}`
  return ahead ? `in ${phrase}` : `${phrase} ago`
}
