// The verifier's files across syncs: a sync that brings nothing new neither reads nor rewrites the bundle (only its
// small sync record), a change to one country fetches only that list, a restored older bundle cannot roll back, a
// bundle edited on disk gains nothing, older verified-bundle files without a record keep working, revocation
// partitions live in files beside the bundle (written when new, removed when unnamed, refused when edited), and the two size
// caps (wire, decompressed) fail with their own codes, also on the CLI's one line.
import { copyFileSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { gzipSync } from 'node:zlib'
import { Ajv2020 } from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'
import { afterAll, describe, expect, it } from 'vitest'
import { allSchemas } from '../../src/model/schemas.js'
import type { Bundle, SignedRevocationIndex, SignedRevocationPartition, SignedTrustList } from '../../src/model/schema.types.js'
import {
  buildRevocationRelease,
  decodeRevocationIndex,
  hashRevocationDocument,
  revocationSet,
  signRevocationIndex,
  signRevocationPartition,
  type RevocationEntries,
} from '../../src/revocation/index.js'
import { dccRevocationHash } from '../../src/revocation/parse-revocation-request.js'
import type { RevocationPartitionPayload } from '../../src/model/schema.types.js'
import { decodeTrustList } from '../../src/trust-list/decode-trust-list.js'
import { createVerifier, prepareVerifierState } from '../../src/verifier/create-verifier.js'
import { preparedStateDescribes, preparedStatePath, readPreparedState } from '../../src/verifier/prepared-state-file.js'
import { loadVerifier, partitionFiles, readBundleFile } from '../../src/verifier/load-verifier.js'
import { partitionDir, writePartitionFile } from '../../src/verifier/state-file.js'
import { readState, syncBundle } from '../../src/verifier/sync-client.js'
import type { BundleInput } from '../../src/verifier/verify-bundle.js'
import { cli } from '../helpers/cli.js'
import { tempDir } from '../helpers/temp.js'
import { NOW, T0, VerifierCountry } from './fixtures.js'

/**
 * A node as a verifier sees it over HTTP: full bundle, deltas since a token (only the lists published after it),
 * ETags and 304, single lists and home history. `omit` leaves countries out of the full bundle (a partial mirror).
 */
class FakeNode {
  readonly requests: string[] = []
  readonly history = new Map<string, SignedTrustList[]>()
  /** Change id at which each country's head was published. */
  readonly changedAt = new Map<string, number>()
  change = 0
  omit = new Set<string>()

  /** The current revocation index per country (with its change id) and every partition by hash. */
  readonly indexes = new Map<string, { signed: SignedRevocationIndex; at: number }>()
  readonly partitions = new Map<string, SignedRevocationPartition>()

  publishRevocations(signed: SignedRevocationIndex, parts: readonly { hash: string; signed: SignedRevocationPartition }[]): void {
    for (const p of parts) this.partitions.set(p.hash, p.signed)
    this.indexes.set(decodeRevocationIndex(signed).payload.country, { signed, at: ++this.change })
  }

  publish(list: SignedTrustList): void {
    const { country } = decodeTrustList(list).payload
    this.history.set(country, [...(this.history.get(country) ?? []), list])
    this.changedAt.set(country, ++this.change)
  }

  head(country: string): SignedTrustList | undefined {
    return this.history.get(country)?.at(-1)
  }

  readonly fetch = ((input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(input instanceof Request ? input.url : input)
    this.requests.push(`${url.pathname}${url.search}`)
    const json = (body: unknown, etag?: string) =>
      Promise.resolve(new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json', ...(etag === undefined ? {} : { etag }) } }))
    if (url.pathname === '/v1/bundle') {
      const since = url.searchParams.get('since')
      const after = since === null ? undefined : Number(since.split('.')[0])
      const etag = `"${after ?? 'full'}-${this.change}"`
      if (new Headers(init?.headers).get('if-none-match') === etag) return Promise.resolve(new Response(null, { status: 304, headers: { etag } }))
      const countries = [...this.changedAt].filter(([c, at]) => (after === undefined ? !this.omit.has(c) : at > after)).map(([c]) => c)
      const indexes = [...this.indexes.values()].filter((i) => after === undefined || i.at > after).map((i) => i.signed)
      const bundle: Bundle & BundleInput = {
        type: 'entente.bundle',
        version: 1,
        token: `${this.change}.0.0`,
        ...(since === null ? {} : { since }),
        full: after === undefined,
        lists: countries.map((c) => this.head(c) as SignedTrustList),
        alarms: [],
        ...(indexes.length === 0 ? {} : { revocationIndexes: indexes }),
      }
      return json(bundle, etag)
    }
    const part = /^\/v1\/revocations\/[A-Z]{2}\/partitions\/([0-9a-f]{64})$/.exec(url.pathname)
    const partition = part === null ? undefined : this.partitions.get(part[1] as string)
    if (partition !== undefined) return json(partition)
    const one = /^\/v1\/trust-lists\/([A-Z]{2})(?:\/(\d+))?$/.exec(url.pathname)
    const list = one === null ? undefined : one[2] === undefined ? this.head(one[1] as string) : this.history.get(one[1] as string)?.[Number(one[2]) - 1]
    if (list !== undefined) return json(list)
    return Promise.resolve(new Response('{}', { status: 404 }))
  }) as typeof fetch
}

async function federation() {
  const [gr, cy, mt] = await Promise.all([VerifierCountry.create('GR'), VerifierCountry.create('CY'), VerifierCountry.create('MT')])
  const node = new FakeNode()
  node.publish(await cy.publish())
  node.publish(await mt.publish())
  await gr.recognize(cy)
  node.publish(gr.tc.head?.signed as SignedTrustList)
  node.publish(await gr.publish())
  return { gr, cy, mt, node }
}

describe('sync state: what a sync reads, fetches and writes', () => {
  it('nothing new: an empty delta and a 304 neither read nor rewrite the bundle; one changed country fetches only its list', async () => {
    const { gr, cy, node } = await federation()
    const out = path.join(tempDir(), 'bundle.json')
    const sync = () => syncBundle({ sources: ['http://node.example'], home: 'GR', anchor: { thumbprint: gr.thumbprint }, out, now: () => NOW, fetch: node.fetch })

    const first = await sync()
    expect(first).toMatchObject({ written: true, summary: { seqs: { GR: 2, CY: 1 }, counts: { lists: 2, unrecognized: 1 } } })
    const bundleBytes = readFileSync(out)
    const before = statSync(out)

    // The bundle is replaced by same-sized garbage with its old modification time: a sync that read it would fail.
    writeFileSync(out, Buffer.alloc(bundleBytes.length, 0x20))
    utimesSync(out, before.atime, before.mtime)
    const touched = statSync(out).mtimeMs
    node.requests.length = 0
    const empty = await sync()
    expect(empty.sources[0]).toMatchObject({ status: 'fresh', full: false, requests: 1 })
    expect(empty.written).toBe(false)
    expect(empty.state).toBeUndefined()
    const notModified = await sync()
    expect(notModified.sources[0]).toMatchObject({ status: 'not-modified', bytes: 0 })
    expect(notModified).toMatchObject({ written: false, summary: { seqs: { GR: 2, CY: 1 } } })
    expect(notModified.state).toBeUndefined()
    expect(statSync(out).mtimeMs).toBe(touched)
    expect(node.requests).toEqual(['/v1/bundle?since=4.0.0', '/v1/bundle?since=4.0.0'])
    writeFileSync(out, bundleBytes)
    utimesSync(out, before.atime, before.mtime)

    // One country publishes: the delta carries that list alone, and nothing else is fetched.
    const cy2 = await cy.publish()
    node.publish(cy2)
    node.requests.length = 0
    const changed = await sync()
    expect(node.requests).toEqual(['/v1/bundle?since=4.0.0'])
    expect(changed.sources[0]).toMatchObject({ status: 'fresh', full: false, merge: { accepted: [{ country: 'CY', seq: 2 }] } })
    expect(changed.sources[0]?.bytes).toBeLessThan(JSON.stringify(cy2).length + 500)
    expect(changed).toMatchObject({ written: true, summary: { seqs: { GR: 2, CY: 2 } } })

    // A new home list whose recognized countries the verifier holds: the home list alone.
    gr.tc.draft.vaccines = [...gr.tc.draft.vaccines, { product: 'EU/1/20/1507', dosesForCompletion: 2, validityDays: 270 }]
    node.publish(await gr.publish())
    node.requests.length = 0
    const homeMoved = await sync()
    expect(node.requests).toEqual(['/v1/bundle?since=5.0.0'])
    expect(homeMoved.summary.seqs).toMatchObject({ GR: 3, CY: 2 })
    const verifier = await createVerifier(await readState(out), { now: NOW })
    expect((await verifier.verify(cy.issue())).valid).toBe(true)
  })

  it('a new home list recognizing a country the verifier lacks fetches that country’s list, not the whole bundle', async () => {
    const { gr, mt, node } = await federation()
    const out = path.join(tempDir(), 'bundle.json')
    const sync = () => syncBundle({ sources: ['http://node.example'], home: 'GR', anchor: { thumbprint: gr.thumbprint }, out, now: () => NOW, fetch: node.fetch })
    // The first sync came from a partial full bundle without MT.
    node.omit.add('MT')
    expect((await sync()).summary.counts).toMatchObject({ lists: 2, unrecognized: 0 })
    await gr.recognize(mt)
    node.publish(await gr.publish())
    node.requests.length = 0
    const result = await sync()
    expect(node.requests).toEqual(['/v1/bundle?since=4.0.0', '/v1/trust-lists/MT'])
    expect(result.summary.seqs).toMatchObject({ GR: 3, MT: 1 })
    expect((await (await createVerifier(await readState(out), { now: NOW })).verify(mt.issue())).valid).toBe(true)
  })

  it('a restored older bundle cannot roll back (the record keeps the highest seqs), and a bundle without a record still works', async () => {
    const { gr, cy, node } = await federation()
    const dir = tempDir()
    const out = path.join(dir, 'bundle.json')
    const sync = (fetch = node.fetch, source = 'http://node.example') => syncBundle({ sources: [source], home: 'GR', anchor: { thumbprint: gr.thumbprint }, out, now: () => NOW, fetch })
    await sync()
    copyFileSync(out, path.join(dir, 'old.json'))
    // A source this verifier never used (no token): it sends its whole, frozen bundle.
    const frozen = new FakeNode()
    for (const lists of node.history.values()) for (const l of lists) frozen.publish(l)
    node.publish(await cy.publish())
    expect((await sync()).summary.seqs.CY).toBe(2)

    // The old bundle comes back (a backup); a frozen source still serves CY seq 1.
    copyFileSync(path.join(dir, 'old.json'), out)
    const replayed = await sync(frozen.fetch, 'http://frozen.example')
    expect(replayed.sources[0]).toMatchObject({ status: 'stale', behind: { CY: [1, 2] } })
    expect(replayed.summary.seqs.CY).toBe(2)

    // The node brings CY seq 2 back; then an older verified-bundle file without a record: read once, the record
    // written, the bundle left as it is.
    expect((await sync()).written).toBe(true)
    rmSync(`${out}.sync.json`)
    const mtime = statSync(out).mtimeMs
    const legacy = await sync()
    expect(legacy.written).toBe(false)
    expect(legacy.state?.home).toBe('GR')
    expect(statSync(out).mtimeMs).toBe(mtime)
    const record = JSON.parse(readFileSync(`${out}.sync.json`, 'utf8')) as unknown
    expect(record).toMatchObject({ type: 'entente.verified-bundle-sync', seqs: { CY: 2 } })
    // The record is what registry-schema/verified-bundle-sync.v1 says it is.
    const ajv = new Ajv2020({ strict: true, strictTuples: false })
    addFormats.default(ajv)
    for (const schema of allSchemas) ajv.addSchema(schema)
    const validate = ajv.compile(JSON.parse(readFileSync(path.join(import.meta.dirname, '../../registry-schema/verified-bundle-sync.v1.schema.json'), 'utf8')) as object)
    expect(validate(record), JSON.stringify(validate.errors)).toBe(true)
  })

  it('a bundle edited on disk gains nothing: a tampered list is refused at load, and a sync refuses a bundle its record does not describe', async () => {
    const { gr, cy, node } = await federation()
    const out = path.join(tempDir(), 'bundle.json')
    await syncBundle({ sources: ['http://node.example'], home: 'GR', anchor: { thumbprint: gr.thumbprint }, out, now: () => NOW, fetch: node.fetch })
    const before = statSync(out)
    const text = readFileSync(out, 'utf8')
    // CY's DSC kid swapped for another of the same length, inside the signed payload text.
    const kid = cy.dsc.signer.kid
    const forged = `${kid.slice(0, 2)}${kid[2] === 'A' ? 'B' : 'A'}${kid.slice(3)}`
    expect(text.includes(kid)).toBe(true)
    writeFileSync(out, text.replaceAll(kid, forged))
    utimesSync(out, before.atime, before.mtime)
    await expect(createVerifier(await readState(out), { now: NOW })).rejects.toMatchObject({ code: 'ERR_BUNDLE_INVALID' })

    node.publish(await cy.publish())
    const refused = await syncBundle({ sources: ['http://node.example'], home: 'GR', out, now: () => NOW, fetch: node.fetch }).catch((error: unknown) => error as Error)
    expect(refused).toMatchObject({ code: 'ERR_BUNDLE_INVALID' })
    expect((refused as Error).message).toMatch(/changed since the last sync/)
  })
})

describe('the prepared state: verified once at sync, kept beside the bundle, loaded without verifying again', () => {
  const syncOf = (node: FakeNode, gr: VerifierCountry, out: string) => () =>
    syncBundle({ sources: ['http://node.example'], home: 'GR', anchor: { thumbprint: gr.thumbprint }, out, now: () => NOW, fetch: node.fetch })
  // CY's DSC kid swapped for another of the same length inside the signed payload text; the file keeps its size and time.
  const tamperInPlace = (out: string, kid: string) => {
    const before = statSync(out)
    const forged = `${kid.slice(0, 2)}${kid[2] === 'A' ? 'B' : 'A'}${kid.slice(3)}`
    writeFileSync(out, readFileSync(out, 'utf8').replaceAll(kid, forged))
    utimesSync(out, before.atime, before.mtime)
  }

  it('loadVerifier starts from it: the same state, status and verdicts as verifying the bundle, and the bundle is not read', async () => {
    const { gr, cy, mt, node } = await federation()
    const out = path.join(tempDir(), 'bundle.json')
    await syncOf(node, gr, out)()
    expect(readdirSync(path.dirname(out))).toContain('bundle.json.prepared')
    // The compact file gives back exactly what verifying the bundle keeps (certificates as their DER bytes).
    const kept = await readPreparedState(out)
    const base64 = kept?.lists.map((l) => ({ ...l, payload: { ...l.payload, signers: l.payload.signers.map((s) => (s.format === 'dcc' ? { ...s, certificate: Buffer.from(s.certificate as Uint8Array).toString('base64') } : s)) } }))
    expect({ ...kept, lists: base64 }).toEqual(await prepareVerifierState(await readBundleFile(out), { now: NOW }))
    const prepared = await loadVerifier(out, { now: NOW })
    const reverified = await loadVerifier(out, { now: NOW, reverify: true })
    expect(prepared.status()).toEqual(reverified.status())
    for (const qr of [cy.issue(), gr.issue(), mt.issue()]) expect(await prepared.verify(qr)).toEqual(await reverified.verify(qr))
    expect((await prepared.verify(cy.issue())).valid).toBe(true)

    // The bundle is edited in place (same size and time): the prepared state never reads it; verifying it again refuses it.
    tamperInPlace(out, cy.dsc.signer.kid)
    expect((await (await loadVerifier(out, { now: NOW })).verify(cy.issue())).valid).toBe(true)
    await expect(loadVerifier(out, { now: NOW, reverify: true })).rejects.toMatchObject({ code: 'ERR_BUNDLE_INVALID' })
    // A pinned root means the app does not trust its storage: the bundle is verified again.
    await expect(loadVerifier(out, { now: NOW, expectedRoot: { thumbprint: gr.thumbprint } })).rejects.toMatchObject({ code: 'ERR_BUNDLE_INVALID' })
  })

  it('ATTACK: a prepared state is not used when the bundle changed since, when its body is damaged, or when it is not ours', async () => {
    const { gr, cy, node } = await federation()
    const out = path.join(tempDir(), 'bundle.json')
    await syncOf(node, gr, out)()
    const file = preparedStatePath(out)
    const good = readFileSync(file)
    const bundle = readFileSync(out)

    // The bundle was replaced (its time moved): the prepared state describes another file, so the bundle is verified.
    tamperInPlace(out, cy.dsc.signer.kid)
    utimesSync(out, new Date(), new Date(Date.now() + 5000))
    expect(await readPreparedState(out)).toBeUndefined()
    await expect(loadVerifier(out, { now: NOW })).rejects.toMatchObject({ code: 'ERR_BUNDLE_INVALID' })

    // The bundle back as it was, with a new time: the prepared state no longer names it, the bundle verifies.
    writeFileSync(out, bundle)
    const syncedAt = (await loadVerifier(out, { now: NOW })).status().syncedAt
    // Same size and time again, and a damaged body (one changed character): its hash says so, the bundle is used.
    const stamp = statSync(out)
    const header = JSON.parse(good.subarray(0, good.indexOf(10)).toString('utf8')) as { bundle: { mtimeMs: number } }
    utimesSync(out, stamp.atime, new Date(header.bundle.mtimeMs))
    expect(await readPreparedState(out)).toBeDefined()
    const damaged = good.toString('utf8').replace(`"syncedAt":"${syncedAt}"`, `"syncedAt":"${syncedAt.replace(/^2/, '1')}"`)
    expect(damaged).not.toBe(good.toString('utf8'))
    writeFileSync(file, damaged)
    expect(await readPreparedState(out)).toBeUndefined()
    expect((await loadVerifier(out, { now: NOW })).status().syncedAt).toBe(syncedAt)

    // One changed byte in a DSC's DER: that signer no longer matches its kid, its certificates are refused.
    const der = Buffer.from(cy.dsc.signer.certificate, 'base64')
    const at = good.indexOf(der)
    expect(at).toBeGreaterThan(good.indexOf(10))
    const flipped = Buffer.from(good)
    flipped[at + 100] = (flipped[at + 100] as number) ^ 1
    writeFileSync(file, flipped)
    expect(await readPreparedState(out)).toBeDefined()
    const refused = await (await loadVerifier(out, { now: NOW })).verify(cy.issue())
    expect(refused.valid).toBe(false)
    expect(refused.reasons.map((r) => r.code)).toContain('ERR_KID_MISMATCH')

    // Another file in its place (not a header of ours), or none: the bundle is verified.
    writeFileSync(file, `{"type":"something-else","version":1}\n${good.subarray(good.indexOf(10) + 1).toString('utf8')}`)
    expect(await readPreparedState(out)).toBeUndefined()
    rmSync(file)
    expect(await readPreparedState(out)).toBeUndefined()
    expect((await (await loadVerifier(out, { now: NOW })).verify(cy.issue())).valid).toBe(true)
  })

  it('sync keeps it current: left alone when nothing changed, prepared again when the bundle changes or the file is gone', async () => {
    const { gr, cy, node } = await federation()
    const out = path.join(tempDir(), 'bundle.json')
    const sync = syncOf(node, gr, out)
    const first = await sync()
    expect(await preparedStateDescribes(out, first.summary.bundle)).toBe(true)
    const written = statSync(preparedStatePath(out)).mtimeMs
    expect((await sync()).written).toBe(false)
    expect(statSync(preparedStatePath(out)).mtimeMs).toBe(written)

    rmSync(preparedStatePath(out))
    const again = await sync()
    expect(again.written).toBe(false)
    expect(await preparedStateDescribes(out, again.summary.bundle)).toBe(true)

    const cy2 = await cy.publish()
    node.publish(cy2)
    const changed = await sync()
    expect(changed.written).toBe(true)
    expect(await preparedStateDescribes(out, changed.summary.bundle)).toBe(true)
    expect((await loadVerifier(out, { now: NOW })).status().countries.find((c) => c.country === 'CY')?.seq).toBe(2)
  })
})

describe('partitioned revocations: an index per country, partitions by content hash', () => {
  /** GR revokes `ucis`: the next index and the partitions that changed, signed, and the trust list naming it. */
  async function release(gr: VerifierCountry, ucis: string[], previous: { head?: { seq: number; hash: string }; partitions: Map<string, RevocationPartitionPayload> }) {
    const entries: RevocationEntries = { dcc: ucis.map((uci) => ({ hashType: 'UCI' as const, hash: dccRevocationHash('UCI', uci, 'GR') })), shc: [] }
    const built = buildRevocationRelease({ country: 'GR', rootThumbprint: gr.thumbprint, set: revocationSet(entries), head: previous.head, previousPartitions: previous.partitions, now: T0, maxEntries: 4 })
    for (const p of built.partitions) previous.partitions.set(p.id, p)
    const index = await signRevocationIndex(built.index, gr.tc.root)
    const parts = await Promise.all(built.partitions.map(async (p) => ({ hash: hashRevocationDocument(p), signed: await signRevocationPartition(p, gr.tc.root) })))
    const named = { seq: built.index.seq, hash: hashRevocationDocument(built.index) }
    previous.head = named
    const list = await gr.publish({ edit: (p) => void (p.revocationList = named) })
    return { index, parts, list, total: built.index.partitions.length }
  }

  it('a sync fetches the index, then only the partitions whose hash changed; the verifier refuses what they revoke, and a missing partition refuses the country', async () => {
    const gr = await VerifierCountry.create('GR')
    const node = new FakeNode()
    node.publish(await gr.publish())
    const previous = { partitions: new Map<string, RevocationPartitionPayload>() }
    const ucis = Array.from({ length: 24 }, (_, i) => `URN:UVCI:01:GR:R${i}`)
    const first = await release(gr, ucis, previous)
    node.publishRevocations(first.index, first.parts)
    node.publish(first.list)
    expect(first.total).toBeGreaterThan(3)

    const out = path.join(tempDir(), 'bundle.json')
    const sync = () => syncBundle({ sources: ['http://node.example'], home: 'GR', anchor: { thumbprint: gr.thumbprint }, out, now: () => NOW, fetch: node.fetch })
    const full = await sync()
    expect(node.requests.filter((r) => r.includes('/partitions/'))).toHaveLength(first.total)
    expect(full.missingRevocations).toEqual([])
    expect(full.summary.revocationSeqs).toEqual({ GR: 1 })
    const load = async () => createVerifier(await readState(out), { now: NOW })
    expect((await (await load()).verify(gr.issue({ uci: 'URN:UVCI:01:GR:R7' }))).reasons.map((r) => r.code)).toContain('ERR_CERT_REVOKED')
    expect((await (await load()).verify(gr.issue({ uci: 'URN:UVCI:01:GR:FINE' }))).valid).toBe(true)

    // One more revocation: one partition changes; the delta carries the new index, the sync fetches that partition only.
    const second = await release(gr, [...ucis, 'URN:UVCI:01:GR:LATE'], previous)
    node.publishRevocations(second.index, second.parts)
    node.publish(second.list)
    node.requests.length = 0
    const delta = await sync()
    expect(second.parts.length).toBeLessThan(second.total)
    expect(node.requests).toEqual([expect.stringMatching(/^\/v1\/bundle\?since=/), ...second.parts.map((p) => `/v1/revocations/GR/partitions/${p.hash}`)])
    expect(delta.summary.revocationSeqs).toEqual({ GR: 2 })
    expect((await (await load()).verify(gr.issue({ uci: 'URN:UVCI:01:GR:LATE' }))).reasons.map((r) => r.code)).toContain('ERR_CERT_REVOKED')

    // The state with one partition dropped (or edited) gains nothing: the country is refused, or the load fails.
    const state = (await readState(out)) as NonNullable<Awaited<ReturnType<typeof readState>>> & BundleInput
    const dropped = { ...state, revocationPartitions: (state.revocationPartitions ?? []).slice(1) }
    expect((await (await createVerifier(dropped, { now: NOW })).verify(gr.issue({ uci: 'URN:UVCI:01:GR:FINE' }))).reasons.map((r) => r.code)).toEqual(['ERR_REVOCATIONS_MISSING'])
    const [one, ...rest] = state.revocationPartitions ?? []
    const edited = { ...state, revocationPartitions: [{ ...(one as SignedRevocationPartition), payload: (one as SignedRevocationPartition).payload.replace('"seq":', '"seq":1') }, ...rest] }
    // An edited partition is no longer the one its index names by hash: as good as missing.
    expect((await (await createVerifier(edited, { now: NOW })).verify(gr.issue({ uci: 'URN:UVCI:01:GR:FINE' }))).reasons.map((r) => r.code)).toEqual(['ERR_REVOCATIONS_MISSING'])
  })

  it('partitions live in files beside the bundle: a sync writes only the changed ones, removes the ones no index names, survives a crash before the bundle, an edited file refuses the certificates that need it and a missing one the country, until a sync fetches them again', async () => {
    const gr = await VerifierCountry.create('GR')
    const node = new FakeNode()
    node.publish(await gr.publish())
    const previous: { head?: { seq: number; hash: string }; partitions: Map<string, RevocationPartitionPayload> } = { partitions: new Map() }
    const ucis = Array.from({ length: 24 }, (_, i) => `URN:UVCI:01:GR:R${i}`)
    const first = await release(gr, ucis, previous)
    node.publishRevocations(first.index, first.parts)
    node.publish(first.list)

    const out = path.join(tempDir(), 'bundle.json')
    const dir = partitionDir(out)
    const files = () => readdirSync(dir).filter((f) => f.endsWith('.part')).sort()
    const named = (parts: readonly { hash: string }[]) => parts.map((p) => `${p.hash}.part`).sort()
    const sync = () => syncBundle({ sources: ['http://node.example'], home: 'GR', anchor: { thumbprint: gr.thumbprint }, out, now: () => NOW, fetch: node.fetch })
    const codes = async (uci: string) => (await (await loadVerifier(out, { now: NOW })).verify(gr.issue({ uci }))).reasons.map((r) => r.code)

    const full = await sync()
    expect(full.partitionFiles).toEqual({ written: first.total, removed: 0 })
    expect(files()).toEqual(named(first.parts))
    // The state verifiers start from holds the verified index (its partitions stay in their files).
    expect((await readPreparedState(out))?.revocationIndexes.map((i) => i.payload.country)).toEqual(['GR'])
    // The bundle JSON holds the index only.
    const bundleJson = JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown>
    expect(bundleJson.revocationPartitions).toBeUndefined()
    expect(bundleJson.revocationIndexes).toHaveLength(1)
    expect(await codes('URN:UVCI:01:GR:R7')).toContain('ERR_CERT_REVOKED')
    expect(await codes('URN:UVCI:01:GR:FINE')).toEqual([])
    // `entente verify --bundle FILE` finds the partitions beside FILE.
    const line = await cli(['verify', '--bundle', out, '--at', NOW.toISOString(), '--json', gr.issue({ uci: 'URN:UVCI:01:GR:R3' })])
    expect((JSON.parse(line.stdout) as { reasons: { code: string }[] }).reasons.map((r) => r.code)).toContain('ERR_CERT_REVOKED')
    // An older state file with the partitions inside still loads, and its next sync moves them into files.
    const older = path.join(path.dirname(out), 'older.json')
    writeFileSync(older, JSON.stringify(await readState(out)))
    expect((await (await loadVerifier(older, { now: NOW })).verify(gr.issue({ uci: 'URN:UVCI:01:GR:R7' }))).reasons.map((r) => r.code)).toContain('ERR_CERT_REVOKED')
    const migrated = await syncBundle({ sources: ['http://node.example'], home: 'GR', out: older, now: () => NOW, fetch: node.fetch })
    expect(migrated.partitionFiles.written).toBe(first.total)
    expect((JSON.parse(readFileSync(older, 'utf8')) as Record<string, unknown>).revocationPartitions).toBeUndefined()
    expect((await (await loadVerifier(older, { now: NOW })).verify(gr.issue({ uci: 'URN:UVCI:01:GR:R7' }))).reasons.map((r) => r.code)).toContain('ERR_CERT_REVOKED')

    // One more revocation: only the changed partition's file is written; the file it replaces stays until the sync
    // after, for a verifier loaded before this sync (it opens partitions when first needed).
    const loadedBefore = await loadVerifier(out, { now: NOW })
    const neverUsed = await loadVerifier(out, { now: NOW })
    const second = await release(gr, [...ucis, 'URN:UVCI:01:GR:LATE'], previous)
    node.publishRevocations(second.index, second.parts)
    node.publish(second.list)
    const namedBy = (...indexes: SignedRevocationIndex[]) => [...new Set(indexes.flatMap((index) => decodeRevocationIndex(index).payload.partitions.map((p) => `${p.hash}.part`)))].sort()
    const gone = (before: string[], after: string[]) => before.filter((f) => !after.includes(f)).length
    const mtimes = new Map(files().map((f) => [f, statSync(path.join(dir, f)).mtimeMs]))
    const delta = await sync()
    expect(delta.partitionFiles).toEqual({ written: second.parts.length, removed: 0 })
    expect(files()).toEqual(namedBy(first.index, second.index))
    expect(files().length).toBeGreaterThan(namedBy(second.index).length)
    for (const f of files()) if (mtimes.has(f)) expect(statSync(path.join(dir, f)).mtimeMs).toBe(mtimes.get(f))
    expect(await codes('URN:UVCI:01:GR:LATE')).toContain('ERR_CERT_REVOKED')
    expect((await loadedBefore.verify(gr.issue({ uci: 'URN:UVCI:01:GR:R7' }))).reasons.map((r) => r.code)).toContain('ERR_CERT_REVOKED')
    expect((await loadedBefore.verify(gr.issue({ uci: 'URN:UVCI:01:GR:FINE' }))).reasons).toEqual([])

    // A crash after the new files, before the bundle: the old bundle still has every file it names.
    const third = await release(gr, [...ucis, 'URN:UVCI:01:GR:LATE', 'URN:UVCI:01:GR:LATER'], previous)
    for (const p of third.parts) await writePartitionFile(out, p.signed)
    expect(await codes('URN:UVCI:01:GR:FINE')).toEqual([])
    expect(await codes('URN:UVCI:01:GR:LATE')).toContain('ERR_CERT_REVOKED')
    // The next sync finds the files it lacked the bundle for: nothing fetched twice, and the leftovers go.
    node.publishRevocations(third.index, third.parts)
    node.publish(third.list)
    node.requests.length = 0
    const resumed = await sync()
    expect(node.requests.filter((r) => r.includes('/partitions/'))).toEqual([])
    // Now the files of the first state go: the second's stay one more sync.
    expect(resumed.partitionFiles).toEqual({ written: 0, removed: gone(namedBy(first.index, second.index), namedBy(second.index, third.index)) })
    expect(resumed.partitionFiles.removed).toBeGreaterThan(0)
    expect(files()).toEqual(namedBy(second.index, third.index))
    expect(await codes('URN:UVCI:01:GR:LATER')).toContain('ERR_CERT_REVOKED')
    // A verifier loaded two syncs ago keeps the partitions it opened; one it never opened is gone: the certificates
    // that need it are refused, with the reason, never judged unrevoked.
    expect((await loadedBefore.verify(gr.issue({ uci: 'URN:UVCI:01:GR:R7' }))).reasons.map((r) => r.code)).toContain('ERR_CERT_REVOKED')
    const stale = await neverUsed.verify(gr.issue({ uci: 'URN:UVCI:01:GR:LATE' }))
    expect(stale.valid).toBe(false)
    expect(stale.reasons.map((r) => r.code)).toEqual(['ERR_REVOCATIONS_MISSING'])
    expect(stale.reasons[0]?.message).toMatch(/no longer held.*load the verifier again/)

    // ATTACK: a partition file edited on disk (one revoked hash dropped would look like this) is not believed when
    // opened: the certificates whose hashes fall into it are refused, not crashed, not passed. A file deleted before
    // load is missing: the whole country is refused. The victim is the partition FINE's UCI hash falls into.
    const fineHex = Buffer.from(dccRevocationHash('UCI', 'URN:UVCI:01:GR:FINE', 'GR'), 'base64').toString('hex')
    const fineRef = decodeRevocationIndex(third.index).payload.partitions.find((p) => fineHex.startsWith(p.id.slice('dcc/UCI/'.length)))
    const victim = `${fineRef?.hash ?? 'none'}.part`
    const deleted = namedBy(third.index).find((f) => f !== victim)
    const victimPath = path.join(dir, victim)
    const text = readFileSync(victimPath, 'utf8')
    writeFileSync(victimPath, text.replace('"seq":', '"seq":1'))
    expect(await codes('URN:UVCI:01:GR:FINE')).toEqual(['ERR_REVOCATIONS_MISSING'])
    rmSync(path.join(dir, deleted as string))
    expect(await codes('URN:UVCI:01:GR:FINE')).toEqual(['ERR_REVOCATIONS_MISSING'])
    const refused = await cli(['verify', '--bundle', out, '--at', NOW.toISOString(), '--json', gr.issue({ uci: 'URN:UVCI:01:GR:FINE' })])
    expect((JSON.parse(refused.stdout) as { reasons: { code: string }[] }).reasons.map((r) => r.code)).toEqual(['ERR_REVOCATIONS_MISSING'])
    // The next sync that merges anything fetches exactly those two again.
    node.publish(await gr.publish({ edit: (p) => void (p.revocationList = previous.head) }))
    node.requests.length = 0
    const repaired = await sync()
    expect(node.requests.filter((r) => r.includes('/partitions/')).sort()).toEqual([victim, deleted].map((f) => `/v1/revocations/GR/partitions/${(f as string).slice(0, 64)}`).sort())
    expect(repaired.partitionFiles.written).toBe(2)
    expect(await codes('URN:UVCI:01:GR:FINE')).toEqual([])

    // A sync reads only partition files newer than its record (its cost must not grow with the files held): an edit
    // that sets the file's time back goes unseen by the next sync, but a verifier checks the hash when it opens the
    // file, so the certificates that need it are refused, never judged unrevoked.
    const { atime, mtime } = statSync(victimPath)
    writeFileSync(victimPath, readFileSync(victimPath, 'utf8').replace('"seq":', '"seq":1'))
    utimesSync(victimPath, atime, mtime)
    node.publish(await gr.publish({ edit: (p) => void (p.revocationList = previous.head) }))
    node.requests.length = 0
    await sync()
    expect(node.requests.filter((r) => r.includes('/partitions/'))).toEqual([])
    expect(await codes('URN:UVCI:01:GR:FINE')).toEqual(['ERR_REVOCATIONS_MISSING'])
  })
  it('load reads no partition; a verdict opens only the partition its hash falls into, once', async () => {
    const gr = await VerifierCountry.create('GR')
    const node = new FakeNode()
    node.publish(await gr.publish())
    const first = await release(gr, Array.from({ length: 40 }, (_, i) => `URN:UVCI:01:GR:R${i}`), { partitions: new Map() })
    node.publishRevocations(first.index, first.parts)
    node.publish(first.list)
    const out = path.join(tempDir(), 'bundle.json')
    await syncBundle({ sources: ['http://node.example'], home: 'GR', anchor: { thumbprint: gr.thumbprint }, out, now: () => NOW, fetch: node.fetch })
    expect(first.total).toBeGreaterThan(5)

    const files = await partitionFiles(out)
    const reads: string[] = []
    const verifier = await createVerifier(await readBundleFile(out), {
      now: NOW,
      revocationPartitionHeld: files.revocationPartitionHeld,
      revocationPartition: (hash) => {
        reads.push(hash)
        return files.revocationPartition(hash)
      },
    })
    expect(reads).toEqual([])
    expect(verifier.status().countries.find((c) => c.country === 'GR')?.revocations?.dcc).toBe(40)
    const codes = async (uci: string) => (await verifier.verify(gr.issue({ uci }))).reasons.map((r) => r.code)
    expect(await codes('URN:UVCI:01:GR:R7')).toContain('ERR_CERT_REVOKED')
    expect(reads).toHaveLength(1)
    expect(await codes('URN:UVCI:01:GR:R7')).toContain('ERR_CERT_REVOKED')
    expect(reads).toHaveLength(1)
    // Every revoked certificate is found, each partition read once at most.
    for (let i = 0; i < 40; i++) expect(await codes(`URN:UVCI:01:GR:R${i}`)).toContain('ERR_CERT_REVOKED')
    expect(new Set(reads).size).toBe(reads.length)
    expect(reads.length).toBeLessThanOrEqual(first.total)
  })
})

describe('sync size caps: on the wire and decompressed, each named', () => {
  let server: Server | undefined
  afterAll(() => new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve()))))

  async function serve(body: Buffer, headers: Record<string, string>): Promise<string> {
    server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(body.length), ...headers })
      res.end(body)
    })
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve))
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  }

  it('a gzip bomb stops at the decompressed cap (ERR_SYNC_DECOMPRESSED_TOO_LARGE), a large body at the wire cap (ERR_SYNC_WIRE_TOO_LARGE), and the CLI says which', async () => {
    const gr = await VerifierCountry.create('GR')
    // 8 MiB of JSON whitespace, ~8 KiB on the wire.
    const bomb = gzipSync(Buffer.alloc(8 * 1024 * 1024, 0x20))
    expect(bomb.length).toBeLessThan(64 * 1024)
    const url = await serve(bomb, { 'content-encoding': 'gzip' })
    const out = path.join(tempDir(), 'bundle.json')
    type Failure = { code: string; details: { sources: { error?: { code: string; message: string } }[] } }
    const sync = (caps: { maxBundleBytes?: number; maxDecompressedBytes?: number }): Promise<Failure> =>
      syncBundle({ sources: [url], home: 'GR', anchor: { thumbprint: gr.thumbprint }, out, now: () => NOW, ...caps }).then(
        () => {
          throw new Error('the sync should fail')
        },
        (error: unknown) => error as Failure,
      )

    const decompressed = await sync({ maxDecompressedBytes: 1024 * 1024 })
    expect(decompressed).toMatchObject({ code: 'ERR_SYNC_NO_VALID_SOURCE' })
    expect(decompressed.details.sources[0]?.error?.code).toBe('ERR_SYNC_DECOMPRESSED_TOO_LARGE')
    expect(decompressed.details.sources[0]?.error?.message).toMatch(/decompresses \(gzip\) to more than 1048576 bytes from \d+ bytes on the wire/)
    const wire = await sync({ maxBundleBytes: 1000 })
    expect(wire.details.sources[0]?.error?.code).toBe('ERR_SYNC_WIRE_TOO_LARGE')
    expect(wire.details.sources[0]?.error?.message).toMatch(new RegExp(`sends ${bomb.length} bytes on the wire, over the 1000-byte cap`))

    const line = await cli(['sync', '--from', url, '--home', 'GR', `--root=${gr.thumbprint}`, '--out', out, '--max-decompressed-bytes', '1048576'])
    expect(line.code).not.toBe(0)
    expect(line.stderr).toMatch(/^entente: ERR_SYNC_DECOMPRESSED_TOO_LARGE: .*decompresses \(gzip\) to more than 1048576 bytes/m)
    expect(line.stderr).toMatch(/--max-decompressed-bytes/)
    const wireLine = await cli(['sync', '--from', url, '--home', 'GR', `--root=${gr.thumbprint}`, '--out', out, '--max-bytes', '1000'])
    expect(wireLine.stderr).toMatch(/^entente: ERR_SYNC_WIRE_TOO_LARGE: /m)
  })
})
