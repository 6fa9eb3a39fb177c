// A client generated from the node's own /openapi.json by an independent generator (swagger-typescript-api),
// the way an integrator would build one, calls the public and operator routes of a real node on 127.0.0.1; its
// typings type-check a caller's code. Catches responses the document leaves untyped (the generated client then
// returns no parsed body) and routes that answer differently from what it promises.
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { generateApi } from 'swagger-typescript-api'
import ts from 'typescript'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadNodeConfig } from '../../src/config/node-config.js'
import { startNode, type RunningNode } from '../../src/node.js'
import { cli } from '../helpers/cli.js'
import { tempDir } from '../helpers/temp.js'
import { vectorPath } from '../helpers/vectors.js'

type Response<T = unknown> = { status: number; data: T; error: unknown }
type Route = (...args: unknown[]) => Promise<Response>
type GeneratedApi = Record<string, Record<string, Route>>
type ApiConstructor = new (config: { baseUrl: string; securityWorker?: () => { headers: Record<string, string> } }) => GeneratedApi

/** Calls a route that must fail and returns what the generated client throws (the response, with `error` parsed). */
async function failure(call: Promise<Response>): Promise<Response> {
  try {
    await call
  } catch (thrown) {
    return thrown as Response
  }
  throw new Error('the call succeeded')
}

describe('a client generated from /openapi.json', () => {
  const root = tempDir('entente-client-')
  const out = path.join(root, 'client')
  let node: RunningNode
  let token: string
  let Api: ApiConstructor

  beforeAll(async () => {
    const dir = path.join(root, 'GR')
    const init = await cli(['init', '--country', 'GR', '--dir', dir, '--json', '--port', '0'])
    if (init.code !== 0) throw new Error(init.stderr)
    token = (JSON.parse(init.stdout) as { operatorToken: string }).operatorToken
    node = await startNode(await loadNodeConfig(dir), { port: 0, valueSetsDir: vectorPath('valuesets') })
    // The document as served, not as imported: what an integrator downloads.
    const spec = (await (await fetch(`${node.url}/openapi.json`)).json()) as Parameters<typeof generateApi>[0]['spec']
    await generateApi({ spec, output: out, fileName: 'client.ts', httpClientType: 'fetch', toJS: true, silent: true })
    Api = ((await import(pathToFileURL(path.join(out, 'client.js')).href)) as { Api: ApiConstructor }).Api
  }, 120_000)
  afterAll(async () => {
    await node?.stop()
  })

  it('reads the public routes with parsed, documented bodies', async () => {
    const api = new Api({ baseUrl: node.url })
    const health = await api.health!.healthList!()
    expect(health.data).toMatchObject({ status: 'ok', country: 'GR' })
    const self = await api.v1!.nodeList!()
    expect(self.data).toMatchObject({ country: 'GR', peerId: node.gossip.peerId.toString() })
    const lists = await api.v1!.trustListsList!()
    expect(lists.data).toEqual({ lists: [] })
    const bundle = await api.v1!.bundleList!({})
    expect(bundle.data).toMatchObject({ type: 'entente.bundle', full: true, lists: [] })
    const alarms = await api.v1!.alarmsList!()
    expect(alarms.data).toMatchObject({ alarms: [] })
    const eu = await api.v1!.exportEuDccTrustListDscList!()
    expect(eu.data).toEqual([])
    const document = await api.openapiJson!.openapiJsonList!()
    expect(document.data).toMatchObject({ openapi: '3.1.0' })
  })

  it('gets the documented problem for a country the node does not hold', async () => {
    const api = new Api({ baseUrl: node.url })
    const missing = await failure(api.v1!.trustListsDetail!('ZZ'))
    expect(missing.status).toBe(404)
    expect(missing.error).toMatchObject({ code: 'ERR_HTTP_NOT_FOUND' })
  })

  it('acts as the operator with the bearer token, and is refused without it', async () => {
    const operator = new Api({ baseUrl: node.url, securityWorker: () => ({ headers: { authorization: `Bearer ${token}` } }) })
    const draft = await operator.v1!.operatorDraftList!()
    expect(draft.data).toMatchObject({ signers: [], quorum: 2 })
    const pins = await operator.v1!.operatorPinsList!()
    expect(pins.data).toMatchObject({ pins: [] })
    const stranger = new Api({ baseUrl: node.url })
    const refused = await failure(stranger.v1!.operatorDraftList!())
    expect(refused.status).toBe(401)
    expect((refused.error as { code?: string }).code).toMatch(/^ERR_/)
  })

  it('ships typings that type-check a caller and catch a wrong argument', () => {
    const check = (source: string) => {
      const file = path.join(out, `caller-${Math.random().toString(36).slice(2)}.ts`)
      writeFileSync(file, source)
      const program = ts.createProgram([file], { strict: true, noEmit: true, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, skipLibCheck: true, lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'] })
      return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'))
    }
    const header = `import { Api } from './client.js'\nconst api = new Api({ baseUrl: 'http://127.0.0.1:1' })\n`
    expect(check(`${header}export const call = () => api.v1.trustListsDetail('GR').then((r) => r.data.payload)\n`)).toEqual([])
    expect(check(`${header}export const call = () => api.v1.trustListsDetail(42)\n`).join('\n')).toMatch(/number/)
  }, 60_000)
})
