// `entente verify` through runVerify: trust from --dsc (DER, PEM, repeatable) and --jwks, --at, --json,
// stdin, --batch and --show-holder, on the shared vectors and really signed test certificates.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { Readable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runVerify } from '../../src/cli/commands/verify.js'
import type { Verdict } from '../../src/certificates/verdict.types.js'
import { makeDsc, makeHc1, type TestDsc } from '../certificates/fixtures.js'
import { readVector, vectorPath } from '../certificates/vectors.js'

const dir = mkdtempSync(path.join(tmpdir(), 'entente-verify-'))
let dsc: TestDsc
let other: TestDsc
let hc1: string

async function run(argv: string[], stdin = ''): Promise<{ code: number; out: string; err: string }> {
  let out = ''
  let err = ''
  const code = await runVerify(argv, {
    stdin: Readable.from([Buffer.from(stdin)]),
    stdout: (s) => (out += s),
    stderr: (s) => (err += s),
  })
  return { code, out, err }
}

function file(name: string, content: string | Buffer): string {
  const full = path.join(dir, name)
  writeFileSync(full, content)
  return full
}

const AT = '2021-09-01T00:00:00Z'

beforeAll(async () => {
  ;[dsc, other] = await Promise.all([makeDsc({ country: 'XA' }), makeDsc({ country: 'XB' })])
  hc1 = makeHc1(dsc)
  file('dsc.der', dsc.der)
  file('dsc.pem', `-----BEGIN CERTIFICATE-----\n${dsc.der.toString('base64').replace(/(.{64})/g, '$1\n')}\n-----END CERTIFICATE-----\n`)
  file('other.der', other.der)
})

afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('entente verify', () => {
  it('verifies with a DER DSC and prints one readable line', async () => {
    const { code, out } = await run([hc1, '--dsc', path.join(dir, 'dsc.der'), '--at', AT])
    expect(code).toBe(0)
    expect(out).toMatch(/^VALID dcc XA vaccination kid=\S+ until 2030-01-01T00:00:00.000Z\n$/)
  })

  it('accepts PEM and repeated --dsc, and --json prints the verdict', async () => {
    const { code, out } = await run([hc1, '--dsc', path.join(dir, 'other.der'), '--dsc', path.join(dir, 'dsc.pem'), '--at', AT, '--json'])
    expect(code).toBe(0)
    const verdict = JSON.parse(out) as Verdict
    expect(verdict).toMatchObject({ valid: true, format: 'dcc', issuer: 'XA', kid: dsc.kid, type: 'vaccination' })
    expect(verdict.holder).toBeUndefined()
  })

  it('reads the payload from stdin with -', async () => {
    const { code, out } = await run(['-', '--dsc', path.join(dir, 'dsc.der'), '--at', AT, '--json'], `${hc1}\n`)
    expect(code).toBe(0)
    expect((JSON.parse(out) as Verdict).valid).toBe(true)
  })

  it('--show-holder adds name and date of birth', async () => {
    const { out } = await run([hc1, '--dsc', path.join(dir, 'dsc.der'), '--at', AT, '--show-holder'])
    expect(out).toContain('holder="Erika Musterfrau" dob=1964-08-12')
  })

  it('--at changes the verdict; an invalid certificate exits 1 with its reason', async () => {
    const { code, out } = await run([hc1, '--dsc', path.join(dir, 'dsc.der'), '--at', '2031-06-01T00:00:00Z'])
    expect(code).toBe(1)
    expect(out).toMatch(/^INVALID dcc XA vaccination: ERR_EXPIRED /)
  })

  it('verifies SHC example 00 with --jwks and --issuer', async () => {
    const qr = readVector('shc/example-00-f-qr-code-numeric-value-0.txt')
    const jwks = vectorPath('shc/issuer/.well-known/jwks.json')
    const bound = await run([qr, '--jwks', jwks, '--issuer', 'https://spec.smarthealth.cards/examples/issuer', '--at', '2023-07-01T00:00:00Z', '--json'])
    expect(bound.code).toBe(0)
    expect(JSON.parse(bound.out)).toMatchObject({ valid: true, format: 'shc', issuerUrl: 'https://spec.smarthealth.cards/examples/issuer' })
    const unbound = await run([qr, '--jwks', jwks, '--at', '2023-07-01T00:00:00Z', '--json'])
    expect((JSON.parse(unbound.out) as Verdict).warnings.map((w) => w.code)).toContain('WARN_SHC_ISSUER_UNBOUND')
    const wrong = await run([qr, '--jwks', jwks, '--issuer', 'https://other.example', '--at', '2023-07-01T00:00:00Z'])
    expect(wrong.code).toBe(1)
    expect(wrong.out).toContain('ERR_KEY_UNKNOWN')
  })

  it('--batch --json writes one verdict line per input line, in order', async () => {
    const vector = JSON.parse(readVector('dcc/AT/2DCode/raw/1.json')) as { PREFIX: string; TESTCTX: { CERTIFICATE: string; VALIDATIONCLOCK: string } }
    const lines = [
      { payload: hc1, at: AT },
      { payload: vector.PREFIX, dsc: vector.TESTCTX.CERTIFICATE, at: vector.TESTCTX.VALIDATIONCLOCK },
      { payload: 'HC1:broken', at: AT },
      { payload: makeHc1(other), at: AT },
      { payload: hc1, at: '2031-06-01T00:00:00Z' },
    ]
    const batch = file('batch.jsonl', `${lines.map((l) => JSON.stringify(l)).join('\n')}\nnot json\n`)
    const { code, out } = await run(['--batch', batch, '--dsc', path.join(dir, 'dsc.der'), '--json'])
    expect(code).toBe(1)
    const results = out.trimEnd().split('\n').map((l) => JSON.parse(l) as Verdict & { error?: { code: string } })
    expect(results.map((r) => r.valid ?? r.error?.code)).toEqual([true, true, false, false, false, 'ERR_KEY_INVALID'])
    expect(results[2]?.reasons[0]?.code).toBe('ERR_DECODE_BASE45')
    expect(results[3]?.reasons[0]?.code).toBe('ERR_KEY_UNKNOWN')
    expect(results[4]?.reasons[0]?.code).toBe('ERR_EXPIRED')
  })

  it('errors print one clear line and exit non-zero', async () => {
    const cases: [string[], RegExp][] = [
      [[hc1], /no trust given/],
      [[hc1, '--dsc', path.join(dir, 'missing.der')], /cannot read .*missing\.der/],
      [[hc1, '--dsc', file('junk.pem', '-----BEGIN NOTHING-----')], /no CERTIFICATE block/],
      [[hc1, '--dsc', path.join(dir, 'dsc.der'), '--at', 'yesterday'], /--at yesterday is not an ISO 8601/],
      [[hc1, '--bundle', 'x.json'], /cannot read x\.json/],
      [['--unknown'], /Unknown option/],
      [[], /exactly one PAYLOAD/],
    ]
    for (const [argv, message] of cases) {
      const { code, out, err } = await run(argv)
      expect(code, argv.join(' ')).toBe(2)
      expect(out).toBe('')
      expect(err.split('\n')[0]).toMatch(message)
    }
  })
})
