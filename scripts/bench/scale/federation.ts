// Benchmark fixture: one real node (made by `entente init`, started with startNode on 127.0.0.1) holding a
// federation of N countries x S DSCs. The home country is built through its operator service (signers, vaccines,
// a diplomat, recognitions approved by a software passkey, publish); each foreign country signs its own lists (as
// its own node would) and the home node takes them in through admission, the path an operator upload of a foreign
// list takes. Never used outside the benchmark.
import { execFile } from 'node:child_process'
import path from 'node:path'
import { promisify } from 'node:util'
import { loadNodeConfig } from '../../../src/config/node-config.js'
import type { Signer, SignedTrustList, TrustListDraft, TrustListPayload } from '../../../src/model/schema.types.js'
import { startNode, type RunningNode } from '../../../src/node.js'
import { onboardSigner } from '../../../src/operator/onboard-signer.js'
import { buildTrustList, emptyDraft } from '../../../src/trust-list/build-trust-list.js'
import { hashTrustList } from '../../../src/trust-list/hash-trust-list.js'
import { generateRootKey, rootOf, type RootSigningKey } from '../../../src/trust-list/root-key.js'
import { signTrustList } from '../../../src/trust-list/sign-trust-list.js'
import { recognitionEntry } from '../../../src/trust-list/verify-recognitions.js'
import { SoftAuthenticator } from '../../../test/helpers/webauthn.js'
import { countryDscs, type BenchDsc } from './dscs.js'

const bin = path.resolve(import.meta.dirname, '../../../bin/entente.js')
export const COMIRNATY = 'EU/1/20/1528'
const VACCINES = [{ product: COMIRNATY, dosesForCompletion: 2, validityDays: 270 }]

export interface ForeignCountry {
  readonly country: string
  readonly root: RootSigningKey
  draft: TrustListDraft
  head: { payload: TrustListPayload; hash: string } | undefined
  readonly dscs: BenchDsc[]
  /** The head of its revocation chain, which its next list names (as its node's publish does). */
  revocationList?: { readonly seq: number; readonly hash: string }
}

export interface Federation {
  readonly node: RunningNode
  readonly home: string
  readonly homeRoot: string
  readonly operatorToken: string
  readonly homeDscs: BenchDsc[]
  readonly foreign: ForeignCountry[]
}

/** `count` distinct two-letter codes that Intl knows as regions, home first. */
export function countryCodes(count: number, home: string): string[] {
  const names = new Intl.DisplayNames(['en'], { type: 'region' })
  const codes = [home]
  for (let a = 65; a <= 90 && codes.length < count; a++) {
    for (let b = 65; b <= 90 && codes.length < count; b++) {
      const code = String.fromCharCode(a, b)
      if (code !== home && names.of(code) !== code) codes.push(code)
    }
  }
  // Fewer than 26*26 regions are named: fill up with unnamed codes (the schema only asks for two letters).
  for (let a = 65; a <= 90 && codes.length < count; a++) {
    for (let b = 65; b <= 90 && codes.length < count; b++) {
      const code = String.fromCharCode(a, b)
      if (!codes.includes(code)) codes.push(code)
    }
  }
  return codes
}

export async function buildFederation(input: {
  readonly dir: string
  readonly countries: readonly string[]
  readonly signers: number
  readonly freshDscs: boolean
  readonly log: (line: string) => void
}): Promise<Federation> {
  const [home, ...others] = input.countries as [string, ...string[]]
  const nodeDir = path.join(input.dir, `node-${home}`)
  const { stdout } = await promisify(execFile)(process.execPath, [bin, 'init', '--country', home, '--dir', nodeDir, '--json', '--port', '0'])
  const { rootThumbprint, operatorToken } = JSON.parse(stdout) as { rootThumbprint: string; operatorToken: string }
  const config = await loadNodeConfig(nodeDir)
  // Only 127.0.0.1, on ports the OS picks.
  const node = await startNode({ ...config, p2p: { ...config.p2p, listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap: [] } }, { port: 0, log: () => undefined })
  const now = () => new Date()

  let t = performance.now()
  const dscs = new Map<string, BenchDsc[]>()
  for (const [i, country] of input.countries.entries()) {
    dscs.set(country, await countryDscs(country, input.signers, { fresh: input.freshDscs }))
    if (i % 20 === 19) input.log(`  DSCs: ${i + 1}/${input.countries.length} countries (${((performance.now() - t) / 1000).toFixed(0)} s)`)
  }
  input.log(`  DSCs: ${input.countries.length * input.signers} ready in ${((performance.now() - t) / 1000).toFixed(1)} s (cache: ${input.freshDscs ? 'regenerated' : 'reused where present'})`)

  t = performance.now()
  const foreign: ForeignCountry[] = []
  for (const country of others) {
    const root = await generateRootKey(country.charCodeAt(1) % 2 === 0 ? 'p256' : 'ed25519')
    const countryDscList = dscs.get(country) ?? []
    const signers: Signer[] = []
    for (const dsc of countryDscList) signers.push(await onboardSigner({ format: 'dcc', certificate: dsc.der.toString('base64') }, { country, now: now(), existing: signers }))
    foreign.push({ country, root, draft: { ...emptyDraft(1), signers, vaccines: [...VACCINES] }, head: undefined, dscs: countryDscList })
    if (foreign.length % 50 === 0) input.log(`  foreign signers onboarded: ${foreign.length}/${others.length} countries (${((performance.now() - t) / 1000).toFixed(0)} s)`)
  }
  input.log(`  foreign signers onboarded in ${((performance.now() - t) / 1000).toFixed(1)} s`)

  // Home: its signers through the operator, then a diplomat in force, then recognitions approved at that list.
  t = performance.now()
  const homeDscs = dscs.get(home) ?? []
  for (const dsc of homeDscs) await node.operator.addSigner({ format: 'dcc', certificate: dsc.der.toString('base64') })
  const passkey = SoftAuthenticator.create('ES256')
  const diplomat = passkey.diplomat({ name: `Diplomat of ${home}` })
  await node.operator.updateDraft((draft) => ({ ...draft, quorum: 1, diplomats: [diplomat], vaccines: [...VACCINES] }))
  const inForce = await node.operator.publish()
  await node.operator.updateDraft((draft) => ({
    ...draft,
    recognitions: foreign.map((f) => {
      const entry = recognitionEntry({ country: f.country, rootThumbprint: f.root.thumbprint, scopes: ['vaccination', 'test', 'recovery'] })
      return { ...entry, approvals: [passkey.approve({ country: home, entry, head: { seq: inForce.seq, hash: inForce.hash }, diplomat })] }
    }),
  }))
  await node.operator.publish()
  input.log(`  home ${home}: ${homeDscs.length} signers, ${foreign.length} recognitions published in ${((performance.now() - t) / 1000).toFixed(1)} s`)

  t = performance.now()
  for (const f of foreign) await acceptForeign(node, await nextForeignList(f))
  input.log(`  ${foreign.length} foreign lists signed and admitted in ${((performance.now() - t) / 1000).toFixed(1)} s`)
  return { node, home, homeRoot: rootThumbprint, operatorToken, homeDscs, foreign }
}

/** The foreign country's next list from its draft, signed by its root (what its own node's publish does). */
export async function nextForeignList(f: ForeignCountry): Promise<SignedTrustList> {
  const payload = buildTrustList({
    country: f.country,
    root: rootOf(f.root),
    draft: f.draft,
    ...(f.head === undefined ? {} : { head: f.head }),
    ...(f.revocationList === undefined ? {} : { revocationList: f.revocationList }),
    now: new Date(),
    validityDays: 30,
  })
  const signed = await signTrustList(payload, [f.root])
  f.head = { payload, hash: hashTrustList(payload) }
  return signed
}

/** Through admission, as an operator upload of a foreign list or a gossiped one is taken in. */
export async function acceptForeign(node: RunningNode, signed: SignedTrustList): Promise<void> {
  const outcome = await node.admission.acceptFromOperator(signed, { maxBytes: node.config.limits.maxTrustListBytes })
  if (outcome.status !== 'accepted') throw new Error(`foreign list not accepted: ${outcome.status}`)
}
