// The web verifier's sync against a real node app (app.request stands in for the browser's fetch): pinned to the
// home root, partitions kept by hash, nothing merged again for an unchanged bundle, a wrong root refused loudly.
import { describe, expect, it } from 'vitest'
import { isEntenteError } from '../../src/model/errors.js'
import { decodeTrustList } from '../../src/trust-list/decode-trust-list.js'
import { memoryStorage } from '../../src/web/storage.js'
import { detectHome, endpoint, namedPartitionHashes, syncWeb } from '../../src/web/web-sync.js'
import { createTestNode, type TestNode } from '../helpers/node.js'

const post = (body?: unknown): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) })

function fetchFrom(node: TestNode, seen: string[] = []): typeof fetch {
  return (input, init) => {
    const url = input instanceof Request ? input.url : input.toString()
    seen.push(new URL(url).pathname)
    return Promise.resolve(node.app.request(url, { headers: init?.headers ?? {} }))
  }
}

async function grNode(): Promise<{ node: TestNode; root: string }> {
  // Revocations as an index with partitions (no single list), as large federations publish them.
  const node = await createTestNode('GR', { limits: { maxRevocationListEntries: 0 } })
  expect((await node.request('/v1/operator/publish', post())).status).toBe(201)
  expect((await node.request('/v1/operator/certificate-revocations', post({ dcc: [{ uci: 'URN:UVCI:01:GR:GONE' }] }))).status).toBe(200)
  expect((await node.request('/v1/operator/certificate-revocations/publish', post({ validityDays: 3 }))).status).toBe(201)
  return { node, root: decodeTrustList(node.store.head('GR')!.signed).payload.root.thumbprint }
}

describe('syncWeb', () => {
  it('first sync from the pin, partitions by hash, then nothing new for the same bundle', async () => {
    const { node, root } = await grNode()
    const storage = memoryStorage()
    const seen: string[] = []
    const fetch = fetchFrom(node, seen)
    expect(await detectHome('http://127.0.0.1/', root, { fetch })).toBe('GR')
    const settings = { source: 'http://127.0.0.1', home: 'GR', pinnedRoot: root }
    const first = await syncWeb({ storage, settings, now: () => node.clock.now, fetch })
    expect(first.status).toBe('updated')
    expect(first.report?.rejected).toEqual([])
    const held = await storage.readState()
    expect(held?.state.seqs.GR).toBe(2)
    expect(held?.etag).toMatch(/^"/)
    // Partitions are kept apart, by the hashes the held index names, and all of them are held.
    expect(held?.state).not.toHaveProperty('revocationPartitions')
    const named = namedPartitionHashes(held!.state)
    expect(named.size).toBeGreaterThan(0)
    expect(await storage.partitionHashes()).toEqual(named)

    // The same bundle again (same ETag): nothing merged, only the sync time moves on.
    node.clock.now = new Date(node.clock.now.getTime() + 60_000)
    const second = await syncWeb({ storage, settings, now: () => node.clock.now, fetch })
    expect(second).toEqual({ status: 'not-modified', requests: 1 })
    expect((await storage.readState())?.lastSync).toBe(node.clock.now.toISOString().replace(/\.\d+Z$/, 'Z'))
  })

  it('refuses a root that no list has, and a held state under another pin', async () => {
    const { node, root } = await grNode()
    const fetch = fetchFrom(node)
    const wrong = 'A'.repeat(43)
    await expect(detectHome('http://127.0.0.1', wrong, { fetch })).rejects.toSatisfy((e) => isEntenteError(e, 'ERR_TRUST_LIST_WRONG_ROOT'))
    const storage = memoryStorage()
    await expect(syncWeb({ storage, settings: { source: 'http://127.0.0.1', home: 'GR', pinnedRoot: wrong }, now: () => node.clock.now, fetch })).rejects.toSatisfy((e) =>
      isEntenteError(e, 'ERR_TRUST_LIST_WRONG_ROOT'),
    )
    expect(await storage.readState()).toBeUndefined()
    await syncWeb({ storage, settings: { source: 'http://127.0.0.1', home: 'GR', pinnedRoot: root }, now: () => node.clock.now, fetch })
    await expect(syncWeb({ storage, settings: { source: 'http://127.0.0.1', home: 'GR', pinnedRoot: wrong }, now: () => node.clock.now, fetch })).rejects.toSatisfy((e) =>
      isEntenteError(e, 'ERR_BUNDLE_HOME_MISMATCH'),
    )
  })

  it('coded errors for bad sources, never a crash', async () => {
    const storage = memoryStorage()
    const settings = { source: 'http://127.0.0.1:9', home: 'GR', pinnedRoot: 'A'.repeat(43) }
    const down: typeof fetch = () => Promise.reject(new TypeError('Failed to fetch'))
    await expect(syncWeb({ storage, settings, now: () => new Date(), fetch: down })).rejects.toSatisfy((e) => isEntenteError(e, 'ERR_HTTP_UNAVAILABLE'))
    const html: typeof fetch = () => Promise.resolve(new Response('<html>', { status: 200 }))
    await expect(syncWeb({ storage, settings, now: () => new Date(), fetch: html })).rejects.toSatisfy((e) => isEntenteError(e, 'ERR_HTTP_MALFORMED_JSON'))
    const notBundle: typeof fetch = () => Promise.resolve(new Response('{"lists":5}', { status: 200 }))
    await expect(syncWeb({ storage, settings, now: () => new Date(), fetch: notBundle })).rejects.toSatisfy((e) => isEntenteError(e, 'ERR_BUNDLE_INVALID'))
    expect(() => endpoint('ftp://x', 'v1/bundle')).toThrow(/http/)
    expect(() => endpoint('not a url', 'v1/bundle')).toThrow(/not a URL/)
    // A mirror under a path keeps its prefix.
    expect(endpoint('https://mirror.example/entente', 'v1/bundle')).toBe('https://mirror.example/entente/v1/bundle')
  })
})
