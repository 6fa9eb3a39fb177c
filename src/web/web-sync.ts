// The web verifier's sync: GET {source}/v1/bundle, merged by the same verified merge the CLI uses (mergeBundle),
// pinned to the home root the user confirmed; the home handovers walked as sync-client.ts walks them; revocation
// partitions fetched by hash and kept apart. The source is never trusted: every list carries its own signatures.
// Network only through the injected fetch; storage only through VerifierStorage.
import { EntenteError, isEntenteError } from '../model/errors.js'
import type { Bundle, SignedRevocationPartition, SignedTrustList, VerifiedBundle } from '../model/schema.types.js'
import { schemaValidators } from '../model/schemas.js'
import { sha256Hex } from '../model/encoding.js'
import { decodeRevocationIndex } from '../revocation/decode-revocation-partitions.js'
import { payloadTextOf } from '../trust-list/decode-signed-document.js'
import { decodeTrustList } from '../trust-list/decode-trust-list.js'
import { emptyVerifiedBundle, mergeBundle, revocationDocumentsOf, type BundleInput, type MergeReport } from '../verifier/verify-bundle.js'
import type { VerifierStorage, WebSettings } from './storage.js'

export interface WebSyncOptions {
  readonly storage: VerifierStorage
  readonly settings: WebSettings
  readonly now: () => Date
  readonly fetch?: typeof fetch
  /** Default 30 s per request. */
  readonly timeoutMs?: number
  /** Cap on one response body; default 64 MiB. */
  readonly maxBytes?: number
}

export interface WebSyncResult {
  readonly status: 'updated' | 'not-modified'
  readonly report?: MergeReport
  readonly requests: number
}

const MAX_HANDOVERS = 64
const MAX_PARTITION_FETCHES = 4096
const UNBOUNDED = Number.MAX_SAFE_INTEGER

/**
 * Which country's root the user typed: the list in `bundle` whose root (or the root it rotated from) has that
 * thumbprint. Undefined when no list does: the fingerprint is wrong, or this source is not of that federation.
 */
export function homeOfRoot(bundle: Pick<Bundle, 'lists'>, thumbprint: string): string | undefined {
  for (const signed of bundle.lists) {
    try {
      const { payload } = decodeTrustList(signed, UNBOUNDED)
      if (payload.root.thumbprint === thumbprint || payload.previousRoot?.thumbprint === thumbprint) return payload.country
    } catch {
      // A malformed list names no root; the merge reports it if it matters.
    }
  }
  return undefined
}

/** Fetches the bundle of `source` once, to learn which home the typed root belongs to (setup only). */
export async function detectHome(source: string, thumbprint: string, options: Pick<WebSyncOptions, 'fetch' | 'timeoutMs' | 'maxBytes'> = {}): Promise<string> {
  const { bundle } = await fetchBundle(source, options)
  const home = homeOfRoot(bundle, thumbprint)
  if (home === undefined) {
    throw new EntenteError('ERR_TRUST_LIST_WRONG_ROOT', 'no trust list from this source has the root fingerprint you entered: check it with your home authority, digit by digit')
  }
  return home
}

export async function syncWeb(options: WebSyncOptions): Promise<WebSyncResult> {
  const { storage, settings } = options
  const source = settings.source
  const held = await storage.readState()
  if (held !== undefined && (held.state.home !== settings.home || held.state.pinnedRoot !== settings.pinnedRoot)) {
    throw new EntenteError('ERR_BUNDLE_HOME_MISMATCH', `this device holds trust data for home ${held.state.home} under another root; reset before pinning another`)
  }
  const fetched = await fetchBundle(source, options)
  let requests = 1
  const lastSync = iso(options.now())
  // The browser revalidates with its cached ETag; the same ETag from the same source means nothing new to merge.
  if (held !== undefined && fetched.etag !== undefined && fetched.etag === held.etag && held.source === source) {
    await storage.writeState({ ...held, lastSync })
    return { status: 'not-modified', requests }
  }
  const state: VerifiedBundle = held?.state ?? emptyVerifiedBundle(settings.home, settings.pinnedRoot, options.now())
  const firstSync = state.lists.length === 0
  const heldPartitions = await storage.partitionHashes()
  const merge = (from: VerifiedBundle, input: BundleInput, homeChain?: SignedTrustList[]) =>
    mergeBundle(from, input, {
      now: options.now(),
      home: settings.home,
      heldPartitions,
      anchor: { thumbprint: settings.pinnedRoot },
      ...(homeChain === undefined ? {} : { homeChain }),
    })
  let merged: Awaited<ReturnType<typeof merge>> | undefined
  try {
    merged = await merge(state, fetched.bundle)
  } catch (error) {
    if (!isEntenteError(error, 'ERR_TRUST_LIST_WRONG_ROOT')) throw error
  }
  // Handovers (root rotations, governance changes) may not be skipped: walked back through the source's history.
  if (merged === undefined || firstSync || needsHandovers(merged.report, settings.home)) {
    const chain = await fetchHandovers(source, settings.home, fetched.bundle, state, options)
    requests += chain.length
    merged = await merge(state, fetched.bundle, chain)
  }
  if (merged.state.lists.length === 0) {
    const why = merged.report.rejected.find((r) => r.country === settings.home)
    throw new EntenteError('ERR_TRUST_LIST_WRONG_ROOT', `no ${settings.home} trust list from this source verifies from the root fingerprint you entered${why === undefined ? '' : ` (${why.code})`}`)
  }
  // Partitioned revocations: only partitions this device lacks, each by its content hash.
  if (merged.report.missingPartitions.length > 0) {
    const parts = await fetchPartitions(source, merged.report.missingPartitions, options)
    requests += parts.requests
    if (parts.partitions.length > 0) merged = await merge(merged.state, { lists: [], alarms: [], revocationPartitions: parts.partitions })
  }
  // Partitions leave the state for their own records; the state keeps only the index that names them.
  const { revocationPartitions: newPartitions = [], ...rest } = revocationDocumentsOf(merged.state) as VerifiedBundle & { revocationPartitions?: SignedRevocationPartition[] }
  const added = new Map(newPartitions.map((signed) => [sha256Hex(payloadTextOf(signed)), signed] as const))
  const named = namedPartitionHashes(rest)
  // New partitions first, then the state that names them, then the removal of those nothing names any more: a
  // page closed in between leaves a state whose partitions are all held.
  await storage.replacePartitions(added, new Set([...heldPartitions, ...named]))
  await storage.writeState({ state: rest, ...(fetched.etag === undefined ? {} : { etag: fetched.etag }), source, lastSync })
  await storage.replacePartitions(new Map(), named)
  return { status: 'updated', report: merged.report, requests }
}

/** The partition hashes the state's verified revocation indexes name. */
export function namedPartitionHashes(state: VerifiedBundle): Set<string> {
  const hashes = new Set<string>()
  for (const signed of revocationDocumentsOf(state).revocationIndexes ?? []) {
    for (const ref of decodeRevocationIndex(signed, UNBOUNDED).payload.partitions) hashes.add(ref.hash)
  }
  return hashes
}

function needsHandovers(report: MergeReport, home: string): boolean {
  return report.rejected.some((r) => r.country === home && (r.code === 'ERR_TRUST_LIST_HANDOVER_MISSING' || r.code === 'ERR_TRUST_LIST_WRONG_ROOT' || r.code === 'ERR_TRUST_LIST_ROTATION'))
}

async function fetchBundle(source: string, options: Pick<WebSyncOptions, 'fetch' | 'timeoutMs' | 'maxBytes'>): Promise<{ bundle: Bundle; etag?: string }> {
  const url = endpoint(source, 'v1/bundle')
  // 'no-cache': the browser asks with its cached ETag (If-None-Match) and hands back its copy on a 304, without the
  // CORS preflight an explicit If-None-Match header would cost a mirror on another origin.
  const response = await request(url, options, 'no-cache')
  const bundle = schemaValidators().check('bundle.v1', parseJson(await readCapped(response, url, options), url), 'ERR_BUNDLE_INVALID')
  const etag = response.headers.get('etag') ?? undefined
  return { bundle, ...(etag === undefined ? {} : { etag }) }
}

/** The home handover lists before the newest home list of `bundle`, oldest first (as sync-client.ts walks them). */
async function fetchHandovers(source: string, home: string, bundle: Bundle, state: VerifiedBundle, options: WebSyncOptions): Promise<SignedTrustList[]> {
  const newest = bundle.lists
    .flatMap((signed) => {
      try {
        const { payload } = decodeTrustList(signed, UNBOUNDED)
        return payload.country === home ? [payload] : []
      } catch {
        return []
      }
    })
    .sort((a, b) => b.seq - a.seq)[0]
  if (newest === undefined) return []
  const heldSeq = state.seqs[home] ?? 0
  const walked: SignedTrustList[] = []
  let next = newest.lastHandover
  while (next !== null && next.seq > heldSeq) {
    if (walked.length >= MAX_HANDOVERS) throw new EntenteError('ERR_INPUT_TOO_LARGE', `more than ${MAX_HANDOVERS} ${home} handovers`)
    const url = endpoint(source, `v1/trust-lists/${home}/${next.seq}`)
    const response = await request(url, options, 'default')
    const signed = schemaValidators().check('signed-trust-list.v1', parseJson(await readCapped(response, url, options), url), 'ERR_TRUST_LIST_MALFORMED')
    const { payload, hash } = decodeTrustList(signed, UNBOUNDED)
    // The pointer's hash pins which list this must be; its signatures are the merge's to check.
    if (payload.country !== home || payload.seq !== next.seq || hash !== next.hash) throw new EntenteError('ERR_TRUST_LIST_CHAIN', `${url} is not the ${home} handover the chain names`)
    walked.push(signed)
    next = payload.lastHandover
  }
  return walked.reverse()
}

async function fetchPartitions(source: string, missing: MergeReport['missingPartitions'], options: WebSyncOptions): Promise<{ partitions: SignedRevocationPartition[]; requests: number }> {
  const out = { partitions: [] as SignedRevocationPartition[], requests: 0 }
  for (const { country, hashes } of missing) {
    for (const hash of hashes) {
      if (out.requests >= MAX_PARTITION_FETCHES) return out
      const url = endpoint(source, `v1/revocations/${country}/partitions/${hash}`)
      out.requests++
      // Content-addressed and immutable: the browser's cache may answer.
      const response = await request(url, options, 'default', true)
      if (response.status === 404) continue
      out.partitions.push(schemaValidators().check('signed-revocation-partition.v1', parseJson(await readCapped(response, url, options), url), 'ERR_REVOCATION_MALFORMED'))
    }
  }
  return out
}

/** A URL under the source, which may carry a path prefix (a mirror in a folder). */
export function endpoint(source: string, route: string): string {
  let base: URL
  try {
    base = new URL(source.endsWith('/') ? source : `${source}/`)
  } catch (cause) {
    throw new EntenteError('ERR_USAGE', `${source} is not a URL`, { cause })
  }
  if (base.protocol !== 'https:' && base.protocol !== 'http:') throw new EntenteError('ERR_USAGE', `${source} is not an http(s) URL`)
  return new URL(route, base).href
}

async function request(url: string, options: Pick<WebSyncOptions, 'fetch' | 'timeoutMs'>, cache: RequestCache, allow404 = false): Promise<Response> {
  let response: Response
  try {
    response = await (options.fetch ?? globalThis.fetch)(url, { headers: { accept: 'application/json' }, cache, redirect: 'follow', credentials: 'omit', signal: AbortSignal.timeout(options.timeoutMs ?? 30_000) })
  } catch (cause) {
    throw new EntenteError('ERR_HTTP_UNAVAILABLE', `cannot reach ${new URL(url).origin}`, { cause })
  }
  if (!response.ok && !(allow404 && response.status === 404)) throw new EntenteError('ERR_HTTP_UNAVAILABLE', `${url} answered ${response.status}`)
  return response
}

async function readCapped(response: Response, url: string, options: Pick<WebSyncOptions, 'maxBytes'>): Promise<string> {
  const cap = options.maxBytes ?? 64 * 1024 * 1024
  const declared = Number(response.headers.get('content-length') ?? 0)
  if (declared > cap) throw new EntenteError('ERR_SYNC_WIRE_TOO_LARGE', `${url} sends ${declared} bytes, over the ${cap}-byte cap`)
  const text = await response.text()
  if (text.length > cap) throw new EntenteError('ERR_SYNC_DECOMPRESSED_TOO_LARGE', `${url} sent more than ${cap} bytes`)
  return text
}

function parseJson(text: string, url: string): unknown {
  try {
    return JSON.parse(text)
  } catch (cause) {
    throw new EntenteError('ERR_HTTP_MALFORMED_JSON', `${url} did not send JSON`, { cause })
  }
}

function iso(date: Date): string {
  return new Date(Math.floor(date.getTime() / 1000) * 1000).toISOString().replace('.000Z', 'Z')
}
