// Built-in TLS on 127.0.0.1 with a CA made in the test: a client trusting only that CA fetches the bundle; a reload
// (in-process and by SIGHUP to a real `entente node start`) swaps the certificate; a missing, unreadable or
// mismatched pair is ERR_TLS_CERTIFICATE in one line, at start and on reload (which keeps the old pair).
import type { ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import https from 'node:https'
import type { TLSSocket } from 'node:tls'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadNodeConfig } from '../../src/config/node-config.js'
import { loadTlsCredentials } from '../../src/http/tls.js'
import { isEntenteError } from '../../src/model/errors.js'
import { startNode, type RunningNode } from '../../src/node.js'
import { cli } from '../helpers/cli.js'
import { freePort } from '../helpers/free-port.js'
import { startNodeProcess } from '../helpers/node-process.js'
import { vectorPath } from '../helpers/vectors.js'
import { waitFor } from '../helpers/wait-for.js'
import { createTestCa, type TestCa, type TestLeaf } from './test-ca.js'

const root = mkdtempSync(path.join(tmpdir(), 'entente-tls-'))
const children: ChildProcess[] = []
let ca: TestCa
let first: TestLeaf
let second: TestLeaf

beforeAll(async () => {
  ca = await createTestCa()
  first = await ca.issue('first.node.test')
  second = await ca.issue('second.node.test')
})

afterAll(() => {
  for (const child of children) child.kill('SIGKILL')
  rmSync(root, { recursive: true, force: true })
})

/** GET over a fresh TLS connection trusting only the test CA: the status, body and the certificate served. */
function get(url: string, pathname: string): Promise<{ status: number; body: string; fingerprint256: string }> {
  return new Promise((resolve, reject) => {
    const request = https.get(new URL(pathname, url), { ca: ca.pem, agent: false }, (response) => {
      const fingerprint256 = (response.socket as TLSSocket).getPeerCertificate().fingerprint256
      let body = ''
      response.setEncoding('utf8')
      response.on('data', (chunk: string) => (body += chunk))
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body, fingerprint256 }))
    })
    request.on('error', reject)
  })
}

/** A node directory whose node.json names tls/cert.pem and tls/key.pem, holding `leaf`. */
async function tlsNodeDir(country: string, leaf: TestLeaf, port: number): Promise<string> {
  const dir = path.join(root, country)
  const init = await cli(['init', '--country', country, '--dir', dir, '--port', String(port)])
  expect(init.code, init.stderr).toBe(0)
  const file = path.join(dir, 'node.json')
  const config = JSON.parse(readFileSync(file, 'utf8')) as { http?: Record<string, unknown> }
  config.http = { ...config.http, host: '127.0.0.1', tls: { cert: 'tls/cert.pem', key: 'tls/key.pem' } }
  writeFileSync(file, JSON.stringify(config, null, 2))
  install(dir, leaf)
  return dir
}

function install(dir: string, leaf: TestLeaf, key: string = leaf.keyPem): void {
  mkdirSync(path.join(dir, 'tls'), { recursive: true })
  writeFileSync(path.join(dir, 'tls/cert.pem'), leaf.chainPem)
  writeFileSync(path.join(dir, 'tls/key.pem'), key, { mode: 0o600 })
}

async function tlsError(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(isEntenteError(error, 'ERR_TLS_CERTIFICATE'), String(error)).toBe(true)
  const message = (error as Error).message
  expect(message).not.toContain('\n')
  return message
}

describe('loading the certificate and key', () => {
  it('refuses a missing, unreadable, non-PEM or mismatched pair with ERR_TLS_CERTIFICATE, naming the file', async () => {
    const dir = path.join(root, 'files')
    mkdirSync(path.join(dir, 'a-directory'), { recursive: true })
    const write = (name: string, text: string) => {
      writeFileSync(path.join(dir, name), text)
      return path.join(dir, name)
    }
    const cert = write('cert.pem', first.chainPem)
    const key = write('key.pem', first.keyPem)
    expect((await loadTlsCredentials({ cert, key })).subject).toBe('CN=first.node.test')
    expect(await tlsError(loadTlsCredentials({ cert: path.join(dir, 'absent.pem'), key }))).toMatch(/absent\.pem: no such file/)
    expect(await tlsError(loadTlsCredentials({ cert, key: path.join(dir, 'a-directory') }))).toMatch(/a-directory/)
    expect(await tlsError(loadTlsCredentials({ cert: write('junk.pem', 'not a certificate'), key }))).toMatch(/no PEM certificate/)
    expect(await tlsError(loadTlsCredentials({ cert, key: write('junk-key.pem', '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n') }))).toMatch(/no usable private key/)
    expect(await tlsError(loadTlsCredentials({ cert, key: write('other-key.pem', second.keyPem) }))).toMatch(/does not belong to the certificate/)
    // The CA before the leaf: not a chain a client can follow.
    expect(await tlsError(loadTlsCredentials({ cert: write('reversed.pem', `${ca.pem}\n${first.chainPem}`), key }))).toMatch(/does not belong|not issued by/)
  })
})

describe('a node serving HTTPS on 127.0.0.1', () => {
  let node: RunningNode | undefined
  afterAll(() => node?.stop())

  it('serves the bundle to a client that trusts the test CA, and swaps certificates on reload without a restart', async () => {
    const dir = await tlsNodeDir('NL', first, 0)
    node = await startNode(await loadNodeConfig(dir), { port: 0, valueSetsDir: vectorPath('valuesets') })
    expect(node.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/)
    const before = await get(node.url, '/v1/bundle')
    expect(before.status).toBe(200)
    expect(JSON.parse(before.body)).toHaveProperty('lists')
    expect(before.fingerprint256).toBe(first.fingerprint256)

    install(dir, second)
    expect((await node.reloadTls())?.subject).toBe('CN=second.node.test')
    expect((await get(node.url, '/v1/bundle')).fingerprint256).toBe(second.fingerprint256)

    // A bad pair on reload: the coded error, and the node keeps serving the certificate it had.
    install(dir, first, second.keyPem)
    expect(await tlsError(node.reloadTls())).toMatch(/does not belong/)
    rmSync(path.join(dir, 'tls/key.pem'))
    expect(await tlsError(node.reloadTls())).toMatch(/no such file/)
    const after = await get(node.url, '/v1/bundle')
    expect(after.status).toBe(200)
    expect(after.fingerprint256).toBe(second.fingerprint256)
  })

  it('refuses to start with a mismatched pair, before anything listens', async () => {
    const dir = await tlsNodeDir('BE', first, 0)
    install(dir, first, second.keyPem)
    expect(await tlsError(startNode(await loadNodeConfig(dir), { port: 0, valueSetsDir: vectorPath('valuesets') }))).toMatch(/does not belong/)
  })
})

describe('entente node start with http.tls', () => {
  function start(dir: string) {
    const node = startNodeProcess(dir, { env: { ENTENTE_VALUESETS: vectorPath('valuesets') } })
    children.push(node.child)
    return node
  }

  it('SIGHUP reloads the certificate and logs which one is served; a bad pair on SIGHUP keeps the old one', async () => {
    const port = await freePort()
    const dir = await tlsNodeDir('LU', first, port)
    const node = start(dir)
    const url = `https://127.0.0.1:${port}`
    await waitFor(() => node.output().includes(`node on ${url}`), { timeoutMs: 20_000, what: 'the node to listen' })
    expect(node.output()).toContain('serving TLS certificate CN=first.node.test')
    expect((await get(url, '/v1/bundle')).fingerprint256).toBe(first.fingerprint256)

    install(dir, second)
    node.child.kill('SIGHUP')
    await waitFor(() => node.output().includes('SIGHUP: serving TLS certificate CN=second.node.test (expires '), { what: 'the reload log line' })
    const swapped = await get(url, '/v1/bundle')
    expect(swapped.status).toBe(200)
    expect(swapped.fingerprint256).toBe(second.fingerprint256)

    install(dir, first, second.keyPem)
    node.child.kill('SIGHUP')
    await waitFor(() => node.output().includes('SIGHUP: kept the previous certificate: ERR_TLS_CERTIFICATE'), { what: 'the failed reload line' })
    expect((await get(url, '/v1/bundle')).fingerprint256).toBe(second.fingerprint256)

    node.child.kill('SIGTERM')
    expect(await node.exited).toBe(0)
  })

  it('a mismatched pair at start: exit 1 with one coded line, no stack', async () => {
    const dir = await tlsNodeDir('MT', first, await freePort())
    install(dir, first, second.keyPem)
    const node = start(dir)
    expect(await node.exited).toBe(1)
    const lines = node.stderr().trim().split('\n')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(/^entente: ERR_TLS_CERTIFICATE: the key in .*key\.pem does not belong to the certificate/)
  })
})
