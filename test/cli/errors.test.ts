// Every `entente` command fails the same way: one line `entente: ERR_CODE: message` (a hint on the same line where
// one helps), exit 2 for usage errors and 1 otherwise, never a stack trace (ENTENTE_DEBUG=1 adds it). The table runs
// each subcommand `entente --help` lists with bad input in-process; real processes prove nothing leaks around main().
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cli } from '../helpers/cli.js'

const bin = path.resolve(import.meta.dirname, '../../bin/entente.js')
const root = mkdtempSync(path.join(tmpdir(), 'entente-errors-'))
const servers: Server[] = []
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))))
  rmSync(root, { recursive: true, force: true })
})

const none = path.join(root, 'no-such-node')
const node = path.join(root, 'GR')
const junk = path.join(root, 'junk.txt')
const truncated = path.join(root, 'truncated.json')
// Nothing listens on the discard port of loopback: operator commands fail to connect at once.
const deadUrl = ['--url', 'http://127.0.0.1:9', '--token', 't']

const FAILURE = /^entente: (ERR_[A-Z0-9_]+): \S[^\n]*$/
const STACK = /^\s+at\s|node:internal|\.ts:\d+:\d+/m

interface Case {
  readonly command: string
  readonly argv: readonly string[]
  readonly code: string
  readonly status: 1 | 2
  /** The command reports progress on stderr before it fails (sync). */
  readonly progress?: boolean
}

const cases: Case[] = [
  { command: '', argv: [], code: 'ERR_USAGE', status: 2 },
  { command: 'bogus', argv: ['bogus'], code: 'ERR_USAGE', status: 2 },
  { command: 'init', argv: ['init', '--country', 'G1', '--dir', none], code: 'ERR_USAGE', status: 2 },
  { command: 'init', argv: ['init', '--country', 'GR', '--dir', node], code: 'ERR_INIT_EXISTS', status: 1 },
  { command: 'init', argv: ['init', '--country', 'GR', '--dir', none, '--offline-root', '--root-public', junk], code: 'ERR_KEY_INVALID', status: 1 },
  { command: 'publish', argv: ['publish'], code: 'ERR_USAGE', status: 2 },
  { command: 'publish', argv: ['publish', '--dir', none], code: 'ERR_CONFIG_NOT_FOUND', status: 1 },
  { command: 'publish', argv: ['publish', '--dir', node, '--upload', junk], code: 'ERR_TRUST_LIST_MALFORMED', status: 1 },
  { command: 'root', argv: ['root'], code: 'ERR_USAGE', status: 2 },
  { command: 'root create', argv: ['root', 'create'], code: 'ERR_USAGE', status: 2 },
  { command: 'root show', argv: ['root', 'show', junk], code: 'ERR_KEY_INVALID', status: 1 },
  { command: 'root show', argv: ['root', 'show', '--dir', none], code: 'ERR_CONFIG_NOT_FOUND', status: 1 },
  { command: 'sign', argv: ['sign'], code: 'ERR_USAGE', status: 2 },
  { command: 'sign', argv: ['sign', '--draft', junk, '--root-key', path.join(node, 'root-key.jwk'), '--out', path.join(root, 'signed.json')], code: 'ERR_SIGN_DRAFT_INVALID', status: 1 },
  { command: 'inspect', argv: ['inspect', junk], code: 'ERR_TRUST_LIST_MALFORMED', status: 1 },
  { command: 'inspect', argv: ['inspect', path.join(root, 'missing.json')], code: 'ERR_CONFIG_NOT_FOUND', status: 1 },
  { command: 'node', argv: ['node'], code: 'ERR_USAGE', status: 2 },
  { command: 'node start', argv: ['node', 'start', '--dir', none], code: 'ERR_CONFIG_NOT_FOUND', status: 1 },
  { command: 'node start', argv: ['node', 'start', '--dir', node, '--port', 'x'], code: 'ERR_USAGE', status: 2 },
  { command: 'signer add', argv: ['signer', 'add', '--dsc', junk, ...deadUrl], code: 'ERR_HTTP_UNAVAILABLE', status: 1 },
  { command: 'signer add', argv: ['signer', 'add', '--dir', none, '--dsc', junk], code: 'ERR_CONFIG_NOT_FOUND', status: 1 },
  { command: 'signer list', argv: ['signer', 'list', ...deadUrl], code: 'ERR_HTTP_UNAVAILABLE', status: 1 },
  { command: 'signer revoke', argv: ['signer', 'revoke', '--dir', node], code: 'ERR_USAGE', status: 2 },
  { command: 'vaccines set', argv: ['vaccines', 'set', '--dir', node, '--vaccine', 'x:y'], code: 'ERR_USAGE', status: 2 },
  { command: 'diplomat', argv: ['diplomat'], code: 'ERR_USAGE', status: 2 },
  { command: 'diplomat invite', argv: ['diplomat', 'invite', '--dir', none, '--name', 'A'], code: 'ERR_CONFIG_NOT_FOUND', status: 1 },
  { command: 'diplomat list', argv: ['diplomat', 'list', ...deadUrl], code: 'ERR_HTTP_UNAVAILABLE', status: 1 },
  { command: 'diplomat remove', argv: ['diplomat', 'remove', '--dir', node], code: 'ERR_USAGE', status: 2 },
  { command: 'diplomat quorum', argv: ['diplomat', 'quorum', 'x', '--dir', node], code: 'ERR_USAGE', status: 2 },
  { command: 'diplomat propose', argv: ['diplomat', 'propose', '--country', 'CY', ...deadUrl], code: 'ERR_HTTP_UNAVAILABLE', status: 1 },
  { command: 'verify', argv: ['verify'], code: 'ERR_USAGE', status: 2 },
  { command: 'verify', argv: ['verify', '--nope'], code: 'ERR_USAGE', status: 2 },
  { command: 'verify', argv: ['verify', 'HC1:x', '--bundle', truncated], code: 'ERR_BUNDLE_INVALID', status: 1 },
  { command: 'verify', argv: ['verify', 'HC1:x', '--jwks', junk], code: 'ERR_KEY_INVALID', status: 1 },
  { command: 'sync', argv: ['sync'], code: 'ERR_USAGE', status: 2 },
  { command: 'sync', argv: ['sync', '--home', 'GR', '--root', path.join(node, 'root-key.jwk'), '--from', truncated, '--out', path.join(root, 'b.json')], code: 'ERR_KEY_PRIVATE_MATERIAL', status: 1 },
  { command: 'sync', argv: ['sync', '--home', 'GR', '--root', 'A'.repeat(43), '--from', truncated, '--out', path.join(root, 'b.json')], code: 'ERR_SYNC_NO_VALID_SOURCE', status: 1, progress: true },
  { command: 'sync', argv: ['sync', '--home', 'GR', '--root', 'A'.repeat(43), '--from', truncated, '--out', truncated], code: 'ERR_BUNDLE_INVALID', status: 1 },
  { command: 'revocation', argv: ['revocation'], code: 'ERR_USAGE', status: 2 },
  { command: 'revocation add', argv: ['revocation', 'add', '--dir', none, '--uci', 'x'], code: 'ERR_CONFIG_NOT_FOUND', status: 1 },
  { command: 'revocation publish', argv: ['revocation', 'publish', ...deadUrl], code: 'ERR_HTTP_UNAVAILABLE', status: 1 },
  { command: 'revocation pending', argv: ['revocation', 'pending', '--dir', none], code: 'ERR_CONFIG_NOT_FOUND', status: 1 },
  { command: 'revocation import', argv: ['revocation', 'import', '--file', none, '--dir', none], code: 'ERR_CONFIG_NOT_FOUND', status: 1 },
  { command: 'revocation remove', argv: ['revocation', 'remove', '--id', '1', ...deadUrl], code: 'ERR_HTTP_UNAVAILABLE', status: 1 },
  { command: 'federation', argv: ['federation'], code: 'ERR_USAGE', status: 2 },
  { command: 'federation up', argv: ['federation', 'up', '--nodes', none, '--data', path.join(root, 'fed-data')], code: 'ERR_CONFIG_NOT_FOUND', status: 1 },
  { command: 'peer pin', argv: ['peer', 'pin', 'CY', 'abc', ...deadUrl], code: 'ERR_HTTP_UNAVAILABLE', status: 1 },
  { command: 'peer unpin', argv: ['peer', 'unpin', '--dir', node], code: 'ERR_USAGE', status: 2 },
  { command: 'peer pins', argv: ['peer', 'pins', '--dir', none], code: 'ERR_CONFIG_NOT_FOUND', status: 1 },
  { command: 'quarantine list', argv: ['quarantine', 'list', ...deadUrl], code: 'ERR_HTTP_UNAVAILABLE', status: 1 },
  { command: 'quarantine admit', argv: ['quarantine', 'admit', 'x', '--dir', node], code: 'ERR_USAGE', status: 2 },
  { command: 'quarantine drop', argv: ['quarantine', 'drop', '--dir', node], code: 'ERR_USAGE', status: 2 },
  { command: 'backup', argv: ['backup'], code: 'ERR_USAGE', status: 2 },
  { command: 'backup', argv: ['backup', '--dir', none, '--out', path.join(root, 'x.sqlite')], code: 'ERR_CONFIG_NOT_FOUND', status: 1 },
  { command: 'restore', argv: ['restore'], code: 'ERR_USAGE', status: 2 },
  { command: 'restore', argv: ['restore', '--dir', node, '--from', junk], code: 'ERR_BACKUP_INVALID', status: 1 },
]

/** The one failure line: alone on stderr (or last, after progress lines), never with a stack frame. */
function expectOneFailureLine(stderr: string, code: string, progress = false): void {
  expect(stderr.endsWith('\n'), stderr).toBe(true)
  const lines = stderr.trimEnd().split('\n')
  if (!progress) expect(lines, stderr).toHaveLength(1)
  expect(lines.filter((l) => l.startsWith('entente')), stderr).toHaveLength(1)
  expect(lines.at(-1), stderr).toMatch(FAILURE)
  expect(FAILURE.exec(lines.at(-1) ?? '')?.[1]).toBe(code)
  expect(stderr).not.toMatch(STACK)
}

function run(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...argv], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, ENTENTE_DEBUG: '', ...env } }, (error, stdout, stderr) => {
      resolve({ status: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr })
    })
  })
}

/** Holds a loopback TCP port, so a node configured for it finds it busy. */
async function busyPort(): Promise<number> {
  const server = createServer()
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (typeof address !== 'object' || address === null) throw new Error('no port')
  return address.port
}

function configure(patch: (config: Record<string, unknown>) => void): void {
  const file = path.join(node, 'node.json')
  const config = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>
  patch(config)
  writeFileSync(file, JSON.stringify(config, null, 2))
}

beforeAll(async () => {
  writeFileSync(junk, 'not json, not a key, not a list\n')
  writeFileSync(truncated, '{"version":1,"home":"GR","lis')
  const init = await cli(['init', '--country', 'GR', '--dir', node, '--port', '0'])
  expect(init.code).toBe(0)
})

describe('every command fails with one line entente: CODE: message', () => {
  it('the table covers every subcommand entente --help lists', async () => {
    const help = (await cli(['--help'])).stdout
    const listed = new Set([...help.matchAll(/^entente ([a-z]+)(?: ([a-z]+)\b)?/gm)].map((m) => (m[2] === undefined ? (m[1] ?? '') : `${m[1] ?? ''} ${m[2]}`)))
    expect(listed.size).toBeGreaterThan(25)
    const covered = new Set(cases.map((c) => c.command))
    expect([...listed].filter((c) => !covered.has(c))).toEqual([])
  })

  it.each(cases.map((c) => [`${c.command || '(none)'}: ${c.argv.slice(0, 4).join(' ')}`, c] as const))('%s', async (_name, c) => {
    const result = await cli([...c.argv])
    expect(result.code, result.stderr).toBe(c.status)
    expectOneFailureLine(result.stderr, c.code, c.progress)
  })

  it('hints ride on the same line where one helps', async () => {
    const bundle = await cli(['verify', 'HC1:x', '--bundle', truncated])
    expect(bundle.stderr).toMatch(/^entente: ERR_BUNDLE_INVALID: .*; hint: .*entente sync/)
    const out = await cli(['sync', '--home', 'GR', '--root', 'A'.repeat(43), '--from', truncated, '--out', truncated])
    expect(out.stderr).toMatch(/^entente: ERR_BUNDLE_INVALID: .*truncated\.json is not a verified bundle \(truncated or damaged\); hint: move .* aside/)
    const mirror = await cli(['sync', '--home', 'GR', '--root', 'A'.repeat(43), '--from', truncated, '--out', path.join(root, 'b2.json')])
    expect(mirror.stderr).toMatch(/entente: ERR_SYNC_NO_VALID_SOURCE: .*\(.*truncated\.json: ERR_[A-Z_]+\); hint: .*truncated or damaged mirror/)
    const option = await cli(['backup', '--bogus'])
    expect(option.stderr).toMatch(/^entente: ERR_USAGE: Unknown option '--bogus'.*; hint: see entente COMMAND --help\n$/)
  })
})

describe('real processes (bin/entente.js) leak no stack', () => {
  it('a busy libp2p port: one line naming the address and p2p.listen, exit 1', async () => {
    const port = await busyPort()
    configure((c) => {
      c.p2p = { listen: [`/ip4/127.0.0.1/tcp/${port}`] }
      ;(c.http as Record<string, unknown>).port = 0
    })
    const result = await run(['node', 'start', '--dir', node])
    expect(result.status).toBe(1)
    const failure = result.stderr.trimEnd().split('\n').filter((l) => l.startsWith('entente'))
    expect(failure).toEqual([expect.stringMatching(new RegExp(`^entente: ERR_HTTP_UNAVAILABLE: .*127\\.0\\.0\\.1:${port} is already in use; hint: .*p2p\\.listen`))])
    expect(result.stderr).not.toMatch(STACK)
    expect(result.stderr).not.toContain('UnsupportedListenAddressesError')
  })

  it('a busy HTTP port: one line naming the address and http.port, exit 1', async () => {
    const port = await busyPort()
    configure((c) => {
      c.p2p = { listen: ['/ip4/127.0.0.1/tcp/0'] }
      ;(c.http as Record<string, unknown>).port = port
    })
    const result = await run(['node', 'start', '--dir', node])
    expect(result.status).toBe(1)
    const failure = result.stderr.trimEnd().split('\n').filter((l) => l.startsWith('entente'))
    expect(failure).toEqual([expect.stringMatching(new RegExp(`^entente: ERR_HTTP_UNAVAILABLE: .*127\\.0\\.0\\.1:${port} is already in use; hint: .*http\\.port`))])
    expect(result.stderr).not.toMatch(STACK)
  })

  it('verify, sync and usage errors: exactly one line and the right status', async () => {
    const verify = await run(['verify', 'HC1:x', '--bundle', junk])
    expect(verify.status).toBe(1)
    expectOneFailureLine(verify.stderr, 'ERR_BUNDLE_INVALID')
    const sync = await run(['sync', '--home', 'GR', '--root', path.join(node, 'root-key.jwk'), '--from', truncated, '--out', path.join(root, 'b3.json')])
    expect(sync.status).toBe(1)
    expectOneFailureLine(sync.stderr, 'ERR_KEY_PRIVATE_MATERIAL')
    const usage = await run(['verify', '--nope'])
    expect(usage.status).toBe(2)
    expectOneFailureLine(usage.stderr, 'ERR_USAGE')
  })

  it('ENTENTE_DEBUG=1 adds the stack after the line', async () => {
    const result = await run(['inspect', junk], { ENTENTE_DEBUG: '1' })
    expect(result.status).toBe(1)
    const [first, ...rest] = result.stderr.trimEnd().split('\n')
    expect(first).toMatch(/^entente: ERR_TRUST_LIST_MALFORMED: /)
    expect(rest.join('\n')).toMatch(/^\s+at\s/m)
  })
})
