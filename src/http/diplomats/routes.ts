// HTTP face of the diplomat workflow: operator routes (bearer token) under /v1/operator, and the diplomat pages
// and their JSON API under /diplomats (passkey session cookie, CSRF token, Origin check, strict CSP).
// Never renders inline script or style; every state-changing diplomat request carries the session's CSRF token.
import { Hono, type Context, type MiddlewareHandler } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { deleteCookie, getCookie, setCookie } from 'hono/cookie'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { operatorTokenMatches } from '../../config/secrets.js'
import { COOKIE_PATH, SESSION_COOKIE } from '../../diplomats/constants.js'
import type { DiplomatService, DiplomatSession, NewSession } from '../../diplomats/diplomat-service.js'
import { EntenteError } from '../../model/errors.js'
import { problemOf } from '../problem.js'
import { clientAddress, rateLimit, type ClientAddress } from '../rate-limit.js'
import { readJson } from '../read-json.js'
import { loadDiplomatAssets } from './assets.js'
import { errorPage, fingerprintMismatchPage, historyPage, layout, proposalsPage, registerPage, signInPage, type Standing } from './pages.js'

export interface MountDiplomatsOptions {
  /** SHA-256 of the operator token (node config); without it the operator routes refuse everyone. */
  readonly operatorTokenSha256: string | undefined
  /** Who sent a request, for the per-client limits on ceremony options (default: the socket's address). */
  readonly clientAddress?: ClientAddress
  /** EU vaccine product number → name, so the pages name products; without it (or when it fails) they show numbers. */
  readonly vaccineNames?: () => Promise<ReadonlyMap<string, string>>
}

type Env = { Variables: { session: DiplomatSession | undefined; country: string } }

const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
const CREDENTIAL_ID = /^[A-Za-z0-9_-]{1,1024}$/

export function mountDiplomats(app: Hono, service: DiplomatService, options: MountDiplomatsOptions): void {
  const limit = bodyLimit({
    maxSize: service.limits.maxBodyBytes,
    onError: () => {
      throw new EntenteError('ERR_HTTP_BODY_TOO_LARGE', `the body is over ${service.limits.maxBodyBytes} bytes`)
    },
  })

  // --- operator ------------------------------------------------------------------------------------------
  const operator = new Hono()
  operator.use('*', requireOperator(options.operatorTokenSha256))
  operator.use('*', limit)
  operator.post('/diplomat-invites', async (c) => c.json(service.createInvite(await readJson(c)), 201))
  operator.get('/diplomats', (c) => c.json(service.diplomats()))
  operator.delete('/diplomats/:credentialId', async (c) => {
    const id = c.req.param('credentialId')
    if (!CREDENTIAL_ID.test(id)) throw new EntenteError('ERR_DIPLOMAT_MALFORMED', 'credentialId must be base64url')
    const quorum = c.req.query('quorum')
    if (quorum !== undefined && !/^\d{1,3}$/.test(quorum)) throw new EntenteError('ERR_DIPLOMAT_MALFORMED', 'quorum must be an integer')
    return c.json({ ...(await service.removeDiplomat(id, quorum === undefined ? undefined : Number(quorum))), pagesUrl: pagesUrl() })
  })
  // Links carry the WebAuthn origin: a passkey works only there (localhost is not 127.0.0.1 to a browser).
  const pagesUrl = () => `${service.relyingParty().origin}/diplomats/proposals`
  operator.post('/proposals', async (c) => c.json({ ...service.propose(await readJson(c), 'operator'), pagesUrl: pagesUrl() }, 201))
  operator.get('/proposals', (c) => c.json({ proposals: service.proposals() }))
  app.route('/v1/operator', operator)

  // --- diplomat pages and API ----------------------------------------------------------------------------
  const assets = loadDiplomatAssets()
  const pages = new Hono<Env>()
  pages.use('*', securityHeaders)
  pages.use('*', limit)
  pages.use('*', sameOrigin(service))
  pages.use('*', async (c: Context<Env>, next) => {
    c.set('session', service.session(getCookie(c, SESSION_COOKIE)))
    c.set('country', service.country)
    await next()
  })

  // Exact names only (a fixed map read at mount): no request path ever reaches the file system.
  const serveAsset = (c: Context<Env>, name: string) => {
    const asset = assets.get(name)
    if (asset === undefined) throw new EntenteError('ERR_HTTP_NOT_FOUND', 'no such asset')
    return c.body(asset.body, 200, { 'content-type': asset.type, 'cache-control': 'no-cache' })
  }
  pages.get('/assets/:file', (c) => serveAsset(c, c.req.param('file')))
  pages.get('/assets/simplewebauthn/:file', (c) => serveAsset(c, `simplewebauthn/${c.req.param('file')}`))
  pages.get('/assets/simplewebauthn/:dir/:file', (c) => serveAsset(c, `simplewebauthn/${c.req.param('dir')}/${c.req.param('file')}`))

  pages.get('/', (c) => c.redirect(c.get('session') === undefined ? '/diplomats/sign-in' : '/diplomats/proposals', 303))
  pages.get('/register', (c) => render(c, 'Register your passkey', registerPage()))
  pages.get('/sign-in', (c) => render(c, 'Sign in', signInPage(c.get('session'))))
  // A page still renders when the value set cannot be read: product numbers stand in for names.
  const vaccineNames = async (): Promise<ReadonlyMap<string, string>> => (await options.vaccineNames?.().catch(() => undefined)) ?? new Map<string, string>()
  pages.get('/proposals', async (c) => {
    const session = c.get('session')
    if (session === undefined) return c.redirect('/diplomats/sign-in', 303)
    const names = { vaccines: await vaccineNames() }
    const drafted = service.drafted()
    return render(
      c,
      'Recognition proposals',
      proposalsPage({
        session,
        standing: standingOf(service, session),
        open: service.proposals({ state: 'open' }),
        foreign: service.foreignCountries(),
        recognitions: drafted.recognitions,
        quorum: drafted.quorum,
        names,
      }),
    )
  })
  pages.get('/history', (c) => {
    if (c.get('session') === undefined) return c.redirect('/diplomats/sign-in', 303)
    const drafted = service.drafted()
    return render(c, 'History', historyPage({ proposals: service.proposals(), recognitions: drafted.recognitions, withdrawals: drafted.withdrawals, published: service.published() }))
  })

  pages.post('/proposals', async (c) => {
    try {
      const session = requireSession(c)
      const form = await readForm(c)
      service.checkCsrf(session, single(form._csrf))
      // Ticked boxes arrive as repeated fields; the text field (no value set to name them) as one comma list.
      const vaccines = form.vaccines === undefined ? undefined : [form.vaccines].flat().flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '')
      service.propose(
        {
          action: single(form.action) ?? 'recognize',
          // People type country codes in any case; the code itself is checked by the proposal parser.
          country: single(form.country)?.trim().toUpperCase(),
          fingerprint: single(form.fingerprint),
          ...(form.scopes === undefined ? {} : { scopes: [form.scopes].flat() }),
          ...(vaccines === undefined || vaccines.length === 0 ? {} : { vaccines }),
        },
        { credentialId: session.credentialId },
      )
      return c.redirect('/diplomats/proposals', 303)
    } catch (error) {
      return renderError(c, error)
    }
  })

  pages.post('/sign-out', async (c) => {
    try {
      const session = requireSession(c)
      service.checkCsrf(session, single((await readForm(c))._csrf))
      service.signOut(getCookie(c, SESSION_COOKIE))
      deleteCookie(c, SESSION_COOKIE, { path: COOKIE_PATH })
      return c.redirect('/diplomats/sign-in', 303)
    } catch (error) {
      return renderError(c, error)
    }
  })

  // Ceremony options cost a signature check's worth of work and (registration, approval) a stored challenge: each
  // purpose has its own budget per client, so one client cannot starve another purpose or another client.
  const client = options.clientAddress ?? clientAddress()
  pages.post('/api/registration/options', rateLimit('registration', client))
  pages.post('/api/sign-in/options', rateLimit('sign-in', client))
  pages.post('/api/proposals/:id/approval/options', rateLimit('approval', client))
  pages.post('/api/registration/options', async (c) => c.json(await service.registrationOptions(await readJson(c)), 200, noStore))
  pages.post('/api/registration/verify', async (c) => {
    const { diplomat, session } = await service.register(await readJson(c))
    startSession(c, service, session)
    return c.json({ credentialId: diplomat.credentialId, name: diplomat.name }, 201, noStore)
  })
  pages.post('/api/sign-in/options', (c) => service.signInOptions().then((options) => c.json(options, 200, noStore)))
  pages.post('/api/sign-in/verify', async (c) => {
    const { name, session } = await service.signIn(await readJson(c))
    startSession(c, service, session)
    return c.json({ name }, 200, noStore)
  })
  pages.post('/api/proposals/:id/approval/options', async (c) => {
    const session = requireSession(c)
    service.checkCsrf(session, c.req.header('x-csrf-token'))
    return c.json(await service.approvalOptions(session, proposalId(c)), 200, noStore)
  })
  pages.post('/api/proposals/:id/approval/verify', async (c) => {
    const session = requireSession(c)
    service.checkCsrf(session, c.req.header('x-csrf-token'))
    const { proposal, enacted } = await service.approve(session, proposalId(c), await readJson(c))
    return c.json({ proposal, enacted }, 200, noStore)
  })

  app.route('/diplomats', pages)
}

const noStore = { 'cache-control': 'no-store' }

const securityHeaders: MiddlewareHandler = async (c, next) => {
  await next()
  c.res.headers.set('content-security-policy', CSP)
  c.res.headers.set('x-content-type-options', 'nosniff')
  // No referrer leaves the site. Not no-referrer: with it browsers send `Origin: null` on same-origin form posts,
  // which the Origin check must refuse. (The invite secret is in the fragment, never in a referrer anyway.)
  c.res.headers.set('referrer-policy', 'same-origin')
  c.res.headers.set('x-frame-options', 'DENY')
  c.res.headers.set('cross-origin-opener-policy', 'same-origin')
  if (!c.res.headers.has('cache-control')) c.res.headers.set('cache-control', 'no-store')
}

/**
 * CSRF, first line: a state-changing request that names an origin must name ours. Browsers send Origin on every
 * POST; SameSite=Strict keeps the cookie off cross-site requests; the per-session token is the second line.
 */
function sameOrigin(service: DiplomatService): MiddlewareHandler {
  return async (c, next) => {
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') {
      const origin = c.req.header('origin')
      const site = c.req.header('sec-fetch-site')
      if ((origin !== undefined && origin !== service.relyingParty().origin) || (site !== undefined && site !== 'same-origin' && site !== 'none')) {
        throw new EntenteError('ERR_DIPLOMAT_CSRF', 'cross-site request refused')
      }
    }
    await next()
  }
}

function requireOperator(expectedSha256: string | undefined): MiddlewareHandler {
  return async (c, next) => {
    const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(c.req.header('authorization') ?? '')
    if (match?.[1] === undefined || expectedSha256 === undefined || !operatorTokenMatches(match[1], expectedSha256)) {
      throw new EntenteError('ERR_HTTP_UNAUTHORIZED', 'a valid operator token is required')
    }
    await next()
  }
}

function requireSession(c: Context<Env>): DiplomatSession {
  const session = c.get('session')
  if (session === undefined) throw new EntenteError('ERR_DIPLOMAT_SESSION', 'sign in with your passkey first')
  return session
}

function startSession(c: Context<Env>, service: DiplomatService, session: NewSession): void {
  setCookie(c, SESSION_COOKIE, session.secret, {
    httpOnly: true,
    sameSite: 'Strict',
    path: COOKIE_PATH,
    maxAge: session.maxAgeSeconds,
    expires: session.expiresAt,
    // Secure wherever the origin is https; http://localhost is a secure context without it.
    secure: service.relyingParty().origin.startsWith('https:'),
  })
}

function proposalId(c: Context): number {
  const id = c.req.param('id') ?? ''
  if (!/^[1-9]\d{0,12}$/.test(id)) throw new EntenteError('ERR_DIPLOMAT_PROPOSAL_NOT_FOUND', `no proposal ${id}`)
  return Number(id)
}

async function readForm(c: Context): Promise<Record<string, string | string[] | undefined>> {
  const type = c.req.header('content-type') ?? ''
  if (!/^application\/x-www-form-urlencoded\s*(;|$)/i.test(type)) throw new EntenteError('ERR_HTTP_UNSUPPORTED_MEDIA_TYPE', 'send the form as application/x-www-form-urlencoded')
  const params = new URLSearchParams(await c.req.text())
  const form: Record<string, string | string[] | undefined> = Object.create(null) as Record<string, string | string[] | undefined>
  for (const key of new Set(params.keys())) {
    const values = params.getAll(key)
    form[key] = values.length === 1 ? values[0] : values
  }
  return form
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? undefined : value
}

function render(c: Context<Env>, title: string, body: ReturnType<typeof registerPage>, status: ContentfulStatusCode = 200) {
  return c.html(layout({ country: c.get('country'), session: c.get('session'), title }, body), status)
}

/** Form posts answer in HTML, so a person sees what went wrong; the status is the problem table's. */
function renderError(c: Context<Env>, error: unknown) {
  const problem = problemOf(error)
  const mismatch = fingerprintMismatch(error)
  if (mismatch !== undefined) return render(c, 'Fingerprint mismatch', fingerprintMismatchPage(mismatch), problem.status as ContentfulStatusCode)
  return render(c, problem.title, errorPage(problem.detail, c.get('session') !== undefined), problem.status as ContentfulStatusCode)
}

function fingerprintMismatch(error: unknown): { country: string; entered: string; held: string } | undefined {
  if (!(error instanceof EntenteError) || error.code !== 'ERR_DIPLOMAT_FINGERPRINT_MISMATCH') return undefined
  const { country, entered, held } = error.details ?? {}
  return typeof country === 'string' && typeof entered === 'string' && typeof held === 'string' ? { country, entered, held } : undefined
}

/** In force = named by the published list; otherwise waiting for the governance change that adds them, or for a publish. */
function standingOf(service: DiplomatService, session: DiplomatSession): Standing {
  const { inForce, diplomats, pendingGovernance } = service.diplomats()
  if (inForce?.diplomats.some((d) => d.credentialId === session.credentialId) === true) return { kind: 'in-force' }
  if (pendingGovernance?.governance?.added.some((d) => d.credentialId === session.credentialId) === true) return { kind: 'awaiting-approval', proposal: pendingGovernance }
  if (diplomats.some((d) => d.credentialId === session.credentialId)) return { kind: 'awaiting-publish' }
  return { kind: 'awaiting-approval', proposal: undefined }
}
