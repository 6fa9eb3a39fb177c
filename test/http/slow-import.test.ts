// A real node on 127.0.0.1 with a short request timeout: a bulk revocation import uploaded over many timeouts (as
// hundreds of megabytes over a real link are) is read to the end and published, while an ordinary request whose body
// stalls is cut and the node keeps serving.
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadNodeConfig } from '../../src/config/node-config.js'
import { startNode, type RunningNode } from '../../src/node.js'
import { packBulkText } from '../../src/revocation/bulk-revocation-file.js'
import { cli } from '../helpers/cli.js'
import { rawRequest } from '../helpers/raw-http.js'
import { vectorPath } from '../helpers/vectors.js'

const TIMEOUT_MS = 300
const root = mkdtempSync(path.join(tmpdir(), 'entente-slow-import-'))
let node: RunningNode
let token: string

beforeAll(async () => {
  const dir = path.join(root, 'GR')
  const init = await cli(['init', '--country', 'GR', '--dir', dir, '--json', '--port', '0'])
  token = (JSON.parse(init.stdout) as { operatorToken: string }).operatorToken
  const file = path.join(dir, 'node.json')
  const config = JSON.parse(readFileSync(file, 'utf8')) as { limits?: Record<string, number> }
  writeFileSync(file, JSON.stringify({ ...config, limits: { ...config.limits, requestTimeoutMs: TIMEOUT_MS } }))
  node = await startNode(await loadNodeConfig(dir), { port: 0, valueSetsDir: vectorPath('valuesets') })
  await node.operator.publish()
}, 30_000)

afterAll(async () => {
  await node.stop()
  rmSync(root, { recursive: true, force: true })
})

/** An operator request whose head is sent; its body comes as the test writes it. */
const send = (method: string, route: string, length: number, type: string, keepAlive = false) =>
  rawRequest(node.url, method, route, { authorization: `Bearer ${token}`, 'content-type': type, 'content-length': String(length), connection: keepAlive ? 'keep-alive' : 'close' })

describe('request deadlines on a node', () => {
  it('reads a bulk import uploaded over many request timeouts to the end and publishes it', async () => {
    const body = packBulkText(Array.from({ length: 400 }, (_, i) => `URN:UVCI:01:GR:SLOW${i}`).join('\n'), 'GR')
    const { socket, answer } = await send('POST', '/v1/operator/certificate-revocations/import', body.byteLength, 'application/octet-stream')
    const started = performance.now()
    const parts = 8
    const size = Math.ceil(body.byteLength / parts)
    for (let offset = 0; offset < body.byteLength; offset += size) {
      socket.write(body.subarray(offset, offset + size))
      // Paced so the upload lasts several request timeouts; a busy machine only stretches it.
      await new Promise((resolve) => setTimeout(resolve, TIMEOUT_MS / 2))
    }
    const text = await answer
    expect(performance.now() - started).toBeGreaterThan(3 * TIMEOUT_MS)
    expect(text).toMatch(/^HTTP\/1\.1 200/)
    expect(JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4))).toMatchObject({ records: 800, added: 800 })
  })

  it('closes a kept-alive connection whose request body stalls, answered or not, and keeps serving', async () => {
    const { socket, answer } = await send('PUT', '/v1/operator/vaccines', 1000, 'application/json', true)
    socket.write('{"vaccines":')
    // Nothing more comes. The route may answer first (503, the request took too long); either way the connection
    // closes, instead of waiting for the rest of the body.
    expect(await answer).toMatch(/^$|^HTTP\/1\.1 503/)
    expect((await fetch(`${node.url}/health`)).status).toBe(200)
  })
})
