// The verification core as a page script: bundled for browsers (esbuild, platform browser) by
// test/platform/chromium-core.ts, so Chromium runs the very code Node runs, on its default (web) crypto platform.
import { prepareTrust } from '../../src/certificates/prepare-trust.js'
import { verifyCertificate } from '../../src/certificates/verify-certificate.js'
import { cryptoPlatform } from '../../src/platform/crypto-platform.js'
import { vectorOutcomes } from './vector-verdicts.js'

/** Verdicts per second for `ms` milliseconds, next to raw WebCrypto ECDSA P-256 verification of the same bytes. */
async function benchVerify(input: { payload: string; certificate: string; kid: string; now: string; ms: number; rawKey: JsonWebKey; rawData: string; rawSignature: string }): Promise<{ ours: number; raw: number }> {
  const trust = await prepareTrust({ signers: { '*': [{ format: 'dcc', kid: input.kid, certificate: input.certificate, usage: ['vaccination', 'test', 'recovery'] }] } })
  const now = new Date(input.now)
  const bytes = (hex: string) => Uint8Array.from(hex.match(/../g) ?? [], (h) => parseInt(h, 16))
  const key = await crypto.subtle.importKey('jwk', input.rawKey, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify'])
  const data = bytes(input.rawData)
  const signature = bytes(input.rawSignature)
  const ours = { n: 0, ms: 0 }
  const raw = { n: 0, ms: 0 }
  // Interleaved slices, as in Node: a burst of load hits both alike.
  while (ours.ms < input.ms) {
    let start = performance.now()
    for (let i = 0; i < 20; i++) if (!(await verifyCertificate(input.payload, trust, { now })).valid) throw new Error('bench certificate does not verify')
    ours.ms += performance.now() - start
    ours.n += 20
    start = performance.now()
    for (let i = 0; i < 20; i++) if (!(await crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, key, signature, data))) throw new Error('raw verify fails')
    raw.ms += performance.now() - start
    raw.n += 20
  }
  return { ours: (ours.n / ours.ms) * 1000, raw: (raw.n / raw.ms) * 1000 }
}

Object.assign(globalThis, { entente: { vectorOutcomes, benchVerify, platform: () => cryptoPlatform().name } })
