// A federation across hosts: five countries, each node in its own network namespace with its own 198.18.0.0/15
// address on a bridge, HTTPS with a test CA and libp2p on that address only (no shared loopback), a verifier on a
// sixth host and the operators' commands from a seventh. Needs root and iproute2 (CI runs as root); the namespaces,
// bridge and processes are removed after the run, on failure too, and also when the worker exits abruptly.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { issueDemoDcc } from '../../src/demo/issue-dcc.js'
import {
  configureCountry,
  createTestCa,
  demoSigner,
  ENTENTE_BIN,
  everyNodeHolds,
  heldHeads,
  initCountry,
  labUnavailable,
  LabAgent,
  NetnsLab,
  operatorCli,
  ownHeads,
  removeLabSync,
  removeStaleLabs,
  startCountry,
  startSink,
  type LabCountry,
} from '../../scripts/netns-federation.js'
import { waitFor } from '../helpers/wait-for.js'

const unavailable = await labUnavailable()
if (unavailable !== undefined) console.warn(`multi-host federation test skipped: ${unavailable}`)

// One lab per run: test runs started at the same time on one machine must not remove each other's namespaces.
const PREFIX_BASE = 'entente-t'
const PREFIX = `${PREFIX_BASE}${process.pid}`
/** Where CN claims to be reachable: its own loopback and a private network. A foreign list must not make nodes dial these. */
const BAIT_PORT = 7299
const CN_ANNOUNCE = [`/ip4/127.0.0.1/tcp/${BAIT_PORT}`, `/ip4/10.255.0.1/tcp/${BAIT_PORT}`]

describe.skipIf(unavailable !== undefined)('a federation of five hosts on a bridge (network namespaces, 198.18.0.0/24)', () => {
  const lab = new NetnsLab(PREFIX)
  const dataDir = mkdtempSync(path.join(tmpdir(), 'entente-multihost-'))
  const countries: LabCountry[] = []
  let agent: LabAgent
  let caEnv: NodeJS.ProcessEnv
  let gr: LabCountry
  let cy: LabCountry
  let il: LabCountry
  let de: LabCountry
  let cn: LabCountry
  const sinks: { de?: { count: () => number }; il?: { count: () => number } } = {}
  // An abrupt end of the worker skips afterAll: the namespaces (and every process inside them) go all the same.
  const onExit = () => removeLabSync(PREFIX)

  const by = (code: string) => countries.find((c) => c.country === code) as LabCountry
  const publish = async (country: LabCountry) =>
    JSON.parse((await operatorCli(agent, country, ['publish', '--json'])).stdout) as { country: string; seq: number; hash: string }
  const converged = async (what: string, timeoutMs = 60_000) => {
    const expected = await ownHeads(agent, countries)
    expect(expected.size).toBe(countries.length)
    await waitFor(() => everyNodeHolds(agent, countries, expected), { timeoutMs, intervalMs: 250, what })
    return expected
  }

  beforeAll(async () => {
    process.once('exit', onExit)
    await removeStaleLabs(PREFIX_BASE)
    await lab.create()
    const ca = await createTestCa(path.join(dataDir, 'ca'))
    caEnv = { NODE_EXTRA_CA_CERTS: ca.caFile }
    await lab.addHost('OP', 2)
    await lab.addHost('VF', 20)
    for (const [i, code] of ['GR', 'CY', 'IL', 'DE', 'CN'].entries()) countries.push(await initCountry(code, await lab.addHost(code, 11 + i), dataDir, ca))
    ;[gr, cy, il, de, cn] = ['GR', 'CY', 'IL', 'DE', 'CN'].map(by) as [LabCountry, LabCountry, LabCountry, LabCountry, LabCountry]
    // Bootstrap by lab addresses; CN and DE (and CN and IL) are not told about each other, so the only addresses they
    // could learn for each other come from lists. CN's list names only loopback and private addresses. DE keeps the
    // default dial policy; IL allows private addresses: it must dial them, which shows the bait would be seen.
    const apart = (a: LabCountry, b: LabCountry) => [a, b].every((x) => [de, cn].includes(x)) || [a, b].every((x) => [il, cn].includes(x))
    for (const c of countries) {
      const bootstrap = countries.filter((o) => o !== c && !apart(c, o)).map((o) => o.multiaddr)
      configureCountry(c, { p2p: { bootstrap, ...(c === cn ? { announce: CN_ANNOUNCE } : {}), ...(c === il ? { allowPrivate: true } : {}) } })
    }
    sinks.de = await startSink(lab, 'DE', '127.0.0.1', BAIT_PORT)
    sinks.il = await startSink(lab, 'IL', '127.0.0.1', BAIT_PORT)
    agent = LabAgent.start(lab, 'OP', caEnv)
    await agent.ready
    await Promise.all(countries.map((c) => startCountry(lab, c, agent, caEnv)))
    // Operators exchange root fingerprints out of band and pin each other's roots before anything is published.
    await Promise.all(
      countries.map(async (c) => {
        for (const other of countries) if (other !== c) await operatorCli(agent, c, ['peer', 'pin', other.country, other.rootThumbprint])
        await operatorCli(agent, c, ['vaccines', 'set', '--vaccine', 'EU/1/20/1528:2:270:14'])
      }),
    )
  }, 240_000)

  afterAll(async () => {
    await agent?.stop()
    await lab.destroy()
    process.off('exit', onExit)
    rmSync(dataDir, { recursive: true, force: true })
  }, 60_000)

  it('converges after every country publishes, and after one more publish', async () => {
    for (const c of countries) await publish(c)
    await converged('every node to hold every first list')
    const started = Date.now()
    const next = await publish(gr)
    expect(next.seq).toBe(2)
    await converged('GR seq 2 everywhere')
    console.log(`multi-host: GR seq 2 reached all five hosts in ${Date.now() - started} ms`)
  }, 150_000)

  it('a verifier on a sixth host syncs over HTTPS (test CA) and verifies a certificate offline', async () => {
    const signer = await demoSigner(gr)
    await operatorCli(agent, gr, ['signer', 'add', '--dsc', signer.pem])
    await publish(gr)
    await converged('GR with its signer everywhere')
    const bundle = path.join(dataDir, 'verifier-bundle.json')
    const sync = (out: string) => [process.execPath, ENTENTE_BIN, 'sync', '--from', gr.url, '--home', 'GR', `--root=${gr.rootThumbprint}`, '--out', out, '--json']
    // Without the CA the node's certificate is not trusted: that sync fails rather than falling back to anything.
    const [untrusted, synced] = await Promise.all([lab.execIn('VF', sync(path.join(dataDir, 'untrusted-bundle.json'))), lab.execIn('VF', sync(bundle), caEnv)])
    expect(untrusted.code).toBe(1)
    expect(synced.stderr).toBe('')
    expect(synced.code).toBe(0)
    const report = JSON.parse(synced.stdout) as { seqs: Record<string, number> }
    expect(report.seqs.GR).toBe(3)
    // Offline: the verifier's host is cut from the network before it verifies.
    await lab.cut('VF')
    const now = new Date()
    const hc1 = issueDemoDcc({
      privateKey: signer.privateKey,
      kid: signer.kid,
      issuedAt: now,
      expiresAt: new Date(now.getTime() + 365 * 86_400_000),
      vaccination: {
        country: 'GR',
        familyName: 'Lab',
        givenName: 'Traveller',
        dateOfBirth: '1980-01-01',
        product: 'EU/1/20/1528',
        manufacturer: 'ORG-100030215',
        dose: 2,
        totalDoses: 2,
        date: new Date(now.getTime() - 30 * 86_400_000).toISOString().slice(0, 10),
        certificateId: 'URN:UVCI:01:GR:MULTIHOST#0',
      },
    })
    const verified = await lab.execIn('VF', [process.execPath, ENTENTE_BIN, 'verify', '--bundle', bundle, '--json', hc1])
    const verdict = JSON.parse(verified.stdout) as { valid: boolean; issuer: string; reasons: unknown[] }
    expect(verdict.reasons).toEqual([])
    expect(verdict.valid).toBe(true)
  }, 150_000)

  it('a host cut off while both sides publish ends with every head once the link is back', async () => {
    await lab.cut('CY')
    try {
      const inside = await publish(gr)
      // CY's operator publishes on CY's own host: the CLI finds the running node through its directory.
      const outside = await lab.execIn('CY', [process.execPath, ENTENTE_BIN, 'publish', '--dir', cy.dir, '--json'], caEnv)
      expect(outside.stderr).toBe('')
      expect(JSON.parse(outside.stdout)).toMatchObject({ country: 'CY', seq: 2 })
      // The cut is real: the others still hold CY's first list while CY is away.
      const held = await heldHeads(agent, de)
      expect(held.get('CY')?.seq).toBe(1)
      expect(held.get('GR')?.hash).toBe(inside.hash)
    } finally {
      await lab.heal('CY')
    }
    const heads = await converged('every node to hold GR seq 4 and CY seq 2 after the heal')
    expect(heads.get('GR')?.seq).toBe(4)
    expect(heads.get('CY')?.seq).toBe(2)
  }, 150_000)

  it('never dials the loopback or private addresses a list names, unless the operator allows private addresses', async () => {
    // CN's list went everywhere (the first test); IL, allowed to, dials what it names: the bait listener sees it.
    await waitFor(() => (sinks.il?.count() ?? 0) > 0, { timeoutMs: 30_000, what: 'IL (allowPrivate) to dial the loopback address in CN’s list' })
    // DE holds the same list under the default policy: no connection to its loopback, and the policy refused it.
    expect((await heldHeads(agent, de)).get('CN')).toBeDefined()
    expect(sinks.de?.count()).toBe(0)
    const metrics = (await agent.fetchText(`${de.url}/metrics`)).text
    const refused = /^entente_p2p_refused_total\{reason="policy"\} (\d+)/m.exec(metrics)
    console.log(`multi-host: DE refused ${refused?.[1] ?? 0} dial(s) by policy; IL's bait saw ${sinks.il?.count()} connection(s)`)
    expect(Number(refused?.[1] ?? 0)).toBeGreaterThan(0)
    expect(de.log.filter((line) => line.includes('127.0.0.1') || line.includes('10.255.0.1')).filter((line) => /dialling .* failed/.test(line))).toEqual([])
  }, 90_000)

  it('still converges over a 256 kbit/s link', async () => {
    await lab.limit('IL', '256kbit')
    try {
      const started = Date.now()
      await publish(il)
      await publish(de)
      await converged('IL and DE lists everywhere over the limited link')
      console.log(`multi-host: with IL at 256 kbit/s, IL's and DE's lists reached all five hosts in ${Date.now() - started} ms`)
    } finally {
      await lab.unlimit('IL')
    }
  }, 150_000)
})
