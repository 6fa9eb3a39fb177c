// Incremental sync at federation scale: 50 countries' really signed lists (5 SHC issuer keys each; the home list
// recognizes the other 49 with real WebAuthn evidence) in one real node on 127.0.0.1, synced over HTTP. A one-signer
// change in one country then travels as a delta under 5 % of the full bundle. Every list is built from fixed-length
// material (Ed25519 roots and passkey, P-256 JWKs, fixed timestamps), so the byte counts are the same on every run.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadNodeConfig } from '../../src/config/node-config.js'
import { createDemoShcIssuer } from '../../src/demo/demo-signer.js'
import { startNode, type RunningNode } from '../../src/node.js'
import { acceptTrustList } from '../../src/store/accept-trust-list.js'
import { recognitionEntry } from '../../src/trust-list/verify-recognitions.js'
import { syncBundle } from '../../src/verifier/sync-client.js'
import { cli } from '../helpers/cli.js'
import { T0, TestCountry } from '../helpers/country.js'
import { SoftAuthenticator } from '../helpers/webauthn.js'

const CODES = 'AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK IS LI NO CH GB AL AD BA ME MK RS TR UA MD GE AM IL MA TN SG NZ JP UY'.split(' ')
const NOW = new Date(T0.getTime() + 3_600_000)
const SIGNERS_PER_COUNTRY = 5

const dir = mkdtempSync(path.join(tmpdir(), 'entente-delta-'))
let node: RunningNode
const countries: TestCountry[] = []

async function signers(country: string, n: number, from = 0) {
  return Promise.all(
    Array.from({ length: n }, async (_, i) => (await createDemoShcIssuer({ issuer: `https://shc.${country.toLowerCase()}.example/issuer${from + i}`, notBefore: T0, notAfter: new Date(T0.getTime() + 365 * 86_400_000) })).signer),
  )
}

beforeAll(async () => {
  expect(CODES).toHaveLength(50)
  expect(new Set(CODES).size).toBe(50)
  const init = await cli(['init', '--country', 'ZZ', '--dir', path.join(dir, 'ZZ'), '--port', '0'])
  expect(init.code).toBe(0)
  node = await startNode(await loadNodeConfig(path.join(dir, 'ZZ')), { port: 0, now: () => NOW })
  for (const code of CODES) {
    const c = await TestCountry.create(code)
    c.draft.signers = await signers(code, SIGNERS_PER_COUNTRY)
    countries.push(c)
  }
  // The home country (AT) recognizes the 49 others; an Ed25519 passkey keeps signature lengths fixed.
  const home = countries[0] as TestCountry
  const passkey = SoftAuthenticator.create('EdDSA')
  const diplomat = passkey.diplomat({ name: 'Diplomat' })
  home.draft.diplomats = [diplomat]
  // The diplomat is in force once a list names it; the recognitions are approved at that list.
  const first = await home.next({ now: T0 })
  await acceptTrustList(node.store, first.signed, { now: NOW })
  home.draft.recognitions = countries.slice(1).map((c) => {
    const entry = recognitionEntry({ country: c.country, rootThumbprint: c.root.thumbprint, scopes: ['vaccination', 'test', 'recovery'] })
    return { ...entry, approvals: [passkey.approve({ country: home.country, entry, head: { seq: first.payload.seq, hash: first.hash }, diplomat })] }
  })
  for (const c of countries) await acceptTrustList(node.store, (await c.next({ now: T0 })).signed, { now: NOW })
}, 60_000)

afterAll(async () => {
  await node.stop()
  rmSync(dir, { recursive: true, force: true })
})

describe('incremental sync, 50 countries', () => {
  it('a one-signer change in one country transfers a delta under 5 % of the full bundle', async () => {
    const out = path.join(dir, 'verifier.json')
    const home = countries[0] as TestCountry
    const sync = () => syncBundle({ sources: [node.url], home: 'AT', anchor: { thumbprint: home.root.thumbprint }, out, now: () => NOW })

    const first = await sync()
    const full = first.sources[0]!
    expect(full).toMatchObject({ status: 'fresh', full: true })
    expect(first.summary.counts.lists).toBe(50)

    // One country adds one signer and publishes.
    const changed = countries[17] as TestCountry
    changed.draft.signers = [...changed.draft.signers, ...(await signers(changed.country, 1, SIGNERS_PER_COUNTRY))]
    await acceptTrustList(node.store, (await changed.next({ now: T0 })).signed, { now: NOW })

    const second = await sync()
    const delta = second.sources[0]!
    expect(delta).toMatchObject({ status: 'fresh', full: false, merge: { accepted: [{ country: changed.country, seq: 2 }] } })
    expect(second.summary.seqs[changed.country]).toBe(2)

    const ratio = delta.bytes / full.bytes
    console.log(
      `bundle sizes, 50 countries x ${SIGNERS_PER_COUNTRY} signers: full ${full.bytes} B JSON (${full.wireBytes ?? '?'} B gzip on the wire), ` +
        `delta after a one-signer change ${delta.bytes} B JSON (${delta.wireBytes ?? '?'} B gzip): ${(ratio * 100).toFixed(2)} %`,
    )
    expect(ratio).toBeLessThan(0.05)
    // Deterministic figures (fixed-length keys, signatures and timestamps): a change here means the wire format changed.
    expect({ full: full.bytes, delta: delta.bytes }).toEqual({ full: FULL_BYTES, delta: DELTA_BYTES })

    // Nothing changed: an empty delta, then 304 Not Modified.
    expect((await sync()).sources[0]).toMatchObject({ status: 'fresh', full: false })
    expect((await sync()).sources[0]).toMatchObject({ status: 'not-modified', bytes: 0 })
  })
})

const FULL_BYTES = 194_172
const DELTA_BYTES = 3_962
