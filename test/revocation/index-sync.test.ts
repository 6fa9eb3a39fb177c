// Partitioned revocations end to end against a real node on 127.0.0.1: a country past the single-list size
// publishes a revocation index and partitions; a verifier syncing from the node holds them and reads the revoked
// certificate as revoked and another as valid; one more revocation later moves only the index and one partition.
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadNodeConfig } from '../../src/config/node-config.js'
import { startNode, type RunningNode } from '../../src/node.js'
import { cli } from '../helpers/cli.js'
import { tempDir } from '../helpers/temp.js'
import { vectorPath } from '../helpers/vectors.js'
import { VerifierCountry } from '../verifier/fixtures.js'

const root = tempDir('entente-index-sync-')
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
  const config = await loadNodeConfig(dir)
  // Every publish partitioned, as for a country past the single-list size.
  node = await startNode({ ...config, limits: { ...config.limits, maxRevocationListEntries: 0 } }, { port: 0, valueSetsDir: vectorPath('valuesets') })
  target = ['--url', node.url, '--token', created.operatorToken]
  fixture = await VerifierCountry.create('GR')
  await node.operator.addSigner({ format: 'dcc', certificate: fixture.dsc.signer.certificate })
  await node.operator.updateDraft((draft) => ({ ...draft, vaccines: [{ product: 'EU/1/20/1528', dosesForCompletion: 2, validityDays: 270 }] }))
  await node.operator.publish()
}, 60_000)

afterAll(async () => {
  await node?.stop()
})

async function verify(out: string, payload: string) {
  const result = await cli(['verify', '--bundle', out, '--json', payload])
  return JSON.parse(result.stdout) as { valid: boolean; reasons: { code: string }[] }
}

describe('partitioned revocations from a node to a verifier', () => {
  it('the verifier syncs the index and its partitions and reads the revoked certificate as revoked', async () => {
    expect((await cli(['revocation', 'add', '--uci', 'URN:UVCI:01:GR:GONE', ...target])).code).toBe(0)
    const published = await cli(['revocation', 'publish', ...target])
    expect(published.stdout).toMatch(/Published the GR revocation index seq 1 \(2 changed partition\(s\), expires [^)]+\) and trust list seq 2 naming it\./)
    const out = path.join(root, 'verifier', 'state.json')
    const sync = await cli(['sync', '--home', 'GR', `--root=${thumbprint}`, '--out', out, '--from', node.url])
    expect(sync.code, sync.stderr).toBe(0)
    const now = new Date()
    expect((await verify(out, fixture.issue({ at: now, uci: 'URN:UVCI:01:GR:GONE' }))).reasons.map((r) => r.code)).toEqual(['ERR_CERT_REVOKED'])
    expect((await verify(out, fixture.issue({ at: now, uci: 'URN:UVCI:01:GR:FINE' }))).valid).toBe(true)

    // One more: the next sync takes the new index and the one partition that changed.
    expect((await cli(['revocation', 'add', '--uci', 'URN:UVCI:01:GR:FINE', ...target])).code).toBe(0)
    expect((await cli(['revocation', 'publish', ...target])).stdout).toMatch(/revocation index seq 2 \(2 changed partition\(s\)/)
    expect((await cli(['sync', '--home', 'GR', '--out', out, '--from', node.url])).code).toBe(0)
    expect((await verify(out, fixture.issue({ at: new Date(), uci: 'URN:UVCI:01:GR:FINE' }))).reasons.map((r) => r.code)).toEqual(['ERR_CERT_REVOKED'])
  })
})
