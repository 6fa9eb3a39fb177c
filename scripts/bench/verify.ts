// Benchmark: HC1 and SHC verifications per second in one process, next to raw node:crypto ECDSA P-256
// verification of the same signed bytes and next to @pathcheck/dcc-sdk / @pathcheck/shc-sdk.
// Reads the shared vectors (ENTENTE_VECTORS or ../shared/vectors). Run: npm run bench:verify
import { createPublicKey, verify as cryptoVerify, type KeyObject } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { inflateRawSync } from 'node:zlib'
import { compactVerify, importJWK } from 'jose'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { sigStructure } from '../../src/certificates/dcc/cose-sign1.js'
import { decodeHc1 } from '../../src/certificates/dcc/decode-hc1.js'
import { parseDsc } from '../../src/certificates/dcc/parse-dsc.js'
import { prepareTrust, verifyCertificate, type PublicJwk } from '../../src/certificates/index.js'
import { decodeShcJws } from '../../src/certificates/shc/decode-shc-jws.js'
import { decodeShcQr } from '../../src/certificates/shc/decode-shc-qr.js'

const vectors = process.env.ENTENTE_VECTORS ?? path.resolve(import.meta.dirname, '../../../shared/vectors')
const DURATION_MS = Number(process.env.BENCH_MS ?? 2000)
const read = (p: string) => readFileSync(path.join(vectors, p), 'utf8')

async function measure(name: string, fn: () => unknown, isAsync = false): Promise<number> {
  // Warm up the JIT and caches before timing.
  const warmupEnd = performance.now() + DURATION_MS / 4
  while (performance.now() < warmupEnd) {
    if (isAsync) await fn()
    else fn()
  }
  let n = 0
  const start = performance.now()
  const end = start + DURATION_MS
  while (performance.now() < end) {
    for (let i = 0; i < 50; i++) {
      if (isAsync) await fn()
      else fn()
    }
    n += 50
  }
  const perSecond = n / ((performance.now() - start) / 1000)
  process.stdout.write(`  ${name.padEnd(44)} ${perSecond.toFixed(0).padStart(9)} /s\n`)
  return perSecond
}

function quiet<T>(fn: () => Promise<T>): Promise<T> {
  // The peer SDKs console.log on every failure; keep the table readable.
  const log = console.log
  console.log = () => undefined
  return fn().finally(() => (console.log = log))
}

async function benchDcc(): Promise<void> {
  const vector = JSON.parse(read('dcc/AT/2DCode/raw/1.json')) as { PREFIX: string; TESTCTX: { CERTIFICATE: string; VALIDATIONCLOCK: string } }
  const der = Buffer.from(vector.TESTCTX.CERTIFICATE, 'base64')
  const dsc = parseDsc(der)
  const now = new Date(vector.TESTCTX.VALIDATIONCLOCK)
  const trust = await prepareTrust({ signers: { AT: [{ format: 'dcc', kid: dsc.kid, certificate: vector.TESTCTX.CERTIFICATE, usage: ['vaccination', 'test', 'recovery'] }] } })
  const first = verifyCertificate(vector.PREFIX, trust, { now })
  if (!first.valid || dsc.namedCurve !== 'prime256v1') throw new Error(`DCC bench vector does not verify as ES256: ${JSON.stringify(first.reasons)}`)
  const { cose } = decodeHc1(vector.PREFIX)
  const toBeSigned = sigStructure(cose)
  const signature = Buffer.from(cose.signature)
  const key: KeyObject = dsc.key

  console.log(`\nHC1 ES256 (dcc/AT/1, ${vector.PREFIX.length} chars)`)
  const raw = await measure('raw node:crypto ECDSA P-256 verify', () => cryptoVerify('sha256', toBeSigned, { key, dsaEncoding: 'ieee-p1363' }, signature))
  const ours = await measure('entente verifyCertificate (full verdict)', () => verifyCertificate(vector.PREFIX, trust, { now }))

  let peer: number | undefined
  try {
    // The package's CommonJS entry goes through the "esm" loader, which fails on Node 20; its ESM
    // source loads fine through tsx.
    const specifier: string = '@pathcheck/dcc-sdk/lib/main.js'
    const dccSdk = (await import(specifier)) as {
      addCachedCerts: (certs: Record<string, string>) => void
      unpackAndVerify: (uri: string) => Promise<{ status: string }>
    }
    // Offline: the DSC is cached under its kid, so the SDK never fetches its registry.
    dccSdk.addCachedCerts({ [dsc.kid]: vector.TESTCTX.CERTIFICATE })
    const check = await quiet(() => dccSdk.unpackAndVerify(vector.PREFIX))
    if (check.status !== 'verified') throw new Error(`status ${check.status}`)
    peer = await quiet(() => measure('@pathcheck/dcc-sdk unpackAndVerify', () => dccSdk.unpackAndVerify(vector.PREFIX), true))
  } catch (error) {
    console.log(`  @pathcheck/dcc-sdk unavailable: ${(error as Error).message}`)
  }
  console.log(`  ratio entente / raw verify: ${(ours / raw).toFixed(2)} (target >= 0.80)`)
  if (peer !== undefined) console.log(`  entente / @pathcheck/dcc-sdk: ${(ours / peer).toFixed(1)}x (target >= 3x)`)
}

async function benchShc(): Promise<void> {
  const qr = read('shc/example-00-f-qr-code-numeric-value-0.txt')
  const jwks = JSON.parse(read('shc/issuer/.well-known/jwks.json')) as { keys: PublicJwk[] }
  const iss = 'https://spec.smarthealth.cards/examples/issuer'
  const jwk = jwks.keys.find((k) => k.kid === '3Kfdg-XwP-7gXyywtUfUADwBumDOPKMQx-iELL11W9s')!
  const trust = await prepareTrust({ signers: { US: [{ format: 'shc', kid: jwk.kid!, issuer: iss, jwk, usage: ['vaccination', 'test', 'recovery'] }] } })
  const now = new Date('2023-07-01T00:00:00Z')
  const first = verifyCertificate(qr, trust, { now })
  if (!first.valid) throw new Error(`SHC bench vector does not verify: ${JSON.stringify(first.reasons)}`)
  const jws = decodeShcQr(qr).jws
  const decoded = decodeShcJws(jws)
  const signingInput = Buffer.from(decoded.signingInput, 'latin1')
  const signature = Buffer.from(decoded.signature)
  const key = createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: jwk.x!, y: jwk.y! }, format: 'jwk' })

  console.log(`\nSHC ES256 (example-00, ${qr.length}-digit QR, JWS ${jws.length} chars)`)
  const raw = await measure('raw node:crypto ECDSA P-256 verify', () => cryptoVerify('sha256', signingInput, { key, dsaEncoding: 'ieee-p1363' }, signature))
  const ours = await measure('entente verifyCertificate (QR text)', () => verifyCertificate(qr, trust, { now }))
  await measure('entente verifyCertificate (compact JWS)', () => verifyCertificate(jws, trust, { now }))

  // @pathcheck/shc-sdk cannot verify offline: keys given to it are stored with status "untrusted", and
  // its resolver then always downloads <iss>/.well-known/jwks.json (this network call fails here).
  // The peer is therefore jose, the library a user would otherwise pick: compactVerify + inflateRaw + JSON.parse.
  console.log('  @pathcheck/shc-sdk: skipped, it always fetches the issuer JWKS (no offline verification with given keys)')
  const joseKey = await importJWK({ kty: 'EC', crv: 'P-256', x: jwk.x!, y: jwk.y! }, 'ES256')
  const viaJose = async () => {
    const { payload } = await compactVerify(decodeShcQr(qr).jws, joseKey)
    return JSON.parse(inflateRawSync(payload).toString('utf8')) as unknown
  }
  await viaJose()
  const peer = await measure('jose compactVerify + inflateRaw + JSON.parse', viaJose, true)
  console.log(`  ratio entente / raw verify: ${(ours / raw).toFixed(2)} (target >= 0.80)`)
  console.log(`  entente / jose: ${(ours / peer).toFixed(1)}x (target >= 3x)`)
}

console.log(`node ${process.version}, ${DURATION_MS} ms per measurement, one process`)
await benchDcc()
await benchShc()
