import { execFileSync } from 'node:child_process'
import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { hashOperatorToken } from '../../src/config/secrets.js'
import { loadNodeConfig } from '../../src/config/node-config.js'
import { SqliteStore } from '../../src/store/sqlite-store.js'
import { cli } from '../helpers/cli.js'

const root = mkdtempSync(path.join(tmpdir(), 'entente-cli-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))
let n = 0
const freshDir = () => path.join(root, `node-${n++}`)

async function initNode(country = 'GR') {
  const dir = freshDir()
  const result = await cli(['init', '--country', country, '--dir', dir, '--json'])
  expect(result.code).toBe(0)
  return { dir, ...(JSON.parse(result.stdout) as { rootThumbprint: string; operatorToken: string }) }
}

describe('entente init', () => {
  it('creates the root key (0600), token, validated config and an empty store', async () => {
    const { dir, operatorToken, rootThumbprint } = await initNode('gr')
    expect(statSync(path.join(dir, 'root-key.jwk')).mode & 0o777).toBe(0o600)
    expect(statSync(path.join(dir, 'operator-token')).mode & 0o777).toBe(0o600)
    const config = await loadNodeConfig(dir)
    expect(config.country).toBe('GR')
    expect(config.operatorTokenSha256).toBe(hashOperatorToken(operatorToken))
    expect(readFileSync(path.join(dir, 'node.json'), 'utf8')).not.toContain(operatorToken)
    expect(rootThumbprint).toMatch(/^[A-Za-z0-9_-]{43}$/)
    const store = SqliteStore.open(config.paths.store)
    expect(store.heads()).toEqual([])
    store.close()
  })

  it('refuses to overwrite an existing node, leaving it untouched', async () => {
    const { dir } = await initNode()
    const before = readFileSync(path.join(dir, 'root-key.jwk'), 'utf8')
    const again = await cli(['init', '--country', 'CY', '--dir', dir])
    expect(again.code).toBe(1)
    expect(again.stderr).toMatch(/^entente: ERR_INIT_EXISTS: .*\n$/)
    expect(readFileSync(path.join(dir, 'root-key.jwk'), 'utf8')).toBe(before)
  })

  it('refuses to overwrite a stray root key even without node.json', async () => {
    const dir = freshDir()
    await cli(['init', '--country', 'GR', '--dir', dir])
    rmSync(path.join(dir, 'node.json'))
    const again = await cli(['init', '--country', 'GR', '--dir', dir])
    expect(again.stderr).toContain('ERR_INIT_EXISTS')
  })

  it('answers usage errors with exit 2 and one line', async () => {
    for (const argv of [['init', '--dir', freshDir()], ['init', '--country', 'Greece', '--dir', freshDir()], ['init', '--country', 'GR', '--dir', freshDir(), '--bogus'], ['nope']]) {
      const result = await cli(argv)
      expect(result.code).toBe(2)
      expect(result.stderr.trim().split('\n')).toHaveLength(1)
      expect(result.stderr).toContain('ERR_USAGE')
    }
  })
})

describe('entente publish and inspect', () => {
  it('publishes a chain and inspects it, for people and machines', async () => {
    const { dir, rootThumbprint } = await initNode()
    const out1 = path.join(dir, 'l1.json')
    const out2 = path.join(dir, 'l2.json')
    expect((await cli(['publish', '--dir', dir, '--out', out1])).code).toBe(0)
    const second = await cli(['publish', '--dir', dir, '--out', out2, '--json', '--validity-days', '7'])
    expect(second.code).toBe(0)
    expect(JSON.parse(second.stdout)).toMatchObject({ country: 'GR', seq: 2, rootThumbprint })

    const human = await cli(['inspect', out2])
    expect(human.code).toBe(0)
    expect(human.stdout).toContain('Trust list GR seq 2')
    expect(human.stdout).toContain(rootThumbprint)

    const machine = await cli(['inspect', '--json', `--root=${rootThumbprint}`, out2])
    const parsed = JSON.parse(machine.stdout) as { valid: boolean; payload: { seq: number; prev: string } }
    expect(parsed.valid).toBe(true)
    expect(parsed.payload.prev).toBe((JSON.parse((await cli(['inspect', '--json', out1])).stdout) as { hash: string }).hash)

    const fromStdin = await cli(['inspect', '-'], readFileSync(out1, 'utf8'))
    expect(fromStdin.stdout).toContain('seq 1')
  })

  it('inspect rejects a tampered list with its code and exit 1', async () => {
    const { dir } = await initNode()
    const out = path.join(dir, 'l.json')
    await cli(['publish', '--dir', dir, '--out', out])
    const signed = JSON.parse(readFileSync(out, 'utf8')) as { payload: string }
    const payload = JSON.parse(signed.payload) as { quorum: number }
    payload.quorum = 1
    // Re-encode canonically (keys were sorted already), so only the signature can catch it.
    signed.payload = JSON.stringify(payload)
    writeFileSync(out, JSON.stringify(signed))
    const result = await cli(['inspect', out])
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/^entente: ERR_TRUST_LIST_SIGNATURE: /)
    const json = await cli(['inspect', '--json', out])
    expect(JSON.parse(json.stdout)).toMatchObject({ valid: false, error: { code: 'ERR_TRUST_LIST_SIGNATURE' } })
    expect((await cli(['inspect', '--root', 'x'.repeat(43), path.join(dir, 'missing.json')])).stderr).toContain('ERR_CONFIG_NOT_FOUND')
  })

  it('rotates the root: the handover list verifies from the old root and the key files swap', async () => {
    const { dir, rootThumbprint: oldRoot } = await initNode()
    await cli(['publish', '--dir', dir])
    const rotation = path.join(dir, 'rotation.json')
    const result = await cli(['publish', '--dir', dir, '--rotate-root', '--key-type', 'p256', '--out', rotation, '--json'])
    expect(result.code).toBe(0)
    const newRoot = (JSON.parse(result.stdout) as { rootThumbprint: string }).rootThumbprint
    expect(newRoot).not.toBe(oldRoot)
    expect((await cli(['inspect', `--root=${oldRoot}`, rotation])).code).toBe(0)
    expect(readdirSync(dir)).toContain(`root-key.${oldRoot}.retired.jwk`)
    const after = await cli(['publish', '--dir', dir, '--json'])
    expect(JSON.parse(after.stdout)).toMatchObject({ seq: 3, rootThumbprint: newRoot })
  })

  it('refuses a root key file that others can read', async () => {
    const { dir } = await initNode()
    chmodSync(path.join(dir, 'root-key.jwk'), 0o644)
    const result = await cli(['publish', '--dir', dir])
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('ERR_KEY_FILE_PERMISSIONS')
  })

  it('refuses a foreign root key: the node’s chain stays under its own root', async () => {
    const { dir } = await initNode()
    const other = await initNode()
    await cli(['publish', '--dir', dir])
    writeFileSync(path.join(dir, 'root-key.jwk'), readFileSync(path.join(other.dir, 'root-key.jwk')), { mode: 0o600 })
    const result = await cli(['publish', '--dir', dir])
    expect(result.stderr).toContain('ERR_TRUST_LIST_WRONG_ROOT')
  })

  it('explains a missing or broken config', async () => {
    expect((await cli(['publish', '--dir', freshDir()])).stderr).toContain('ERR_CONFIG_NOT_FOUND')
    const { dir } = await initNode()
    writeFileSync(path.join(dir, 'node.json'), '{"version":1,"country":"GR","http":{"port":"7100"}}')
    expect((await cli(['publish', '--dir', dir])).stderr).toContain('ERR_CONFIG_INVALID')
  })
})

describe('the installed bin', () => {
  it('runs init, publish and inspect as a real process', () => {
    const dir = freshDir()
    const bin = path.resolve(import.meta.dirname, '../../bin/entente.js')
    const run = (...args: string[]) => execFileSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 30_000 })
    expect(run('init', '--country', 'IL', '--dir', dir)).toContain('Initialised IL')
    const out = path.join(dir, 'l.json')
    expect(run('publish', '--dir', dir, '--out', out)).toContain('Published IL seq 1')
    expect(run('inspect', out)).toContain('✔ verified')
  })
})
