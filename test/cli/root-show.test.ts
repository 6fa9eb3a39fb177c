// `entente root show --dir` prints a node's public root (online or offline root) in the forms a verifier pins, and
// `entente sync --root` refuses private key material rather than quietly using its public half.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { cli } from '../helpers/cli.js'

const root = mkdtempSync(path.join(tmpdir(), 'entente-root-show-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

async function init(dir: string, extra: string[] = []): Promise<{ rootThumbprint: string }> {
  const result = await cli(['init', '--country', 'GR', '--dir', dir, '--json', ...extra])
  expect(result.stderr).toBe('')
  return JSON.parse(result.stdout) as { rootThumbprint: string }
}

describe('entente root show --dir', () => {
  it('prints an online-root node\'s public root: thumbprint only, public JWK only, or both with the fingerprint', async () => {
    const dir = path.join(root, 'online')
    const { rootThumbprint } = await init(dir)
    const thumbprint = await cli(['root', 'show', '--dir', dir, '--thumbprint'])
    expect(thumbprint).toEqual({ code: 0, stdout: `${rootThumbprint}\n`, stderr: '' })

    const jwk = await cli(['root', 'show', '--dir', dir, '--jwk'])
    expect(jwk.code).toBe(0)
    const printed = JSON.parse(jwk.stdout) as Record<string, unknown>
    expect(printed).not.toHaveProperty('d')
    expect(jwk.stdout).not.toContain(String((JSON.parse(readFileSync(path.join(dir, 'root-key.jwk'), 'utf8')) as { d: string }).d))
    // The printed JWK is itself a valid --root: it pins the same thumbprint.
    const pub = path.join(root, 'gr.pub.jwk')
    writeFileSync(pub, jwk.stdout)
    expect((await cli(['root', 'show', pub, '--thumbprint'])).stdout).toBe(`${rootThumbprint}\n`)

    const human = await cli(['root', 'show', '--dir', dir])
    expect(human.stdout).toMatch(new RegExp(`online root[\\s\\S]*thumbprint +${rootThumbprint}\\n +fingerprint +([0-9A-F]{4} ){15}[0-9A-F]{4}\\n`))
  })

  it('prints an offline-root node\'s public root from root-public.jwk', async () => {
    const created = await cli(['root', 'create', '--out', path.join(root, 'offline-root.jwk'), '--json'])
    const key = JSON.parse(created.stdout) as { rootThumbprint: string; publicKey: string }
    const dir = path.join(root, 'offline')
    await init(dir, ['--offline-root', '--root-public', key.publicKey])
    expect((await cli(['root', 'show', '--dir', dir, '--thumbprint'])).stdout).toBe(`${key.rootThumbprint}\n`)
    expect((await cli(['root', 'show', '--dir', dir])).stdout).toContain('offline root')
  })

  it('refuses a missing node and contradictory options with one line', async () => {
    const missing = await cli(['root', 'show', '--dir', path.join(root, 'nowhere'), '--thumbprint'])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toMatch(/^entente: ERR_CONFIG_NOT_FOUND: no node config at .*\n$/)
    const both = await cli(['root', 'show', 'x.jwk', '--dir', root])
    expect(both.code).toBe(2)
    const two = await cli(['root', 'show', '--dir', root, '--jwk', '--thumbprint'])
    expect(two.code).toBe(2)
    expect(two.stderr).toMatch(/^entente: ERR_USAGE: give at most one of/)
  })
})

describe('entente sync --root', () => {
  it('refuses a private root key file before any network access, naming what to give instead', async () => {
    const dir = path.join(root, 'sync-private')
    await init(dir)
    const result = await cli(['sync', '--home', 'GR', '--root', path.join(dir, 'root-key.jwk'), '--from', 'http://127.0.0.1:9/unused', '--out', path.join(root, 'b.json')])
    expect(result.code).toBe(1)
    expect(result.stdout).toBe('')
    expect(result.stderr).toMatch(/^entente: ERR_KEY_PRIVATE_MATERIAL: --root .*root-key\.jwk holds a PRIVATE root key; a verifier pins only the public root; hint: give the thumbprint \(entente root show .* --thumbprint\)[^\n]*\n$/)
  })

  it('refuses a file that is neither a key nor a thumbprint with a hint', async () => {
    const junk = path.join(root, 'junk.jwk')
    writeFileSync(junk, 'not a key')
    const result = await cli(['sync', '--home', 'GR', '--root', junk, '--from', 'http://127.0.0.1:9/unused', '--out', path.join(root, 'b.json')])
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/^entente: ERR_KEY_INVALID: --root .* is neither a root thumbprint .*; hint: entente root show --dir DIR --thumbprint/)
  })
})
