// "Trust data updated 3 hours ago, valid until …", and when to warn.
import { describe, expect, it } from 'vitest'
import { freshnessOf, relativeTime } from '../../src/web/freshness.js'

const NOW = new Date('2026-12-02T12:00:00Z')
const status = {
  countries: [
    { role: 'home' as const, expiresAt: '2026-12-30T00:00:00Z' },
    { role: 'recognized' as const, expiresAt: '2026-12-20T00:00:00Z', revocations: { expiresAt: '2026-12-10T00:00:00Z' } },
    // Unrecognized lists decide no verdict: their expiry does not count.
    { role: 'unrecognized' as const, expiresAt: '2026-01-01T00:00:00Z' },
  ],
}

describe('freshnessOf', () => {
  it('fresh: the last sync and the earliest expiry verdicts rely on', () => {
    const fresh = freshnessOf(status, '2026-12-02T09:00:00Z', NOW)
    expect(fresh).toEqual({ level: 'fresh', validUntil: '2026-12-10T00:00:00Z', text: 'Trust data updated 3 hours ago, valid until 2026-12-10 00:00 UTC.' })
  })

  it('stale after a day without a sync; expired once a list expired', () => {
    expect(freshnessOf(status, '2026-11-30T12:00:00Z', NOW)).toMatchObject({ level: 'stale', text: expect.stringContaining('2 days ago') as string, warning: expect.any(String) as string })
    expect(freshnessOf(status, undefined, NOW)).toMatchObject({ level: 'stale', text: expect.stringContaining('never synced') as string })
    expect(freshnessOf(status, '2026-12-11T11:00:00Z', new Date('2026-12-11T12:00:00Z'))).toMatchObject({ level: 'expired', warning: expect.stringContaining('TRUST DATA TOO OLD') as string })
  })

  it('relative times', () => {
    const t = NOW.getTime()
    expect(relativeTime(t - 30_000, t)).toBe('just now')
    expect(relativeTime(t - 60_000, t)).toBe('1 minute ago')
    expect(relativeTime(t - 5 * 3_600_000, t)).toBe('5 hours ago')
    expect(relativeTime(t - 86_400_000, t)).toBe('1 day ago')
    expect(relativeTime(t + 7_200_000, t)).toBe('in 2 hours')
  })
})
