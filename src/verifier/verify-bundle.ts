// Merges a bundle (full or delta, from any node or mirror) into a verifier's verified state, trusting only the
// pinned home root: the home list by its chain, foreign lists only where the home list recognizes that country's
// root, revocation lists only under the root of a trusted country's list, and never a rollback (highest seq per
// country is remembered, whichever source it came from). Pure: `now` injected, no I/O, no network.
import { EntenteError, isEntenteError } from '../model/errors.js'
import type {
  EquivocationProof,
  Recognition,
  RevocationIndexPayload,
  SignedRevocationIndex,
  SignedRevocationList,
  SignedRevocationPartition,
  SignedTrustList,
  TrustListPayload,
  VerifiedBundle,
} from '../model/schema.types.js'
import { decodeRevocationList } from '../revocation/decode-revocation-list.js'
import { decodeRevocationIndex, decodeRevocationPartition } from '../revocation/decode-revocation-partitions.js'
import { verifyRevocationIndex, verifyRevocationPartition, type RevocationChainHead } from '../revocation/verify-revocation-partitions.js'
import type { RevocationListHead } from '../revocation/revocation-list.types.js'
import { rootsOf, verifyRevocationList } from '../revocation/verify-revocation-list.js'
import { decodeTrustList } from '../trust-list/decode-trust-list.js'
import { payloadTextOf } from '../trust-list/decode-signed-document.js'
import { fromBase64url, utf8Text } from '../model/bytes.js'
import { sha256Hex } from '../model/encoding.js'
import { detectEquivocation, verifyEquivocationProof } from '../trust-list/equivocation.js'
import type { RootAnchor, TrustListHead } from '../trust-list/trust-list.types.js'
import { rootThumbprint } from '../trust-list/root-key.js'
import { verifyTrustList } from '../trust-list/verify-trust-list.js'
import { MAX_ALARMS, MAX_COUNTRIES } from './constants.js'
import { revocationGaps, type RevocationGap, type RevocationPosition } from './revocation-completeness.js'

export interface BundleInput {
  readonly lists: readonly SignedTrustList[]
  readonly alarms: readonly EquivocationProof[]
  readonly revocations?: readonly SignedRevocationList[]
  /** Signed revocation indexes (partitioned revocations): the current one per country, or the changed ones. */
  readonly revocationIndexes?: readonly SignedRevocationIndex[]
  /** Partitions the indexes name (a mirror file's, or fetched by hash); any others are ignored. Those the state
   * holds outside itself (MergeOptions.heldPartitions) are not taken again. */
  readonly revocationPartitions?: readonly SignedRevocationPartition[]
}

/**
 * The partitioned-revocation part of a verified bundle (registry-schema/verified-bundle.v1: `revocationIndexes`,
 * `revocationPartitions`), typed here so the verifier reads it whatever the generated types say.
 */
export interface HeldRevocationDocuments {
  readonly revocationIndexes?: readonly SignedRevocationIndex[]
  readonly revocationPartitions?: readonly SignedRevocationPartition[]
}

export function revocationDocumentsOf(value: object): HeldRevocationDocuments {
  return value
}

export interface MergeOptions {
  readonly now: Date
  readonly home: string
  /** The pinned home root; used only while the state holds no home list (the first sync). */
  readonly anchor?: RootAnchor
  /** Home lists after the held home list (or from the pin), oldest first: the handovers of a home root rotation. */
  readonly homeChain?: readonly SignedTrustList[]
  /** Cap per list (default 1 MiB, as for trust lists). */
  readonly maxListBytes?: number
  /**
   * Hashes of revocation partitions held outside the state (files beside the bundle), verified when they were
   * accepted: a held index naming one lacks nothing, and the merged state does not carry it.
   */
  readonly heldPartitions?: ReadonlySet<string>
}

export interface MergeReport {
  readonly accepted: { country: string; seq: number }[]
  /** Validly signed but older than what the verifier already holds: never taken. */
  readonly stale: { country: string; seq: number; heldSeq: number }[]
  readonly rejected: { country: string; code: string; message: string }[]
  readonly unrecognized: string[]
  readonly alarms: { country: string; seq: number; isNew: boolean }[]
  /** Alarms passed over: about a country the verifier holds no list of, a seq already proven, or over its cap. */
  ignoredAlarms: number
  readonly revocations: { country: string; seq: number }[]
  /** Revocation partitions accepted in this merge (each verified against its country's held index). */
  acceptedPartitions: number
  /** Partitions a held index names that the state lacks, by country (hashes to fetch from /v1/revocations). */
  readonly missingPartitions: { country: string; hashes: string[] }[]
  /** Trusted countries whose trust list names a revocation list the merged state does not hold (omitted or frozen). */
  readonly missingRevocations: RevocationGap[]
  /** Home lists accepted in this merge whose root rotation reset the diplomats without their quorum: never silent. */
  readonly governanceResets: { seq: number; issuedAt: string }[]
}

interface Held {
  readonly signed: SignedTrustList
  readonly head: TrustListHead
}

interface HeldIndex {
  readonly signed: SignedRevocationIndex
  readonly payload: RevocationIndexPayload
  readonly hash: string
}

interface HeldRevocation {
  readonly signed: SignedRevocationList
  readonly head: RevocationListHead
}

const UNBOUNDED = Number.MAX_SAFE_INTEGER

export function emptyVerifiedBundle(home: string, pinnedRoot: string, now: Date): VerifiedBundle {
  return {
    type: 'entente.verified-bundle',
    version: 1,
    home,
    pinnedRoot,
    syncedAt: iso(now),
    lists: [],
    unrecognized: [],
    seqs: {},
    alarms: [],
    revocations: [],
    revocationSeqs: {},
    sources: {},
  }
}

export async function mergeBundle(state: VerifiedBundle, input: BundleInput, options: MergeOptions): Promise<{ state: VerifiedBundle; report: MergeReport }> {
  const report: MergeReport = {
    accepted: [],
    stale: [],
    rejected: [],
    unrecognized: [],
    alarms: [],
    revocations: [],
    acceptedPartitions: 0,
    missingPartitions: [],
    missingRevocations: [],
    ignoredAlarms: 0,
    governanceResets: [],
  }
  const { now, home } = options
  if (state.home !== home) throw new EntenteError('ERR_BUNDLE_HOME_MISMATCH', `the state is for home ${state.home}, not ${home}`)
  const maxBytes = options.maxListBytes === undefined ? {} : { maxBytes: options.maxListBytes }
  // Held documents were verified when they were accepted: decoding gives their typed payloads.
  const held = new Map<string, Held>(state.lists.map((signed) => heldOf(signed)))
  const unrecognized = new Map<string, Held>(state.unrecognized.map((signed) => heldOf(signed)))
  const seqs = { ...state.seqs } as Record<string, number>
  const byCountry = groupByCountry(input.lists, report, options.maxListBytes)
  const newAlarms: EquivocationProof[] = []

  // 1: the home list, chained from the held one, or on the first sync from the pinned root (following handovers).
  const homeCandidates = [...(options.homeChain ?? []), ...(byCountry.get(home) ?? [])]
  let homeHead = held.get(home)
  const anchor = homeHead === undefined ? options.anchor : undefined
  // Without a held home list or a pin nothing could say which home list is genuine.
  if (homeHead === undefined && anchor === undefined) throw new EntenteError('ERR_USAGE', 'the first sync needs the pinned home root')
  const homeSorted = sortBySeq(homeCandidates, report, options.maxListBytes)
  // First sync: trust starts at the pinned root, and every governance decision since the first list is judged.
  // A chain that starts at seq 1 is verified from there (the pinned root must appear in it: only lists signed by
  // it, or handed over to and from it, can lead to a trusted home list); a chain that starts later is verified from
  // the pin, and only when the list carries no evidence it cannot judge on its own.
  const firstSync = homeHead === undefined
  const pinned = anchor === undefined ? undefined : 'thumbprint' in anchor ? anchor.thumbprint : await rootThumbprint(anchor.jwk)
  let pinReached = !firstSync
  for (const [index, candidate] of homeSorted.entries()) {
    try {
      // Links of a handover chain may have expired; only the newest list must be fresh.
      const allowExpired = index < homeSorted.length - 1
      const genesis = homeHead === undefined && decodeTrustList(candidate, UNBOUNDED).payload.seq === 1
      const verified = await verifyTrustList(candidate, {
        now,
        country: home,
        ...maxBytes,
        ...(homeHead !== undefined ? { head: homeHead.head } : genesis || anchor === undefined ? {} : { anchor }),
        allowExpired,
      })
      if (homeHead === undefined && !genesis && verified.carriedFromEarlierEpoch.length > 0) {
        throw new EntenteError(
          'ERR_TRUST_LIST_HANDOVER_MISSING',
          `${home} seq ${verified.payload.seq} carries recognitions of ${verified.carriedFromEarlierEpoch.join(', ')} approved before its governance epoch: the first sync must walk ${home}'s handovers from its first list (sync from a node)`,
        )
      }
      if (verified.payload.seq < (seqs[home] ?? 0)) {
        report.stale.push({ country: home, seq: verified.payload.seq, heldSeq: seqs[home] ?? 0 })
        continue
      }
      homeHead = { signed: verified.signed, head: verified }
      pinReached ||= pinned === undefined || verified.payload.root.thumbprint === pinned || verified.payload.previousRoot?.thumbprint === pinned
      seqs[home] = verified.payload.seq
      report.accepted.push({ country: home, seq: verified.payload.seq })
      // Recovery below quorum replaced who decides: the verifier keeps a record and every sync says so.
      if (verified.governanceReset) report.governanceResets.push({ seq: verified.payload.seq, issuedAt: verified.payload.issuedAt })
    } catch (error) {
      await noteFailure(report, home, error, candidate, homeHead, newAlarms, now)
    }
  }
  if (homeHead === undefined || !pinReached) {
    throw new EntenteError('ERR_TRUST_LIST_WRONG_ROOT', `no list of ${home} verifies from the pinned root ${state.pinnedRoot || describeAnchor(options.anchor)}`)
  }
  held.set(home, homeHead)
  const recognitions = new Map(homeHead.head.payload.recognitions.map((r) => [r.country, r]))

  // 2: foreign lists, only where the home list recognizes that country and names its root.
  const countries = new Set([...byCountry.keys(), ...held.keys(), ...[...unrecognized.keys()].filter((c) => recognitions.has(c))])
  countries.delete(home)
  for (const country of countries) {
    const recognition = recognitions.get(country)
    const candidates = sortBySeq(byCountry.get(country) ?? [], report, options.maxListBytes)
    if (recognition === undefined) {
      // A withdrawn recognition takes the country out of the trusted set (its seq stays remembered).
      const dropped = held.get(country)
      held.delete(country)
      if (dropped !== undefined) keepNewest(unrecognized, country, dropped)
      for (const candidate of candidates) await mergeUnrecognized(candidate, country, unrecognized, report, now, options.maxListBytes)
      continue
    }
    // A held list only chains on while home still names its root; a re-recognition under a new root starts afresh.
    let prior = held.get(country)
    if (prior !== undefined && !namesRoot(recognition, prior.head.payload)) {
      held.delete(country)
      prior = undefined
    }
    // Newly recognized: the list already held as unrecognized is a candidate too (a delta will not resend it).
    const parked = prior === undefined ? unrecognized.get(country) : undefined
    if (parked !== undefined) candidates.unshift(parked.signed)
    for (const [index, candidate] of candidates.entries()) {
      try {
        // Links before the newest candidate (handovers a delta carries) may have expired; the newest must be fresh.
        const allowExpired = index < candidates.length - 1
        const fromAnchor = { now, country, ...maxBytes, allowExpired, anchor: { thumbprint: recognition.rootThumbprint } }
        const verified =
          prior === undefined
            ? await verifyTrustList(candidate, fromAnchor)
            : await verifyTrustList(candidate, { now, country, ...maxBytes, allowExpired, head: prior.head }).catch((error: unknown) => {
                // A foreign country's handovers (its own governance) grant this verifier nothing: only the home
                // list's recognition does. A gap that hides one is judged afresh from the recognized root, and
                // the seq floor below still forbids any rollback.
                if (isEntenteError(error, 'ERR_TRUST_LIST_HANDOVER_MISSING')) return verifyTrustList(candidate, fromAnchor)
                throw error
              })
        if (!namesRoot(recognition, verified.payload)) {
          throw new EntenteError('ERR_TRUST_LIST_WRONG_ROOT', `${home} recognizes ${country} under root ${recognition.rootThumbprint}, not ${verified.payload.root.thumbprint}`)
        }
        // Never below a seq seen before, even from another source or before a recognition was withdrawn.
        if (verified.payload.seq < (seqs[country] ?? 0)) {
          report.stale.push({ country, seq: verified.payload.seq, heldSeq: seqs[country] ?? 0 })
          continue
        }
        prior = { signed: verified.signed, head: verified }
        held.set(country, prior)
        seqs[country] = verified.payload.seq
        report.accepted.push({ country, seq: verified.payload.seq })
      } catch (error) {
        await noteFailure(report, country, error, candidate, prior, newAlarms, now)
      }
    }
    if (held.has(country)) unrecognized.delete(country)
  }
  if (held.size + unrecognized.size > MAX_COUNTRIES) throw new EntenteError('ERR_BUNDLE_INVALID', `more than ${MAX_COUNTRIES} countries`)

  // 3: revocation lists, each under the root of its country's trusted list, chained, never going back.
  const revocationSeqs = { ...(state.revocationSeqs ?? {}) } as Record<string, number>
  const revocations = new Map<string, HeldRevocation>()
  for (const signed of state.revocations ?? []) {
    const decoded = decodeRevocationList(signed, UNBOUNDED)
    const country = decoded.payload.country
    const list = held.get(country)
    // Kept while its country is trusted and its root still is that country's root; after a rotation the country
    // must re-sign (publish) its revocation list.
    if (list === undefined) continue
    if (!rootsOf(list.head.payload).some((r) => r.thumbprint === decoded.payload.rootThumbprint)) {
      report.rejected.push({ country, code: 'ERR_REVOCATION_WRONG_ROOT', message: `the held revocation list of ${country} is signed by a root ${country} no longer uses` })
      continue
    }
    revocations.set(country, { signed, head: { payload: decoded.payload, hash: decoded.hash } })
  }
  for (const [country, candidates] of groupRevocations(input.revocations ?? [], report, options.maxListBytes)) {
    const list = held.get(country)
    // Revocations of a country the verifier does not trust change no verdict: not kept.
    if (list === undefined) continue
    const named = list.head.payload.revocationList
    for (const candidate of candidates) {
      const prior = revocations.get(country)
      // The held list has the named seq but other bytes (the root signed two): the named one, vouched for by the
      // trusted trust list, replaces it instead of being refused as equivocation.
      const displaced = prior !== undefined && named !== undefined && prior.head.payload.seq === named.seq && prior.head.hash !== named.hash
      const chainFrom = displaced && decodeRevocationList(candidate, UNBOUNDED).hash === named.hash ? undefined : prior
      try {
        const verified = await verifyRevocationList(candidate, {
          now,
          country,
          roots: rootsOf(list.head.payload),
          ...(chainFrom === undefined ? {} : { head: chainFrom.head }),
          ...maxBytes,
        })
        if (verified.payload.seq < (revocationSeqs[country] ?? 0)) {
          report.stale.push({ country, seq: verified.payload.seq, heldSeq: revocationSeqs[country] ?? 0 })
          continue
        }
        revocations.set(country, { signed: verified.signed, head: verified })
        revocationSeqs[country] = verified.payload.seq
        report.revocations.push({ country, seq: verified.payload.seq })
      } catch (error) {
        if (!isEntenteError(error)) throw error
        if (error.code === 'ERR_REVOCATION_DUPLICATE') continue
        if (error.code === 'ERR_REVOCATION_ROLLBACK') {
          report.stale.push({ country, seq: decodeRevocationList(candidate, UNBOUNDED).payload.seq, heldSeq: prior?.head.payload.seq ?? 0 })
          continue
        }
        report.rejected.push({ country, code: error.code, message: error.message })
      }
    }
  }
  // 3.2: partitioned revocations: a signed index per country, chained on from its last index or single list (the
  // index continues that chain), under the root of its country's trusted list; then the partitions it names.
  const heldDocs = revocationDocumentsOf(state)
  const indexes = new Map<string, HeldIndex>()
  for (const signed of heldDocs.revocationIndexes ?? []) {
    const decoded = decodeRevocationIndex(signed, UNBOUNDED)
    const country = decoded.payload.country
    const list = held.get(country)
    if (list === undefined) continue
    if (!rootsOf(list.head.payload).some((r) => r.thumbprint === decoded.payload.rootThumbprint)) {
      report.rejected.push({ country, code: 'ERR_REVOCATION_WRONG_ROOT', message: `the held revocation index of ${country} is signed by a root ${country} no longer uses` })
      continue
    }
    indexes.set(country, { signed, payload: decoded.payload, hash: decoded.hash })
  }
  for (const [country, candidates] of groupIndexes(input.revocationIndexes ?? [], report, options.maxListBytes)) {
    const list = held.get(country)
    if (list === undefined) continue
    const named = list.head.payload.revocationList
    for (const candidate of candidates) {
      const single = revocations.get(country)
      const heldIndex = indexes.get(country)
      const prior: RevocationChainHead | undefined =
        heldIndex !== undefined
          ? { seq: heldIndex.payload.seq, issuedAt: heldIndex.payload.issuedAt, hash: heldIndex.hash }
          : single === undefined
            ? undefined
            : { seq: single.head.payload.seq, issuedAt: single.head.payload.issuedAt, hash: single.head.hash }
      // As for lists: the trusted trust list vouches for the named index over a conflicting held one.
      const displaced = prior !== undefined && named !== undefined && prior.seq === named.seq && prior.hash !== named.hash
      const chainFrom = displaced && decodeRevocationIndex(candidate, UNBOUNDED).hash === named.hash ? undefined : prior
      try {
        const verified = await verifyRevocationIndex(candidate, { now, country, roots: rootsOf(list.head.payload), head: chainFrom, ...maxBytes })
        if (verified.payload.seq < (revocationSeqs[country] ?? 0)) {
          report.stale.push({ country, seq: verified.payload.seq, heldSeq: revocationSeqs[country] ?? 0 })
          continue
        }
        indexes.set(country, { signed: verified.signed, payload: verified.payload, hash: verified.hash })
        // The index continues the single list's chain: that list is superseded.
        revocations.delete(country)
        revocationSeqs[country] = verified.payload.seq
        report.revocations.push({ country, seq: verified.payload.seq })
      } catch (error) {
        if (!isEntenteError(error)) throw error
        if (error.code === 'ERR_REVOCATION_DUPLICATE') continue
        if (error.code === 'ERR_REVOCATION_ROLLBACK') {
          report.stale.push({ country, seq: decodeRevocationIndex(candidate, UNBOUNDED).payload.seq, heldSeq: prior?.seq ?? 0 })
          continue
        }
        report.rejected.push({ country, code: error.code, message: error.message })
      }
    }
  }
  // A country holding an index never keeps an older single list beside it.
  for (const country of indexes.keys()) revocations.delete(country)
  // Partitions: only those a held index names, each verified against that index (hash, seq, root, content).
  const offered = new Map<string, SignedRevocationPartition>()
  const heldPartitionHashes = new Set<string>()
  for (const signed of heldDocs.revocationPartitions ?? []) {
    // Held partitions were verified when accepted: their hash is that of their canonical payload text (a text that
    // is not canonical matches no index entry, and the partition is fetched again).
    const hash = sha256Hex(payloadTextOf(signed))
    offered.set(hash, signed)
    heldPartitionHashes.add(hash)
  }
  for (const signed of input.revocationPartitions ?? []) {
    try {
      const hash = decodeRevocationPartition(signed, options.maxListBytes).hash
      if (!offered.has(hash)) offered.set(hash, signed)
    } catch (error) {
      if (!isEntenteError(error)) throw error
      report.rejected.push({ country: '??', code: error.code, message: error.message })
    }
  }
  const partitions: SignedRevocationPartition[] = []
  for (const [country, index] of [...indexes].sort(([a], [b]) => compare(a, b))) {
    const list = held.get(country) as Held
    const missing: string[] = []
    for (const ref of index.payload.partitions) {
      // Kept beside the state, verified when it was accepted: neither fetched nor verified again.
      if (options.heldPartitions?.has(ref.hash) === true && !heldPartitionHashes.has(ref.hash)) continue
      const candidate = offered.get(ref.hash)
      if (candidate === undefined) {
        missing.push(ref.hash)
        continue
      }
      if (heldPartitionHashes.has(ref.hash)) {
        // Verified when it was accepted, against an index that named the same hash.
        partitions.push(candidate)
        continue
      }
      try {
        const verified = await verifyRevocationPartition(candidate, { index, roots: rootsOf(list.head.payload), ...maxBytes })
        partitions.push(verified.signed)
        report.acceptedPartitions++
      } catch (error) {
        if (!isEntenteError(error)) throw error
        report.rejected.push({ country, code: error.code, message: error.message })
        missing.push(ref.hash)
      }
    }
    if (missing.length > 0) report.missingPartitions.push({ country, hashes: missing })
  }

  // 3.5: a trust list that names its revocation list makes an omitted or frozen one visible, even on a first sync.
  const heldRevocations = new Map<string, RevocationPosition>([
    ...[...revocations].map(([country, r]) => [country, { seq: r.head.payload.seq, hash: r.head.hash }] as const),
    ...[...indexes].map(([country, i]) => [country, { seq: i.payload.seq, hash: i.hash }] as const),
  ])
  const incomplete = new Map(report.missingPartitions.map((m) => [m.country, m.hashes.length]))
  report.missingRevocations.push(...revocationGaps([...held].map(([country, h]) => [country, h.head.payload.revocationList] as const), heldRevocations, incomplete))

  // 4: alarms: a proof counts only under the root the verifier holds for that country (else anyone could forge
  // "proofs" against a country under a key of their own); a valid one blocks the country (see create-verifier).
  // The network fills this part, so nothing in it may make the bundle invalid: alarms the verifier cannot use (a
  // country it holds no list of, a seq already proven, over its cap) are ignored and counted, never thrown.
  const alarms = [...state.alarms]
  const known = new Set(alarms.map(alarmKey))
  // One valid proof per country and seq is enough to block the country.
  const proven = new Set(alarms.map((a) => `${a.country}:${a.seq}`))
  for (const proof of [...newAlarms, ...input.alarms]) {
    const country = proof.country
    const list = held.get(country) ?? unrecognized.get(country)
    if (list === undefined) {
      report.ignoredAlarms++
      continue
    }
    const key = alarmKey(proof)
    if (known.has(key)) {
      report.alarms.push({ country, seq: proof.seq, isNew: false })
      continue
    }
    if (proven.has(`${country}:${proof.seq}`) || alarms.length >= MAX_ALARMS) {
      report.ignoredAlarms++
      continue
    }
    try {
      const verified = await verifyEquivocationProof(proof, { now, anchor: { thumbprint: list.head.payload.root.thumbprint }, ...maxBytes })
      alarms.push(verified.proof)
      known.add(key)
      proven.add(`${country}:${proof.seq}`)
      report.alarms.push({ country, seq: proof.seq, isNew: true })
    } catch (error) {
      if (!isEntenteError(error)) throw error
      report.rejected.push({ country, code: error.code, message: error.message })
    }
  }
  report.unrecognized.push(...[...unrecognized.keys()].sort())

  return {
    state: {
      ...state,
      // After a verified handover the verifier trusts the new home root; the old one signs nothing more.
      pinnedRoot: homeHead.head.payload.root.thumbprint,
      syncedAt: iso(now),
      lists: sortedSigned(held),
      unrecognized: sortedSigned(unrecognized),
      seqs,
      alarms,
      revocations: [...revocations.entries()].sort(([a], [b]) => compare(a, b)).map(([, r]) => r.signed),
      ...(indexes.size === 0 && heldDocs.revocationIndexes === undefined
        ? {}
        : { revocationIndexes: [...indexes.entries()].sort(([a], [b]) => compare(a, b)).map(([, i]) => i.signed), revocationPartitions: partitions }),
      revocationSeqs,
      ...(report.governanceResets.length === 0 && state.governanceResets === undefined
        ? {}
        : { governanceResets: [...(state.governanceResets ?? []), ...report.governanceResets].slice(-1000) }),
    },
    report,
  }
}

/**
 * The top-level `country` of a signed document, from the first bytes of its canonical payload (keys sorted: only
 * `changes`, a list of short words, can come before it). Undefined when it is not there: the caller decodes. Only
 * for choosing which root must verify a document or which held one to look at: it proves nothing by itself.
 */
export function peekCountry(signed: { readonly payload: string }): string | undefined {
  // 5460 base64url characters, a multiple of four, are 4095 whole bytes.
  const head = signed.payload.startsWith('{') ? signed.payload.slice(0, 4096) : utf8Text(fromBase64url(signed.payload.slice(0, 5460)) ?? new Uint8Array())
  return /"country":"([A-Z]{2})"/.exec(head)?.[1]
}

/** Whether a recognition names the list's root (or, in a rotation list, the root it hands over from). */
export function namesRoot(recognition: Pick<Recognition, 'rootThumbprint'>, payload: Pick<TrustListPayload, 'root' | 'previousRoot'>): boolean {
  return recognition.rootThumbprint === payload.root.thumbprint || recognition.rootThumbprint === payload.previousRoot?.thumbprint
}

async function mergeUnrecognized(
  candidate: SignedTrustList,
  country: string,
  unrecognized: Map<string, Held>,
  report: MergeReport,
  now: Date,
  maxListBytes: number | undefined,
): Promise<void> {
  // Checked against its own root only, so a verdict can say "not recognized"; it never grants trust.
  try {
    const verified = await verifyTrustList(candidate, { now, country, ...(maxListBytes === undefined ? {} : { maxBytes: maxListBytes }) })
    keepNewest(unrecognized, country, { signed: verified.signed, head: verified })
  } catch (error) {
    if (!isEntenteError(error)) throw error
    report.rejected.push({ country, code: error.code, message: error.message })
  }
}

function keepNewest(map: Map<string, Held>, country: string, entry: Held): void {
  const previous = map.get(country)
  if (previous === undefined || previous.head.payload.seq < entry.head.payload.seq) map.set(country, entry)
}

/** Records why a candidate was not taken; a validly signed conflicting list becomes an equivocation alarm. */
async function noteFailure(
  report: MergeReport,
  country: string,
  error: unknown,
  candidate: SignedTrustList,
  prior: Held | undefined,
  alarms: EquivocationProof[],
  now: Date,
): Promise<void> {
  if (!isEntenteError(error)) throw error
  if (error.code === 'ERR_TRUST_LIST_DUPLICATE') return
  if (error.code === 'ERR_TRUST_LIST_ROLLBACK') {
    report.stale.push({ country, seq: decodeTrustList(candidate, UNBOUNDED).payload.seq, heldSeq: prior?.head.payload.seq ?? 0 })
    return
  }
  if (error.code === 'ERR_TRUST_LIST_EQUIVOCATION' && prior !== undefined) {
    // Same seq, other bytes, both validly signed under the held root: the pair is the proof; keep it as an alarm.
    const relaxed = { now, country, allowExpired: true, clockSkewMs: UNBOUNDED, anchor: { thumbprint: prior.head.payload.root.thumbprint } }
    const proof = detectEquivocation(await verifyTrustList(prior.signed, { ...relaxed, maxBytes: UNBOUNDED }), await verifyTrustList(candidate, relaxed))
    if (proof !== undefined) alarms.push(proof)
  }
  report.rejected.push({ country, code: error.code, message: error.message })
}

function heldOf(signed: SignedTrustList): [string, Held] {
  const { payload, hash } = decodeTrustList(signed, UNBOUNDED)
  return [payload.country, { signed, head: { payload, hash } }]
}

function groupByCountry(lists: readonly SignedTrustList[], report: MergeReport, maxBytes: number | undefined): Map<string, SignedTrustList[]> {
  const groups = new Map<string, SignedTrustList[]>()
  for (const signed of lists) {
    let country: string
    try {
      country = decodeTrustList(signed, maxBytes).payload.country
    } catch (error) {
      if (!isEntenteError(error)) throw error
      report.rejected.push({ country: '??', code: error.code, message: error.message })
      continue
    }
    groups.set(country, [...(groups.get(country) ?? []), signed])
  }
  return groups
}

/** Oldest first, so a page of history chains onto the held list one by one; undecodable ones were reported already. */
function sortBySeq(lists: readonly SignedTrustList[], report: MergeReport, maxBytes: number | undefined): SignedTrustList[] {
  const decoded: { seq: number; signed: SignedTrustList }[] = []
  for (const signed of lists) {
    try {
      decoded.push({ seq: decodeTrustList(signed, maxBytes).payload.seq, signed })
    } catch (error) {
      if (!isEntenteError(error)) throw error
      report.rejected.push({ country: '??', code: error.code, message: error.message })
    }
  }
  return decoded.sort((a, b) => a.seq - b.seq).map((d) => d.signed)
}

function groupRevocations(lists: readonly SignedRevocationList[], report: MergeReport, maxBytes: number | undefined): Map<string, SignedRevocationList[]> {
  const groups = new Map<string, { seq: number; signed: SignedRevocationList }[]>()
  for (const signed of lists) {
    try {
      const { payload } = decodeRevocationList(signed, maxBytes)
      groups.set(payload.country, [...(groups.get(payload.country) ?? []), { seq: payload.seq, signed }])
    } catch (error) {
      if (!isEntenteError(error)) throw error
      report.rejected.push({ country: '??', code: error.code, message: error.message })
    }
  }
  return new Map([...groups].map(([country, group]) => [country, group.sort((a, b) => a.seq - b.seq).map((g) => g.signed)]))
}

function groupIndexes(indexes: readonly SignedRevocationIndex[], report: MergeReport, maxBytes: number | undefined): Map<string, SignedRevocationIndex[]> {
  const groups = new Map<string, { seq: number; signed: SignedRevocationIndex }[]>()
  for (const signed of indexes) {
    try {
      const { payload } = decodeRevocationIndex(signed, maxBytes)
      groups.set(payload.country, [...(groups.get(payload.country) ?? []), { seq: payload.seq, signed }])
    } catch (error) {
      if (!isEntenteError(error)) throw error
      report.rejected.push({ country: '??', code: error.code, message: error.message })
    }
  }
  return new Map([...groups].map(([country, group]) => [country, group.sort((a, b) => a.seq - b.seq).map((g) => g.signed)]))
}

function alarmKey(proof: EquivocationProof): string {
  return `${proof.country}:${proof.seq}:${proof.lists.map((l) => decodeTrustList(l, UNBOUNDED).hash).sort().join(':')}`
}

function sortedSigned(map: Map<string, Held>): SignedTrustList[] {
  return [...map.entries()].sort(([a], [b]) => compare(a, b)).map(([, h]) => h.signed)
}

function describeAnchor(anchor: RootAnchor | undefined): string {
  if (anchor === undefined) return '(none given)'
  return 'thumbprint' in anchor ? anchor.thumbprint : 'given as a key'
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

function iso(date: Date): string {
  return new Date(Math.floor(date.getTime() / 1000) * 1000).toISOString().replace('.000Z', 'Z')
}

