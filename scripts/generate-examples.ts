// Writes registry-schema/examples/: really signed example documents (public material only), validated by
// test/model/schemas.test.ts. Re-run after a schema change: npx tsx scripts/generate-examples.ts
// Node: the native crypto platform, as the library's and the CLI's entry points install it.
import '../src/platform/use-node-platform.js'
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { createDemoDsc, createDemoShcIssuer } from '../src/demo/demo-signer.js'
import type { NodeConfig, TrustListDraft } from '../src/model/schema.types.js'
import { buildTrustList } from '../src/trust-list/build-trust-list.js'
import { detectEquivocation } from '../src/trust-list/equivocation.js'
import { generateRootKey, rootOf } from '../src/trust-list/root-key.js'
import { signTrustList } from '../src/trust-list/sign-trust-list.js'
import { verifyTrustList } from '../src/trust-list/verify-trust-list.js'
import { buildRevocationList } from '../src/revocation/build-revocation-list.js'
import { decodeRevocationList } from '../src/revocation/decode-revocation-list.js'
import { dccRevocationHash } from '../src/revocation/parse-revocation-request.js'
import { signRevocationList } from '../src/revocation/sign-revocation-list.js'
import { SoftAuthenticator } from '../test/helpers/webauthn.js'

const out = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../registry-schema/examples')
const now = new Date('2026-11-24T12:00:00Z')
const year = new Date('2027-11-24T12:00:00Z')

const root = await generateRootKey()
const cy = await generateRootKey('p256')
const dsc = await createDemoDsc({ country: 'GR', notBefore: now, notAfter: year })
const shc = await createDemoShcIssuer({ issuer: 'https://shc.example.gr/issuer', notBefore: now, notAfter: year })
// Real recognition evidence: two diplomats' passkeys (software authenticators) approve the CY entry.
const cyEntry = { country: 'CY', rootThumbprint: cy.thumbprint, scopes: ['vaccination' as const, 'test' as const] }
const passkeys = [SoftAuthenticator.create('ES256'), SoftAuthenticator.create('EdDSA')]
const diplomats = passkeys.map((p, i) => p.diplomat({ name: ['Alice Athanasiou', 'Bob Barakat'][i] ?? 'Diplomat', origin: 'https://diplomats.example.gr', rpId: 'diplomats.example.gr', addedAt: '2026-11-20T09:00:00Z' }))
const base: TrustListDraft = {
  signers: [dsc.signer, shc.signer],
  revokedSigners: [{ kid: 'AAAAAAAAAAA=', revokedAt: '2026-11-01T00:00:00Z', reason: 'key-compromise' }],
  vaccines: [
    { product: 'EU/1/20/1528', dosesForCompletion: 2, validityDays: 270, daysAfterLastDose: 14 },
    { product: 'EU/1/20/1525', dosesForCompletion: 1, validityDays: 270, daysAfterLastDose: 14 },
  ],
  rules: { testMaxAgeHours: 72, recoveryValidityDays: 180 },
  recognitions: [],
  diplomats,
  quorum: 2,
}
const nodes = [{ peerId: '12D3KooWExample', multiaddrs: ['/ip4/127.0.0.1/tcp/7201'], url: 'http://127.0.0.1:7101' }]
// The first list names the diplomats; they approve the CY recognition at that list, which the second list carries.
const genesis = buildTrustList({ country: 'GR', root: rootOf(root), draft: base, now, nodes })
const genesisHead = await verifyTrustList(await signTrustList(genesis, [root]), { now })
const approvals = passkeys.map((p, i) =>
  p.approve({ country: 'GR', entry: cyEntry, head: { seq: genesisHead.payload.seq, hash: genesisHead.hash }, diplomat: diplomats[i] as (typeof diplomats)[number] }),
)
const draft: TrustListDraft = { ...base, recognitions: [{ ...cyEntry, approvals }] }

const revocations = buildRevocationList({
  country: 'GR',
  rootThumbprint: root.thumbprint,
  entries: {
    dcc: [
      { hashType: 'UCI', hash: dccRevocationHash('UCI', 'URN:UVCI:01:GR:EXAMPLE0000000001', 'GR') },
      { hashType: 'COUNTRYCODEUCI', hash: dccRevocationHash('COUNTRYCODEUCI', 'URN:UVCI:01:GR:EXAMPLE0000000001', 'GR') },
    ],
    shc: [{ issuer: 'https://shc.example.gr/issuer', kid: shc.signer.kid, rid: 'dGhpcy1yaWQ', revokedAt: '2026-11-20T00:00:00Z' }],
  },
  now,
})
const signedRevocations = await signRevocationList(revocations, root)
const payload = buildTrustList({
  country: 'GR',
  root: rootOf(root),
  draft,
  head: genesisHead,
  now,
  nodes,
  revocationList: { seq: revocations.seq, hash: decodeRevocationList(signedRevocations, Number.MAX_SAFE_INTEGER).hash },
})
const signed = await signTrustList(payload, [root])
const verified = await verifyTrustList(signed, { now, head: genesisHead })
const fork = await verifyTrustList(await signTrustList({ ...payload, rules: { testMaxAgeHours: 48 } }, [root]), { now, head: genesisHead })
const proof = detectEquivocation(verified, fork)
const config: NodeConfig = {
  version: 1,
  country: 'GR',
  name: 'Hellenic Republic',
  http: { host: '127.0.0.1', port: 7101, publicUrl: 'http://127.0.0.1:7101' },
  p2p: { listen: ['/ip4/127.0.0.1/tcp/7201'], bootstrap: [] },
  trustList: { validityDays: 30, quorum: 2 },
  limits: { maxTrustListBytes: 8388608, maxBodyBytes: 2097152 },
}

await mkdir(out, { recursive: true })
const write = (name: string, doc: unknown) => writeFile(path.join(out, name), `${JSON.stringify(doc, null, 2)}\n`)
await write('trust-list.v1.example.json', payload)
await write('signed-trust-list.v1.example.json', signed)
await write('equivocation-proof.v1.example.json', proof)
await write('node-config.v1.example.json', config)
await write('draft.v1.example.json', draft)
await write('revocation-list.v1.example.json', revocations)
await write('signed-revocation-list.v1.example.json', signedRevocations)
console.log(`wrote examples to ${out}`)
