// The runtime-neutral crypto platform gives the native one's verdict on every shared conformance vector: all EU DCC
// test files (with each one's inflated COSE) and the SMART Health Card examples and negative cases. Run in Node on
// both platforms, and in real Chromium on the bundled core under a CSP without eval: the same outcome, field by field.
import { readdirSync } from 'node:fs'
import { deflateRawSync, deflateSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodeSmartHealthCardFile } from '../../src/certificates/shc/decode-smart-health-card-file.js'
import type { PublicJwk } from '../../src/certificates/trust-material.types.js'
import { sha256Hex } from '../../src/model/encoding.js'
import { isEntenteError } from '../../src/model/errors.js'
import { cryptoPlatform, useCryptoPlatform } from '../../src/platform/crypto-platform.js'
import type { CryptoPlatform } from '../../src/platform/crypto-platform.types.js'
import { nodeCryptoPlatform } from '../../src/platform/node-crypto-platform.js'
import { derToP1363, webCryptoPlatform } from '../../src/platform/web-crypto-platform.js'
import { SHC_NOW, SPEC_ISSUER } from '../certificates/shc-fixtures.js'
import { loadDccVectors, parseValidationClock, readVector, vectorPath } from '../certificates/vectors.js'
import { hasChromium, warnWithoutChromium } from '../helpers/chromium.js'
import { openCoreInChromium, type CorePage } from './chromium-core.js'
import { vectorOutcomes, type VectorCase, type VectorOutcome } from './vector-verdicts.js'

warnWithoutChromium('web platform in Chromium')

function vectorCases(): VectorCase[] {
  const cases: VectorCase[] = []
  for (const { name, json } of loadDccVectors()) {
    const ctx = json.TESTCTX as { CERTIFICATE: string; VALIDATIONCLOCK: string }
    cases.push({ kind: 'dcc', name, payload: json.PREFIX as string, now: parseValidationClock(ctx.VALIDATIONCLOCK).toISOString(), certificate: ctx.CERTIFICATE })
  }
  const keys = (JSON.parse(readVector('shc/issuer/.well-known/jwks.json')) as { keys: PublicJwk[] }).keys
  const shc = (name: string, payload: string) => cases.push({ kind: 'shc', name, payload, now: SHC_NOW.toISOString(), issuer: SPEC_ISSUER, keys })
  for (const n of ['00', '01', '02', '03']) {
    shc(`shc example-${n}-d`, readVector('shc', `example-${n}-d-jws.txt`))
    const chunks = readdirSync(vectorPath('shc')).filter((f) => f.startsWith(`example-${n}-f-qr-code-numeric-value-`)).sort()
    shc(`shc example-${n}-f`, chunks.map((f) => readVector('shc', f).trim()).join('\n'))
  }
  for (const file of readdirSync(vectorPath('shc/validation-sdk')).sort()) {
    if (file.endsWith('.txt')) shc(`shc sdk ${file}`, readVector('shc/validation-sdk', file))
    else if (/-e-file/.test(file)) {
      try {
        decodeSmartHealthCardFile(readVector('shc/validation-sdk', file)).forEach((token, i) => shc(`shc sdk ${file}[${i}]`, token))
      } catch {
        // A file that is not a card file at all is the file decoder's case, not the platform's.
      }
    }
  }
  return cases
}

let cases: VectorCase[]
let native: Record<string, VectorOutcome>

beforeAll(async () => {
  cases = vectorCases()
  useCryptoPlatform(nodeCryptoPlatform)
  native = await vectorOutcomes(cases)
}, 120_000)

afterAll(() => useCryptoPlatform(nodeCryptoPlatform))

describe('the web crypto platform agrees with the native one on every conformance vector', () => {
  it('covers the whole corpus, valid and invalid', () => {
    const outcomes = Object.values(native)
    expect(cases.filter((c) => c.kind === 'dcc').length).toBeGreaterThanOrEqual(581)
    expect(cases.filter((c) => c.kind === 'shc').length).toBeGreaterThanOrEqual(30)
    // Both verdicts occur in numbers, and every reason family the vectors exercise.
    expect(outcomes.filter((o) => o.valid).length).toBeGreaterThan(300)
    expect(outcomes.filter((o) => !o.valid).length).toBeGreaterThan(100)
    const codes = new Set(outcomes.flatMap((o) => o.reasons))
    for (const code of ['ERR_SIGNATURE', 'ERR_EXPIRED', 'ERR_KEY_USAGE', 'ERR_DECODE_ZLIB', 'ERR_SIGNATURE_ALG_MISMATCH']) expect(codes).toContain(code)
  })

  it('in Node: the same outcome for every vector', async () => {
    useCryptoPlatform(webCryptoPlatform)
    try {
      expect(cryptoPlatform().name).toBe('web')
      const web = await vectorOutcomes(cases)
      const differences = cases.map((c) => c.name).filter((name) => JSON.stringify(web[name]) !== JSON.stringify(native[name]))
      expect(differences.map((name) => `${name}: web ${JSON.stringify(web[name])} / node ${JSON.stringify(native[name])}`)).toEqual([])
    } finally {
      useCryptoPlatform(nodeCryptoPlatform)
    }
  }, 120_000)

  describe.skipIf(!hasChromium)('in Chromium', () => {
    let core: CorePage
    beforeAll(async () => {
      core = await openCoreInChromium()
    }, 60_000)
    afterAll(async () => core?.close())

    it('the same outcome for every vector, under a CSP without eval', async () => {
      expect(await core.page.evaluate(() => (globalThis as unknown as { entente: { platform(): string } }).entente.platform())).toBe('web')
      const web = await core.page.evaluate(
        async (input) => (globalThis as unknown as { entente: { vectorOutcomes(c: unknown): Promise<Record<string, unknown>> } }).entente.vectorOutcomes(input),
        cases,
      )
      // Structured clone drops undefined members: compare as JSON, as the Node run does.
      const differences = cases.map((c) => c.name).filter((name) => JSON.stringify(web[name]) !== JSON.stringify(native[name]))
      expect(differences.map((name) => `${name}: chromium ${JSON.stringify(web[name])} / node ${JSON.stringify(native[name])}`)).toEqual([])
      expect(core.problems).toEqual([])
    }, 120_000)
  })
})

function inflateOutcome(platform: CryptoPlatform, data: Uint8Array, raw: boolean, maxOutputLength: number): string {
  try {
    return `ok ${sha256Hex(platform.inflate(data, { raw, maxOutputLength }))}`
  } catch (error) {
    return isEntenteError(error) ? error.code : `unexpected ${String(error)}`
  }
}

describe('web platform primitives', () => {
  it('inflates and refuses as node:zlib does: bombs at the cap, bad checksums, truncation, bad headers', () => {
    const text = new TextEncoder().encode('a certificate payload, '.repeat(50))
    const zlib = deflateSync(text)
    const raw = deflateRawSync(text)
    // 16 MiB of zeros compresses to ~16 KB: refused at a 64 KiB cap.
    const bomb = deflateSync(Buffer.alloc(16 * 1024 * 1024))
    const flipAdler = Uint8Array.from(zlib)
    flipAdler[flipAdler.length - 1] = (flipAdler.at(-1) ?? 0) ^ 1
    const inputs: [string, Uint8Array, boolean, number][] = [
      ['zlib', zlib, false, 65_536],
      ['raw', raw, true, 65_536],
      ['zlib at exactly its size', zlib, false, text.length],
      ['zlib one byte over the cap', zlib, false, text.length - 1],
      ['bomb', bomb, false, 65_536],
      ['raw bomb', deflateRawSync(Buffer.alloc(16 * 1024 * 1024)), true, 65_536],
      ['adler flipped', flipAdler, false, 65_536],
      ['truncated', zlib.subarray(0, zlib.length - 6), false, 65_536],
      ['no trailer', zlib.subarray(0, zlib.length - 4), false, 65_536],
      ['bad header', Uint8Array.from([0x78, 0x00, ...zlib.subarray(2)]), false, 65_536],
      ['preset dictionary', Uint8Array.from([0x78, 0xbb, ...zlib.subarray(2)]), false, 65_536],
      ['empty', new Uint8Array(0), false, 65_536],
      ['raw as zlib', raw, false, 65_536],
    ]
    for (const [name, data, isRaw, cap] of inputs) {
      expect(inflateOutcome(webCryptoPlatform, data, isRaw, cap), name).toBe(inflateOutcome(nodeCryptoPlatform, data, isRaw, cap))
    }
    expect(inflateOutcome(webCryptoPlatform, bomb, false, 65_536)).toBe('ERR_DECODE_TOO_LARGE')
    expect(inflateOutcome(webCryptoPlatform, flipAdler, false, 65_536)).toBe('ERR_DECODE_ZLIB')
  })

  it('converts DER ECDSA signatures strictly (no padding tricks, no trailing bytes)', () => {
    const r = new Uint8Array(32).fill(1)
    const s = new Uint8Array(32).fill(2)
    const der = Uint8Array.from([0x30, 68, 0x02, 32, ...r, 0x02, 32, ...s])
    expect(derToP1363(der, 'P-256')).toEqual(Uint8Array.from([...r, ...s]))
    expect(derToP1363(Uint8Array.from([...der, 0]), 'P-256')).toBeUndefined()
    // A needless leading zero (non-minimal INTEGER) and a negative INTEGER are not DER.
    expect(derToP1363(Uint8Array.from([0x30, 69, 0x02, 33, 0, ...r, 0x02, 32, ...s]), 'P-256')).toBeUndefined()
    expect(derToP1363(Uint8Array.from([0x30, 68, 0x02, 32, 0x80, ...r.subarray(1), 0x02, 32, ...s]), 'P-256')).toBeUndefined()
  })

  it('hashes as node:crypto does', () => {
    for (const input of ['', 'abc', 'é😀', new Uint8Array(1_000_000).fill(7)]) {
      expect(Buffer.from(webCryptoPlatform.sha256(input)).toString('hex')).toBe(Buffer.from(nodeCryptoPlatform.sha256(input)).toString('hex'))
    }
  })
})
