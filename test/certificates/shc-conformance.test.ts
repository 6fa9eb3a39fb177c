// SMART Health Card conformance: the published examples 00–03 at every stage, and the validation
// SDK's negative and edge cases, each mapped from its file name to the expected verdict.
import { readdirSync } from 'node:fs'
import { beforeAll, describe, expect, it } from 'vitest'
import { EntenteError } from '../../src/model/errors.js'
import { prepareTrust, type PreparedTrust } from '../../src/certificates/prepare-trust.js'
import { decodeSmartHealthCardFile } from '../../src/certificates/shc/decode-smart-health-card-file.js'
import { parseShcCrl } from '../../src/certificates/shc/parse-shc-crl.js'
import { verifyCertificate } from '../../src/certificates/verify-certificate.js'
import type { PublicJwk } from '../../src/certificates/trust-material.types.js'
import type { Verdict } from '../../src/certificates/verdict.types.js'
import { SHC_NOW, signersFromJwks, specIssuerTrust } from './shc-fixtures.js'
import { makeShcKey, signShc } from './fixtures.js'
import { readVector, vectorPath } from './vectors.js'

let trust: PreparedTrust
const results: { name: string; expected: string; got: string }[] = []

beforeAll(async () => {
  trust = await prepareTrust(await specIssuerTrust())
  expect(trust.problems).toEqual([])
})

function outcome(verdict: Verdict): string {
  return verdict.valid ? 'valid' : (verdict.reasons[0]?.code ?? 'invalid without reason')
}

async function check(name: string, payload: string, expected: string): Promise<Verdict> {
  const verdict = await verifyCertificate(payload, trust, { now: SHC_NOW })
  const got = outcome(verdict)
  results.push({ name, expected, got })
  expect(got, `${name}: ${JSON.stringify(verdict.reasons)}`).toBe(expected)
  return verdict
}

const examples: Record<string, string> = {
  '00': 'valid',
  // Key with an x5c chain whose leaf expired 2022-06-01: the JWK itself is the trust anchor here, so valid.
  '01': 'valid',
  '02': 'valid',
  // rid vwAjHdarZuc listed as "vwAjHdarZuc.1687450765" and nbf 1687450764.657 is before it.
  '03': 'ERR_CERT_REVOKED',
}

describe('SHC published examples', () => {
  for (const [n, expected] of Object.entries(examples)) {
    it(`example ${n}: QR, JWS and file give ${expected}`, async () => {
      const chunks = readdirSync(vectorPath('shc'))
        .filter((f) => f.startsWith(`example-${n}-f-qr-code-numeric-value-`))
        .sort()
        .map((f) => readVector('shc', f))
      const qr = await check(`example-${n}-f (${chunks.length} QR)`, chunks.join('\n'), expected)
      const jws = await check(`example-${n}-d`, readVector('shc', `example-${n}-d-jws.txt`), expected)
      for (const [i, token] of decodeSmartHealthCardFile(readVector('shc', `example-${n}-e-file.smart-health-card`)).entries()) {
        await check(`example-${n}-e[${i}]`, token, expected)
      }
      expect(qr.issuerUrl).toBe('https://spec.smarthealth.cards/examples/issuer')
      expect(qr.issuer).toBe('US')
      expect(jws.holder).toBeUndefined()
    })
  }

  it('example 00 (Moderna 207, 207, bivalent 229) maps to EU/1/20/1507 with 3 doses; holder only on request', async () => {
    const verdict = await verifyCertificate(readVector('shc/example-00-d-jws.txt'), trust, { now: SHC_NOW, showHolder: true })
    expect(verdict.type).toBe('vaccination')
    expect(verdict.summary?.vaccination).toMatchObject({ product: 'EU/1/20/1507', doseNumber: 3, date: '2022-09-05' })
    expect(verdict.holder).toEqual({ name: 'John B. Anyperson', dateOfBirth: '1951-01-20' })
  })

  it('a one-bit change to the signature is rejected', async () => {
    const jws = readVector('shc/example-00-d-jws.txt')
    const flipped = jws.slice(0, -2) + (jws.at(-2) === 'A' ? 'B' : 'A') + jws.slice(-1)
    await check('example-00-d bit flip', flipped, 'ERR_SIGNATURE')
  })
})

const SDK = 'shc/validation-sdk'

/** Expected first reason code (or "valid") per validation-SDK file, with the reading of each name. */
const sdkJws: Record<string, string> = {
  // Cryptographically valid; FHIR profile metadata is not a verifier's concern.
  'test-example-00-d-jws-bad-fhir-metadata.txt': 'valid',
  'test-example-00-d-jws-der-signature-r-neg.txt': 'ERR_SIGNATURE',
  'test-example-00-d-jws-der-signature-rs-neg.txt': 'ERR_SIGNATURE',
  'test-example-00-d-jws-der-signature-s-neg.txt': 'ERR_SIGNATURE',
  'test-example-00-d-jws-der-signature.txt': 'ERR_SIGNATURE',
  'test-example-00-d-jws-invalid-signature.txt': 'ERR_SIGNATURE',
  // Signed with a key the spec issuer does not publish.
  'test-example-00-d-jws-issuer-kid-mismatch.txt': 'ERR_KEY_UNKNOWN',
  // iss https://foo.smarthealth.cards/… is not the issuer the key is bound to.
  'test-example-00-d-jws-issuer-not-valid-with-smart-key.txt': 'ERR_KEY_UNKNOWN',
  // The card also lacks nbf, which fails first; its iss is not the spec issuer either.
  'test-example-00-d-jws-jws_too_long.txt': 'ERR_DECODE_JWS_PAYLOAD',
  'test-example-00-d-jws-no_deflate.txt': 'ERR_DECODE_JWS',
  'test-example-00-d-jws-no_jws_header_alg.txt': 'ERR_DECODE_JWS',
  'test-example-00-d-jws-no_jws_header_kid.txt': 'ERR_DECODE_JWS',
  'test-example-00-d-jws-no_jws_header_zip.txt': 'ERR_DECODE_JWS',
  // Whitespace before and after the JWS: a compact JWS has none, so it is not even recognised.
  'test-example-00-d-jws-trailing_chars.txt': 'ERR_DECODE_PREFIX',
  // The BOM is kept (not silently dropped), so the payload is not JSON.
  'test-example-00-d-jws-utf8_bom_prefix.txt': 'ERR_DECODE_JWS_PAYLOAD',
  'test-example-00-d-jws-wrong_jws_header_kid.txt': 'ERR_KEY_UNKNOWN',
  'test-example-00-f-qr-code-numeric-value-0-index-out-of-range.txt': 'ERR_DECODE_SHC_NUMERIC',
  'test-example-00-f-qr-code-numeric-value-0-number-too-big.txt': 'ERR_DECODE_SHC_NUMERIC',
  'test-example-00-f-qr-code-numeric-value-0-odd-count.txt': 'ERR_DECODE_SHC_NUMERIC',
  // Leading and trailing whitespace around the QR text.
  'test-example-00-f-qr-code-numeric-value-0-trailing_chars.txt': 'ERR_DECODE_PREFIX',
  // "shc:/1/1/…": a single QR carries no chunk header.
  'test-example-00-f-qr-code-numeric-value-0-wrong-multi-chunk.txt': 'ERR_DECODE_SHC_NUMERIC',
  'test-example-00-f-qr-code-numeric-value-0-wrong_qr_header.txt': 'ERR_DECODE_PREFIX',
  'test-example-1195-byte-qrnumeric.txt': 'valid',
}

/** Per JWS inside each .smart-health-card file. */
const sdkFiles: Record<string, string[]> = {
  'test-example-00-e-file-bad_jwks.smart-health-card': ['ERR_KEY_UNKNOWN'],
  'test-example-00-e-file-invalid_deflate.smart-health-card': ['ERR_DECODE_ZLIB'],
  'test-example-00-e-file-invalid_issuer_url.smart-health-card': ['ERR_KEY_UNKNOWN'],
  // Issuer lookup is by exact iss: http: and a trailing slash are other issuers.
  'test-example-00-e-file-invalid_issuer_url_http.smart-health-card': ['ERR_KEY_UNKNOWN'],
  'test-example-00-e-file-issuer_url_with_trailing_slash.smart-health-card': ['ERR_KEY_UNKNOWN'],
  'test-example-00-e-file-jws_too_long.smart-health-card': ['ERR_DECODE_JWS_PAYLOAD'],
  'test-example-00-e-file-multi-jws-issues.smart-health-card': ['ERR_DECODE_JWS', 'valid'],
  'test-example-00-e-file-multi-jws.smart-health-card': ['valid', 'valid'],
  'test-example-00-e-file-no_deflate.smart-health-card': ['ERR_DECODE_JWS'],
  // Whitespace after the JSON document is legal JSON.
  'test-example-00-e-file-trailing_chars.smart-health-card': ['valid'],
  // The extension is a file-naming rule, not part of the credential.
  'test-example-00-e-file.wrong-extension': ['valid'],
}

describe('SHC validation-SDK cases', () => {
  it('covers every JWS, QR and file case in the folder', () => {
    const files = readdirSync(vectorPath(SDK)).filter((f) => /-(d-jws|e-file|1195)/.test(f) || /-0-[a-z]/.test(f))
    const listed = new Set([...Object.keys(sdkJws), ...Object.keys(sdkFiles)])
    expect(files.filter((f) => !listed.has(f) && !f.includes('qr_chunk_too'))).toEqual([])
  })

  for (const [file, expected] of Object.entries(sdkJws)) {
    it(`${file} → ${expected}`, async () => {
      await check(file, readVector(SDK, file), expected)
    })
  }

  for (const [file, expected] of Object.entries(sdkFiles)) {
    it(`${file} → ${expected.join(', ')}`, async () => {
      const tokens = decodeSmartHealthCardFile(readVector(SDK, file))
      expect(tokens.length).toBe(expected.length)
      for (const [i, token] of tokens.entries()) await check(`${file}[${i}]`, token, expected[i] ?? '?')
    })
  }

  it('17 chunks that are too small still join into a valid card (warning only)', async () => {
    const chunks = Array.from({ length: 17 }, (_, i) => readVector(SDK, `test-example-00-f-qr-code-numeric-value-${i}-qr_chunk_too_small.txt`))
    const verdict = await check('qr_chunk_too_small ×17', chunks.join('\n'), 'valid')
    expect(verdict.warnings.map((w) => w.code)).toContain('WARN_SHC_CHUNKS')
  })

  it('2 chunks that are too big still join into a valid card', async () => {
    const chunks = [0, 1].map((i) => readVector(SDK, `test-example-02-f-qr-code-numeric-value-${i}-qr_chunk_too_big.txt`))
    await check('qr_chunk_too_big ×2', chunks.join('\n'), 'valid')
  })

  it('SDK key files: wrong alg, curve, kty, use and kid are rejected with their reason', async () => {
    const cases: Record<string, string> = {
      'wrong_alg_key.json': 'ERR_SIGNATURE_ALG_UNSUPPORTED',
      'wrong_curve_key.json': 'ERR_SIGNATURE_ALG_UNSUPPORTED',
      'wrong_kty_key.json': 'ERR_SIGNATURE_ALG_UNSUPPORTED',
      'wrong_use_key.json': 'ERR_KEY_USAGE',
      'wrong_kid_key.json': 'ERR_KID_MISMATCH',
    }
    for (const [file, code] of Object.entries(cases)) {
      const jwks = JSON.parse(readVector(SDK, 'keys', file)) as { keys: PublicJwk[] }
      const prepared = await prepareTrust({ signers: { US: await signersFromJwks(jwks, 'https://example.org/issuer') } })
      expect(prepared.problems.map((p) => p.code), file).toContain(code)
    }
    const valid = JSON.parse(readVector(SDK, 'keys', 'valid_keys.json')) as { keys: PublicJwk[] }
    const prepared = await prepareTrust({ signers: { US: await signersFromJwks(valid, 'https://example.org/issuer') } })
    expect(prepared.problems).toEqual([])
  })

  it('badcrl cases: malformed CRLs are refused, a duplicate rid is tolerated with a warning', async () => {
    const cases: Record<string, 'ok' | 'ERR_DECODE_SHC_CRL'> = {
      'duplicate-rid': 'ok',
      'invalid-method': 'ERR_DECODE_SHC_CRL',
      'non-base64url-rid': 'ERR_DECODE_SHC_CRL',
      'too-long-rid': 'ERR_DECODE_SHC_CRL',
      'version-mismatch': 'ERR_DECODE_SHC_CRL',
    }
    for (const [name, want] of Object.entries(cases)) {
      const jwks = JSON.parse(readVector(SDK, `badcrl/${name}/.well-known/jwks.json`)) as { keys: PublicJwk[] }
      const jwk = jwks.keys[0]!
      const issuer = `https://raw.githubusercontent.com/smart-on-fhir/health-cards-dev-tools/main/testdata/badcrl/${name}`
      const crl = JSON.parse(readVector(SDK, `badcrl/${name}/.well-known/crl/${jwk.kid ?? ''}.json`)) as unknown
      let parsed
      try {
        parsed = parseShcCrl(issuer, crl, jwk.crlVersion)
      } catch (error) {
        expect(error).toBeInstanceOf(EntenteError)
        expect((error as EntenteError).code, name).toBe(want)
        continue
      }
      expect(want, name).toBe('ok')
      expect(parsed.warnings.length).toBeGreaterThan(0)
      // The card itself (no rid) verifies under its own issuer with the CRL applied.
      const prepared = await prepareTrust({ signers: { US: await signersFromJwks(jwks, issuer) }, revokedCertificates: parsed.revocations })
      const jws = readVector(SDK, `badcrl/${name}/jws-crl-${name}.txt`)
      expect(outcome(await verifyCertificate(jws, prepared, { now: SHC_NOW }))).toBe('valid')
    }
  })

  it('prints the SHC result table', () => {
    const agree = results.filter((r) => r.expected === r.got).length
    console.log(`SHC cases: ${agree} / ${results.length} agree\n${results.map((r) => `${r.name}: ${r.got}`).join('\n')}`)
    expect(agree).toBe(results.length)
  })
})

describe('SHC validation-SDK unsigned payloads, signed here with a test key for the spec issuer', () => {
  const cases: Record<string, string> = {
    // Milliseconds instead of seconds are refused rather than read as the year 50000.
    'exp_milliseconds': 'ERR_DECODE_JWS_PAYLOAD',
    'nbf_milliseconds': 'ERR_DECODE_JWS_PAYLOAD',
    'expired': 'ERR_EXPIRED',
    'pre-expired': 'ERR_EXPIRED',
    'nbf_not_yet_valid': 'ERR_NOT_YET_VALID',
    'missing-shc-vc-type': 'ERR_DECODE_JWS_PAYLOAD',
    // The #covid19 and #immunization subtypes became optional in the spec.
    'missing-covid-vc-type': 'valid',
    'missing-imm-vc-type': 'valid',
    'optional-vc-type': 'valid',
    'unknown-vc-types': 'valid',
    // An immunization without a vaccine coding is still a validly signed card (type "other").
    'missing-coding': 'valid',
    // Trailing whitespace after the JSON is legal JSON.
    'trailing_chars': 'valid',
  }
  for (const [name, expected] of Object.entries(cases)) {
    it(`${name} → ${expected}`, async () => {
      const key = await makeShcKey()
      const prepared = await prepareTrust({ signers: { US: [key.signer('https://spec.smarthealth.cards/examples/issuer')] } })
      const payload = readVector(SDK, `test-example-00-b-jws-payload-expanded-${name}.json`)
      const verdict = await verifyCertificate(signShc(key, payload), prepared, { now: SHC_NOW })
      expect(outcome(verdict), JSON.stringify(verdict.reasons)).toBe(expected)
    })
  }
})
