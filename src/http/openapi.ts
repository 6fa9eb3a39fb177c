// OpenAPI 3.1 description of the node's HTTP API. Document schemas are the registry-schema files themselves
// (OpenAPI 3.1 speaks JSON Schema 2020-12), so the contract has one source; they are bundled into
// components.schemas with every $ref rewritten to `#/components/schemas/...`, since common OpenAPI tools resolve
// neither the schemas' $ids nor refs between files.
import { allSchemas } from '../model/schemas.js'
import { diplomatOpenApiPaths } from './diplomats/openapi-paths.js'
import { webVerifierOpenApiPaths } from './web-routes.js'

const problem = {
  description: 'RFC 9457 problem',
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
}
const json = (ref: string, description = 'OK') => ({
  description,
  content: { 'application/json': { schema: { $ref: ref } } },
})
const jsonSchema = (schema: object, description = 'OK') => ({ description, content: { 'application/json': { schema } } })
const jsonBody = (schema: object) => ({ required: true, content: { 'application/json': { schema } } })
const country = { name: 'country', in: 'path', required: true, schema: { type: 'string', pattern: '^[A-Z]{2}$' } }
const errors = { '400': problem, '404': problem, '413': problem, '415': problem, '422': problem, '500': problem, '503': problem }
const operatorErrors = { ...errors, '401': problem, '409': problem }
const operator = { security: [{ operatorToken: [] }], tags: ['operator'] }
const SCHEMA_BASE = 'https://entente.example/schema/'
// A registry schema's component, or a JSON pointer inside it (`/$defs/x`, `/properties/y`).
const schemaRef = (id: string, pointer = '') => registryRef(`${id}.schema.json`, pointer)

export function openApiDocument(): Record<string, unknown> {
  const summary = { type: 'object', additionalProperties: true, required: ['country', 'seq', 'hash'] }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Entente node',
      version: '1',
      description: 'A country node of the Entente federation: signed trust lists for anyone, operator actions behind a token.',
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    paths: {
      '/health': { get: { summary: 'Liveness and a short status', responses: { '200': jsonSchema({ type: 'object', required: ['status', 'country'], properties: { status: { const: 'ok' }, country: { type: 'string' }, countries: { type: 'integer' }, alarms: { type: 'integer' }, time: { type: 'string', format: 'date-time' } } }) } } },
      '/metrics': { get: { summary: 'Prometheus metrics', responses: { '200': { description: 'Prometheus text exposition format', content: { 'text/plain': { schema: { type: 'string' } } } } } } },
      '/openapi.json': { get: { summary: 'This document', responses: { '200': jsonSchema({ type: 'object', required: ['openapi', 'paths'] }, 'OpenAPI 3.1') } } },
      '/v1/node': {
        get: {
          summary: 'This node: its country, libp2p peer id and announced multiaddrs (what other nodes dial) and public URL',
          responses: { '200': json('#/components/schemas/NodeInfo') },
        },
      },
      '/v1/bundle': {
        get: {
          summary: 'Latest unexpired list of every country plus equivocation alarms',
          parameters: [
            { name: 'since', in: 'query', required: false, schema: { type: 'string' }, description: 'token of a previous bundle: return a delta' },
            { name: 'If-None-Match', in: 'header', required: false, schema: { type: 'string' } },
          ],
          responses: { '200': json(schemaRef('bundle.v1')), '304': { description: 'Not modified' }, ...errors },
        },
      },
      '/v1/trust-lists': { get: { summary: 'Summary of the held head per country', responses: { '200': jsonSchema({ type: 'object', required: ['lists'], properties: { lists: { type: 'array', items: summary } } }) } } },
      '/v1/trust-lists/{country}': {
        get: { summary: 'Latest list of a country', parameters: [country], responses: { '200': json(schemaRef('signed-trust-list.v1')), '304': { description: 'Not modified' }, ...errors } },
      },
      '/v1/trust-lists/{country}/history': {
        get: {
          summary: 'Accepted lists of a country, oldest first',
          parameters: [
            country,
            { name: 'after', in: 'query', required: false, schema: { type: 'integer', minimum: 0 } },
            { name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 1000 } },
          ],
          responses: { '200': { description: 'OK', content: { 'application/json': { schema: { type: 'object', properties: { country: { type: 'string' }, lists: { type: 'array', items: summary } } } } } }, ...errors },
        },
      },
      '/v1/trust-lists/{country}/{seq}': {
        get: {
          summary: 'One list by seq (immutable)',
          parameters: [country, { name: 'seq', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } }],
          responses: { '200': json(schemaRef('signed-trust-list.v1')), '304': { description: 'Not modified' }, ...errors },
        },
      },
      // Certificate revocation lists.
      '/v1/revocation-lists/{country}': {
        get: { summary: 'Latest certificate revocation list of a country', parameters: [country], responses: { '200': json(schemaRef('signed-revocation-list.v1')), '304': { description: 'Not modified' }, ...errors } },
      },
      '/v1/revocation-lists/{country}/{seq}': {
        get: {
          summary: 'One certificate revocation list by seq (immutable)',
          parameters: [country, { name: 'seq', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } }],
          responses: { '200': json(schemaRef('signed-revocation-list.v1')), '304': { description: 'Not modified' }, ...errors },
        },
      },
      // Partitioned certificate revocations: the current index of a country and its partitions by content hash.
      '/v1/revocations/{country}/index': {
        get: { summary: 'Current certificate revocation index of a country: names every partition by id, seq, hash and count', parameters: [country], responses: { '200': json(schemaRef('signed-revocation-index.v1')), '304': { description: 'Not modified' }, ...errors } },
      },
      '/v1/revocations/{country}/partitions/{hash}': {
        get: {
          summary: 'One certificate revocation partition by the SHA-256 of its payload (content-addressed, immutable)',
          parameters: [country, { name: 'hash', in: 'path', required: true, schema: { type: 'string', pattern: '^[0-9a-f]{64}$' } }],
          responses: { '200': json(schemaRef('signed-revocation-partition.v1')), '304': { description: 'Not modified' }, ...errors },
        },
      },
      '/v1/operator/certificate-revocations': {
        get: {
          ...operator,
          summary: 'Queued revocation entries, not published yet, in queue order (ids for removal)',
          parameters: [
            { name: 'after', in: 'query', required: false, schema: { type: 'integer', minimum: 0 }, description: 'queue id to continue after' },
            { name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 1000 } },
          ],
          responses: {
            '200': jsonSchema({
              type: 'object',
              required: ['total', 'entries'],
              properties: {
                total: { type: 'integer' },
                entries: { type: 'array', items: { type: 'object', required: ['id', 'group', 'key', 'entry', 'queuedAt'], properties: { id: { type: 'integer' }, group: { type: 'string' }, key: { type: 'string' }, entry: { type: 'object' }, queuedAt: { type: 'string' } } } },
              },
            }),
            ...operatorErrors,
          },
        },
        post: {
          ...operator,
          summary: 'Revoke certificates: EU DCC by hash (UCI, COUNTRYCODEUCI, SIGNATURE) or by UCI; SHC by issuer, kid and rid',
          requestBody: jsonBody({
            type: 'object',
            properties: {
              dcc: { type: 'array', maxItems: 1000, items: { oneOf: [{ $ref: schemaRef('revocation-list.v1', '/$defs/dccRevocation') }, { type: 'object', required: ['uci'], properties: { uci: { type: 'string', maxLength: 256 } }, additionalProperties: false }] } },
              shc: { type: 'array', maxItems: 1000, items: { $ref: schemaRef('revocation-list.v1', '/$defs/shcRevocation') } },
            },
          }),
          responses: { '200': jsonSchema({ type: 'object', required: ['queued', 'added'], properties: { queued: { type: 'integer' }, added: { type: 'integer' } } }, 'Entries now queued, and how many of these were new'), ...operatorErrors },
        },
      },
      '/v1/operator/certificate-revocations/remove': {
        post: {
          ...operator,
          summary: 'Take queued revocation entries out of the queue by id (adding them again re-queues them)',
          requestBody: jsonBody({ type: 'object', required: ['ids'], properties: { ids: { type: 'array', minItems: 1, maxItems: 10000, items: { type: 'integer', minimum: 1 } } } }),
          responses: { '200': jsonSchema({ type: 'object', required: ['removed', 'queued'], properties: { removed: { type: 'integer' }, queued: { type: 'integer' } } }), ...operatorErrors },
        },
      },
      '/v1/operator/certificate-revocations/import': {
        post: {
          ...operator,
          summary:
            'Bulk import of revoked DCC hashes, published at once without the queue: the 8 bytes ENTREVB1, then 17-byte records (hash type 1 UCI, 2 COUNTRYCODEUCI, 3 SIGNATURE; the first 16 bytes of the hash), at most 20 million; then the partitions they change, the next revocation index and the trust list naming it. Entries already published are skipped; nothing new publishes nothing',
          parameters: [{ name: 'validityDays', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 366 } }],
          requestBody: { required: true, content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } },
          responses: {
            '200': jsonSchema(
              {
                type: 'object',
                required: ['records', 'added'],
                properties: {
                  records: { type: 'integer' },
                  added: { type: 'integer' },
                  index: { type: 'object', properties: { seq: { type: 'integer' }, hash: { type: 'string' } } },
                  partitions: { type: 'integer' },
                  trustList: { type: 'object', properties: { seq: { type: 'integer' }, hash: { type: 'string' } } },
                },
              },
              'Records in the body, how many were new, and what was published (absent when nothing was new)',
            ),
            ...operatorErrors,
          },
        },
      },
      '/v1/operator/certificate-revocations/publish': {
        post: {
          ...operator,
          summary: 'Publish the queued revocation entries with the root key file (a single revocation list while the country holds few, else the partitions they change and the next revocation index), then the next trust list naming it (`trustList` in the response)',
          requestBody: { required: false, content: { 'application/json': { schema: { type: 'object', properties: { validityDays: { type: 'integer', minimum: 1, maximum: 366 } } } } } },
          responses: { '201': { description: 'Summary of the published revocation list or index (`format`: list or index; `partitions`: partitions signed; `queued`: entries left for the next publish), with `trustList`: the summary of the trust list naming it', content: { 'application/json': { schema: { type: 'object' } } } }, ...operatorErrors },
        },
      },
      '/v1/alarms': { get: { summary: 'Equivocation proofs held by this node', responses: { '200': { description: 'OK', content: { 'application/json': { schema: { type: 'object', properties: { alarms: { type: 'array', items: { type: 'object', properties: { proof: { $ref: schemaRef('equivocation-proof.v1') } } } }, governanceResets: { type: 'array', description: 'Countries whose diplomats in force were replaced without their quorum by a root rotation (recovery, or a stolen root)', items: { type: 'object', properties: { country: { type: 'string' }, seq: { type: 'integer' }, issuedAt: { type: 'string' }, rootThumbprint: { type: 'string' } } } } } } } } } } } },
      '/v1/export/eu-dcc/trustList/DSC': { get: { summary: 'EU DCC gateway trust list shape, for existing verifier apps', tags: ['exports'], responses: { '200': jsonSchema({ type: 'array', items: { type: 'object', required: ['kid', 'country', 'rawData'], properties: { kid: { type: 'string' }, timestamp: { type: 'string' }, country: { type: 'string' }, certificateType: { type: 'string' }, thumbprint: { type: 'string' }, signature: { type: 'string' }, rawData: { type: 'string' } } } }, 'EU DCC gateway shape') } } },
      '/v1/export/shc/{issuer}/.well-known/jwks.json': {
        get: {
          summary: 'SMART Health Card issuer keys for one issuer (the https:// URL without scheme)',
          tags: ['exports'],
          parameters: [{ name: 'issuer', in: 'path', required: true, schema: { type: 'string' }, description: 'host and path of the issuer URL' }],
          responses: { '200': jsonSchema({ type: 'object', required: ['keys'], properties: { keys: { type: 'array', items: { type: 'object' } } } }, 'JWKS'), ...errors },
        },
      },
      '/v1/export/gdhcn/did.json': { get: { summary: 'WHO GDHCN-style DID trust list (JsonWebKey2020 with x5c)', tags: ['exports'], responses: { '200': jsonSchema({ type: 'object', required: ['id'], properties: { id: { type: 'string' }, verificationMethod: { type: 'array', items: { type: 'object' } } } }, 'DID document') } } },
      // Admission: pinned roots and the quarantine of lists under unanchored roots.
      '/v1/operator/pins': {
        get: { ...operator, summary: 'Pinned roots, and every anchored root with its reason (own, pin, recognition by a country)', responses: { '200': { description: '{pins: [{country, rootThumbprint, pinnedAt}], anchored: [{country, roots, via}]}', content: { 'application/json': { schema: { type: 'object' } } } }, ...operatorErrors } },
      },
      '/v1/operator/pins/{country}': {
        put: {
          ...operator,
          summary: 'Pin a country’s root (thumbprint received out of band); the node then catches up with its peers',
          parameters: [country],
          requestBody: jsonBody({ type: 'object', required: ['rootThumbprint'], properties: { rootThumbprint: { type: 'string', pattern: '^[A-Za-z0-9_-]{43}$' } } }),
          responses: { '200': { description: 'The pin {country, rootThumbprint, pinnedAt}', content: { 'application/json': { schema: { type: 'object' } } } }, ...operatorErrors },
        },
        delete: {
          ...operator,
          summary: 'Remove the pin; purge every held country no longer anchored (lists, alarms, revocation lists)',
          parameters: [country],
          responses: { '200': { description: '{country, removed, purged, counts, stillAnchored?}', content: { 'application/json': { schema: { type: 'object' } } } }, ...operatorErrors },
        },
      },
      '/v1/operator/quarantine': {
        get: { ...operator, summary: 'Lists under unanchored roots kept for inspection (bounded per peer and in total)', responses: { '200': { description: '{lists: [{id, peer, country, seq, rootThumbprint, hash, size, receivedAt}]}', content: { 'application/json': { schema: { type: 'object' } } } }, ...operatorErrors } },
      },
      '/v1/operator/quarantine/{id}': {
        get: { ...operator, summary: 'One quarantined list, with the signed list', parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } }], responses: { '200': { description: 'The entry and `signed`', content: { 'application/json': { schema: { type: 'object' } } } }, ...operatorErrors } },
        delete: { ...operator, summary: 'Drop a quarantined list', parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } }], responses: { '200': { description: '{dropped}', content: { 'application/json': { schema: { type: 'object' } } } }, ...operatorErrors } },
      },
      '/v1/operator/quarantine/{id}/admit': {
        post: {
          ...operator,
          summary: 'Pin the quarantined list’s root and accept the list through the normal path',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } }],
          responses: { '200': { description: '{pin, outcome}', content: { 'application/json': { schema: { type: 'object' } } } }, ...operatorErrors },
        },
      },
      '/v1/operator/draft': { get: { ...operator, summary: 'The draft of the next list', responses: { '200': json(schemaRef('draft.v1')), ...operatorErrors } } },
      '/v1/operator/signers': {
        post: {
          ...operator,
          summary: 'Add a signer: EU DCC DSC (PEM or base64 DER) or SHC JWK with issuer',
          requestBody: jsonBody({ type: 'object', required: ['format'], properties: { format: { enum: ['dcc', 'shc'] }, certificate: { type: 'string' }, issuer: { type: 'string' }, jwk: { type: 'object' }, usage: { type: 'array', items: { enum: ['vaccination', 'test', 'recovery'] } } } }),
          responses: { '201': json(schemaRef('draft.v1'), 'The updated draft'), ...operatorErrors },
        },
      },
      '/v1/operator/revocations': {
        post: {
          ...operator,
          summary: 'Revoke a signer by kid',
          requestBody: jsonBody({ type: 'object', required: ['kid'], properties: { kid: { type: 'string' }, reason: { enum: ['key-compromise', 'superseded', 'cessation-of-operation', 'unspecified'] }, revokedAt: { type: 'string', format: 'date-time' } } }),
          responses: { '200': json(schemaRef('draft.v1'), 'The updated draft'), ...operatorErrors },
        },
      },
      '/v1/operator/vaccines': {
        put: {
          ...operator,
          summary: 'Set accepted vaccines (EU value-set product codes) and rules',
          requestBody: jsonBody({ type: 'object', required: ['vaccines'], properties: { vaccines: { $ref: schemaRef('trust-list.v1', '/properties/vaccines') }, rules: { $ref: schemaRef('trust-list.v1', '/$defs/rules') } } }),
          responses: { '200': json(schemaRef('draft.v1'), 'The updated draft'), ...operatorErrors },
        },
      },
      '/v1/operator/publish': {
        post: {
          ...operator,
          summary: 'Sign and store the next list with the root key file',
          requestBody: { required: false, content: { 'application/json': { schema: { type: 'object', properties: { validityDays: { type: 'integer', minimum: 1, maximum: 366 } } } } } },
          responses: { '201': { description: 'Summary of the published list', content: { 'application/json': { schema: { type: 'object' } } } }, ...operatorErrors },
        },
      },
      '/v1/operator/trust-lists': {
        post: {
          ...operator,
          summary: 'Store a list of this country signed elsewhere (offline root), after verifying it',
          requestBody: jsonBody({ $ref: schemaRef('signed-trust-list.v1') }),
          responses: { '201': { description: 'Summary of the stored list', content: { 'application/json': { schema: { type: 'object' } } } }, ...operatorErrors },
        },
      },
      // Offline root: the unsigned next documents to sign elsewhere, and the upload of signed revocation lists.
      '/v1/operator/next-list': {
        get: {
          ...operator,
          summary: 'The unsigned next trust list (head + draft), exactly as the offline root will sign it',
          parameters: [{ name: 'validityDays', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 366 } }],
          responses: { '200': json(schemaRef('trust-list.v1')), ...operatorErrors },
        },
        post: {
          ...operator,
          summary: 'The unsigned next trust list; with nextRoot (a public JWK) a root rotation, with resetGovernance the recovery below quorum',
          requestBody: {
            required: false,
            content: { 'application/json': { schema: { type: 'object', properties: { validityDays: { type: 'integer', minimum: 1, maximum: 366 }, nextRoot: { type: 'object' }, resetGovernance: { type: 'boolean' } } } } },
          },
          responses: { '200': json(schemaRef('trust-list.v1')), ...operatorErrors },
        },
      },
      '/v1/operator/next-revocation-list': {
        get: {
          ...operator,
          summary: 'The unsigned next revocation list (every pending entry), for the offline root to sign',
          parameters: [{ name: 'validityDays', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 366 } }],
          responses: { '200': json(schemaRef('revocation-list.v1')), ...operatorErrors },
        },
        post: {
          ...operator,
          summary: 'The unsigned next revocation list (every pending entry), for the offline root to sign',
          requestBody: { required: false, content: { 'application/json': { schema: { type: 'object', properties: { validityDays: { type: 'integer', minimum: 1, maximum: 366 } } } } } },
          responses: { '200': json(schemaRef('revocation-list.v1')), ...operatorErrors },
        },
      },
      '/v1/operator/revocation-lists': {
        post: {
          ...operator,
          summary: 'Store a revocation list of this country signed elsewhere (offline root), after verifying it; gossiped',
          requestBody: jsonBody({ $ref: schemaRef('signed-revocation-list.v1') }),
          responses: { '201': { description: 'Summary of the stored revocation list', content: { 'application/json': { schema: { type: 'object' } } } }, ...operatorErrors },
        },
      },
      ...diplomatOpenApiPaths(),
      ...webVerifierOpenApiPaths(),
    },
    components: {
      securitySchemes: { operatorToken: { type: 'http', scheme: 'bearer', description: 'The token shown by entente init' } },
      schemas: {
        Problem: {
          type: 'object',
          required: ['type', 'title', 'status', 'code'],
          properties: { type: { type: 'string' }, title: { type: 'string' }, status: { type: 'integer' }, detail: { type: 'string' }, code: { type: 'string', pattern: '^ERR_' } },
        },
        ...registry.components,
        NodeInfo: {
          type: 'object',
          required: ['country', 'multiaddrs'],
          properties: {
            country: { $ref: '#/components/schemas/Country' },
            peerId: { type: 'string', description: 'libp2p peer id; absent when gossip is off' },
            multiaddrs: { type: 'array', items: { type: 'string' }, description: 'p2p.announce when set, else the bound addresses (wildcards left out), each ending in /p2p/<peerId>' },
            url: { type: 'string', format: 'uri', description: 'http.publicUrl, or the bound URL' },
          },
        },
      },
    },
  }
}

// --- bundling of the registry schemas ----------------------------------------------------------------

type Json = null | boolean | number | string | Json[] | { [key: string]: Json }
interface RegistrySchema {
  readonly $id: string
  readonly title?: string
  readonly $defs?: Record<string, Json>
  readonly [key: string]: unknown
}

/** Each registry file's component name, and each hoisted $defs entry's, unique across the document. */
function componentNames(schemas: readonly RegistrySchema[]): { top: Map<string, string>; defs: Map<string, string> } {
  const taken = new Set(['Problem', 'NodeInfo'])
  const top = new Map<string, string>()
  const defs = new Map<string, string>()
  const claim = (wanted: string, fallback: string): string => {
    const name = taken.has(wanted) ? fallback : wanted
    if (taken.has(name)) throw new Error(`duplicate OpenAPI component name ${name}`)
    taken.add(name)
    return name
  }
  const fileOf = (schema: RegistrySchema) => schema.$id.slice(SCHEMA_BASE.length)
  // The shared-definitions file is only a container: its $defs become components, the file itself does not.
  for (const schema of schemas) if (schema.properties !== undefined || schema.type !== undefined) top.set(fileOf(schema), claim(pascal(schema.title ?? fileOf(schema)), pascal(fileOf(schema))))
  for (const schema of schemas) {
    const owner = top.get(fileOf(schema)) ?? pascal(fileOf(schema).replace(/\.schema\.json$/, ''))
    for (const key of Object.keys(schema.$defs ?? {})) defs.set(`${fileOf(schema)}#/$defs/${key}`, claim(pascal(key), `${owner}${pascal(key)}`))
  }
  return { top, defs }
}

const pascal = (text: string) => text.replace(/(?:^|[^A-Za-z0-9]+)([A-Za-z0-9])/g, (_, c: string) => c.toUpperCase()).replace(/[^A-Za-z0-9]/g, '')

function bundleRegistry(schemas: readonly RegistrySchema[]): { components: Record<string, Json>; ref: (file: string, pointer: string) => string } {
  const names = componentNames(schemas)
  const ref = (file: string, pointer: string): string => {
    const def = /^\/\$defs\/([^/]+)(.*)$/.exec(pointer)
    if (def !== null) {
      const name = names.defs.get(`${file}#/$defs/${def[1]}`)
      if (name === undefined) throw new Error(`no definition ${def[1]} in ${file}`)
      return `#/components/schemas/${name}${def[2]}`
    }
    const name = names.top.get(file)
    if (name === undefined) throw new Error(`no registry schema ${file}`)
    return `#/components/schemas/${name}${pointer}`
  }
  const rewrite = (value: Json, file: string): Json => {
    if (Array.isArray(value)) return value.map((v) => rewrite(v, file))
    if (value === null || typeof value !== 'object') return value
    const out: Record<string, Json> = {}
    for (const [key, v] of Object.entries(value)) {
      if (key === '$id' || key === '$schema' || key === '$defs') continue
      if (key === '$ref' && typeof v === 'string') {
        // Relative to the file: `other.v1.schema.json#/pointer`, `#/pointer` or a whole file.
        const [target = '', pointer = ''] = v.startsWith(SCHEMA_BASE) ? v.slice(SCHEMA_BASE.length).split('#') : v.split('#')
        out[key] = ref(target === '' ? file : target, decodeURIComponent(pointer))
      } else out[key] = rewrite(v, file)
    }
    return out
  }
  const components: Record<string, Json> = {}
  for (const schema of schemas) {
    const file = schema.$id.slice(SCHEMA_BASE.length)
    const top = names.top.get(file)
    if (top !== undefined) components[top] = rewrite(schema as unknown as Json, file)
    for (const [key, def] of Object.entries(schema.$defs ?? {})) components[names.defs.get(`${file}#/$defs/${key}`) as string] = rewrite(def, file)
  }
  return { components, ref }
}

const registry = bundleRegistry(allSchemas as unknown as readonly RegistrySchema[])
const registryRef = (file: string, pointer: string) => registry.ref(file, pointer)
