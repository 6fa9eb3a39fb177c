// A real node process on 127.0.0.1: the operator's whole workflow from a fresh directory, over HTTP and the CLI.
import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { Bundle } from '../../src/model/schema.types.js'
import { decodeTrustList } from '../../src/trust-list/decode-trust-list.js'
import { verifyTrustList } from '../../src/trust-list/verify-trust-list.js'
import { cli } from '../helpers/cli.js'
import { freePort } from '../helpers/free-port.js'
import { startNodeProcess as startNode } from '../helpers/node-process.js'
import { dccVector, vectorPath } from '../helpers/vectors.js'
import { waitFor } from '../helpers/wait-for.js'

const root = mkdtempSync(path.join(tmpdir(), 'entente-server-'))
const children: ChildProcess[] = []
afterAll(() => {
  for (const child of children) child.kill('SIGKILL')
  rmSync(root, { recursive: true, force: true })
})

function startNodeProcess(dir: string) {
  const node = startNode(dir, { env: { ENTENTE_VALUESETS: vectorPath('valuesets') } })
  children.push(node.child)
  return node
}

describe('a node as a real process', () => {
  it('init → node start → add a real DSC → set vaccines → publish → a verifier fetches bundle and exports → clean stop → restart keeps state', async () => {
    const dir = path.join(root, 'NL')
    const port = await freePort()
    expect((await cli(['init', '--country', 'NL', '--dir', dir, '--port', String(port)])).code).toBe(0)
    const node = startNodeProcess(dir)
    const url = `http://127.0.0.1:${port}`
    await waitFor(() => node.output().includes(`node on ${url}`), { timeoutMs: 20_000, what: 'the node to listen' })

    const dsc = path.join(root, 'nl-dsc.der')
    writeFileSync(dsc, Buffer.from(dccVector('NL', '2DCode', 'raw', '072-NL-vaccination.json').TESTCTX.CERTIFICATE, 'base64'))
    const added = await cli(['signer', 'add', '--dir', dir, '--dsc', dsc])
    expect(added.stderr).toBe('')
    expect(added.code).toBe(0)
    expect((await cli(['vaccines', 'set', '--dir', dir, '--vaccine', 'EU/1/20/1528:2:270:14'])).code).toBe(0)
    const published = await cli(['publish', '--dir', dir])
    expect(published.stdout).toContain(`via the node at ${url}`)

    // The verifier's side: anonymous HTTP, nothing but signed data.
    const response = await fetch(`${url}/v1/bundle`)
    const bundle = (await response.json()) as Bundle
    const verified = await verifyTrustList(bundle.lists[0]!, { now: new Date(), country: 'NL' })
    expect(verified.payload.signers).toHaveLength(1)
    expect(verified.payload.vaccines).toEqual([{ product: 'EU/1/20/1528', dosesForCompletion: 2, validityDays: 270, daysAfterLastDose: 14 }])
    expect((await fetch(`${url}/v1/bundle`, { headers: { 'if-none-match': response.headers.get('etag')! } })).status).toBe(304)
    const eu = (await (await fetch(`${url}/v1/export/eu-dcc/trustList/DSC`)).json()) as { kid: string }[]
    expect(eu.map((e) => e.kid)).toEqual([verified.payload.signers[0]!.kid])

    // Without the token nothing changes.
    const denied = await cli(['publish', '--url', url, '--token', 'ent_wrong'])
    expect(denied.stderr).toContain('ERR_HTTP_UNAUTHORIZED')

    node.child.kill('SIGTERM')
    expect(await node.exited).toBe(0)
    expect(node.output()).toContain('stopped')

    const again = startNodeProcess(dir)
    await waitFor(() => again.output().includes(`node on ${url}`), { timeoutMs: 20_000, what: 'the restarted node' })
    const after = (await (await fetch(`${url}/v1/trust-lists/NL`)).json()) as Parameters<typeof decodeTrustList>[0]
    expect(decodeTrustList(after).hash).toBe(verified.hash)
    again.child.kill('SIGINT')
    expect(await again.exited).toBe(0)
  })

  it('refuses to start on a port in use, with one clear line', async () => {
    const dir = path.join(root, 'GR')
    const port = await freePort()
    await cli(['init', '--country', 'GR', '--dir', dir, '--port', String(port)])
    const first = startNodeProcess(dir)
    await waitFor(() => first.output().includes('node on'), { timeoutMs: 20_000 })
    // Another node directory on the same port (the same directory is refused earlier, by its lock).
    const other = path.join(root, 'CY')
    await cli(['init', '--country', 'CY', '--dir', other, '--port', String(port)])
    const second = startNodeProcess(other)
    expect(await second.exited).toBe(1)
    expect(second.output()).toMatch(/entente: ERR_HTTP_UNAVAILABLE: cannot listen: 127\.0\.0\.1:\d+ is already in use; hint: .*http\.port/)
    first.child.kill('SIGTERM')
    expect(await first.exited).toBe(0)
  })
})
