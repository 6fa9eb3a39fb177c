// Against real nodes on 127.0.0.1 (startNode: real HTTP and libp2p): a verifier syncs with the `entente sync` CLI
// from node A, then from node B that has fallen behind (no rollback, B reported stale); a tampered mirror file is
// rejected; then, offline, `entente verify --bundle` reports an unrecognized country's valid certificate as not
// recognized and rejects a revoked one.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadNodeConfig } from '../../src/config/node-config.js'
import { canonicalize } from '../../src/model/canonical-json.js'
import type { Bundle, VerifiedBundle } from '../../src/model/schema.types.js'
import { startNode, type RunningNode } from '../../src/node.js'
import { recognitionEntry } from '../../src/trust-list/verify-recognitions.js'
import { cli } from '../helpers/cli.js'
import { vectorPath } from '../helpers/vectors.js'
import { waitFor } from '../helpers/wait-for.js'
import { SoftAuthenticator } from '../helpers/webauthn.js'
import { VerifierCountry } from './fixtures.js'

const root = mkdtempSync(path.join(tmpdir(), 'entente-sync-nodes-'))
const nodes: RunningNode[] = []
const REVOKED_UCI = 'URN:UVCI:01:CY:REVOKED0001'

interface Country {
  readonly node: RunningNode
  readonly thumbprint: string
  /** Only for its DSC and certificates: the node signs the lists with its own root key. */
  readonly fixture: VerifierCountry
  readonly token: string
}

async function startCountry(country: string): Promise<Country> {
  const dir = path.join(root, country)
  const init = await cli(['init', '--country', country, '--dir', dir, '--json', '--port', '0'])
  if (init.code !== 0) throw new Error(init.stderr)
  const { rootThumbprint, operatorToken } = JSON.parse(init.stdout) as { rootThumbprint: string; operatorToken: string }
  const node = await startNode(await loadNodeConfig(dir), { port: 0, valueSetsDir: vectorPath('valuesets') })
  nodes.push(node)
  const fixture = await VerifierCountry.create(country)
  await node.operator.addSigner({ format: 'dcc', certificate: fixture.dsc.signer.certificate })
  return { node, thumbprint: rootThumbprint, fixture, token: operatorToken }
}

/** Home's diplomats (one passkey, quorum 1) approve recognitions of `others`; home accepts Comirnaty. */
async function recognize(home: Country, others: Country[]): Promise<void> {
  const passkey = SoftAuthenticator.create('ES256')
  const diplomat = passkey.diplomat({ name: `Diplomat of ${home.node.config.country}` })
  // The diplomat is in force once a published list names it; recognitions are approved at that list.
  await home.node.operator.updateDraft((draft) => ({ ...draft, quorum: 1, diplomats: [diplomat] }))
  const inForce = await home.node.operator.publish()
  await home.node.operator.updateDraft((draft) => ({
    ...draft,
    vaccines: [{ product: 'EU/1/20/1528', dosesForCompletion: 2, validityDays: 270 }],
    recognitions: others.map((o) => {
      const entry = recognitionEntry({ country: o.node.config.country, rootThumbprint: o.thumbprint, scopes: ['vaccination'] })
      return { ...entry, approvals: [passkey.approve({ country: home.node.config.country, entry, head: { seq: inForce.seq, hash: inForce.hash }, diplomat })] }
    }),
  }))
}

const heldSeq = (node: RunningNode, country: string) => node.store.head(country)?.seq ?? 0

let gr: Country
let cy: Country
let xx: Country
const out = path.join(root, 'verifier', 'bundle.json')

beforeAll(async () => {
  ;[gr, cy, xx] = await Promise.all([startCountry('GR'), startCountry('CY'), startCountry('XX')])
  await recognize(gr, [cy])
  await gr.node.operator.publish()
  await cy.node.operator.publish()
  await xx.node.operator.publish()
  // CY's operator revokes one certificate with the CLI, over the node's operator API.
  const target = ['--url', cy.node.url, '--token', cy.token]
  const added = await cli(['revocation', 'add', '--uci', REVOKED_UCI, ...target])
  expect(added.stdout).toMatch(/Queued 2 new entries; 2 wait to be published/)
  const published = await cli(['revocation', 'publish', ...target, '--json'])
  expect(JSON.parse(published.stdout)).toMatchObject({ country: 'CY', seq: 1, trustList: { seq: 2 } })
  // The operators exchanged root fingerprints out of band and pin them (GR's node also anchors CY by recognizing it).
  for (const at of [gr, cy, xx]) {
    for (const other of [gr, cy, xx].filter((o) => o !== at && !(at === gr && o === cy))) {
      const pinned = await cli(['peer', 'pin', other.node.config.country, other.thumbprint, '--url', at.node.url, '--token', at.token])
      expect(pinned.code, pinned.stderr).toBe(0)
    }
  }
  // A star around GR's node; GR's node relays between the others.
  const grAddr = gr.node.gossip.multiaddrs()[0] ?? ''
  await Promise.all([cy.node.gossip.connect(grAddr), xx.node.gossip.connect(grAddr)])
  await waitFor(
    // CY's revocation publish also published CY seq 2, the trust list naming its revocation list.
    () => [gr, cy, xx].every((c) => heldSeq(c.node, 'GR') === 2 && heldSeq(c.node, 'CY') === 2 && heldSeq(c.node, 'XX') === 1) && gr.node.revocations.head('CY')?.seq === 1,
    {
      timeoutMs: 20_000,
      what: 'every node to hold every list and CY revocations',
      state: () => [gr, cy, xx].map((c) => `${c.node.config.country} holds GR ${heldSeq(c.node, 'GR')} CY ${heldSeq(c.node, 'CY')} XX ${heldSeq(c.node, 'XX')}`).join(', ') + `; GR holds CY revocations ${gr.node.revocations.head('CY')?.seq ?? 0}`,
    },
  )
}, 60_000)

afterAll(async () => {
  await Promise.all(nodes.map((n) => n.stop()))
  rmSync(root, { recursive: true, force: true })
})

async function sync(...args: string[]) {
  const result = await cli(['sync', '--home', 'GR', '--out', out, '--json', ...args])
  return { ...result, report: result.stdout === '' ? undefined : (JSON.parse(result.stdout) as { seqs: Record<string, number>; sources: { source: string; status: string; behind?: Record<string, [number, number]> }[] }) }
}

describe('sync from real nodes, then verify offline', () => {
  it('syncs from node A, then from a node B that fell behind: no rollback, B reported stale', async () => {
    // B (the CY node) stops hearing from the federation; GR publishes seq 3 on its own node (A).
    await cy.node.gossip.stop()
    await gr.node.operator.publish()
    expect(heldSeq(cy.node, 'GR')).toBe(2)

    const first = await sync('--from', gr.node.url, `--root=${gr.thumbprint}`)
    expect(first.stderr).toBe('')
    expect(first.code).toBe(0)
    expect(first.report?.seqs).toEqual({ GR: 3, CY: 2 })
    expect(first.report?.sources).toEqual([expect.objectContaining({ source: gr.node.url, status: 'fresh' })])

    const fromB = await sync('--from', cy.node.url)
    expect(fromB.code).toBe(1)
    expect(fromB.report?.seqs).toEqual({ GR: 3, CY: 2 })
    expect(fromB.report?.sources).toEqual([expect.objectContaining({ source: cy.node.url, status: 'stale', behind: { GR: [2, 3] } })])
    // Bookkeeping lives in the sync record beside the bundle (the bundle itself did not change).
    const record = JSON.parse(readFileSync(`${out}.sync.json`, 'utf8')) as Pick<VerifiedBundle, 'sources'>
    expect(record.sources[cy.node.url]?.lastError).toMatch(/stale: GR seq 2 < 3/)

    // A new verifier naming both at once, the stale one first: the freshest valid list wins, B is named stale.
    const other = path.join(root, 'verifier', 'other.json')
    const both = await cli(['sync', '--home', 'GR', `--root=${gr.thumbprint}`, '--out', other, '--json', '--from', cy.node.url, '--from', gr.node.url])
    const bothReport = JSON.parse(both.stdout) as { seqs: Record<string, number>; sources: { source: string; status: string }[] }
    expect(both.code).toBe(0)
    expect(bothReport.seqs).toEqual({ GR: 3, CY: 2 })
    expect(bothReport.sources.map((s) => [s.source, s.status])).toEqual([
      [cy.node.url, 'stale'],
      [gr.node.url, 'fresh'],
    ])
    // Again from A: an empty delta, then 304 on its ETag.
    expect((await sync('--from', gr.node.url)).report?.sources[0]?.status).toBe('fresh')
    expect((await sync('--from', gr.node.url)).report?.sources[0]?.status).toBe('not-modified')
    // Progress on a terminal, quiet with --json.
    const human = await cli(['sync', '--home', 'GR', '--out', out, '--from', gr.node.url])
    expect(human.stderr).toMatch(/not modified|delta/)
    expect(human.stdout).toMatch(/^Synced .*home GR, 2 trusted countries, 1 unrecognized, 1 revocation list\(s\)/)
  })

  it('rejects a tampered mirror file and keeps what it had', async () => {
    const bundle = (await (await fetch(`${gr.node.url}/v1/bundle`)).json()) as Bundle
    const cyIndex = bundle.lists.findIndex((l) => (JSON.parse(l.payload) as { country: string }).country === 'CY')
    const cyList = bundle.lists[cyIndex]!
    // A well-formed, canonical payload with one signer dropped: only the signature gives it away.
    const payload = JSON.parse(cyList.payload) as { signers: unknown[] }
    payload.signers = []
    bundle.lists[cyIndex] = { ...cyList, payload: canonicalize(payload) }
    const mirror = path.join(root, 'mirror.json')
    writeFileSync(mirror, JSON.stringify(bundle))

    const fresh = path.join(root, 'verifier', 'fresh.json')
    const result = await cli(['sync', '--home', 'GR', `--root=${gr.thumbprint}`, '--out', fresh, '--from', mirror, '--json'])
    expect(result.stderr).toBe('')
    const report = JSON.parse(result.stdout) as { seqs: Record<string, number>; sources: { status: string; rejected: { country: string; code: string }[] }[] }
    expect(result.code).toBe(1)
    expect(report.sources[0]).toMatchObject({ status: 'invalid', rejected: [expect.objectContaining({ country: 'CY', code: 'ERR_TRUST_LIST_SIGNATURE' })] })
    expect(report.seqs).toEqual({ GR: 3 })
    // The verifier that already trusts CY keeps its list.
    const kept = await sync('--from', mirror)
    expect(kept.report?.sources[0]?.status).toBe('invalid')
    expect(kept.report?.seqs).toEqual({ GR: 3, CY: 2 })

    // Tampering with the home list leaves nothing to trust.
    const homeless = { ...bundle, lists: bundle.lists.map((l) => ({ ...l, signatures: [{ ...l.signatures[0]!, signature: l.signatures[0]!.signature.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')) }] })) }
    writeFileSync(mirror, JSON.stringify(homeless))
    const none = await cli(['sync', '--home', 'GR', `--root=${gr.thumbprint}`, '--out', path.join(root, 'verifier', 'none.json'), '--from', mirror])
    expect(none.code).toBe(1)
    expect(none.stderr).toMatch(/ERR_SYNC_NO_VALID_SOURCE/)
  })

  it('verifies offline from the synced bundle: recognized, unrecognized, revoked', async () => {
    const now = new Date()
    const run = async (payload: string) => {
      const result = await cli(['verify', '--bundle', out, '--json', payload])
      return JSON.parse(result.stdout) as { valid: boolean; issuer?: string; reasons: { code: string }[] }
    }
    expect(await run(gr.fixture.issue({ at: now }))).toMatchObject({ valid: true, issuer: 'GR' })
    expect(await run(cy.fixture.issue({ at: now }))).toMatchObject({ valid: true, issuer: 'CY' })
    const unrecognized = await run(xx.fixture.issue({ at: now }))
    expect(unrecognized).toMatchObject({ valid: false, issuer: 'XX' })
    expect(unrecognized.reasons.map((r) => r.code)).toEqual(['ERR_NOT_RECOGNIZED'])
    const revoked = await run(cy.fixture.issue({ at: now, uci: REVOKED_UCI }))
    expect(revoked.valid).toBe(false)
    expect(revoked.reasons.map((r) => r.code)).toEqual(['ERR_CERT_REVOKED'])
  })
})
