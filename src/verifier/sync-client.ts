// `entente sync`: fetches bundles from nodes or plain file mirrors, merges what verifies from the pinned home root,
// and writes the verified bundle atomically. The only networked part of the verifier; verification itself
// (verify-bundle.ts, create-verifier.ts) never touches the network. No source is trusted: every list carries its own
// signatures, and a source that serves stale or invalid lists is reported, never believed.
import { randomBytes } from 'node:crypto'
import { mkdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { EntenteError, isEntenteError } from '../model/errors.js'
import { schemaValidators } from '../model/schemas.js'
import type { Bundle, SignedTrustList, VerifiedBundle } from '../model/schema.types.js'
import { decodeRevocationList } from '../revocation/decode-revocation-list.js'
import { decodeTrustList } from '../trust-list/decode-trust-list.js'
import type { RootAnchor } from '../trust-list/trust-list.types.js'
import { DEFAULT_MAX_BUNDLE_BYTES, DEFAULT_SYNC_TIMEOUT_MS, MAX_ALARMS, MAX_HOME_CHAIN_LISTS, MAX_SOURCES, MAX_VERIFIED_BUNDLE_BYTES } from './constants.js'
import { describeRevocationGap, revocationGap, revocationGaps, type RevocationGap, type RevocationPosition } from './revocation-completeness.js'
import { emptyVerifiedBundle, mergeBundle, type MergeReport } from './verify-bundle.js'

export interface SyncOptions {
  /** Node base URLs (http/https) or mirror files (a path or file:// URL), tried in order. */
  readonly sources: readonly string[]
  readonly home: string
  /** The pinned home root (thumbprint or key); required on the first sync, ignored afterwards (the held chain pins). */
  readonly anchor?: RootAnchor
  /** The verified-bundle file: read (if it exists) and written atomically. */
  readonly out: string
  readonly now: () => Date
  /** Injected for tests; default globalThis.fetch. */
  readonly fetch?: typeof fetch
  /** Default 64 MiB per fetched bundle. */
  readonly maxBundleBytes?: number
  /** Default 30 s per request. */
  readonly timeoutMs?: number
  /** One line per step, for a terminal. */
  readonly progress?: (line: string) => void
}

/**
 * fresh: everything it served verified and nothing was older than the best known list;
 * stale: it served validly signed lists older than ones already accepted (from it before, or from another source);
 * invalid: it served lists that do not verify (tampered, wrong root, broken chain...);
 * not-modified: 304 on If-None-Match; failed: unreachable, not a bundle, over the size cap.
 */
export type SourceStatus = 'fresh' | 'stale' | 'invalid' | 'not-modified' | 'failed'

export interface SourceReport {
  readonly source: string
  readonly status: SourceStatus
  /** Whether the source sent the whole bundle (false: a delta since our token). */
  readonly full?: boolean
  /** Bytes of bundle JSON received (after any content decoding). */
  readonly bytes: number
  /** Bytes on the wire when the server declared them (Content-Length, e.g. gzip-compressed). */
  readonly wireBytes?: number
  readonly error?: { code: string; message: string }
  readonly merge?: MergeReport
  /** Lists this source served that are older than the verifier's best: country → [served seq, best seq]. */
  readonly behind?: Record<string, [number, number]>
  /** Revocation lists a trusted country's trust list names that this source omitted or served frozen (older). */
  readonly revocationsOmitted?: RevocationGap[]
}

export interface SyncResult {
  readonly state: VerifiedBundle
  readonly sources: SourceReport[]
  /** Whether the bundle file was written. */
  readonly written: boolean
  /** Trusted countries whose named revocation list no source gave: their certificates are refused until a later sync. */
  readonly missingRevocations: RevocationGap[]
}

export async function syncBundle(options: SyncOptions): Promise<SyncResult> {
  const doFetch = options.fetch ?? globalThis.fetch
  const timeoutMs = options.timeoutMs ?? DEFAULT_SYNC_TIMEOUT_MS
  const maxBytes = options.maxBundleBytes ?? DEFAULT_MAX_BUNDLE_BYTES
  if (options.sources.length === 0 || options.sources.length > MAX_SOURCES) throw new EntenteError('ERR_USAGE', `give 1..${MAX_SOURCES} sources`)
  let state = await readState(options.out)
  if (state !== undefined && state.home !== options.home) {
    throw new EntenteError('ERR_BUNDLE_HOME_MISMATCH', `${options.out} holds a bundle for home ${state.home}, not ${options.home}`)
  }
  if (state === undefined) {
    if (options.anchor === undefined) throw new EntenteError('ERR_USAGE', 'the first sync needs the pinned home root (--root)')
    state = emptyVerifiedBundle(options.home, 'thumbprint' in options.anchor ? options.anchor.thumbprint : '', options.now())
  }
  const started = state
  const served = new Map<string, SignedTrustList[]>()
  const reports: SourceReport[] = []
  for (const source of options.sources) {
    const bookkeeping = state.sources[source] ?? {}
    try {
      const fetched = await fetchBundle(source, bookkeeping, { doFetch, maxBytes, timeoutMs })
      if (fetched === 'not-modified') {
        reports.push({ source, status: 'not-modified', bytes: 0 })
        state = withSource(state, source, { ...bookkeeping, lastSync: iso(options.now()) })
        options.progress?.(`${source}: not modified`)
        continue
      }
      let { bundle } = fetched
      const current = state
      let merged: Awaited<ReturnType<typeof mergeFrom>> | undefined
      try {
        merged = await mergeFrom(current, bundle, options)
      } catch (error) {
        // First sync, and no home list in the bundle verifies from the pin: maybe the root rotated since.
        if (!isEntenteError(error, 'ERR_TRUST_LIST_WRONG_ROOT') || !isHttp(source)) throw error
      }
      // Handovers (root rotations, governance changes, withdrawals) may not be skipped: on the first sync the home
      // chain is walked back from the pinned root's first list, later from the held list, through the node's history.
      const firstSync = current.lists.length === 0
      if (isHttp(source) && (merged === undefined || firstSync || needsHandovers(merged, options.home))) {
        const chain = await fetchHandovers(source, options.home, bundle, current, { doFetch, maxBytes, timeoutMs })
        if (chain.length > 0) options.progress?.(`${source}: walked ${chain.length} ${options.home} handover list(s) (${chain.map((l) => decodeTrustList(l, Number.MAX_SAFE_INTEGER).payload.seq).join(', ')})`)
        merged = await mergeFrom(current, bundle, options, chain)
      }
      if (merged === undefined) throw new EntenteError('ERR_TRUST_LIST_WRONG_ROOT', `no ${options.home} list from ${source} verifies from the pinned root`)
      for (const reset of merged.report.governanceResets) {
        options.progress?.(
          `WARNING: ${options.home} list ${reset.seq} (${reset.issuedAt}) replaced its diplomats without their quorum in a root rotation; recognitions approved by the new diplomats rest on that recovery`,
        )
      }
      let bytes = fetched.bytes
      let wireBytes = fetched.wireBytes
      // A new home list may recognize countries whose unchanged lists a delta does not carry, and a named revocation
      // list may be one the delta left out: fetch the whole bundle.
      const homeMoved = merged.state.seqs[options.home] !== current.seqs[options.home]
      if (!bundle.full && (homeMoved || merged.report.missingRevocations.length > 0) && isHttp(source)) {
        const whole = await fetchBundle(source, {}, { doFetch, maxBytes, timeoutMs })
        if (whole !== 'not-modified') {
          bundle = whole.bundle
          bytes += whole.bytes
          wireBytes = wireBytes === undefined || whole.wireBytes === undefined ? undefined : wireBytes + whole.wireBytes
          merged = await mergeFrom(merged.state, whole.bundle, options)
          fetched.etag = whole.etag
        }
      }
      served.set(source, [...bundle.lists])
      state = withSource(merged.state, source, {
        ...(isHttp(source) ? { token: bundle.token } : {}),
        ...(fetched.etag === undefined ? {} : { etag: fetched.etag }),
        lastSync: iso(options.now()),
        ...(merged.report.rejected.length === 0 ? {} : { lastError: summarize(merged.report) }),
      })
      // A whole bundle must carry every revocation list the trust lists name; a delta only what the state still lacks.
      const omitted = bundle.full ? omittedRevocations(merged.state, bundle) : merged.report.missingRevocations
      const status: SourceStatus = merged.report.rejected.length > 0 ? 'invalid' : merged.report.stale.length > 0 || omitted.length > 0 ? 'stale' : 'fresh'
      reports.push({
        source,
        status,
        full: bundle.full,
        bytes,
        ...(wireBytes === undefined ? {} : { wireBytes }),
        merge: merged.report,
        ...(omitted.length === 0 ? {} : { revocationsOmitted: omitted }),
      })
      const r = merged.report
      options.progress?.(
        `${source}: ${bundle.full ? 'full' : 'delta'} ${bytes} bytes${wireBytes === undefined || wireBytes === bytes ? '' : ` (${wireBytes} on the wire)`}, ` +
          `${bundle.lists.length} list(s): ${r.accepted.length} accepted, ${r.stale.length} stale, ${r.rejected.length} rejected; ` +
          `${r.revocations.length} revocation list(s), ${r.alarms.filter((a) => a.isNew).length} new alarm(s)`,
      )
      for (const rejected of r.rejected) options.progress?.(`${source}: rejected ${rejected.country}: ${rejected.code} ${rejected.message}`)
      for (const gap of omitted) {
        const served = gap.holds === undefined ? 'omitted it' : gap.kind === 'older' ? `served only seq ${gap.holds.seq} (frozen)` : `served another seq ${gap.needs.seq}`
        options.progress?.(`${source}: WARNING: ${gap.country} names its revocation list seq ${gap.needs.seq}; this source ${served}`)
      }
    } catch (error) {
      if (!isEntenteError(error)) throw error
      // A bad source is reported, never trusted; the other sources still count.
      reports.push({ source, status: 'failed', bytes: 0, error: { code: error.code, message: error.message } })
      state = withSource(state, source, { ...bookkeeping, lastError: `${error.code}: ${error.message}`.slice(0, 500) })
      options.progress?.(`${source}: ${error.code} ${error.message}`)
    }
  }
  // Freshness across sources: a source that served a country's list older than the best one known is behind.
  const finalReports = reports.map((report) => {
    const behind: Record<string, [number, number]> = {}
    for (const signed of served.get(report.source) ?? []) {
      let payload: { country: string; seq: number }
      try {
        payload = decodeTrustList(signed, Number.MAX_SAFE_INTEGER).payload
      } catch {
        continue // already reported as rejected by the merge
      }
      const best = state.seqs[payload.country]
      if (best !== undefined && payload.seq < best) behind[payload.country] = [payload.seq, best]
    }
    if (Object.keys(behind).length === 0) return report
    return { ...report, behind, status: report.status === 'invalid' ? report.status : ('stale' as const) }
  })
  for (const report of finalReports) {
    if (report.behind !== undefined) {
      options.progress?.(`${report.source}: STALE, behind on ${Object.entries(report.behind).map(([c, [s, b]]) => `${c} (seq ${s} < ${b})`).join(', ')}`)
    }
  }
  if (state.lists.length === 0) {
    throw new EntenteError('ERR_SYNC_NO_VALID_SOURCE', `no source gave a ${options.home} list that verifies from the pinned root`, { details: { sources: finalReports } })
  }
  const missingRevocations = stateRevocationGaps(state)
  for (const gap of missingRevocations) options.progress?.(`WARNING: ${describeRevocationGap(gap)}`)
  const finalState = { ...state, sources: Object.fromEntries(Object.entries(state.sources).map(([source, b]) => [source, stampStale(b, finalReports.find((r) => r.source === source))])) }
  await writeAtomically(options.out, `${JSON.stringify(finalState)}\n`)
  options.progress?.(
    `${options.out}: home ${options.home} seq ${finalState.seqs[options.home] ?? '?'}, ${finalState.lists.length} trusted countr${finalState.lists.length === 1 ? 'y' : 'ies'}, ` +
      `${finalState.unrecognized.length} unrecognized, ${(finalState.revocations ?? []).length} revocation list(s), ${finalState.alarms.length} alarm(s)` +
      (started.lists.length === 0 ? ' (first sync)' : ''),
  )
  return { state: finalState, sources: finalReports, written: true, missingRevocations }
}

/** Named revocation lists a whole bundle did not carry (or carried only older or other ones), judged by the merged state's trust lists. */
function omittedRevocations(state: VerifiedBundle, bundle: Bundle): RevocationGap[] {
  const served = new Map<string, RevocationPosition[]>()
  for (const signed of bundle.revocations ?? []) {
    try {
      const { payload, hash } = decodeRevocationList(signed, Number.MAX_SAFE_INTEGER)
      served.set(payload.country, [...(served.get(payload.country) ?? []), { seq: payload.seq, hash }])
    } catch {
      continue // already reported as rejected by the merge
    }
  }
  const gaps: RevocationGap[] = []
  for (const [country, needs] of namedRevocations(state)) {
    // The best the source offered: the named one if it is there, else its newest.
    const offered = (served.get(country) ?? []).sort((a, b) => b.seq - a.seq)
    const best = offered.find((p) => needs !== undefined && p.seq === needs.seq && p.hash === needs.hash) ?? offered[0]
    const gap = revocationGap(country, needs, best)
    if (gap !== undefined) gaps.push(gap)
  }
  return gaps
}

/** What the written state still lacks, so `entente sync` can say which countries' certificates will be refused. */
function stateRevocationGaps(state: VerifiedBundle): RevocationGap[] {
  const held = new Map<string, RevocationPosition>()
  for (const signed of state.revocations ?? []) {
    const { payload, hash } = decodeRevocationList(signed, Number.MAX_SAFE_INTEGER)
    held.set(payload.country, { seq: payload.seq, hash })
  }
  return revocationGaps(namedRevocations(state), held)
}

function namedRevocations(state: VerifiedBundle): [string, RevocationPosition | undefined][] {
  return state.lists.map((signed) => {
    const { payload } = decodeTrustList(signed, Number.MAX_SAFE_INTEGER)
    return [payload.country, payload.revocationList]
  })
}

function stampStale(bookkeeping: VerifiedBundle['sources'][string], report: SourceReport | undefined): VerifiedBundle['sources'][string] {
  if (report?.behind === undefined) return bookkeeping
  const text = `stale: ${Object.entries(report.behind).map(([c, [s, b]]) => `${c} seq ${s} < ${b}`).join(', ')}`
  return { ...bookkeeping, lastError: text.slice(0, 500) }
}

function mergeFrom(state: VerifiedBundle, bundle: Bundle, options: SyncOptions, homeChain?: SignedTrustList[]) {
  return mergeBundle(state, bundle, {
    now: options.now(),
    home: options.home,
    ...(options.anchor === undefined ? {} : { anchor: options.anchor }),
    ...(homeChain === undefined ? {} : { homeChain }),
  })
}

function needsHandovers(merged: { report: MergeReport }, home: string): boolean {
  // A home list that follows a handover the verifier has not walked, or a rotation it has not seen.
  return merged.report.rejected.some(
    (r) => r.country === home && (r.code === 'ERR_TRUST_LIST_HANDOVER_MISSING' || r.code === 'ERR_TRUST_LIST_WRONG_ROOT' || r.code === 'ERR_TRUST_LIST_ROTATION'),
  )
}

function withSource(state: VerifiedBundle, source: string, bookkeeping: VerifiedBundle['sources'][string]): VerifiedBundle {
  return { ...state, sources: { ...state.sources, [source]: bookkeeping } }
}

function summarize(report: MergeReport): string {
  return report.rejected.map((r) => `${r.country} ${r.code}`).join(', ').slice(0, 500)
}

/** Reads a verified-bundle file (size-capped, schema-checked); undefined when there is none yet. */
export async function readState(file: string): Promise<VerifiedBundle | undefined> {
  let size: number
  try {
    size = (await stat(file)).size
  } catch {
    return undefined
  }
  if (size > MAX_VERIFIED_BUNDLE_BYTES) throw new EntenteError('ERR_INPUT_TOO_LARGE', `${file} is over ${MAX_VERIFIED_BUNDLE_BYTES} bytes`)
  try {
    return schemaValidators().check('verified-bundle.v1', JSON.parse(await readFile(file, 'utf8')), 'ERR_BUNDLE_INVALID')
  } catch (cause) {
    throw new EntenteError('ERR_BUNDLE_INVALID', `${file} is not a verified bundle`, { cause })
  }
}

interface Fetched {
  bundle: Bundle
  bytes: number
  wireBytes?: number
  etag?: string
}

async function fetchBundle(
  source: string,
  bookkeeping: { token?: string; etag?: string },
  options: { doFetch: typeof fetch; maxBytes: number; timeoutMs: number },
): Promise<'not-modified' | Fetched> {
  let text: string
  let etag: string | undefined
  let wireBytes: number | undefined
  if (isHttp(source)) {
    const url = new URL('v1/bundle', withSlash(source))
    if (bookkeeping.token !== undefined) url.searchParams.set('since', bookkeeping.token)
    const headers: Record<string, string> = { accept: 'application/json', 'accept-encoding': 'gzip' }
    if (bookkeeping.etag !== undefined) headers['if-none-match'] = bookkeeping.etag
    const response = await request(options.doFetch, url, headers, options.timeoutMs)
    if (response.status === 304) return 'not-modified'
    if (!response.ok) throw new EntenteError('ERR_HTTP_UNAVAILABLE', `${url.href} answered ${response.status}`)
    const declared = response.headers.get('content-length')
    wireBytes = declared === null ? undefined : Number(declared)
    text = await readCapped(response, options.maxBytes)
    etag = response.headers.get('etag') ?? undefined
  } else {
    // A plain file mirror (a path or file:// URL): always a whole bundle, verified like any other source.
    const file = source.startsWith('file:') ? fileURLToPath(source) : source
    const size = await stat(file).then(
      (s) => s.size,
      (cause: unknown) => {
        throw new EntenteError('ERR_CONFIG_NOT_FOUND', `cannot read mirror ${file}`, { cause })
      },
    )
    if (size > options.maxBytes) throw new EntenteError('ERR_INPUT_TOO_LARGE', `${file} is over ${options.maxBytes} bytes`)
    text = await readFile(file, 'utf8')
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (cause) {
    throw new EntenteError('ERR_HTTP_MALFORMED_JSON', `${source} did not send JSON`, { cause })
  }
  // Alarms are what the network fills: a source (an older node) serving more than bundle.v1 allows loses the excess
  // (the merge ignores what it cannot use anyway) instead of the whole bundle being refused.
  if (typeof parsed === 'object' && parsed !== null && Array.isArray((parsed as { alarms?: unknown }).alarms)) {
    const alarms = (parsed as { alarms: unknown[] }).alarms
    if (alarms.length > MAX_ALARMS) (parsed as { alarms: unknown[] }).alarms = alarms.slice(0, MAX_ALARMS)
  }
  const bundle = schemaValidators().check('bundle.v1', parsed, 'ERR_BUNDLE_INVALID')
  return { bundle, bytes: Buffer.byteLength(text), ...(wireBytes === undefined ? {} : { wireBytes }), ...(etag === undefined ? {} : { etag }) }
}

/**
 * The home handover lists a verifier must walk before the newest home list of `bundle`, oldest first: those after
 * its held home list, or on the first sync every one back to the first list. Followed by
 * `lastHandover` pointers and fetched one by one; each must be the list the pointer names (seq and hash).
 */
async function fetchHandovers(
  source: string,
  home: string,
  bundle: Bundle,
  state: VerifiedBundle,
  options: { doFetch: typeof fetch; maxBytes: number; timeoutMs: number },
): Promise<SignedTrustList[]> {
  const newest = bundle.lists
    .map((signed) => {
      try {
        return decodeTrustList(signed, options.maxBytes).payload
      } catch {
        return undefined // reported by the merge
      }
    })
    .filter((p) => p !== undefined && p.country === home)
    .sort((a, b) => (b?.seq ?? 0) - (a?.seq ?? 0))[0]
  if (newest === undefined) return []
  const heldSeq = state.seqs[home] ?? 0
  const walked: { signed: SignedTrustList }[] = []
  let next = newest.lastHandover
  while (next !== null && next.seq > heldSeq) {
    if (walked.length >= MAX_HOME_CHAIN_LISTS) throw new EntenteError('ERR_INPUT_TOO_LARGE', `more than ${MAX_HOME_CHAIN_LISTS} ${home} handovers`)
    const url = new URL(`v1/trust-lists/${home}/${next.seq}`, withSlash(source))
    const response = await request(options.doFetch, url, { accept: 'application/json' }, options.timeoutMs)
    if (!response.ok) throw new EntenteError('ERR_HTTP_UNAVAILABLE', `${url.href} answered ${response.status}: the source cannot show the ${home} handover at seq ${next.seq}`)
    const signed = schemaValidators().check('signed-trust-list.v1', parseJson(await readCapped(response, options.maxBytes), url), 'ERR_TRUST_LIST_MALFORMED')
    const { payload, hash } = decodeTrustList(signed, options.maxBytes)
    // Signatures are mergeBundle's to check; the pointer's hash already pins which list this must be.
    if (payload.country !== home || payload.seq !== next.seq || hash !== next.hash) {
      throw new EntenteError('ERR_TRUST_LIST_CHAIN', `${url.href} is not the ${home} handover the chain names (seq ${next.seq}, hash ${next.hash})`)
    }
    walked.push({ signed })
    next = payload.lastHandover
  }
  // Oldest first; on the first sync back to the first list, so every governance decision since is judged.
  return walked.reverse().map((w) => w.signed)
}

async function request(doFetch: typeof fetch, url: URL, headers: Record<string, string>, timeoutMs: number): Promise<Response> {
  try {
    return await doFetch(url, { headers, signal: AbortSignal.timeout(timeoutMs), redirect: 'error' })
  } catch (cause) {
    throw new EntenteError('ERR_HTTP_UNAVAILABLE', `cannot reach ${url.origin}`, { cause })
  }
}

async function readCapped(response: Response, maxBytes: number): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? 0)
  if (declared > maxBytes) throw new EntenteError('ERR_INPUT_TOO_LARGE', `the response is over ${maxBytes} bytes`)
  if (response.body === null) return ''
  const chunks: Uint8Array[] = []
  let size = 0
  // Counted after content decoding: a small gzip body cannot expand past the cap.
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength
    if (size > maxBytes) throw new EntenteError('ERR_INPUT_TOO_LARGE', `the response is over ${maxBytes} bytes`)
    chunks.push(chunk)
  }
  return Buffer.concat(chunks).toString('utf8')
}

function parseJson(text: string, url: URL): unknown {
  try {
    return JSON.parse(text)
  } catch (cause) {
    throw new EntenteError('ERR_HTTP_MALFORMED_JSON', `${url.href} did not send JSON`, { cause })
  }
}

async function writeAtomically(file: string, content: string): Promise<void> {
  // Temp file + rename: a crash leaves the old bundle or the new one, never half of one.
  const dir = path.dirname(path.resolve(file))
  const temp = path.join(dir, `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`)
  try {
    await mkdir(dir, { recursive: true })
    await writeFile(temp, content, { flag: 'wx', mode: 0o644 })
    await rename(temp, file)
  } catch (cause) {
    await unlink(temp).catch(() => undefined)
    throw new EntenteError('ERR_CONFIG_NOT_FOUND', `cannot write ${file}`, { cause })
  }
}

function isHttp(source: string): boolean {
  return source.startsWith('http://') || source.startsWith('https://')
}

/** A base URL with a trailing slash, so a node under a path prefix keeps it. */
function withSlash(source: string): string {
  return source.endsWith('/') ? source : `${source}/`
}

function iso(date: Date): string {
  return new Date(Math.floor(date.getTime() / 1000) * 1000).toISOString().replace('.000Z', 'Z')
}
