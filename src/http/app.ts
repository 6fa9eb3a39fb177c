// The node's HTTP API as one hono app: public, anonymous, cacheable reads; operator writes behind a bearer
// token. Every route is Request → Response and testable with app.request; every error is problem JSON.
import { Hono, type Context, type MiddlewareHandler } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { timeout } from 'hono/timeout'
import type { ResolvedNodeConfig } from '../config/node-config.js'
import { operatorTokenMatches, rootPublicFromJwk } from '../config/secrets.js'
import type { NodeMetrics } from '../metrics/metrics.js'
import { EntenteError } from '../model/errors.js'
import type { OperatorService } from '../operator/operator-service.js'
import type { RevocationRepository, StoredRevocationList } from '../store/revocation-repository.js'
import type { StoredTrustList, TrustListSummary, TrustStore } from '../store/store.types.js'
import type { Admission } from '../admission/admission.js'
import { mountAdmissionRoutes } from './admission-routes.js'
import { BundleSource, revocationListFeed, type BundleDocumentFeed, type BundleEncoding, type BundleResponse } from './bundle-source.js'
import { mountExports } from './export-routes.js'
import { openApiDocument } from './openapi.js'
import { problemResponse } from './problem.js'
import { operatorBodyLimit } from './body-limits.js'
import { readJson, readJsonObject } from './read-json.js'
import { preferredEncoding } from './content-encoding.js'
import { isBulkImport, mountOperatorRevocationQueueRoutes, mountRevocationIndexRoutes } from './revocation-routes.js'
import { PUBLIC_CORS_HEADERS, publicCors } from './public-cors.js'
import { defaultWebDir, mountWebVerifier } from './web-routes.js'

export interface AppDeps {
  readonly config: ResolvedNodeConfig
  readonly store: TrustStore
  readonly metrics: NodeMetrics
  readonly operator: OperatorService
  readonly now: () => Date
  /** Mounts further route groups (diplomat pages) before the error handlers apply. */
  readonly mount?: (app: Hono) => void
  /** Extra status for /health (peers etc.), filled in by the composition root. */
  readonly health?: () => Record<string, unknown>
  /** Certificate revocation lists: served in the bundle and on /v1/revocation-lists. */
  readonly revocations?: RevocationRepository
  /** Pins and quarantine (operator routes); its last purge also keys the bundle cache. */
  readonly admission?: Admission
  /** Signed revocation indexes, served in the bundle as `revocationIndexes`. */
  readonly revocationIndexes?: BundleDocumentFeed
  /** The built web verifier served at /verify/ (default: dist/web at the package root). */
  readonly webDir?: string
}

const COUNTRY = /^[A-Z]{2}$/

export function createApp(deps: AppDeps): Hono {
  const { config, store, metrics, now } = deps
  const bundles = new BundleSource({
    store,
    ...(deps.revocations === undefined ? {} : { revocations: revocationListFeed(deps.revocations) }),
    ...(deps.revocationIndexes === undefined ? (deps.revocations === undefined ? {} : { revocationIndexes: deps.revocations.partitions.feed }) : { revocationIndexes: deps.revocationIndexes }),
    ...(deps.admission === undefined ? {} : { lastPurge: () => deps.admission?.repository.lastPurgeId() ?? 0 }),
  })
  const app = new Hono({ strict: true })

  // The hot route, registered ahead of the generic middleware: it counts itself (without turning the response's
  // headers into a Headers object) and needs no request timer, since the current bundle is answered synchronously
  // and a build is the node's own bounded work, shared by every waiting request.
  const encodingOf = memoizedPreferredEncoding()
  app.get('/v1/bundle', (c) => {
    const count = (response: Response, bytes: number): Response => countBundleRequest(metrics, c.req.method, response, bytes)
    const since = c.req.query('since')
    const encoding = encodingOf(c.req.header('accept-encoding'))
    // The current full bundle, already encoded, is answered without awaiting anything: most requests are these.
    const current = since === undefined ? bundles.current(now()) : undefined
    const body = current?.bodyAtHand(encoding)
    if (current !== undefined && body !== undefined) return bundleAnswer(c, current, encoding, body, count)
    return (async () => {
      try {
        const response = since === undefined ? await bundles.full(now()) : await bundles.since(since, now())
        if (response.full) metrics.bundleBytes.set(response.bytes)
        return bundleAnswer(c, response, encoding, etagMatches(c.req.header('if-none-match'), response.etags[encoding]) ? undefined : await response.body(encoding), count)
      } catch (error) {
        return count(problemResponse(c, error), 0)
      }
    })()
  })

  app.use('*', countRequests(metrics))
  // problemOf maps hono's 503 to ERR_HTTP_TIMEOUT.
  const timed: MiddlewareHandler = timeout(config.limits.requestTimeoutMs, new HTTPException(503, { message: 'the request took too long' }))
  // A bulk revocation import of millions of records runs for tens of seconds (in slices: the node keeps answering).
  const timedUnlessImport: MiddlewareHandler = (c, next) => (isBulkImport(c.req.method, c.req.path) ? next() : timed(c, next))
  app.use('*', timedUnlessImport)
  app.onError((error, c) => problemResponse(c, error))
  // A web verifier on another origin syncs from these (the bundle sets the same headers itself).
  for (const route of ['/v1/trust-lists/*', '/v1/revocation-lists/*', '/v1/revocations/*']) app.use(route, publicCors)
  app.notFound((c) => problemResponse(c, new EntenteError('ERR_HTTP_NOT_FOUND', `no route for ${c.req.method} ${c.req.path}`)))

  // --- public, anonymous ---------------------------------------------------------------------------
  app.get('/health', (c) =>
    c.json({ status: 'ok', country: config.country, countries: store.headSummaries().length, alarms: store.lastEquivocationId() > 0 ? store.equivocations().length : 0, time: now().toISOString(), ...deps.health?.() }, 200, { 'cache-control': 'no-store' }),
  )

  app.get('/metrics', (c) => {
    metrics.countries.set(store.headSummaries().length)
    return c.body(metrics.registry.render(), 200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'cache-control': 'no-store' })
  })

  // What another node needs to dial this one (peer id, announced multiaddrs), as the next published list says it.
  app.get('/v1/node', (c) => {
    const self = deps.operator.nodeAddresses()[0]
    return c.json({ country: config.country, ...(self?.peerId === undefined ? {} : { peerId: self.peerId }), multiaddrs: self?.multiaddrs ?? [], ...(self?.url === undefined ? {} : { url: self.url }) }, 200, { 'cache-control': 'no-store' })
  })

  app.get('/openapi.json', (c) => c.json(openApiDocument(), 200, { 'cache-control': 'public, max-age=3600' }))

  app.get('/v1/trust-lists', (c) =>
    c.json({ lists: store.headSummaries().map(summary) }, 200, { 'cache-control': 'public, max-age=30' }),
  )

  app.get('/v1/trust-lists/:country', (c) => {
    const country = countryParam(c)
    const head = store.headSummaries().find((l) => l.country === country)
    if (head === undefined) throw new EntenteError('ERR_HTTP_NOT_FOUND', `no list held for ${country}`)
    return signedList(c, store, head, 'public, max-age=30')
  })

  app.get('/v1/trust-lists/:country/history', (c) => {
    const country = countryParam(c)
    const after = intQuery(c, 'after', 0)
    const limit = Math.min(intQuery(c, 'limit', 100), 1000)
    if (!store.headSummaries().some((l) => l.country === country)) throw new EntenteError('ERR_HTTP_NOT_FOUND', `no list held for ${country}`)
    return c.json({ country, lists: store.historySummaries(country, { afterSeq: after, limit }).map(historyEntry) }, 200, { 'cache-control': 'public, max-age=30' })
  })

  app.get('/v1/trust-lists/:country/:seq', (c) => {
    const country = countryParam(c)
    const seq = c.req.param('seq')
    if (!/^[1-9]\d{0,15}$/.test(seq)) throw new EntenteError('ERR_HTTP_BAD_REQUEST', 'seq must be a positive integer')
    const list = store.summary(country, Number(seq))
    if (list === undefined) throw new EntenteError('ERR_HTTP_NOT_FOUND', `no list ${country} seq ${seq}`)
    // A stored list never changes: cache it forever.
    return signedList(c, store, list, 'public, max-age=31536000, immutable')
  })

  app.get('/v1/alarms', (c) =>
    c.json(
      {
        alarms: store.equivocations().map((e) => ({ country: e.country, seq: e.seq, rootThumbprint: e.rootThumbprint, hashes: e.hashes, detectedAt: e.detectedAt, proof: e.proof })),
        governanceResets: governanceResets(store),
      },
      200,
      { 'cache-control': 'public, max-age=30' },
    ),
  )

  mountRevocationRoutes(app, deps)

  mountExports(app, { store, now, config })

  mountWebVerifier(app, deps.webDir ?? defaultWebDir())

  // --- operator, behind the bearer token ------------------------------------------------------------
  const operator = new Hono()
  operator.use('*', requireOperator(config))
  operator.use('*', operatorBodyLimit(config.limits))
  operator.get('/draft', (c) => c.json(deps.operator.draft()))
  operator.post('/signers', async (c) => c.json(await deps.operator.addSigner(await readJson(c)), 201))
  operator.post('/revocations', async (c) => c.json(await deps.operator.revokeSigner(await readJson(c)), 200))
  operator.put('/vaccines', async (c) => c.json(await deps.operator.setVaccines(await readJson(c)), 200))
  operator.post('/publish', async (c) => {
    const validityDays = (await readJsonObject(c, { optional: true })).validityDays
    if (validityDays !== undefined && (typeof validityDays !== 'number' || !Number.isInteger(validityDays) || validityDays < 1 || validityDays > 366)) {
      throw new EntenteError('ERR_HTTP_BAD_REQUEST', 'validityDays must be an integer 1..366')
    }
    const list = await deps.operator.publish(validityDays === undefined ? {} : { validityDays })
    return c.json(summary(list), 201)
  })
  operator.post('/trust-lists', async (c) => {
    const list = await deps.operator.acceptSigned((await readJson(c)) as Parameters<OperatorService['acceptSigned']>[0])
    return c.json(summary(list), 201)
  })
  mountOperatorRevocationRoutes(operator, deps)
  if (deps.admission !== undefined) mountAdmissionRoutes(operator, deps.admission, { maxListBytes: config.limits.maxTrustListBytes })
  mountOfflineRootRoutes(operator, deps)
  app.route('/v1/operator', operator)
  deps.mount?.(app)

  return app
}

// --- certificate revocation lists --------------------------------------------------------------------

function mountRevocationRoutes(app: Hono, deps: AppDeps): void {
  const held = (): RevocationRepository => {
    if (deps.revocations === undefined) throw new EntenteError('ERR_HTTP_NOT_FOUND', 'this node keeps no revocation lists')
    return deps.revocations
  }
  app.get('/v1/revocation-lists/:country', (c) => {
    const head = held().head(countryParam(c))
    if (head === undefined) throw new EntenteError('ERR_HTTP_NOT_FOUND', `no revocation list held for ${c.req.param('country')}`)
    return signedDocument(c, head, 'public, max-age=30')
  })
  app.get('/v1/revocation-lists/:country/:seq', (c) => {
    const country = countryParam(c)
    const seq = c.req.param('seq')
    if (!/^[1-9]\d{0,15}$/.test(seq)) throw new EntenteError('ERR_HTTP_BAD_REQUEST', 'seq must be a positive integer')
    const list = held().get(country, Number(seq))
    if (list === undefined) throw new EntenteError('ERR_HTTP_NOT_FOUND', `no revocation list ${country} seq ${seq}`)
    return signedDocument(c, list, 'public, max-age=31536000, immutable')
  })
  mountRevocationIndexRoutes(app, held)
}

function mountOperatorRevocationRoutes(operator: Hono, deps: AppDeps): void {
  mountOperatorRevocationQueueRoutes(operator, () => deps.operator)
  operator.post('/certificate-revocations', async (c) => c.json(await deps.operator.revokeCertificates(await readJson(c)), 200))
  operator.post('/certificate-revocations/publish', async (c) => {
    const validityDays = (await readJsonObject(c, { optional: true })).validityDays
    if (validityDays !== undefined && (typeof validityDays !== 'number' || !Number.isInteger(validityDays) || validityDays < 1 || validityDays > 366)) {
      throw new EntenteError('ERR_HTTP_BAD_REQUEST', 'validityDays must be an integer 1..366')
    }
    const { revocationList, revocationIndex, partitions, queued, trustList } = await deps.operator.publishRevocations(validityDays === undefined ? {} : { validityDays })
    const named = revocationIndex ?? revocationList
    // The trust list that names the new revocations went out with them: verifiers learn the pointer.
    return c.json({ ...(named === undefined ? {} : revocationSummary(named)), format: revocationIndex === undefined ? 'list' : 'index', ...(partitions === undefined ? {} : { partitions }), queued, trustList: summary(trustList) }, 201)
  })
}

// --- offline root: the unsigned next documents to carry to the offline machine, and their signed uploads ------

function mountOfflineRootRoutes(operator: Hono, deps: AppDeps): void {
  const nextList = async (c: Context, body: { validityDays?: unknown; nextRoot?: unknown; resetGovernance?: unknown }) => {
    if (body.resetGovernance !== undefined && typeof body.resetGovernance !== 'boolean') throw new EntenteError('ERR_HTTP_BAD_REQUEST', 'resetGovernance must be a boolean')
    // A private key in a request is refused outright: only the public half of the next root belongs on the node.
    const nextRoot = body.nextRoot === undefined ? undefined : await rootPublicFromJwk(body.nextRoot, 'nextRoot')
    const payload = await deps.operator.nextList({
      ...validityOf(body.validityDays),
      ...(nextRoot === undefined ? {} : { nextRoot }),
      ...(body.resetGovernance === true ? { resetGovernance: true } : {}),
    })
    return c.json(payload, 200, { 'cache-control': 'no-store' })
  }
  operator.get('/next-list', (c) => nextList(c, { validityDays: queryInt(c.req.query('validityDays')) }))
  operator.post('/next-list', async (c) => nextList(c, await readJsonObject(c, { optional: true })))
  const nextRevocationList = async (c: Context, validityDays: unknown) =>
    c.json(await deps.operator.nextRevocationList(validityOf(validityDays)), 200, { 'cache-control': 'no-store' })
  operator.get('/next-revocation-list', (c) => nextRevocationList(c, queryInt(c.req.query('validityDays'))))
  operator.post('/next-revocation-list', async (c) => nextRevocationList(c, (await readJsonObject(c, { optional: true })).validityDays))
  operator.post('/revocation-lists', async (c) => {
    const list = await deps.operator.acceptSignedRevocations((await readJson(c)) as Parameters<OperatorService['acceptSignedRevocations']>[0])
    return c.json(revocationSummary(list), 201)
  })
}

function validityOf(validityDays: unknown): { validityDays?: number } {
  if (validityDays === undefined) return {}
  if (typeof validityDays !== 'number' || !Number.isInteger(validityDays) || validityDays < 1 || validityDays > 366) {
    throw new EntenteError('ERR_HTTP_BAD_REQUEST', 'validityDays must be an integer 1..366')
  }
  return { validityDays }
}

function queryInt(raw: string | undefined): number | string | undefined {
  return raw === undefined ? undefined : /^\d{1,4}$/.test(raw) ? Number(raw) : raw
}

export function revocationSummary(list: Pick<StoredRevocationList, 'country' | 'seq' | 'hash' | 'issuedAt' | 'expiresAt' | 'rootThumbprint' | 'size'>) {
  return { country: list.country, seq: list.seq, hash: list.hash, issuedAt: list.issuedAt, expiresAt: list.expiresAt, rootThumbprint: list.rootThumbprint, size: list.size }
}

function signedDocument(c: Context, list: { hash: string; signed: unknown }, cacheControl: string): Response {
  const etag = `"${list.hash}"`
  const headers = { etag, 'cache-control': cacheControl }
  if (etagMatches(c.req.header('if-none-match'), etag)) return c.body(null, 304, headers)
  return c.body(JSON.stringify(list.signed), 200, { ...headers, 'content-type': 'application/json' })
}

export function summary(list: Pick<StoredTrustList, 'country' | 'seq' | 'hash' | 'issuedAt' | 'expiresAt' | 'rootThumbprint' | 'size' | 'receivedAt'>) {
  return {
    country: list.country,
    seq: list.seq,
    hash: list.hash,
    issuedAt: list.issuedAt,
    expiresAt: list.expiresAt,
    rootThumbprint: list.rootThumbprint,
    size: list.size,
    receivedAt: list.receivedAt,
  }
}

function countBundleRequest(metrics: NodeMetrics, method: string, response: Response, bytes: number): Response {
  metrics.httpRequests.inc({ method, route: '/v1/bundle', status: String(response.status) })
  if (bytes > 0) metrics.httpResponseBytes.inc({ route: '/v1/bundle' }, bytes)
  return response
}

/** preferredEncoding, each header value parsed once: clients send the same few over and over (bounded). */
function memoizedPreferredEncoding(): (header: string | undefined) => BundleEncoding {
  const memo = new Map<string, BundleEncoding>()
  return (header) => {
    if (header === undefined) return 'identity'
    let encoding = memo.get(header)
    if (encoding === undefined) {
      encoding = preferredEncoding(header)
      if (memo.size >= 256) memo.clear()
      memo.set(header, encoding)
    }
    return encoding
  }
}

/** 304 when If-None-Match names this encoding's ETag; else the body (a Buffer is written to the socket as is). */
function bundleAnswer(
  c: Context,
  response: BundleResponse,
  encoding: BundleEncoding,
  body: Buffer | undefined,
  count: (response: Response, bytes: number) => Response,
): Response {
  const etag = response.etags[encoding]
  const headers = { etag, 'cache-control': 'public, max-age=30', 'x-entente-token': response.token, vary: 'accept-encoding', ...PUBLIC_CORS_HEADERS }
  if (body === undefined || etagMatches(c.req.header('if-none-match'), etag)) return count(c.body(null, 304, headers), 0)
  const answer = c.body(body as Uint8Array<ArrayBuffer>, 200, {
    ...headers,
    'content-type': 'application/json',
    ...(encoding === 'identity' ? {} : { 'content-encoding': encoding }),
    'content-length': String(body.length),
  })
  return count(answer, body.length)
}

/** A history page entry: the summary plus what the list changes, read from stored columns (no JWS is parsed). */
function historyEntry(list: TrustListSummary) {
  return {
    ...summary(list),
    handover: list.handover,
    changes: list.changes,
    signers: list.signers,
    recognitions: list.recognitions,
    ...(list.revocationList === null ? {} : { revocationList: list.revocationList }),
    ...(list.governanceReset ? { governanceReset: true } : {}),
  }
}

/** A stored list as it was received: its stored JSON bytes, never parsed and serialized again. */
function signedList(c: Context, store: Pick<TrustStore, 'listJson'>, list: TrustListSummary, cacheControl: string): Response {
  const etag = `"${list.hash}"`
  const headers = { etag, 'cache-control': cacheControl }
  if (etagMatches(c.req.header('if-none-match'), etag)) return c.body(null, 304, headers)
  const bytes = store.listJson(list.id)
  if (bytes === undefined) throw new EntenteError('ERR_HTTP_NOT_FOUND', `no list ${list.country} seq ${list.seq}`)
  return c.body(bytes as Uint8Array<ArrayBuffer>, 200, { ...headers, 'content-type': 'application/json', 'content-length': String(bytes.length) })
}


/** RFC 9110 §13.1.2: If-None-Match uses weak comparison, so W/"x" matches "x". */
export function etagMatches(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false
  if (header.trim() === '*') return true
  return header.split(',').some((candidate) => candidate.trim().replace(/^W\//, '') === etag)
}

function countryParam(c: Context): string {
  const country = c.req.param('country') ?? ''
  if (!COUNTRY.test(country)) throw new EntenteError('ERR_HTTP_BAD_REQUEST', 'country must be an upper-case ISO 3166-1 alpha-2 code')
  return country
}

function intQuery(c: Context, name: string, fallback: number): number {
  const raw = c.req.query(name)
  if (raw === undefined) return fallback
  if (!/^\d{1,15}$/.test(raw)) throw new EntenteError('ERR_HTTP_BAD_REQUEST', `${name} must be a non-negative integer`)
  return Number(raw)
}

function requireOperator(config: ResolvedNodeConfig): MiddlewareHandler {
  return async (c, next) => {
    const header = c.req.header('authorization') ?? ''
    const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(header)
    const expected = config.operatorTokenSha256
    if (match?.[1] === undefined || expected === undefined || !operatorTokenMatches(match[1], expected)) {
      throw new EntenteError('ERR_HTTP_UNAUTHORIZED', 'a valid operator token is required')
    }
    await next()
  }
}

function countRequests(metrics: NodeMetrics): MiddlewareHandler {
  return async (c, next) => {
    await next()
    // The route pattern, never the concrete path: no unbounded label values, nothing a client controls.
    const route = c.req.routePath
    metrics.httpRequests.inc({ method: c.req.method, route, status: String(c.res.status) })
    const length = Number(c.res.headers.get('content-length') ?? 0)
    if (length > 0) metrics.httpResponseBytes.inc({ route }, length)
  }
}

/**
 * Every governance reset (a root rotation replacing the diplomats without their quorum: recovery, or a stolen root)
 * in the chains this node holds, found by walking each head's handover pointers (handovers are never pruned) over
 * the stored summaries. Never silent: a reset stays listed even after later lists change the diplomats again.
 */
function governanceResets(
  store: Pick<TrustStore, 'headSummaries' | 'summary'>,
): { country: string; seq: number; issuedAt: string; rootThumbprint: string }[] {
  const resets: { country: string; seq: number; issuedAt: string; rootThumbprint: string }[] = []
  for (const head of store.headSummaries()) {
    let list: TrustListSummary | undefined = head
    while (list !== undefined) {
      if (list.governanceReset) resets.push({ country: head.country, seq: list.seq, issuedAt: list.issuedAt, rootThumbprint: list.rootThumbprint })
      list = list.lastHandoverSeq === null || list.lastHandoverSeq >= list.seq ? undefined : store.summary(head.country, list.lastHandoverSeq)
    }
  }
  return resets
}
