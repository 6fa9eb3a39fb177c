// Robustness: mutated and random payloads through every decoder yield a verdict with an ERR_ code,
// never an exception; the decoders themselves throw nothing but EntenteError.
import { readFileSync } from 'node:fs'
import { deflateRawSync, deflateSync } from 'node:zlib'
import { decode as referenceBase45Decode, encode as base45 } from '@digitalbazaar/base45'
import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import { EntenteError } from '../../src/model/errors.js'
import { createCborDecoder } from '../../src/certificates/dcc/cbor.js'
import { decodeBase45 } from '../../src/certificates/dcc/decode-base45.js'
import { decodeCose, decodeHc1 } from '../../src/certificates/dcc/decode-hc1.js'
import { parseDsc } from '../../src/certificates/dcc/parse-dsc.js'
import { prepareTrust, type PreparedTrust } from '../../src/certificates/prepare-trust.js'
import { decodeShcJws } from '../../src/certificates/shc/decode-shc-jws.js'
import { decodeShcQr } from '../../src/certificates/shc/decode-shc-qr.js'
import { decodeSmartHealthCardFile } from '../../src/certificates/shc/decode-smart-health-card-file.js'
import { parseShcCrl } from '../../src/certificates/shc/parse-shc-crl.js'
import { verifyCertificate } from '../../src/certificates/verify-certificate.js'
import type { Verdict } from '../../src/certificates/verdict.types.js'
import { makeDsc, makeHc1, makeShcKey, shcPayload, signShc, toShcQr } from './fixtures.js'
import { vectorPath } from './vectors.js'

const NOW = new Date('2021-09-01T00:00:00Z')
const SEED = 20_240_601
let trust: PreparedTrust
let hc1: string
let shcJws: string
let shcQr: string
let cose: Buffer
let realHc1: string
let count = 0

beforeAll(async () => {
  const [dsc, key] = await Promise.all([makeDsc(), makeShcKey()])
  trust = await prepareTrust({ signers: { XA: [dsc.signer(), key.signer('https://issuer.example')] } })
  hc1 = makeHc1(dsc)
  shcJws = signShc(key, shcPayload({ iss: 'https://issuer.example' }))
  shcQr = toShcQr(shcJws)
  const vector = JSON.parse(readFileSync(vectorPath('dcc/AT/2DCode/raw/1.json'), 'utf8')) as { PREFIX: string; COSE: string }
  realHc1 = vector.PREFIX
  cose = Buffer.from(vector.COSE, 'hex')
})

async function assertRejected(payload: string): Promise<Verdict> {
  count++
  const verdict = await verifyCertificate(payload, trust, { now: NOW })
  if (verdict.valid) return verdict
  expect(verdict.reasons.length).toBeGreaterThan(0)
  for (const r of verdict.reasons) expect(r.code).toMatch(/^ERR_/)
  // Only EntenteErrors reach the top: ERR_DECODE_UNEXPECTED would mean some parser threw something else.
  expect(verdict.reasons.map((r) => r.code)).not.toContain('ERR_DECODE_UNEXPECTED')
  return verdict
}

function onlyEntenteErrors(fn: () => unknown): void {
  count++
  try {
    fn()
  } catch (error) {
    if (!(error instanceof EntenteError)) throw error
  }
}

const B45 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:'
const params = (numRuns: number) => ({ numRuns, seed: SEED })

/** Replace, insert or delete characters of `base` within its alphabet. */
function mutatedText(base: string, alphabet: string) {
  return fc
    .array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 2 }), fc.constantFrom(...alphabet)), { minLength: 1, maxLength: 4 })
    .map((edits) => {
      let text = base
      for (const [pos, op, ch] of edits) {
        const i = pos % Math.max(1, text.length)
        text = op === 0 ? text.slice(0, i) + ch + text.slice(i + 1) : op === 1 ? text.slice(0, i) + ch + text.slice(i) : text.slice(0, i) + text.slice(i + 1)
      }
      return text
    })
    .filter((text) => text !== base)
}

function mutatedBytes(base: Uint8Array) {
  return fc
    .array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 })
    .map((edits) => {
      const bytes = Buffer.from(base)
      for (const [pos, value] of edits) bytes[pos % bytes.length] = value
      return bytes
    })
    .filter((bytes) => !bytes.equals(base))
}

describe('fuzz: every decoder, >= 10,000 inputs', () => {
  it('mutated HC1 text (real vector and our own) never throws and never passes', async () => {
    let valid = 0
    for (const base of [hc1, realHc1]) {
      await fc.assert(
        fc.asyncProperty(mutatedText(base, B45), async (text) => {
          if ((await assertRejected(text)).valid) valid++
        }),
        params(1500),
      )
    }
    // A changed character changes the zlib stream, whose Adler-32 then fails: nothing should pass.
    expect(valid).toBe(0)
  })

  it('mutated COSE bytes through zlib + base45 and through the COSE decoder', async () => {
    await fc.assert(
      fc.asyncProperty(mutatedBytes(cose), async (bytes) => {
        const verdict = await assertRejected(`HC1:${base45(deflateSync(bytes))}`)
        expect(verdict.valid).toBe(false)
        onlyEntenteErrors(() => decodeCose(bytes))
      }),
      params(2000),
    )
  })

  it('random bytes through base45, zlib, CBOR, COSE, DSC parsing', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 600 }), async (bytes) => {
        await assertRejected(`HC1:${base45(bytes)}`)
        await assertRejected(`HC1:${base45(deflateSync(bytes))}`)
        onlyEntenteErrors(() => createCborDecoder()(bytes, 'fuzz'))
        onlyEntenteErrors(() => decodeCose(bytes))
        onlyEntenteErrors(() => parseDsc(bytes))
      }),
      params(1500),
    )
  })

  it('random strings as payloads and through base45 and the HC1 decoder', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 300 }), fc.constantFrom('HC1:', 'shc:/', 'eyJ', ''), async (text, prefix) => {
        await assertRejected(prefix + text)
        onlyEntenteErrors(() => decodeBase45(text))
        onlyEntenteErrors(() => decodeHc1(prefix + text))
      }),
      params(1500),
    )
  })

  it('mutated SHC QR digits and JWS text never throw and never pass', async () => {
    await fc.assert(fc.asyncProperty(mutatedText(shcQr, '0123456789/ '), async (text) => void (await assertRejected(text))), params(1000))
    let valid = 0
    await fc.assert(
      fc.asyncProperty(mutatedText(shcJws, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.'), async (text) => {
        if ((await assertRejected(text)).valid) valid++
      }),
      params(1500),
    )
    // base64url's last character can carry unused bits, so a few edits there keep the same bytes.
    expect(valid).toBeLessThan(15)
  })

  it('random SHC payload bytes, QR chunks, files and CRLs', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 400 }), fc.string({ maxLength: 200 }), async (bytes, text) => {
        const header = Buffer.from('{"zip":"DEF","alg":"ES256","kid":"k"}').toString('base64url')
        await assertRejected(`${header}.${deflateRawSync(bytes).toString('base64url')}.${Buffer.alloc(64).toString('base64url')}`)
        onlyEntenteErrors(() => decodeShcJws(`${header}.${Buffer.from(bytes).toString('base64url')}.AA`))
        onlyEntenteErrors(() => decodeShcQr(`shc:/${text}`))
        onlyEntenteErrors(() => decodeSmartHealthCardFile(text))
        onlyEntenteErrors(() => parseShcCrl('https://x', { kid: 'k', method: 'rid', ctr: 1, rids: [text] }))
      }),
      params(1000),
    )
  })

  it('our base45 decoder agrees with @digitalbazaar/base45 (strict RFC 9285) on valid and invalid text', () => {
    const outcome = (fn: () => Uint8Array) => {
      try {
        return Buffer.from(fn()).toString('hex')
      } catch {
        return 'error'
      }
    }
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: fc.constantFrom(...B45, '=', 'a', 'é'), maxLength: 60 }), fc.uint8Array({ maxLength: 40 }).map((b) => base45(b))), (text) => {
        count++
        expect(outcome(() => decodeBase45(text))).toBe(outcome(() => referenceBase45Decode(text)))
      }),
      params(2000),
    )
  })

  it(`ran at least 10,000 inputs`, () => {
    console.log(`fuzz inputs: ${count}`)
    expect(count).toBeGreaterThanOrEqual(10_000)
  })
})
