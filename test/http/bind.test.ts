// http.host takes any address and http.publicUrl is what the node advertises and links to. Binds only on loopback
// or the wildcard addresses (which only listen); every request goes to loopback.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { loadNodeConfig, nodeBaseUrl, resolveNodeConfig } from '../../src/config/node-config.js'
import { resolveRelyingParty } from '../../src/diplomats/relying-party.js'
import { isEntenteError } from '../../src/model/errors.js'
import { createNode, startNode, type RunningNode } from '../../src/node.js'
import { decodeTrustList } from '../../src/trust-list/decode-trust-list.js'
import { cli } from '../helpers/cli.js'
import { vectorPath } from '../helpers/vectors.js'

const root = mkdtempSync(path.join(tmpdir(), 'entente-bind-'))
const running: RunningNode[] = []
afterAll(async () => {
  for (const node of running) await node.stop()
  rmSync(root, { recursive: true, force: true })
})

const config = (http: Record<string, unknown>, extra: Record<string, unknown> = {}) => resolveNodeConfig({ version: 1, country: 'GR', http, ...extra }, path.join(root, 'node.json'))

function configError(run: () => unknown): boolean {
  try {
    run()
  } catch (error) {
    return isEntenteError(error, 'ERR_CONFIG_INVALID')
  }
  return false
}

describe('http.host and http.publicUrl in node.json', () => {
  it('takes any IPv4 or IPv6 address (wildcards included) or a host name', () => {
    for (const host of ['0.0.0.0', '::', '127.0.0.1', '::1', '192.0.2.10', '2001:db8::10', 'fe80::1%eth0', 'localhost', 'node.gr.example', 'node.gr.example.']) {
      expect(config({ host }).http.host, host).toBe(host)
    }
    expect(config({ host: '[2001:db8::10]' }).http.host).toBe('2001:db8::10')
    for (const host of ['', 'node gr', '-bad.example', 'a..b', 'http://x', '999.1.1.1.1:80', `${'a'.repeat(64)}.example`]) {
      expect(configError(() => config({ host })), host).toBe(true)
    }
  })

  it('publicUrl is an http(s) URL without query, fragment or credentials, kept without a trailing slash', () => {
    expect(config({ publicUrl: 'https://node.gr.example/' }).http.publicUrl).toBe('https://node.gr.example')
    expect(config({ publicUrl: 'https://proxy.example/entente/' }).http.publicUrl).toBe('https://proxy.example/entente')
    for (const publicUrl of ['ftp://node.gr.example', 'https://node.gr.example/?a=1', 'https://node.gr.example/#x', 'https://user:pw@node.gr.example']) {
      expect(configError(() => config({ publicUrl })), publicUrl).toBe(true)
    }
  })

  it('the CLI reaches a wildcard bind on loopback; https when http.tls is set', () => {
    expect(nodeBaseUrl(config({ host: '0.0.0.0', port: 7100 }))).toBe('http://127.0.0.1:7100')
    expect(nodeBaseUrl(config({ host: '::', port: 7100, tls: { cert: 'c.pem', key: 'k.pem' } }))).toBe('https://[::1]:7100')
    expect(nodeBaseUrl(config({ host: '::', publicUrl: 'https://node.gr.example' }))).toBe('https://node.gr.example')
  })

  it('publicUrl sets the WebAuthn rpId and origin unless webauthn says otherwise, which must itself be consistent', () => {
    const gr = config({ host: '0.0.0.0', publicUrl: 'https://node.gr.example:8443' })
    expect(resolveRelyingParty(gr, 'http://127.0.0.1:7100')).toEqual({ rpId: 'node.gr.example', rpName: 'GR diplomats', origin: 'https://node.gr.example:8443' })
    const configured = config({ publicUrl: 'https://node.gr.example' }, { webauthn: { rpId: 'gr.example', origin: 'https://diplomats.gr.example' } })
    expect(resolveRelyingParty(configured, undefined)).toMatchObject({ rpId: 'gr.example', origin: 'https://diplomats.gr.example' })
    // Invite links the CLI prints point at the public URL.
    const node = createNode(gr)
    expect(node.diplomats.createInvite({ name: 'Alice' }).url).toMatch(/^https:\/\/node\.gr\.example:8443\/diplomats\/register#invite=/)
    node.store.close()
    // A passkey for rpId other.example can never be used on https://node.gr.example: refused at load.
    expect(configError(() => config({}, { webauthn: { rpId: 'other.example', origin: 'https://node.gr.example' } }))).toBe(true)
  })
})

async function nodeDir(country: string, http: Record<string, unknown>): Promise<string> {
  const dir = path.join(root, country)
  const init = await cli(['init', '--country', country, '--dir', dir, '--port', '0'])
  expect(init.code, init.stderr).toBe(0)
  const file = path.join(dir, 'node.json')
  const raw = JSON.parse(readFileSync(file, 'utf8')) as { http?: Record<string, unknown> }
  raw.http = { ...raw.http, ...http }
  writeFileSync(file, JSON.stringify(raw, null, 2))
  return dir
}

async function start(country: string, http: Record<string, unknown>): Promise<RunningNode> {
  const node = await startNode(await loadNodeConfig(await nodeDir(country, http)), { port: 0, valueSetsDir: vectorPath('valuesets') })
  running.push(node)
  return node
}

describe('binding', () => {
  it('0.0.0.0 listens on every interface; the node is reached on loopback and advertises only its publicUrl', async () => {
    const node = await start('GR', { host: '0.0.0.0', publicUrl: 'https://node.gr.example' })
    expect(node.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect((await fetch(`${node.url}/health`)).status).toBe(200)
    const list = await node.operator.publish({})
    expect(decodeTrustList(list.signed, Number.MAX_SAFE_INTEGER).payload.nodes[0]?.url).toBe('https://node.gr.example')
    const did = (await (await fetch(`${node.url}/v1/export/gdhcn/did.json`)).json()) as { id: string }
    expect(did.id).toBe('did:web:node.gr.example:v1:export:gdhcn')
  })

  it('a wildcard bind without publicUrl advertises no URL rather than a loopback stand-in', async () => {
    const node = await start('CY', { host: '0.0.0.0' })
    const list = await node.operator.publish({})
    expect(decodeTrustList(list.signed, Number.MAX_SAFE_INTEGER).payload.nodes[0]?.url).toBeUndefined()
  })

  it(':: listens on every interface (IPv6 and mapped IPv4); ::1 binds the IPv6 loopback', async () => {
    const any = await start('IE', { host: '::' })
    expect(any.url).toMatch(/^http:\/\/\[::1\]:\d+$/)
    expect((await fetch(`${any.url}/health`)).status).toBe(200)
    const v6 = await start('PT', { host: '::1' })
    expect(v6.url).toMatch(/^http:\/\/\[::1\]:\d+$/)
    expect((await fetch(`${v6.url}/health`)).status).toBe(200)
    const list = await v6.operator.publish({})
    expect(decodeTrustList(list.signed, Number.MAX_SAFE_INTEGER).payload.nodes[0]?.url).toBe(v6.url)
  })
})
