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
    const batch = file('batch.jsonl', `${lines.map((l) => JSON.stringify(l)).join('\n')}\n{not json\n`)
    const { code, out } = await run(['--batch', batch, '--dsc', path.join(dir, 'dsc.der'), '--json'])
    expect(code).toBe(1)
    const results = out.trimEnd().split('\n').map((l) => JSON.parse(l) as Verdict & { error?: { code: string } })
    expect(results.map((r) => r.valid ?? r.error?.code)).toEqual([true, true, false, false, false, 'ERR_USAGE'])
    expect(results[2]?.reasons[0]?.code).toBe('ERR_DECODE_BASE45')
    expect(results[3]?.reasons[0]?.code).toBe('ERR_KEY_UNKNOWN')
    expect(results[4]?.reasons[0]?.code).toBe('ERR_EXPIRED')
  })

  it('--batch takes plain QR lines, JSON lines and both mixed; blank lines are skipped', async () => {
    const at = ['--at', AT, '--dsc', path.join(dir, 'dsc.der')]
    const plain = file('plain.txt', `${hc1}\n\n  \n${makeHc1(other)}\r\n`)
    const plainRun = await run(['--batch', plain, ...at])
    expect(plainRun.code).toBe(1)
    expect(plainRun.out.trimEnd().split('\n').map((l) => l.split(' ')[0])).toEqual(['VALID', 'INVALID'])
    expect(plainRun.out).toContain('ERR_KEY_UNKNOWN')

    const jsonOnly = file('json.jsonl', `${JSON.stringify({ payload: hc1 })}\n\n${JSON.stringify({ payload: hc1, at: '2031-06-01T00:00:00Z' })}\n`)
    const jsonRun = await run(['--batch', jsonOnly, ...at, '--json'])
    expect(jsonRun.out.trimEnd().split('\n').map((l) => (JSON.parse(l) as Verdict).valid)).toEqual([true, false])

    const qr = readVector('shc/example-00-f-qr-code-numeric-value-0.txt').trim()
    const mixed = file('mixed.txt', [hc1, JSON.stringify({ payload: hc1 }), '', qr, JSON.stringify({ payload: 42 })].join('\n'))
    const jwks = vectorPath('shc/issuer/.well-known/jwks.json')
    const mixedRun = await run(['--batch', mixed, ...at, '--jwks', jwks])
    const outcomes = mixedRun.out.trimEnd().split('\n')
    expect(outcomes).toHaveLength(4)
    expect(outcomes[0]).toMatch(/^VALID dcc XA/)
    expect(outcomes[1]).toMatch(/^VALID dcc XA/)
    // The SHC example is judged (it expired or not depending on --at), never refused as "not JSON".
    expect(outcomes[2]).toMatch(/^(VALID|INVALID) shc /)
    expect(outcomes[3]).toBe('ERROR line 5: ERR_USAGE line 5: "payload" must be a string')
    expect(mixedRun.code).toBe(1)

    const stdinRun = await run(['--batch', '-', ...at], `${hc1}\n`)
    expect(stdinRun.out).toMatch(/^VALID dcc XA/)
    expect(stdinRun.code).toBe(0)
  })

  it('errors print one line entente: CODE: message and exit 2 for usage, 1 otherwise', async () => {
    const cases: [string[], RegExp, number][] = [
      [[hc1], /^entente: ERR_USAGE: no trust given/, 2],
      [[hc1, '--dsc', path.join(dir, 'missing.der')], /^entente: ERR_CONFIG_NOT_FOUND: cannot read .*missing\.der/, 1],
      [[hc1, '--dsc', file('junk.pem', '-----BEGIN NOTHING-----')], /^entente: ERR_KEY_INVALID: .*no CERTIFICATE block/, 1],
      [[hc1, '--dsc', path.join(dir, 'dsc.der'), '--at', 'yesterday'], /^entente: ERR_USAGE: --at yesterday is not an ISO 8601/, 2],
      [[hc1, '--bundle', 'x.json'], /^entente: ERR_CONFIG_NOT_FOUND: cannot read x\.json/, 1],
      [[hc1, '--bundle', file('truncated.json', '{"version":1,"ho')], /^entente: ERR_BUNDLE_INVALID: .*not JSON; hint: .*entente sync/, 1],
      [[hc1, '--jwks', file('bad.jwks', 'nope')], /^entente: ERR_KEY_INVALID: .*bad\.jwks: not JSON$/, 1],
      [['--unknown'], /^entente: ERR_USAGE: Unknown option/, 2],
      [[], /^entente: ERR_USAGE: .*exactly one PAYLOAD/, 2],
    ]
    for (const [argv, message, status] of cases) {
      const { code, out, err } = await run(argv)
      expect(code, argv.join(' ')).toBe(status)
      expect(out).toBe('')
      expect(err).toMatch(/^[^\n]*\n$/)
      expect(err.trimEnd()).toMatch(message)
    }
  })
})
