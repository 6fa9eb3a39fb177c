// Against a real node on 127.0.0.1 (startNode: real HTTP and libp2p) and the CLI: the operator revokes a
// certificate, and the node publishes the revocation list and the trust list naming it in one action. A verifier
// whose FIRST sync comes from a tampered mirror that omits that revocation list, or serves a frozen older one,
// refuses the country's certificates with ERR_REVOCATIONS_MISSING (the revoked one is never `valid`), with a
// warning naming the country; a sync from the honest node fixes it and the revoked certificate reads revoked.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadNodeConfig } from '../../src/config/node-config.js'
import type { Bundle, SignedRevocationList } from '../../src/model/schema.types.js'
import { startNode, type RunningNode } from '../../src/node.js'
import { decodeRevocationList } from '../../src/revocation/decode-revocation-list.js'
import { decodeTrustList } from '../../src/trust-list/decode-trust-list.js'
import { cli } from '../helpers/cli.js'
import { vectorPath } from '../helpers/vectors.js'
import { VerifierCountry } from '../verifier/fixtures.js'

const root = mkdtempSync(path.join(tmpdir(), 'entente-first-sync-'))
const REVOKED_UCI = 'URN:UVCI:01:GR:REVOKED-ON-FIRST-SYNC'
let node: RunningNode
let thumbprint: string
let fixture: VerifierCountry
let target: string[]

beforeAll(async () => {
  const dir = path.join(root, 'GR')
  const init = await cli(['init', '--country', 'GR', '--dir', dir, '--json', '--port', '0'])
  if (init.code !== 0) throw new Error(init.stderr)
  const created = JSON.parse(init.stdout) as { rootThumbprint: string; operatorToken: string }
  thumbprint = created.rootThumbprint
  node = await startNode(await loadNodeConfig(dir), { port: 0, valueSetsDir: vectorPath('valuesets') })
  target = ['--url', node.url, '--token', created.operatorToken]
  fixture = await VerifierCountry.create('GR')
  await node.operator.addSigner({ format: 'dcc', certificate: fixture.dsc.signer.certificate })
  await node.operator.updateDraft((draft) => ({ ...draft, vaccines: [{ product: 'EU/1/20/1528', dosesForCompletion: 2, validityDays: 270 }] }))
  await node.operator.publish()
}, 60_000)

afterAll(async () => {
  await node?.stop()
  rmSync(root, { recursive: true, force: true })
})

async function revoke(uci: string): Promise<{ stdout: string; code: number }> {
  const added = await cli(['revocation', 'add', '--uci', uci, ...target])
  if (added.code !== 0) throw new Error(added.stderr)
  return cli(['revocation', 'publish', ...target])
}

async function bundle(): Promise<Bundle> {
  return (await (await fetch(`${node.url}/v1/bundle`)).json()) as Bundle
}

function mirror(name: string, revocations: SignedRevocationList[], from: Bundle): string {
  const file = path.join(root, name)
  writeFileSync(file, JSON.stringify({ ...from, revocations }))
  return file
}

async function verify(out: string, payload: string) {
  const result = await cli(['verify', '--bundle', out, '--json', payload])
  return JSON.parse(result.stdout) as { valid: boolean; issuer?: string; reasons: { code: string; message: string }[] }
}

describe('first-sync completeness of revocation lists, against a real node', () => {
  it('publishing revocations publishes the trust list naming them, and says which seqs went out', async () => {
    const first = await revoke('URN:UVCI:01:GR:SOMEONE-ELSE')
    expect(first.code).toBe(0)
    expect(first.stdout).toMatch(/Published the GR revocation list seq 1 \(expires [^)]+\) and trust list seq 2 naming it\./)
    const second = await revoke(REVOKED_UCI)
    expect(second.stdout).toMatch(/revocation list seq 2 .* and trust list seq 3 naming it\./)
    const served = await bundle()
    const list = decodeTrustList(served.lists[0]!).payload
    const revocations = decodeRevocationList(served.revocations![0]!)
    expect(list).toMatchObject({ country: 'GR', seq: 3, revocationList: { seq: 2, hash: revocations.hash } })
    // A plain publish keeps naming the current revocation list.
    await node.operator.publish()
    expect(decodeTrustList(node.store.head('GR')!.signed).payload.revocationList).toEqual({ seq: 2, hash: revocations.hash })
  })

  it('ATTACK: a mirror omits the revocation list on the first sync: refused, with a warning, until the node is asked', async () => {
    const now = new Date()
    const omitting = mirror('omitting.json', [], await bundle())
    const out = path.join(root, 'verifier', 'omitted.json')
    const sync = await cli(['sync', '--home', 'GR', `--root=${thumbprint}`, '--out', out, '--from', omitting])
    expect(sync.code).toBe(1)
    expect(sync.stderr).toMatch(/omitting\.json: WARNING: GR names its revocation list seq 2; this source omitted it/)
    expect(sync.stdout).toMatch(/STALE .*omitting\.json/)
    expect(sync.stdout).toMatch(/WARNING the trust list of GR names its revocation list seq 2, but none is held/)

    const revoked = await verify(out, fixture.issue({ at: now, uci: REVOKED_UCI }))
    expect(revoked.valid).toBe(false)
    expect(revoked.reasons.map((r) => r.code)).toEqual(['ERR_REVOCATIONS_MISSING'])
    expect(revoked.reasons[0]?.message).toMatch(/GR .*seq 2/)
    expect((await verify(out, fixture.issue({ at: now }))).reasons.map((r) => r.code)).toEqual(['ERR_REVOCATIONS_MISSING'])

    // The honest node: the revoked certificate reads revoked, the others valid again.
    const fixed = await cli(['sync', '--home', 'GR', '--out', out, '--from', node.url, '--json'])
    expect(fixed.code).toBe(0)
    expect(JSON.parse(fixed.stdout)).toMatchObject({ revocationSeqs: { GR: 2 }, missingRevocations: [] })
    expect((await verify(out, fixture.issue({ at: now, uci: REVOKED_UCI }))).reasons.map((r) => r.code)).toEqual(['ERR_CERT_REVOKED'])
    expect(await verify(out, fixture.issue({ at: now }))).toMatchObject({ valid: true, issuer: 'GR' })
  })

  it('ATTACK: a mirror serves a frozen, older revocation list on the first sync: refused until the node is asked', async () => {
    const now = new Date()
    const older = (await (await fetch(`${node.url}/v1/revocation-lists/GR/1`)).json()) as SignedRevocationList
    const frozen = mirror('frozen.json', [older], await bundle())
    const out = path.join(root, 'verifier', 'frozen.json')
    const sync = await cli(['sync', '--home', 'GR', `--root=${thumbprint}`, '--out', out, '--from', frozen, '--json'])
    expect(sync.code).toBe(1)
    const report = JSON.parse(sync.stdout) as { revocationSeqs: Record<string, number>; missingRevocations: unknown[]; sources: { status: string; revocationsOmitted?: unknown[] }[] }
    expect(report.revocationSeqs).toEqual({ GR: 1 })
    expect(report.missingRevocations).toEqual([expect.objectContaining({ country: 'GR', kind: 'older', needs: expect.objectContaining({ seq: 2 }) as unknown })])
    expect(report.sources[0]).toMatchObject({ status: 'stale', revocationsOmitted: [expect.objectContaining({ country: 'GR', kind: 'older' })] })

    const revoked = await verify(out, fixture.issue({ at: now, uci: REVOKED_UCI }))
    expect(revoked.valid).toBe(false)
    expect(revoked.reasons.map((r) => r.code)).toEqual(['ERR_REVOCATIONS_MISSING'])
    expect(revoked.reasons[0]?.message).toMatch(/seq 2, but only seq 1 is held/)

    expect((await cli(['sync', '--home', 'GR', '--out', out, '--from', node.url])).code).toBe(0)
    expect((await verify(out, fixture.issue({ at: now, uci: REVOKED_UCI }))).reasons.map((r) => r.code)).toEqual(['ERR_CERT_REVOKED'])
  })

  it('a first sync naming the frozen mirror and the node takes the named list from the node, and names the mirror stale', async () => {
    const now = new Date()
    const older = (await (await fetch(`${node.url}/v1/revocation-lists/GR/1`)).json()) as SignedRevocationList
    const frozen = mirror('frozen-too.json', [older], await bundle())
    const out = path.join(root, 'verifier', 'both.json')
    const sync = await cli(['sync', '--home', 'GR', `--root=${thumbprint}`, '--out', out, '--from', frozen, '--from', node.url])
    expect(sync.code).toBe(0)
    expect(sync.stderr).toMatch(/frozen-too\.json: WARNING: GR names its revocation list seq 2; this source served only seq 1 \(frozen\)/)
    expect(sync.stdout).not.toMatch(/WARNING the trust list/)
    expect((await verify(out, fixture.issue({ at: now, uci: REVOKED_UCI }))).reasons.map((r) => r.code)).toEqual(['ERR_CERT_REVOKED'])
  })

  it('the queue from the CLI: pending lists entries with ids, remove takes them out, add puts them back', async () => {
    const added = await cli(['revocation', 'add', '--uci', 'URN:UVCI:01:GR:QUEUED', ...target])
    expect(added.stdout).toMatch(/^Queued 2 new entries; 2 wait to be published\./)
    const pending = JSON.parse((await cli(['revocation', 'pending', '--json', ...target])).stdout) as { total: number; entries: { id: number; group: string }[] }
    expect(pending.total).toBe(2)
    expect((await cli(['revocation', 'pending', ...target])).stdout).toMatch(/^2 entries queued\n\d+\tdcc\/UCI\t/)
    const removed = await cli(['revocation', 'remove', '--id', String(pending.entries[0]!.id), ...target])
    expect(removed.stdout).toMatch(/^Removed 1 queued entry; 1 wait to be published\./)
    expect((await cli(['revocation', 'add', '--uci', 'URN:UVCI:01:GR:QUEUED', ...target])).stdout).toMatch(/^Queued 1 new entry; 2 wait/)
    expect((await cli(['revocation', 'remove', ...target])).code).toBe(2)
    const ids = (JSON.parse((await cli(['revocation', 'pending', '--json', ...target])).stdout) as { entries: { id: number }[] }).entries.flatMap((e) => ['--id', String(e.id)])
    expect((await cli(['revocation', 'remove', ...ids, ...target])).stdout).toMatch(/^Removed 2 queued entries; 0 wait/)
  })
})
