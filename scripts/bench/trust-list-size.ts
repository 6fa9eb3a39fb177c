// `npm run bench:trust-list`: what one DSC costs in a signed trust list, in the base64url payload form lists had
// before and in the unencoded form signers emit now, for real DSC sizes (public DCC test vectors and a generated
// RSA-4096 DSC), how many DSCs fit the size cap, and how much room a home list recognizing 250 countries leaves.
// A measurement, not a test: prints a table.
// Node: the native crypto platform, as the library's and the CLI's entry points install it.
import '../../src/platform/use-node-platform.js'
import 'reflect-metadata'
import { webcrypto } from 'node:crypto'
import * as x509 from '@peculiar/x509'
import { GeneralSign, importJWK } from 'jose'
import { canonicalBytes } from '../../src/model/canonical-json.js'
import type { DccSigner, Recognition, Diplomat, TrustListPayload } from '../../src/model/schema.types.js'
import { buildTrustList, emptyDraft } from '../../src/trust-list/build-trust-list.js'
import { DEFAULT_MAX_TRUST_LIST_BYTES, TRUST_LIST_TYP } from '../../src/trust-list/constants.js'
import { generateRootKey, rootOf, type RootSigningKey } from '../../src/trust-list/root-key.js'
import { signTrustList } from '../../src/trust-list/sign-trust-list.js'
import { dscEntries, LARGEST_VECTOR_DSC, recognitionsWithEvidence, TYPICAL_VECTOR_DSC, vectorDer } from '../../test/helpers/dscs.js'

const OLD_CAP = 1024 * 1024
const NEW_CAP = DEFAULT_MAX_TRUST_LIST_BYTES
const N = 200
const crypto = webcrypto as unknown as Crypto
const T0 = new Date('2026-11-24T12:00:00Z')

async function legacySign(payload: TrustListPayload, key: RootSigningKey): Promise<string> {
  const jws = await new GeneralSign(canonicalBytes(payload))
    .addSignature(await importJWK(key.privateJwk, key.alg))
    .setProtectedHeader({ alg: key.alg, kid: key.thumbprint, typ: TRUST_LIST_TYP })
    .sign()
  return JSON.stringify({ payload: jws.payload, signatures: jws.signatures.map((s) => ({ protected: s.protected, signature: s.signature })) })
}

async function sizes(key: RootSigningKey, content: { signers?: DccSigner[]; recognitions?: Recognition[]; diplomats?: Diplomat[]; quorum?: number }): Promise<{ old: number; now: number }> {
  const draft = { ...emptyDraft(content.quorum ?? 1), signers: content.signers ?? [], recognitions: content.recognitions ?? [], diplomats: content.diplomats ?? [] }
  const payload = buildTrustList({ country: 'GR', root: rootOf(key), draft, now: T0 })
  return { old: Buffer.byteLength(await legacySign(payload, key)), now: Buffer.byteLength(JSON.stringify(await signTrustList(payload, [key]))) }
}

/** An RSA-4096 DSC under an RSA-4096 CSCA, with the EU DCC extensions: the largest DSCs in use are of this kind. */
async function rsa4096Dsc(): Promise<Buffer> {
  const alg = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 4096 }
  const csca = (await crypto.subtle.generateKey(alg, true, ['sign', 'verify']))
  const dsc = (await crypto.subtle.generateKey(alg, true, ['sign', 'verify']))
  const cert = await x509.X509CertificateGenerator.create(
    {
      serialNumber: '01a2b3c4d5e6f708',
      issuer: 'C=GR, O=Ministry of Digital Governance, OU=eHealth, CN=CSCA Hellenic Republic Health Certificates',
      subject: 'C=GR, O=Ministry of Digital Governance, OU=eHealth, CN=DSC Hellenic Republic Health Certificates 0001',
      notBefore: new Date('2026-01-01T00:00:00Z'),
      notAfter: new Date('2028-01-01T00:00:00Z'),
      signingAlgorithm: alg,
      publicKey: dsc.publicKey,
      signingKey: csca.privateKey,
      extensions: [
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension(['1.3.6.1.4.1.1847.2021.1.1', '1.3.6.1.4.1.1847.2021.1.2', '1.3.6.1.4.1.1847.2021.1.3']),
        await x509.AuthorityKeyIdentifierExtension.create(csca.publicKey, false, crypto),
        await x509.SubjectKeyIdentifierExtension.create(dsc.publicKey, false, crypto),
      ],
    },
    crypto,
  )
  return Buffer.from(cert.rawData)
}

async function main(): Promise<void> {
  const key = await generateRootKey('ed25519')
  const empty = await sizes(key, {})
  const kinds: [string, Buffer][] = [
    ['EC P-256, median vector (LV)', vectorDer(TYPICAL_VECTOR_DSC)],
    ['EC P-256 under RSA-4096 CSCA, largest vector (ES)', vectorDer(LARGEST_VECTOR_DSC)],
    ['RSA-2048, vector (CH)', vectorDer(['CH', '2DCode', 'raw', '3.json'])],
    ['RSA-4096 under RSA-4096 CSCA, generated', await rsa4096Dsc()],
  ]
  console.log(`Empty list: ${empty.old} B before, ${empty.now} B now. Caps: ${OLD_CAP} B before, ${NEW_CAP} B now.\n`)
  console.log('DSC                                                 DER   per DSC before (x DER)   per DSC now (x DER)   max DSCs before -> now (same 1 MiB cap) -> now (new cap)')
  const perDscNow = new Map<string, number>()
  for (const [name, der] of kinds) {
    const full = await sizes(key, { signers: dscEntries(der, N) })
    const old = (full.old - empty.old) / N
    const now = (full.now - empty.now) / N
    perDscNow.set(name, now)
    const fit = (cap: number, base: number, per: number): number => Math.floor((cap - base) / per)
    console.log(
      `${name.padEnd(50)} ${String(der.length).padStart(5)}   ${old.toFixed(0).padStart(6)} (${(old / der.length).toFixed(2)}x)` +
        `          ${now.toFixed(0).padStart(6)} (${(now / der.length).toFixed(2)}x)` +
        `       ${fit(OLD_CAP, empty.old, old)} -> ${fit(OLD_CAP, empty.now, now)} -> ${fit(NEW_CAP, empty.now, now)}`,
    )
  }
  for (const [quorum, diplomats] of [[3, 5], [5, 7]] as const) {
    const evidence = await recognitionsWithEvidence({ home: 'GR', count: 250, quorum, diplomats, head: { seq: 4, hash: 'a'.repeat(64) } })
    const home = await sizes(key, { ...evidence, quorum })
    const room = (cap: number, per: number): number => Math.floor((cap - home.now) / per)
    console.log(
      `\nHome list, 250 recognitions, quorum ${quorum} of ${diplomats} diplomats: ${home.old} B before, ${home.now} B now` +
        ` (${((100 * home.now) / NEW_CAP).toFixed(1)} % of the cap); room left for ${[...perDscNow].map(([name, per]) => `${room(NEW_CAP, per)} ${name.split(',')[0]}`).join(', ')} DSCs`,
    )
  }
}

await main()
