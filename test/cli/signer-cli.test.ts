// `entente signer add|revoke|list` against a real node (startNode: HTTP on 127.0.0.1, libp2p, a SQLite file):
// add prints the kid, list goes through the running node and reads the store of a stopped one; a CA is refused.
import 'reflect-metadata'
import { webcrypto } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import * as x509 from '@peculiar/x509'
import { afterAll, describe, expect, it } from 'vitest'
import { loadNodeConfig } from '../../src/config/node-config.js'
import { createDemoDsc } from '../../src/demo/demo-signer.js'
import type { TrustListDraft } from '../../src/model/schema.types.js'
import { startNode, type RunningNode } from '../../src/node.js'
import { signerRows, type SignerRow } from '../../src/operator/onboard-signer.js'
import { emptyDraft } from '../../src/trust-list/build-trust-list.js'
import { cli } from '../helpers/cli.js'
import { tempDir } from '../helpers/temp.js'
import { dccVector } from '../helpers/vectors.js'

const crypto = webcrypto as unknown as Crypto
let node: RunningNode | undefined
afterAll(async () => {
  await node?.stop()
})

async function caCertificate(file: string): Promise<void> {
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' }
  const keys = await crypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: '03',
      name: 'C=NL, O=Entente test, CN=CSCA',
      notBefore: new Date(Date.now() - 86_400_000),
      notAfter: new Date(Date.now() + 365 * 86_400_000),
      signingAlgorithm: algorithm,
      keys,
      extensions: [new x509.BasicConstraintsExtension(true, 0, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true)],
    },
    crypto,
  )
  writeFileSync(file, cert.toString('pem'))
}

describe('entente signer', () => {
  it('list reads a stopped node; add prints the kid; list goes through the running node; a CA is refused in one line', async () => {
    const root = tempDir('entente-signer-cli-')
    const dir = path.join(root, 'NL')
    expect((await cli(['init', '--country', 'NL', '--dir', dir, '--port', '0'])).code).toBe(0)

    const empty = await cli(['signer', 'list', '--dir', dir])
    expect(empty.stderr).toBe('')
    expect(empty.stdout).toContain(`0 signer(s), from the store in ${dir} (node stopped)`)

    node = await startNode(await loadNodeConfig(dir), { port: 0 })
    const demo = await createDemoDsc({ country: 'NL', notBefore: new Date(Date.now() - 86_400_000), notAfter: new Date(Date.now() + 365 * 86_400_000) })
    const demoFile = path.join(root, 'demo.der')
    writeFileSync(demoFile, demo.der)
    const nlFile = path.join(root, 'nl.der')
    writeFileSync(nlFile, Buffer.from(dccVector('NL', '2DCode', 'raw', '072-NL-vaccination.json').TESTCTX.CERTIFICATE, 'base64'))

    const added = await cli(['signer', 'add', '--dir', dir, '--dsc', demoFile])
    expect(added.stderr).toBe('')
    expect(added.stdout).toContain(`Added signer ${demo.signer.kid} (dcc, vaccination,test,recovery`)
    const nl = await cli(['signer', 'add', '--dir', dir, '--dsc', nlFile, '--json'])
    const nlKid = (JSON.parse(nl.stdout) as TrustListDraft).signers.at(-1)?.kid
    expect(nlKid).toBeDefined()
    expect((await cli(['signer', 'revoke', '--dir', dir, '--kid', nlKid!])).code).toBe(0)

    const caFile = path.join(root, 'csca.pem')
    await caCertificate(caFile)
    const refused = await cli(['signer', 'add', '--dir', dir, '--dsc', caFile])
    expect(refused.code).toBe(1)
    expect(refused.stderr.trim().split('\n')).toHaveLength(1)
    expect(refused.stderr).toMatch(/^entente: ERR_SIGNER_CA_CERTIFICATE: /)

    const live = await cli(['signer', 'list', '--dir', dir])
    expect(live.stdout).toContain(`2 signer(s), from the node at ${node.url}`)
    expect(live.stdout).toMatch(new RegExp(`${demo.signer.kid.replace(/[+/]/g, '\\$&')} +dcc +vaccination,test,recovery +\\S+ +\\S+ +active`))
    expect(live.stdout).toMatch(new RegExp(`${nlKid!.replace(/[+/]/g, '\\$&')} .*revoked \\S+ \\(unspecified\\)`))
    const liveJson = JSON.parse((await cli(['signer', 'list', '--dir', dir, '--json'])).stdout) as SignerRow[]
    expect(liveJson.map((row) => [row.kid, row.state])).toEqual([
      [demo.signer.kid, 'active'],
      [nlKid, 'revoked'],
    ])

    await node.stop()
    node = undefined
    const stopped = await cli(['signer', 'list', '--dir', dir, '--json'])
    expect(stopped.stderr).toBe('')
    expect(JSON.parse(stopped.stdout)).toEqual(liveJson)
  }, 60_000)
})

describe('signerRows', () => {
  it('states at the given time: not yet valid, active, expired, revoked', () => {
    const draft: TrustListDraft = {
      ...emptyDraft(),
      signers: [
        { format: 'dcc', kid: 'AAAAAAAAAAA=', certificate: 'AA==', usage: ['test'], validFrom: '2026-01-01T00:00:00Z', validUntil: '2027-01-01T00:00:00Z' },
      ],
      revokedSigners: [{ kid: 'BBBBBBBBBBB=', revokedAt: '2026-02-01T00:00:00Z', reason: 'key-compromise' }],
    }
    const state = (now: string) => signerRows(draft, new Date(now)).map((row) => row.state)
    expect(state('2025-12-31T23:59:59Z')).toEqual(['not yet valid', 'revoked'])
    expect(state('2026-06-01T00:00:00Z')).toEqual(['active', 'revoked'])
    expect(state('2027-01-01T00:00:01Z')).toEqual(['expired', 'revoked'])
    expect(signerRows(draft, new Date('2026-06-01T00:00:00Z'))[1]).toEqual({ kid: 'BBBBBBBBBBB=', state: 'revoked', revokedAt: '2026-02-01T00:00:00Z', reason: 'key-compromise' })
  })
})
