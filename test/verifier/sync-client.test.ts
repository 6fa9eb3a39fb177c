// syncBundle with an injected fetch: following a home root rotation through the node's history (handovers only),
// unreachable and oversized sources reported without stopping the others, the atomic write.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import type { SignedTrustList } from '../../src/model/schema.types.js'
import { decodeTrustList } from '../../src/trust-list/decode-trust-list.js'
import { syncBundle } from '../../src/verifier/sync-client.js'
import { SoftAuthenticator } from '../helpers/webauthn.js'
import { NOW, T0, VerifierCountry, bundleOf } from './fixtures.js'

/** A fake node: its bundle holds only the head; history and single lists as the HTTP API serves them. */
function fakeNode(lists: SignedTrustList[], requests: string[]): typeof fetch {
  const json = (body: unknown) => new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } })
  return ((input: string | URL | Request) => {
    const url = new URL(input instanceof Request ? input.url : input)
    requests.push(`${url.pathname}${url.search}`)
    if (url.pathname === '/v1/bundle') return Promise.resolve(json(bundleOf(lists.slice(-1), { token: '3.0.0' })))
    if (url.pathname === '/v1/trust-lists/GR/history') {
      const after = Number(url.searchParams.get('after') ?? 0)
      return Promise.resolve(json({ country: 'GR', lists: lists.map((l) => ({ seq: decodeTrustList(l).payload.seq })).filter((s) => s.seq > after) }))
    }
    const one = /^\/v1\/trust-lists\/GR\/(\d+)$/.exec(url.pathname)
    if (one !== null) return Promise.resolve(json(lists[Number(one[1]) - 1]))
    return Promise.resolve(new Response('{}', { status: 404 }))
  })
}

describe('syncBundle', () => {
  it('a verifier with a gap walks the governance handover it skipped, and refuses puppet diplomats installed there', async () => {
    const gr = await VerifierCountry.create('GR')
    const l1 = await gr.publish()
    // The operator, alone, replaces the diplomats (no approvals of the diplomats in force) and publishes on top.
    const puppet = SoftAuthenticator.create('ES256')
    gr.tc.draft.diplomats = [puppet.diplomat({ name: 'Puppet' })]
    const l2 = await gr.publish()
    const l3 = await gr.publish()
    const dir = mkdtempSync(path.join(tmpdir(), 'entente-sync-'))
    try {
      const out = path.join(dir, 'bundle.json')
      // Held: seq 1. The bundle offers seq 3 only; seq 2 is a handover that must be walked, and it does not verify.
      await syncBundle({ sources: ['http://gr.example'], home: 'GR', anchor: { thumbprint: gr.thumbprint }, out, now: () => NOW, fetch: fakeNode([l1], []) })
      const requests: string[] = []
      const later = await syncBundle({ sources: ['http://gr.example'], home: 'GR', out, now: () => NOW, fetch: fakeNode([l1, l2, l3], requests) })
      expect(requests).toContain('/v1/trust-lists/GR/2')
      expect(later.summary.seqs.GR).toBe(1)
      expect(later.sources[0]?.merge?.rejected).toEqual(
        expect.arrayContaining([expect.objectContaining({ country: 'GR', code: 'ERR_GOVERNANCE_UNAPPROVED' }), expect.objectContaining({ country: 'GR', code: 'ERR_TRUST_LIST_HANDOVER_MISSING' })]),
      )
      // A fresh verifier walks back to the first list and refuses the same way: it never starts from the puppets.
      const fresh = await syncBundle({ sources: ['http://gr.example'], home: 'GR', anchor: { thumbprint: gr.thumbprint }, out: path.join(dir, 'fresh.json'), now: () => NOW, fetch: fakeNode([l1, l2, l3], []) })
      expect(fresh.summary.seqs.GR).toBe(1)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('follows a home root rotation from the pin through the handover chain of the node’s history', async () => {
    const gr = await VerifierCountry.create('GR')
    const pin = gr.thumbprint
    const l1 = await gr.publish()
    const l2 = (await gr.tc.rotate({ now: T0 })).signed
    const l3 = await gr.publish()
    const requests: string[] = []
    const out = path.join(mkdtempSync(path.join(tmpdir(), 'entente-sync-')), 'bundle.json')
    const result = await syncBundle({ sources: ['http://gr.example'], home: 'GR', anchor: { thumbprint: pin }, out, now: () => NOW, fetch: fakeNode([l1, l2, l3], requests) })
    expect(result.summary.seqs).toEqual({ GR: 3 })
    expect(result.summary.pinnedRoot).toBe(gr.thumbprint)
    expect(result.summary.pinnedRoot).not.toBe(pin)
    // Only handovers are fetched, newest first, following each list's lastHandover pointer back to the first list.
    expect(requests).toEqual(['/v1/bundle', '/v1/trust-lists/GR/2', '/v1/trust-lists/GR/1'])
    // Temp files renamed away: only the bundle, its sync record and the prepared state are left.
    expect(readdirSync(path.dirname(out)).sort()).toEqual(['bundle.json', 'bundle.json.prepared', 'bundle.json.sync.json'])

    // A history that skips the handover proves nothing: the chain from the pin breaks, nothing is trusted.
    const other = path.join(path.dirname(out), 'other.json')
    await expect(
      syncBundle({ sources: ['http://gr.example'], home: 'GR', anchor: { thumbprint: pin }, out: other, now: () => NOW, fetch: fakeNode([l1, l3], []) }),
    ).rejects.toMatchObject({ code: 'ERR_SYNC_NO_VALID_SOURCE' })
  })

  it('reports unreachable and oversized sources and still uses the good one', async () => {
    const gr = await VerifierCountry.create('GR')
    const l1 = await gr.publish()
    const good = fakeNode([l1], [])
    const fetcher = ((input: string | URL | Request, init?: RequestInit) => {
      const url = String(input instanceof Request ? input.url : input)
      if (url.startsWith('http://down.example')) return Promise.reject(new TypeError('fetch failed'))
      if (url.startsWith('http://huge.example')) return Promise.resolve(new Response('x'.repeat(2048), { status: 200 }))
      return good(input, init)
    }) as typeof fetch
    const out = path.join(mkdtempSync(path.join(tmpdir(), 'entente-sync-')), 'bundle.json')
    const progress: string[] = []
    const result = await syncBundle({
      sources: ['http://down.example', 'http://huge.example', 'http://gr.example'],
      home: 'GR',
      anchor: { thumbprint: gr.thumbprint },
      out,
      now: () => NOW,
      fetch: fetcher,
      maxBundleBytes: 1024 * 1024,
      progress: (line) => progress.push(line),
    })
    expect(result.sources.map((s) => [s.status, s.error?.code])).toEqual([
      ['failed', 'ERR_HTTP_UNAVAILABLE'],
      ['failed', 'ERR_HTTP_MALFORMED_JSON'],
      ['fresh', undefined],
    ])
    expect(progress.some((l) => /full \d+ bytes/.test(l))).toBe(true)
    const capped = await syncBundle({ sources: ['http://huge.example'], home: 'GR', out, now: () => NOW, fetch: fetcher, maxBundleBytes: 1000 })
    expect(capped.sources[0]?.error?.code).toBe('ERR_SYNC_WIRE_TOO_LARGE')
    // A bundle file of another home is refused.
    await expect(syncBundle({ sources: ['http://gr.example'], home: 'CY', out, now: () => NOW, fetch: fetcher })).rejects.toMatchObject({ code: 'ERR_BUNDLE_HOME_MISMATCH' })
  })
})
