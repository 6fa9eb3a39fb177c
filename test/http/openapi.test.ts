// The node's OpenAPI document as outside tools see it: an independent validator (@readme/openapi-parser) accepts
// it, every $ref points into #/components/, the bundled schemas still mean what the registry files mean, and a
// real node on 127.0.0.1 answers its public routes as the document says (/v1/node included).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { compileErrors, validate } from '@readme/openapi-parser'
import { Ajv2020 } from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadNodeConfig } from '../../src/config/node-config.js'
import { openApiDocument } from '../../src/http/openapi.js'
import { SchemaValidators } from '../../src/model/schemas.js'
import { startNode, type RunningNode } from '../../src/node.js'
import { cli } from '../helpers/cli.js'
import { vectorPath } from '../helpers/vectors.js'

type JsonObject = Record<string, unknown>
type OpenApiInput = Parameters<typeof validate>[0]

function refsOf(value: unknown, into: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) refsOf(v, into)
  else if (value !== null && typeof value === 'object')
    for (const [key, v] of Object.entries(value)) {
      if (key === '$ref' && typeof v === 'string') into.push(v)
      else refsOf(v, into)
    }
  return into
}

/** Compiles one component of the document with ajv, its refs resolved inside the document only. */
function componentValidator(doc: JsonObject, name: string): (value: unknown) => boolean {
  const ajv = new Ajv2020({ strict: false, allErrors: false })
  addFormats.default(ajv)
  // No $id: refs resolve against the document itself, as an OpenAPI tool does.
  ajv.addSchema({ $id: 'urn:entente:openapi', components: doc.components })
  const validate = ajv.getSchema(`urn:entente:openapi#/components/schemas/${name}`)
  if (validate === undefined) throw new Error(`no component ${name}`)
  return (value) => validate(value) as boolean
}

const examples = path.resolve(import.meta.dirname, '../../registry-schema/examples')

describe('the OpenAPI document', () => {
  it('passes an independent OpenAPI 3.1 validator', async () => {
    // The validator dereferences in place: give it a copy.
    const result = await validate(structuredClone(openApiDocument()) as unknown as OpenApiInput)
    expect(result.valid ? [] : compileErrors(result)).toEqual([])
    expect(result.warnings).toEqual([])
  })

  it('the validator refuses what the document used to carry: a ref to a registry $id', async () => {
    const doc = structuredClone(openApiDocument()) as { components: { schemas: Record<string, JsonObject> } }
    doc.components.schemas.NodeInfo = { $ref: 'https://entente.example/schema/defs.v1.schema.json#/$defs/country' }
    const outcome = await validate(doc as unknown as OpenApiInput).then((r) => r.valid, () => false)
    expect(outcome).toBe(false)
  })

  it('references only #/components/, each resolvable, and embeds no $id or $schema', () => {
    const doc = openApiDocument()
    const refs = refsOf(doc)
    expect(refs.length).toBeGreaterThan(80)
    expect(refs.filter((ref) => !ref.startsWith('#/components/'))).toEqual([])
    for (const ref of new Set(refs)) {
      let node: unknown = doc
      for (const part of ref.slice(2).split('/')) node = (node as JsonObject)[part.replaceAll('~1', '/').replaceAll('~0', '~')]
      expect(node, ref).toBeTypeOf('object')
    }
    expect(JSON.stringify(doc)).not.toMatch(/"\$(id|schema|defs)"|entente\.example/)
  })

  it('its bundled schemas accept and refuse what the registry schemas do', () => {
    const doc = openApiDocument()
    const registry = new SchemaValidators()
    const signedList = JSON.parse(readFileSync(path.join(examples, 'signed-trust-list.v1.example.json'), 'utf8')) as JsonObject
    const bundled = componentValidator(doc, 'SignedTrustList')
    expect(registry.check('signed-trust-list.v1', signedList, 'ERR_CONFIG_INVALID')).toBeDefined()
    expect(bundled(signedList)).toBe(true)
    // The refusal must come from a rewritten ref (base64url lives in the shared definitions).
    expect(bundled({ ...signedList, signature: 'not base64url!' })).toBe(false)
    expect(() => registry.check('signed-trust-list.v1', { ...signedList, signature: 'not base64url!' }, 'ERR_CONFIG_INVALID')).toThrow()

    const payload = JSON.parse(readFileSync(path.join(examples, 'trust-list.v1.example.json'), 'utf8')) as JsonObject
    const payloadValidator = componentValidator(doc, 'TrustListPayload')
    expect(payloadValidator(payload)).toBe(true)
    expect(payloadValidator({ ...payload, country: 'gr' })).toBe(false)
  })
})

describe('a real node answers its public routes as documented', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'entente-openapi-'))
  let node: RunningNode
  beforeAll(async () => {
    const dir = path.join(root, 'GR')
    const init = await cli(['init', '--country', 'GR', '--dir', dir, '--port', '0'])
    if (init.code !== 0) throw new Error(init.stderr)
    node = await startNode(await loadNodeConfig(dir), { port: 0, valueSetsDir: vectorPath('valuesets') })
  }, 60_000)
  afterAll(async () => {
    await node?.stop()
    rmSync(root, { recursive: true, force: true })
  })

  it('GET /v1/node: country, peer id and the dialable multiaddrs, matching the NodeInfo schema', async () => {
    const doc = (await (await fetch(`${node.url}/openapi.json`)).json()) as JsonObject
    expect(doc).toEqual(openApiDocument())
    const response = await fetch(`${node.url}/v1/node`)
    expect(response.status).toBe(200)
    const self = (await response.json()) as { country: string; peerId: string; multiaddrs: string[]; url: string }
    expect(componentValidator(doc, 'NodeInfo')(self)).toBe(true)
    expect(self.country).toBe('GR')
    expect(self.peerId).toBe(node.gossip.peerId.toString())
    expect(self.url).toBe(node.url)
    expect(self.multiaddrs.length).toBeGreaterThan(0)
    // The listen default is loopback, so the bound address is what is announced.
    for (const address of self.multiaddrs) expect(address).toMatch(new RegExp(`^/ip4/127\\.0\\.0\\.1/tcp/\\d+/p2p/${self.peerId}$`))
    expect(node.gossip.multiaddrs().map(String)).toEqual(expect.arrayContaining(self.multiaddrs))
  })

  it('GET /health and /v1/trust-lists/{country} (404 as problem JSON) as documented', async () => {
    const health = await fetch(`${node.url}/health`)
    expect(health.status).toBe(200)
    expect(await health.json()).toMatchObject({ status: 'ok', country: 'GR' })
    const missing = await fetch(`${node.url}/v1/trust-lists/ZZ`)
    expect(missing.status).toBe(404)
    expect(componentValidator(openApiDocument(), 'Problem')(await missing.json())).toBe(true)
  })
})
