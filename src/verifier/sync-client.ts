// `entente sync`: fetches bundles from nodes or plain file mirrors, merges what verifies from the pinned home root,
// and writes the verified bundle atomically with a small sync record beside it: a sync that brings nothing new (304,
// an empty delta, an unchanged mirror) reads and rewrites only that record, and a delta that changes one list
// fetches that list, not the bundle. The only networked part of the verifier; verification itself
// (verify-bundle.ts, create-verifier.ts) never touches the network. No source is trusted: every list carries its own
// signatures, and a source that serves stale or invalid lists is reported, never believed.
import { readFile, stat } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { EntenteError, isEntenteError } from '../model/errors.js'
import { schemaValidators } from '../model/schemas.js'
import type { Bundle, SignedRevocationIndex, SignedRevocationList, SignedRevocationPartition, SignedTrustList, VerifiedBundle } from '../model/schema.types.js'
import { decodeRevocationList } from '../revocation/decode-revocation-list.js'
import { decodeRevocationIndex } from '../revocation/decode-revocation-partitions.js'
import type { TrustedRoot } from '../revocation/revocation-list.types.js'
import { rootsOf } from '../revocation/verify-revocation-list.js'
import { verifyRevocationPartition, type VerifiedRevocationIndex } from '../revocation/verify-revocation-partitions.js'
import { decodeTrustList } from '../trust-list/decode-trust-list.js'
import type { RootAnchor } from '../trust-list/trust-list.types.js'
import { DEFAULT_MAX_BUNDLE_BYTES, DEFAULT_MAX_DECOMPRESSED_BYTES, DEFAULT_MAX_PARTITIONS_PER_SYNC, DEFAULT_SYNC_TIMEOUT_MS, MAX_ALARMS, MAX_HOME_CHAIN_LISTS, MAX_SOURCES } from './constants.js'
import { describeRevocationGap, revocationGap, type RevocationGap, type RevocationPosition } from './revocation-completeness.js'
import { prepareVerifierState } from './create-verifier.js'
import { preparedStateDescribes, preparedStatePath, removePreparedState, writePreparedState } from './prepared-state-file.js'
import {
  heldPartitionHashes,
  partitionDir,
  readPartitionFileSync,
  readSyncRecord,
  readVerifiedBundleFile,
  removeUnreferencedPartitions,
  syncRecordPath,
  writePartitionFile,
  writeSyncRecord,
  writeVerifiedBundleFile,
  type SyncRecord,
} from './state-file.js'
import { emptyVerifiedBundle, mergeBundle, peekCountry, revocationDocumentsOf, type BundleInput, type HeldRevocationDocuments, type MergeReport } from './verify-bundle.js'

export interface SyncOptions {
  /** Node base URLs (http/https) or mirror files (a path or file:// URL), tried in order. */
  readonly sources: readonly string[]
  readonly home: string
  /** The pinned home root (thumbprint or key); required on the first sync, ignored afterwards (the held chain pins). */
  readonly anchor?: RootAnchor
  /** The verified-bundle file: read (if it exists and something changed) and written atomically, with its sync record. */
  readonly out: string
  readonly now: () => Date
  /** Injected for tests; default globalThis.fetch. */
  readonly fetch?: typeof fetch
  /** Cap on one response as it crosses the wire (compressed, as sent); default 64 MiB. */
  readonly maxBundleBytes?: number
  /** Cap on one response after content decoding, and on a mirror file; default 256 MiB. */
  readonly maxDecompressedBytes?: number
  /** Default 30 s per request. */
  readonly timeoutMs?: number
  /** Revocation partitions fetched per sync and source at most (default 200,000); the rest waits for the next sync. */
  readonly maxPartitions?: number
  /** One line per step, for a terminal. */
  readonly progress?: (line: string) => void
}

/**
 * fresh: everything it served verified and nothing was older than the best known list;
 * stale: it served validly signed lists older than ones already accepted (from it before, or from another source);
 * invalid: it served lists that do not verify (tampered, wrong root, broken chain...);
 * not-modified: 304 on If-None-Match (or an unchanged mirror file); failed: unreachable, not a bundle, over a cap.
 */
export type SourceStatus = 'fresh' | 'stale' | 'invalid' | 'not-modified' | 'failed'

export interface SourceReport {
  readonly source: string
  readonly status: SourceStatus
  /** Whether the source sent the whole bundle (false: a delta since our token). */
  readonly full?: boolean
  /** Bytes of bundle JSON received (after any content decoding), with any single lists fetched after a delta. */
  readonly bytes: number
  /** Bytes on the wire when the server declared them (Content-Length, e.g. gzip-compressed). */
  readonly wireBytes?: number
  /** Requests this source answered in this sync. */
  readonly requests?: number
  readonly error?: { code: string; message: string }
  readonly merge?: MergeReport
  /** Lists this source served that are older than the verifier's best: country → [served seq, best seq]. */
  readonly behind?: Record<string, [number, number]>
  /** Revocation lists a trusted country's trust list names that this source omitted or served frozen (older). */
  readonly revocationsOmitted?: RevocationGap[]
}

export interface SyncResult {
  /** The verified bundle, when this sync read it; a sync that brings nothing new reads only the sync record. Its
   * revocation partitions are in their files (loadVerifier(out), or readState(out) to have them embedded). */
  readonly state?: VerifiedBundle
  /** What the bundle file holds now: seqs, counts, per-source bookkeeping (the sync record). */
  readonly summary: SyncRecord
  readonly sources: SourceReport[]
  /** Whether the bundle file was written (the sync record is written on every sync). */
  readonly written: boolean
  /** Revocation partition files this sync wrote beside the bundle (new ones only) and removed (no longer named). */
  readonly partitionFiles: { readonly written: number; readonly removed: number }
  /** Trusted countries whose named revocation list no source gave: their certificates are refused until a later sync. */
  readonly missingRevocations: RevocationGap[]
}

/** Single lists fetched after a delta (countries a new home list recognizes, named revocation lists) before the
 * whole bundle is the cheaper request. */
const MAX_TARGETED_FETCHES = 32

interface Caps {
  readonly doFetch: typeof fetch
  readonly maxWireBytes: number
  readonly maxDecompressedBytes: number
  readonly timeoutMs: number
  readonly maxPartitions: number
}

export async function syncBundle(options: SyncOptions): Promise<SyncResult> {
  const caps: Caps = {
    doFetch: options.fetch ?? globalThis.fetch,
    timeoutMs: options.timeoutMs ?? DEFAULT_SYNC_TIMEOUT_MS,
    maxWireBytes: options.maxBundleBytes ?? DEFAULT_MAX_BUNDLE_BYTES,
    maxDecompressedBytes: options.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES,
    maxPartitions: options.maxPartitions ?? DEFAULT_MAX_PARTITIONS_PER_SYNC,
  }
  if (options.sources.length === 0 || options.sources.length > MAX_SOURCES) throw new EntenteError('ERR_USAGE', `give 1..${MAX_SOURCES} sources`)
  // The small record says what the bundle file holds; the bundle itself is read only when a source brings news.
  const { record, stale } = await readSyncRecord(options.out)
  let state: VerifiedBundle | undefined
  let bundleFile: SyncRecord['bundle'] | undefined = record?.bundle
  if (record === undefined) {
    const read = await readVerifiedBundleFile(options.out)
    state = read?.state
    if (read !== undefined) bundleFile = { bytes: read.bytes, sha256: read.sha256, mtimeMs: Math.round((await stat(options.out)).mtimeMs) }
  }
  const heldHome = record?.home ?? state?.home
  if (heldHome !== undefined && heldHome !== options.home) {
    throw new EntenteError('ERR_BUNDLE_HOME_MISMATCH', `${options.out} holds a bundle for home ${heldHome}, not ${options.home}`)
  }
  // Whether the bundle file must be written: a first sync, raised floors, or a merge that changed something.
  let changed = false
  if (record === undefined && state === undefined) {
    if (options.anchor === undefined) throw new EntenteError('ERR_USAGE', 'the first sync needs the pinned home root (--root)')
    state = emptyVerifiedBundle(options.home, 'thumbprint' in options.anchor ? options.anchor.thumbprint : '', options.now())
    changed = true
  }
  // A record whose bundle was replaced since (restored from a backup?) still knows the highest seqs ever accepted.
  if (state !== undefined && stale !== undefined && stale.home === options.home) {
    const raised = withFloors(state, stale)
    if (raised !== state) {
      state = raised
      changed = true
    }
  }
  const firstState = state
  // The state this sync replaces: the partition files it names outlive this sync (one generation), so a verifier
  // loaded from it, which opens its partitions when first needed, keeps finding them.
  let replacedState = state
  const sources: Record<string, VerifiedBundle['sources'][string]> = { ...(record?.sources ?? state?.sources ?? {}) }
  const fatal = new WeakSet<object>()
  const load = async (): Promise<VerifiedBundle> => {
    if (state !== undefined) return state
    const read = await readVerifiedBundleFile(options.out)
    if (read === undefined || read.sha256 !== record?.bundle.sha256) {
      const error = new EntenteError('ERR_BUNDLE_INVALID', `${options.out} changed since the last sync: it is not the file ${syncRecordPath(options.out)} describes`)
      fatal.add(error)
      throw error
    }
    state = read.state
    replacedState ??= read.state
    return state
  }
  // Partition files beside the bundle whose bytes are intact, hashed once per sync and only when a merge needs them.
  let held: Promise<Set<string>> | undefined
  const heldParts = () => (held ??= heldPartitionHashes(options.out))
  const served = new Map<string, SignedTrustList[]>()
  const reports: SourceReport[] = []
  // What the last merge found missing: it judged the state as it now is.
  let lastGaps: RevocationGap[] | undefined
  let partitionWrites = 0
  for (const source of options.sources) {
    const bookkeeping = sources[source] ?? {}
    try {
      const fetched = await fetchBundle(source, bookkeeping, caps)
      if (fetched === 'not-modified') {
        reports.push({ source, status: 'not-modified', bytes: 0, requests: 1 })
        sources[source] = { ...bookkeeping, lastSync: iso(options.now()) }
        options.progress?.(`${source}: not modified`)
        continue
      }
      let { bundle } = fetched
      if (isEmptyDelta(bundle)) {
        // Nothing changed after our token: only the bookkeeping moves on, the bundle file is neither read nor written.
        sources[source] = { token: bundle.token, ...(fetched.etag === undefined ? {} : { etag: fetched.etag }), lastSync: iso(options.now()) }
        reports.push({ source, status: 'fresh', full: false, bytes: fetched.bytes, requests: 1, ...(fetched.wireBytes === undefined ? {} : { wireBytes: fetched.wireBytes }) })
        options.progress?.(`${source}: nothing changed (${fetched.bytes} bytes)`)
        continue
      }
      const current = await load()
      const context: MergeContext = { ...options, heldPartitions: await heldParts() }
      let requests = 1
      let merged: Awaited<ReturnType<typeof mergeFrom>> | undefined
      try {
        merged = await mergeFrom(current, bundle, context)
      } catch (error) {
        // First sync, and no home list in the bundle verifies from the pin: maybe the root rotated since.
        if (!isEntenteError(error, 'ERR_TRUST_LIST_WRONG_ROOT') || !isHttp(source)) throw error
      }
      // Handovers (root rotations, governance changes, withdrawals) may not be skipped: on the first sync the home
      // chain is walked back from the pinned root's first list, later from the held list, through the node's history.
      const firstSync = current.lists.length === 0
      if (isHttp(source) && (merged === undefined || firstSync || needsHandovers(merged, options.home))) {
        const chain = await fetchHandovers(source, options.home, bundle, current, caps)
        requests += chain.length
        if (chain.length > 0) options.progress?.(`${source}: walked ${chain.length} ${options.home} handover list(s) (${chain.map((l) => decodeTrustList(l, Number.MAX_SAFE_INTEGER).payload.seq).join(', ')})`)
        merged = await mergeFrom(current, bundle, context, chain)
      }
      if (merged === undefined) throw new EntenteError('ERR_TRUST_LIST_WRONG_ROOT', `no ${options.home} list from ${source} verifies from the pinned root`)
      for (const reset of merged.report.governanceResets) {
        options.progress?.(
          `WARNING: ${options.home} list ${reset.seq} (${reset.issuedAt}) replaced its diplomats without their quorum in a root rotation; recognitions approved by the new diplomats rest on that recovery`,
        )
      }
      let bytes = fetched.bytes
      let wireBytes = fetched.wireBytes
      const servedLists = [...bundle.lists]
      // A delta carries what changed, nothing more: a new home list may recognize countries whose unchanged lists it
      // does not carry, and a trust list may name a revocation list sent before. Those few are fetched one by one;
      // only when there are many is the whole bundle the cheaper request.
      const homeMoved = merged.state.seqs[options.home] !== current.seqs[options.home]
      const lacking = !bundle.full && homeMoved ? recognizedNotHeld(merged.state, options.home) : []
      const gaps = bundle.full ? [] : merged.report.missingRevocations.filter((g) => g.kind !== 'partitions').map((g) => g.country)
      if (isHttp(source) && lacking.length + gaps.length > 0) {
        if (lacking.length + gaps.length > MAX_TARGETED_FETCHES) {
          const whole = await fetchBundle(source, {}, caps)
          requests++
          if (whole !== 'not-modified') {
            bundle = whole.bundle
            bytes += whole.bytes
            wireBytes = wireBytes === undefined || whole.wireBytes === undefined ? undefined : wireBytes + whole.wireBytes
            servedLists.push(...whole.bundle.lists)
            merged = await mergeFrom(merged.state, whole.bundle, context)
            fetched.etag = whole.etag
          }
        } else {
          const single = await fetchSingles(source, lacking, gaps, caps)
          requests += single.requests
          bytes += single.bytes
          wireBytes = undefined
          servedLists.push(...single.lists)
          const fetchedCount = single.lists.length + single.revocations.length + single.revocationIndexes.length
          if (fetchedCount > 0) {
            merged = await mergeFrom(merged.state, { lists: single.lists, alarms: [], revocations: single.revocations, revocationIndexes: single.revocationIndexes }, context)
            options.progress?.(`${source}: fetched ${single.lists.length} list(s) and ${single.revocations.length + single.revocationIndexes.length} revocation document(s) the delta did not carry`)
          }
        }
      }
      // Partitioned revocations: the partitions a held index names that the state lacks, each by its content hash
      // (immutable, so only changed partitions ever cross the wire). Each is verified against the held index and
      // written to its file as it arrives (files first, the bundle naming them last, as always), so memory holds a
      // few partitions whatever their number; the merge after it sees them as held.
      if (isHttp(source) && merged.report.missingPartitions.length > 0) {
        const heldNow = await heldParts()
        const targets = partitionTargets(merged.state, new Set(merged.report.missingPartitions.map((m) => m.country)))
        const parts = await fetchPartitions(source, merged.report.missingPartitions, caps, targets, async (signed) => {
          const file = await writePartitionFile(options.out, signed, heldNow)
          heldNow.add(file.hash)
          if (file.written) partitionWrites++
        })
        requests += parts.requests
        bytes += parts.bytes
        wireBytes = undefined
        if (parts.accepted > 0 || parts.rejected.length > 0) {
          const after = await mergeFrom(merged.state, { lists: [], alarms: [] }, context)
          merged = { ...after, report: { ...after.report, acceptedPartitions: after.report.acceptedPartitions + parts.accepted, rejected: [...after.report.rejected, ...parts.rejected] } }
          options.progress?.(`${source}: fetched ${parts.accepted} revocation partition(s)`)
        }
        if (parts.leftOver > 0) {
          options.progress?.(`${source}: WARNING: ${parts.leftOver} revocation partition(s) left for the next sync (at most ${caps.maxPartitions} per sync and source; see --max-partitions)`)
        }
      }
      if (!sameContent(current, merged.state)) changed = true
      state = merged.state
      lastGaps = merged.report.missingRevocations
      served.set(source, servedLists)
      sources[source] = {
        ...(isHttp(source) ? { token: bundle.token } : {}),
        ...(fetched.etag === undefined ? {} : { etag: fetched.etag }),
        lastSync: iso(options.now()),
        ...(merged.report.rejected.length === 0 ? {} : { lastError: summarize(merged.report) }),
      }
      // A whole bundle must carry every revocation list the trust lists name; a delta only what the state still lacks.
      const omitted = bundle.full ? omittedRevocations(merged.state, bundle) : merged.report.missingRevocations
      const status: SourceStatus = merged.report.rejected.length > 0 ? 'invalid' : merged.report.stale.length > 0 || omitted.length > 0 ? 'stale' : 'fresh'
      reports.push({
        source,
        status,
        full: bundle.full,
        bytes,
        ...(wireBytes === undefined ? {} : { wireBytes }),
        requests,
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
      if (!isEntenteError(error) || fatal.has(error)) throw error
      // A bad source is reported, never trusted; the other sources still count.
      reports.push({ source, status: 'failed', bytes: 0, error: { code: error.code, message: error.message } })
      sources[source] = { ...bookkeeping, lastError: `${error.code}: ${error.message}`.slice(0, 500) }
      options.progress?.(`${source}: ${error.code} ${error.message}`)
    }
  }
  // Freshness across sources: a source that served a country's list older than the best one known is behind.
  const bestSeqs = state?.seqs ?? record?.seqs ?? {}
  const finalReports = reports.map((report) => {
    const behind: Record<string, [number, number]> = {}
    for (const signed of served.get(report.source) ?? []) {
      let payload: { country: string; seq: number }
      try {
        payload = decodeTrustList(signed, Number.MAX_SAFE_INTEGER).payload
      } catch {
        continue // already reported as rejected by the merge
      }
      const best = bestSeqs[payload.country]
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
  const heldLists = state === undefined ? (record?.counts.lists ?? 0) : state.lists.length
  if (heldLists === 0) {
    throw new EntenteError('ERR_SYNC_NO_VALID_SOURCE', `no source gave a ${options.home} list that verifies from the pinned root`, { details: { sources: finalReports } })
  }
  const finalSources = Object.fromEntries(Object.entries(sources).map(([source, b]) => [source, stampStale(b, finalReports.find((r) => r.source === source))]))
  const checkedAt = iso(options.now())
  let summary: SyncRecord
  let finalState: VerifiedBundle | undefined
  let written = false
  let partitionRemovals = 0
  if (state === undefined) {
    // Nothing to merge from any source: the record alone moves on.
    if (record === undefined) throw new EntenteError('ERR_BUNDLE_INVALID', `${options.out} holds no verified bundle`)
    summary = { ...record, checkedAt, sources: finalSources }
  } else {
    // Partitions leave the bundle for their own files: first the new files, then the bundle that names them, then
    // (below) the files nothing names any more. A crash between leaves the old bundle with every file it names.
    const { revocationPartitions: newPartitions = [], ...slim } = revocationDocumentsOf(state) as VerifiedBundle & HeldRevocationDocuments
    finalState = { ...(slim as VerifiedBundle), sources: finalSources }
    const heldNow = await heldParts()
    let partitionFilesWritten = 0
    for (const signed of newPartitions) {
      const file = await writePartitionFile(options.out, signed, heldNow)
      heldNow.add(file.hash)
      if (file.written) partitionFilesWritten++
    }
    partitionWrites += partitionFilesWritten
    const missing = lastGaps ?? (await stateRevocationGaps(finalState, options.now(), heldNow))
    if (changed || newPartitions.length > 0 || bundleFile === undefined || (firstState !== undefined && !sameContent(firstState, finalState))) {
      bundleFile = await writeVerifiedBundleFile(options.out, finalState)
      written = true
    }
    summary = recordOf(finalState, bundleFile, checkedAt, missing)
  }
  await writeSyncRecord(options.out, summary)
  // The state verifiers start from (loadVerifier): prepared from the bundle just written, or from the unchanged
  // bundle when none describes it yet (a first sync after an upgrade, or a deleted file). One that cannot be prepared
  // is removed: loadVerifier then verifies the bundle itself and says why it fails.
  const keptState = finalState
  const prepared = await keepPreparedState(options.out, summary.bundle, keptState === undefined ? load : () => Promise.resolve(keptState), options.now())
  if (prepared instanceof Error) options.progress?.(`WARNING: ${preparedStatePath(options.out)} not written: ${prepared.message}`)
  if (written && finalState !== undefined) {
    const keep = namedPartitionHashes(finalState)
    if (replacedState !== undefined) for (const hash of namedPartitionHashes(replacedState)) keep.add(hash)
    partitionRemovals = await removeUnreferencedPartitions(options.out, keep)
  }
  const missingRevocations = [...summary.missingRevocations]
  for (const gap of missingRevocations) options.progress?.(`WARNING: ${describeRevocationGap(gap)}`)
  options.progress?.(
    `${options.out}: home ${options.home} seq ${summary.seqs[options.home] ?? '?'}, ${summary.counts.lists} trusted countr${summary.counts.lists === 1 ? 'y' : 'ies'}, ` +
      `${summary.counts.unrecognized} unrecognized, ${summary.counts.revocations} revocation list(s), ${summary.counts.alarms} alarm(s)` +
      (firstState !== undefined && firstState.lists.length === 0 ? ' (first sync)' : written ? '' : ' (unchanged)'),
  )
  if (partitionWrites + partitionRemovals > 0) options.progress?.(`${partitionDir(options.out)}: ${partitionWrites} revocation partition file(s) written, ${partitionRemovals} no longer named removed`)
  return { ...(finalState === undefined ? {} : { state: finalState }), summary, sources: finalReports, written, partitionFiles: { written: partitionWrites, removed: partitionRemovals }, missingRevocations }
}

/** Writes the prepared state of `bundle` unless the one on disk already describes it; the error when it cannot. */
async function keepPreparedState(out: string, bundle: SyncRecord['bundle'], state: () => Promise<VerifiedBundle>, now: Date): Promise<Error | undefined> {
  if (await preparedStateDescribes(out, bundle)) return undefined
  try {
    await writePreparedState(out, bundle, await prepareVerifierState(await state(), { now }))
    return undefined
  } catch (error) {
    await removePreparedState(out)
    return error instanceof Error ? error : new Error(String(error))
  }
}

/** A delta that carries nothing: the source has nothing newer than our token. */
function isEmptyDelta(bundle: Bundle): boolean {
  const docs = revocationDocumentsOf(bundle)
  return (
    !bundle.full &&
    bundle.lists.length === 0 &&
    bundle.alarms.length === 0 &&
    (bundle.revocations ?? []).length === 0 &&
    (docs.revocationIndexes ?? []).length === 0 &&
    (docs.revocationPartitions ?? []).length === 0
  )
}

/** Whether a merge left the verified content as it was (merges keep the held documents' objects). */
function sameContent(a: VerifiedBundle, b: VerifiedBundle): boolean {
  const same = <T>(x: readonly T[] | undefined, y: readonly T[] | undefined) => (x ?? []).length === (y ?? []).length && (x ?? []).every((v, i) => v === (y ?? [])[i])
  const sameSeqs = (x: VerifiedBundle['seqs'] | undefined, y: VerifiedBundle['seqs'] | undefined) =>
    Object.keys(x ?? {}).length === Object.keys(y ?? {}).length && Object.entries(x ?? {}).every(([k, v]) => y?.[k] === v)
  return (
    a.pinnedRoot === b.pinnedRoot &&
    same(a.lists, b.lists) &&
    same(a.unrecognized, b.unrecognized) &&
    same(a.revocations, b.revocations) &&
    same(a.alarms, b.alarms) &&
    sameSeqs(a.seqs, b.seqs) &&
    sameSeqs(a.revocationSeqs, b.revocationSeqs) &&
    (a.governanceResets ?? []).length === (b.governanceResets ?? []).length
  )
}

/** The state with every seq floor at least what `record` remembers: a restored older bundle cannot roll back. */
function withFloors(state: VerifiedBundle, record: SyncRecord): VerifiedBundle {
  const raise = (held: VerifiedBundle['seqs'] | undefined, floors: VerifiedBundle['seqs']) => {
    const out = { ...(held ?? {}) }
    let raised = false
    for (const [country, seq] of Object.entries(floors)) {
      if (seq !== undefined && (out[country] ?? 0) < seq) {
        out[country] = seq
        raised = true
      }
    }
    return raised ? out : undefined
  }
  const seqs = raise(state.seqs, record.seqs)
  const revocationSeqs = raise(state.revocationSeqs, record.revocationSeqs)
  if (seqs === undefined && revocationSeqs === undefined) return state
  return { ...state, ...(seqs === undefined ? {} : { seqs }), ...(revocationSeqs === undefined ? {} : { revocationSeqs }) }
}

function recordOf(state: VerifiedBundle, bundle: SyncRecord['bundle'], checkedAt: string, missingRevocations: RevocationGap[]): SyncRecord {
  return {
    type: 'entente.verified-bundle-sync',
    version: 1,
    home: state.home,
    pinnedRoot: state.pinnedRoot,
    syncedAt: state.syncedAt,
    checkedAt,
    bundle,
    seqs: state.seqs,
    revocationSeqs: state.revocationSeqs ?? {},
    sources: state.sources,
    // Countries with revocations: a single list or an index each.
    counts: {
      lists: state.lists.length,
      unrecognized: state.unrecognized.length,
      revocations: (state.revocations ?? []).length + (revocationDocumentsOf(state).revocationIndexes ?? []).length,
      alarms: state.alarms.length,
    },
    missingRevocations,
  }
}

/** Countries the held home list recognizes whose list the state does not hold as trusted. */
function recognizedNotHeld(state: VerifiedBundle, home: string): string[] {
  // Held lists were verified by the merge: their countries are read from the payload's first bytes, and only the
  // home list is decoded.
  const countryOf = (signed: SignedTrustList) => peekCountry(signed) ?? decodeTrustList(signed, Number.MAX_SAFE_INTEGER).payload.country
  const held = new Set(state.lists.map(countryOf))
  const homeSigned = state.lists.find((signed) => countryOf(signed) === home)
  const recognitions = homeSigned === undefined ? [] : decodeTrustList(homeSigned, Number.MAX_SAFE_INTEGER).payload.recognitions
  return recognitions.map((r) => r.country).filter((c) => !held.has(c))
}

/** The current list of each of `countries` and the current revocation list of each of `revocations`, one request each. */
async function fetchSingles(
  source: string,
  countries: readonly string[],
  revocations: readonly string[],
  caps: Caps,
): Promise<{ lists: SignedTrustList[]; revocations: SignedRevocationList[]; revocationIndexes: SignedRevocationIndex[]; bytes: number; requests: number }> {
  const out = { lists: [] as SignedTrustList[], revocations: [] as SignedRevocationList[], revocationIndexes: [] as SignedRevocationIndex[], bytes: 0, requests: 0 }
  const get = async (route: string): Promise<unknown> => {
    const url = new URL(route, withSlash(source))
    out.requests++
    const response = await request(caps.doFetch, url, { accept: 'application/json', 'accept-encoding': 'br, gzip' }, caps.timeoutMs)
    // Not held there (never published, expired): the merge says what is still missing.
    if (response.status === 404) return undefined
    if (!response.ok) throw new EntenteError('ERR_HTTP_UNAVAILABLE', `${url.href} answered ${response.status}`)
    const text = await readCapped(response, url, caps)
    out.bytes += Buffer.byteLength(text)
    return parseJson(text, url)
  }
  for (const country of countries) {
    const signed = await get(`v1/trust-lists/${country}`)
    if (signed !== undefined) out.lists.push(schemaValidators().check('signed-trust-list.v1', signed, 'ERR_TRUST_LIST_MALFORMED'))
  }
  for (const country of revocations) {
    // A country's revocations are a signed index (partitioned) or, from older nodes and countries, a single list.
    const index = await get(`v1/revocations/${country}/index`)
    if (index !== undefined) {
      out.revocationIndexes.push(schemaValidators().check('signed-revocation-index.v1', index, 'ERR_REVOCATION_MALFORMED'))
      continue
    }
    const signed = await get(`v1/revocation-lists/${country}`)
    if (signed !== undefined) out.revocations.push(schemaValidators().check('signed-revocation-list.v1', signed, 'ERR_REVOCATION_MALFORMED'))
  }
  return out
}

/** Partitions fetched at once from one source: a few round trips in flight hide the latency of each. */
const PARTITION_FETCHES_IN_FLIGHT = 6

interface PartitionTarget {
  readonly index: VerifiedRevocationIndex
  readonly roots: readonly TrustedRoot[]
}

/**
 * The held index of each of `countries` and the roots of its held trust list: what a partition is checked against.
 * Held documents were verified by the merge: the others are skipped by their payload's first bytes, not decoded.
 */
function partitionTargets(state: VerifiedBundle, countries: ReadonlySet<string>): Map<string, PartitionTarget> {
  const wanted = (signed: { readonly payload: string }) => {
    const peeked = peekCountry(signed)
    return peeked === undefined || countries.has(peeked)
  }
  const roots = new Map<string, TrustedRoot[]>()
  for (const signed of state.lists.filter(wanted)) {
    const { payload } = decodeTrustList(signed, Number.MAX_SAFE_INTEGER)
    roots.set(payload.country, rootsOf(payload))
  }
  const targets = new Map<string, PartitionTarget>()
  for (const signed of (revocationDocumentsOf(state).revocationIndexes ?? []).filter(wanted)) {
    // Decoded here only to name its partitions.
    const index = decodeRevocationIndex(signed, Number.MAX_SAFE_INTEGER)
    const countryRoots = roots.get(index.payload.country)
    if (countryRoots !== undefined && countries.has(index.payload.country)) targets.set(index.payload.country, { index, roots: countryRoots })
  }
  return targets
}

/**
 * Fetches the partitions `missing` names (at most caps.maxPartitions; the rest waits for the next sync, and until
 * then those countries' certificates are refused), verifies each against its country's held index (hash, seq, root,
 * content) and hands it to `keep`. One that fails is reported, never kept.
 */
async function fetchPartitions(
  source: string,
  missing: readonly { country: string; hashes: readonly string[] }[],
  caps: Caps,
  targets: ReadonlyMap<string, PartitionTarget>,
  keep: (signed: SignedRevocationPartition) => Promise<void>,
): Promise<{ accepted: number; rejected: MergeReport['rejected']; bytes: number; requests: number; leftOver: number }> {
  const wanted = missing.flatMap(({ country, hashes }) => hashes.map((hash) => ({ country, hash })))
  const queue = wanted.slice(0, caps.maxPartitions)
  const out = { accepted: 0, rejected: [] as MergeReport['rejected'][number][], bytes: 0, requests: 0, leftOver: wanted.length - queue.length }
  let next = 0
  // The first failure of the source stops every worker; the sync reports it as the source's failure.
  let failure: { error: unknown } | undefined
  const worker = async (): Promise<void> => {
    while (next < queue.length && failure === undefined) {
      const { country, hash } = queue[next++] as { country: string; hash: string }
      const url = new URL(`v1/revocations/${country}/partitions/${hash}`, withSlash(source))
      out.requests++
      const response = await request(caps.doFetch, url, { accept: 'application/json', 'accept-encoding': 'br, gzip' }, caps.timeoutMs)
      if (response.status === 404) continue
      if (!response.ok) throw new EntenteError('ERR_HTTP_UNAVAILABLE', `${url.href} answered ${response.status}`)
      const text = await readCapped(response, url, caps)
      out.bytes += Buffer.byteLength(text)
      const target = targets.get(country)
      try {
        if (target === undefined) throw new EntenteError('ERR_REVOCATION_PARTITION_UNLISTED', `no held revocation index of ${country}`)
        const signed = schemaValidators().check('signed-revocation-partition.v1', parseJson(text, url), 'ERR_REVOCATION_MALFORMED')
        const verified = await verifyRevocationPartition(signed, { index: target.index, roots: target.roots })
        if (verified.hash !== hash) throw new EntenteError('ERR_REVOCATION_PARTITION_UNLISTED', `${url.href} served another partition`)
        await keep(verified.signed)
        out.accepted++
      } catch (error) {
        if (!isEntenteError(error) || error.code.startsWith('ERR_HTTP') || error.code.startsWith('ERR_SYNC')) throw error
        out.rejected.push({ country, code: error.code, message: error.message })
      }
    }
  }
  await Promise.all(
    Array.from({ length: Math.min(PARTITION_FETCHES_IN_FLIGHT, queue.length) }, () =>
      worker().catch((error: unknown) => {
        failure ??= { error }
      }),
    ),
  )
  if (failure !== undefined) throw failure.error
  return out
}

/** Named revocation lists a whole bundle did not carry (or carried only older or other ones), judged by the merged state's trust lists. */
function omittedRevocations(state: VerifiedBundle, bundle: Bundle): RevocationGap[] {
  const served = new Map<string, RevocationPosition[]>()
  const serve = (decode: () => { payload: { country: string; seq: number }; hash: string }) => {
    try {
      const { payload, hash } = decode()
      served.set(payload.country, [...(served.get(payload.country) ?? []), { seq: payload.seq, hash }])
    } catch {
      // already reported as rejected by the merge
    }
  }
  for (const signed of bundle.revocations ?? []) serve(() => decodeRevocationList(signed, Number.MAX_SAFE_INTEGER))
  for (const signed of revocationDocumentsOf(bundle).revocationIndexes ?? []) serve(() => decodeRevocationIndex(signed, Number.MAX_SAFE_INTEGER))
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

/** What the written state still lacks, so `entente sync` can say which countries' certificates will be refused:
 * an empty merge judges the held documents as any merge does (lists, indexes, partitions). */
async function stateRevocationGaps(state: VerifiedBundle, now: Date, heldPartitions: ReadonlySet<string>): Promise<RevocationGap[]> {
  if (state.lists.length === 0) return []
  return (await mergeBundle(state, { lists: [], alarms: [] }, { now, home: state.home, heldPartitions })).report.missingRevocations
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

/** What one merge of a sync knows besides the options: the partition files already held beside the bundle. */
type MergeContext = SyncOptions & { readonly heldPartitions: ReadonlySet<string> }

function mergeFrom(state: VerifiedBundle, bundle: BundleInput, options: MergeContext, homeChain?: SignedTrustList[]) {
  return mergeBundle(state, bundle, {
    now: options.now(),
    home: options.home,
    heldPartitions: options.heldPartitions,
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

function summarize(report: MergeReport): string {
  return report.rejected.map((r) => `${r.country} ${r.code}`).join(', ').slice(0, 500)
}

/**
 * Reads a verified-bundle file (size-capped, schema-checked) with the revocation partitions kept beside it embedded,
 * so `createVerifier(await readState(file))` works as it always did; undefined when there is none yet. For large
 * revocation sets loadVerifier(file) is leaner: it streams the partition files into the verifier.
 */
export async function readState(file: string): Promise<VerifiedBundle | undefined> {
  const state = (await readVerifiedBundleFile(file))?.state
  if (state === undefined) return undefined
  const hashes = namedPartitionHashes(state)
  if (hashes.size === 0) return state
  const embedded = revocationDocumentsOf(state).revocationPartitions ?? []
  const fromFiles = [...hashes].map((hash) => readPartitionFileSync(file, hash)).filter((p) => p !== undefined)
  return { ...state, revocationPartitions: [...embedded, ...fromFiles] }
}

/** The partition hashes the state's revocation indexes name (held indexes were verified when accepted). */
function namedPartitionHashes(state: VerifiedBundle): Set<string> {
  const hashes = new Set<string>()
  for (const signed of revocationDocumentsOf(state).revocationIndexes ?? []) {
    for (const ref of decodeRevocationIndex(signed, Number.MAX_SAFE_INTEGER).payload.partitions) hashes.add(ref.hash)
  }
  return hashes
}

interface Fetched {
  bundle: Bundle
  bytes: number
  wireBytes?: number
  etag?: string
}

async function fetchBundle(source: string, bookkeeping: { token?: string; etag?: string }, caps: Caps): Promise<'not-modified' | Fetched> {
  let text: string
  let etag: string | undefined
  let wireBytes: number | undefined
  if (isHttp(source)) {
    const url = new URL('v1/bundle', withSlash(source))
    if (bookkeeping.token !== undefined) url.searchParams.set('since', bookkeeping.token)
    const headers: Record<string, string> = { accept: 'application/json', 'accept-encoding': 'br, gzip' }
    if (bookkeeping.etag !== undefined) headers['if-none-match'] = bookkeeping.etag
    const response = await request(caps.doFetch, url, headers, caps.timeoutMs)
    if (response.status === 304) return 'not-modified'
    if (!response.ok) throw new EntenteError('ERR_HTTP_UNAVAILABLE', `${url.href} answered ${response.status}`)
    const declared = response.headers.get('content-length')
    wireBytes = declared === null ? undefined : Number(declared)
    text = await readCapped(response, url, caps)
    etag = response.headers.get('etag') ?? undefined
  } else {
    // A plain file mirror (a path or file:// URL): always a whole bundle, verified like any other source. Its size and
    // modification time stand in for an ETag, so an unchanged mirror costs one stat.
    const file = source.startsWith('file:') ? fileURLToPath(source) : source
    const info = await stat(file).catch((cause: unknown) => {
      throw new EntenteError('ERR_CONFIG_NOT_FOUND', `cannot read mirror ${file}`, { cause })
    })
    etag = `file:${info.size}:${info.mtimeMs}`
    if (bookkeeping.etag === etag) return 'not-modified'
    if (info.size > caps.maxDecompressedBytes) {
      throw new EntenteError('ERR_INPUT_TOO_LARGE', `mirror ${file} is ${info.size} bytes, over the ${caps.maxDecompressedBytes}-byte cap of a bundle`)
    }
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
  caps: Caps,
): Promise<SignedTrustList[]> {
  const newest = bundle.lists
    .map((signed) => {
      try {
        return decodeTrustList(signed, Number.MAX_SAFE_INTEGER).payload
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
    const response = await request(caps.doFetch, url, { accept: 'application/json', 'accept-encoding': 'br, gzip' }, caps.timeoutMs)
    if (!response.ok) throw new EntenteError('ERR_HTTP_UNAVAILABLE', `${url.href} answered ${response.status}: the source cannot show the ${home} handover at seq ${next.seq}`)
    const signed = schemaValidators().check('signed-trust-list.v1', parseJson(await readCapped(response, url, caps), url), 'ERR_TRUST_LIST_MALFORMED')
    const { payload, hash } = decodeTrustList(signed, Number.MAX_SAFE_INTEGER)
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

/**
 * The body, bounded twice: by the bytes that cross the wire (declared Content-Length, or counted when nothing is
 * decoded) and by the bytes after content decoding, so a small gzip body cannot expand past the second cap. Each
 * cap has its own code and message, so a verifier learns which one to raise, or that a source sent a gzip bomb.
 */
async function readCapped(response: Response, url: URL, caps: Caps): Promise<string> {
  const encoding = (response.headers.get('content-encoding') ?? 'identity').trim().toLowerCase()
  const encoded = encoding !== '' && encoding !== 'identity'
  const declaredHeader = response.headers.get('content-length')
  const declared = declaredHeader === null ? undefined : Number(declaredHeader)
  if (declared !== undefined && declared > caps.maxWireBytes) {
    await response.body?.cancel().catch(() => undefined)
    throw wireTooLarge(url, caps.maxWireBytes, declared)
  }
  if (response.body === null) return ''
  const chunks: Uint8Array[] = []
  let size = 0
  const reader = response.body.getReader()
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      size += value.byteLength
      if (!encoded && size > caps.maxWireBytes) throw wireTooLarge(url, caps.maxWireBytes)
      if (size > caps.maxDecompressedBytes) {
        throw encoded
          ? new EntenteError(
              'ERR_SYNC_DECOMPRESSED_TOO_LARGE',
              `${url.href} decompresses (${encoding}) to more than ${caps.maxDecompressedBytes} bytes${declared === undefined ? '' : ` from ${declared} bytes on the wire`}: a compression bomb, or a bundle larger than this verifier accepts`,
              { details: { cap: caps.maxDecompressedBytes, ...(declared === undefined ? {} : { wireBytes: declared }), hint: 'raise --max-decompressed-bytes only if the federation is really this large' } },
            )
          : wireTooLarge(url, Math.min(caps.maxWireBytes, caps.maxDecompressedBytes))
      }
      chunks.push(value)
    }
  } catch (error) {
    await reader.cancel().catch(() => undefined)
    if (isEntenteError(error)) throw error
    throw new EntenteError('ERR_HTTP_UNAVAILABLE', `${url.href}: the response broke off (${(error as Error).message})`, { cause: error })
  }
  return Buffer.concat(chunks).toString('utf8')
}

function wireTooLarge(url: URL, cap: number, declared?: number): EntenteError {
  return new EntenteError(
    'ERR_SYNC_WIRE_TOO_LARGE',
    `${url.href} sends ${declared === undefined ? 'more than' : declared} bytes on the wire, over the ${cap}-byte cap of one response`,
    { details: { cap, ...(declared === undefined ? {} : { wireBytes: declared }), hint: 'raise --max-bytes only if the federation is really this large' } },
  )
}

function parseJson(text: string, url: URL): unknown {
  try {
    return JSON.parse(text)
  } catch (cause) {
    throw new EntenteError('ERR_HTTP_MALFORMED_JSON', `${url.href} did not send JSON`, { cause })
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
