// The verifier SDK: a verified bundle in, `verify(payload)` out. Trust comes only from the bundle: the home list
// (pinned root), the countries it recognizes (for the recognized scopes), their signers, their revocation lists and
// the home rules. createVerifier verifies every signed document of the bundle once (a revocation partition by the
// hash its verified index names) in prepareVerifierState, whose result verifierFromState indexes: `entente sync`
// keeps that prepared state beside the bundle, so a verifier need not verify it again at each start. Expiry is judged
// per call, with a grace period.
// Pure: no I/O, no network; time is passed in or taken per call.
import type { DccSchemaValidator } from '../certificates/dcc/validate-dcc-schema.js'
import { prepareTrust, shcKeyId, type PreparedTrust } from '../certificates/prepare-trust.js'
import type { Signer, TrustMaterial } from '../certificates/trust-material.types.js'
import type { Reason, Verdict } from '../certificates/verdict.types.js'
import { verifyCertificate } from '../certificates/verify-certificate.js'
import { revocationCallback, revocationSets, setLookup, type RevocationLookup } from '../certificates/revocation-check.js'
import { EntenteError, isEntenteError } from '../model/errors.js'
import type { RevocationIndexPayload, RevocationListPayload, RevocationPartitionPayload, TrustListPayload, VerifiedBundle } from '../model/schema.types.js'
import { schemaValidators } from '../model/schemas.js'
import { decodeRevocationList } from '../revocation/decode-revocation-list.js'
import { decodeRevocationIndex } from '../revocation/decode-revocation-partitions.js'
import { createLazyRevocationLookup } from '../revocation/revocation-lookup.js'
import { verifyRevocationIndex } from '../revocation/verify-revocation-partitions.js'
import { utf8Text } from '../model/bytes.js'
import { sha256Hex } from '../model/encoding.js'
import { payloadTextOf } from '../trust-list/decode-signed-document.js'
import { rootsOf, verifyRevocationList } from '../revocation/verify-revocation-list.js'
import { decodeTrustList } from '../trust-list/decode-trust-list.js'
import type { RootAnchor, VerifiedTrustList } from '../trust-list/trust-list.types.js'
import { verifyTrustList } from '../trust-list/verify-trust-list.js'
import { describeRevocationGap, revocationGaps, type RevocationGap, type RevocationPosition } from './revocation-completeness.js'
import { namesRoot, peekCountry, revocationDocumentsOf } from './verify-bundle.js'

export interface VerifierOptions {
  /** Verification time of every call that passes none (default: the clock at each call). */
  readonly now?: Date | (() => Date)
  /** How long after a list's expiresAt its trust data may still be used, in seconds (default 0: none). */
  readonly graceSeconds?: number
  /** The EU DCC JSON schema (or its compiled form), for warnings on deviating payloads. */
  readonly dccSchema?: object | DccSchemaValidator
  /**
   * The home root the app pins. The bundle's own `pinnedRoot` comes from the same file as the lists, so an app that
   * does not trust the file's storage passes its pin here (the current root, after any rotation it has followed).
   */
  readonly expectedRoot?: RootAnchor
  /**
   * Revocation partitions kept outside the bundle (the files beside it: see loadVerifier), asked by the hash a
   * verified index names: the signed partition, or its payload text as UTF-8 bytes (what the files hold, hashed
   * without a string copy); undefined when not held. Whatever it returns counts only if its payload text has that
   * hash. Asked when a certificate's hash first falls into that partition (then kept, packed), and synchronous so
   * that a verdict waits on nothing else. The source must keep serving the partitions of the state it loaded (files
   * beside the bundle outlive the next sync): one gone or changed refuses the certificates that need it
   * (ERR_REVOCATIONS_MISSING). Partitions the bundle embeds are used first.
   */
  readonly revocationPartition?: (hash: string) => { readonly payload: string } | Uint8Array | undefined
  /**
   * Whether `revocationPartition` holds a partition, asked for every partition at load (default: whether it returns
   * one): a cheap answer (a directory listing) keeps load from reading any partition's bytes.
   */
  readonly revocationPartitionHeld?: (hash: string) => boolean
}

export interface VerifierStatus {
  readonly home: string
  readonly syncedAt: string
  readonly countries: {
    country: string
    seq: number
    expiresAt: string
    role: 'home' | 'recognized' | 'unrecognized'
    blocked: boolean
    revocations?: { seq: number; expiresAt: string; dcc: number; shc: number }
    /** The revocation list this country's trust list names but the bundle lacks: its certificates are refused. */
    missingRevocations?: { seq: number; heldSeq?: number }
  }[]
}

export interface Verifier {
  readonly home: string
  verify(payload: string, options?: { now?: Date; showHolder?: boolean }): Promise<Verdict>
  status(): VerifierStatus
}

/**
 * What a verifier keeps of a verified bundle once every signed document in it checked out: the trust lists' payloads
 * (home first), the revocation lists' and indexes' payloads with their hashes, the embedded partitions, and the
 * countries an equivocation proof blocks. Plain JSON: `entente sync` keeps it beside the bundle (see loadVerifier), so
 * a verifier starts from it without verifying the bundle again.
 */
export interface PreparedVerifierState {
  readonly home: string
  readonly syncedAt: string
  readonly revocationSeqs: Readonly<Record<string, number>>
  readonly lists: readonly { readonly role: 'home' | 'recognized' | 'unrecognized'; readonly payload: HeldTrustListPayload }[]
  readonly revocationLists: readonly { readonly hash: string; readonly payload: RevocationListPayload }[]
  readonly revocationIndexes: readonly { readonly hash: string; readonly payload: RevocationIndexPayload }[]
  /** Payload texts of the partitions the bundle embeds. */
  readonly partitions: readonly string[]
  readonly blocked: readonly string[]
}

/** A trust list's payload as a verifier keeps it: a DCC certificate as base64 or, in a prepared state, as DER bytes. */
export type HeldTrustListPayload = Omit<TrustListPayload, 'signers'> & { readonly signers: readonly Signer[] }

export async function createVerifier(bundle: unknown, options: VerifierOptions = {}): Promise<Verifier> {
  return verifierFromState(await prepareVerifierState(bundle, options), options)
}

/**
 * Verifies every signed document of a verified bundle, each once, and keeps what verdicts need (createVerifier's
 * first half). Throws ERR_BUNDLE_INVALID for anything that does not verify.
 */
export async function prepareVerifierState(bundle: unknown, options: Pick<VerifierOptions, 'expectedRoot' | 'now'> = {}): Promise<PreparedVerifierState> {
  const input = schemaValidators().check('verified-bundle.v1', bundle, 'ERR_BUNDLE_INVALID')
  const home = input.home
  const loadTime = options.now instanceof Date ? options.now : (options.now?.() ?? new Date())

  // Re-verified on load, each list once: a bundle file edited on disk gains nothing. Expiry is judged per call.
  const reverify = async (signed: VerifiedBundle['lists'][number], extra: { anchor?: RootAnchor; country?: string } = {}): Promise<VerifiedTrustList> => {
    try {
      return await verifyTrustList(signed, { now: loadTime, allowExpired: true, clockSkewMs: Number.MAX_SAFE_INTEGER, maxBytes: Number.MAX_SAFE_INTEGER, ...extra })
    } catch (cause) {
      throw new EntenteError('ERR_BUNDLE_INVALID', `a list in the bundle does not verify: ${isEntenteError(cause) ? cause.code : String(cause)}`, { cause })
    }
  }
  // Which root must verify a list depends on its country: read from the payload's first bytes, not a whole decode,
  // and bound by the verification (`country`), so a list that names another country fails instead of slipping by.
  const countryOf = (signed: VerifiedBundle['lists'][number]): string => {
    const peeked = peekCountry(signed)
    if (peeked !== undefined) return peeked
    try {
      return decodeTrustList(signed, Number.MAX_SAFE_INTEGER).payload.country
    } catch (cause) {
      throw new EntenteError('ERR_BUNDLE_INVALID', 'a list in the bundle is malformed', { cause })
    }
  }
  const byCountrySigned = input.lists.map((signed) => ({ signed, country: countryOf(signed) }))
  const homeSigned = byCountrySigned.find((l) => l.country === home)?.signed
  if (homeSigned === undefined) throw new EntenteError('ERR_BUNDLE_INVALID', `the bundle holds no ${home} list`)
  const homePayload = (await reverify(homeSigned, { country: home, anchor: options.expectedRoot ?? { thumbprint: input.pinnedRoot } })).payload
  const recognitions = new Map(homePayload.recognitions.map((r) => [r.country, r]))

  const recognized: TrustListPayload[] = []
  for (const { signed, country } of byCountrySigned) {
    if (signed === homeSigned) continue
    const recognition = recognitions.get(country)
    if (recognition === undefined || country === home) {
      throw new EntenteError('ERR_BUNDLE_INVALID', `the bundle trusts ${country} without a recognition by ${home}`)
    }
    const list = await reverify(signed, { country, anchor: { thumbprint: recognition.rootThumbprint } })
    if (!namesRoot(recognition, list.payload)) throw new EntenteError('ERR_BUNDLE_INVALID', `${home} recognizes another root of ${country}`)
    recognized.push(list.payload)
  }
  const trusted = [homePayload, ...recognized]
  const trustedByCountry = new Map(trusted.map((l) => [l.country, l]))
  const unrecognized: TrustListPayload[] = []
  for (const signed of input.unrecognized) {
    const list = await reverify(signed)
    // Kept for diagnosis only; a country that is home or recognized never appears here.
    if (trustedByCountry.has(list.payload.country) || recognitions.has(list.payload.country)) continue
    unrecognized.push(list.payload)
  }

  // Revocation lists: each signed by the root of its country's trusted list.
  const revocationLists: PreparedVerifierState['revocationLists'][number][] = []
  for (const signed of input.revocations ?? []) {
    let country: string
    try {
      country = peekCountry(signed) ?? decodeRevocationList(signed, Number.MAX_SAFE_INTEGER).payload.country
    } catch (cause) {
      throw new EntenteError('ERR_BUNDLE_INVALID', 'a revocation list in the bundle is malformed', { cause })
    }
    const list = trustedByCountry.get(country)
    if (list === undefined) throw new EntenteError('ERR_BUNDLE_INVALID', `the bundle holds revocations of ${country}, which it does not trust`)
    try {
      const verified = await verifyRevocationList(signed, { now: loadTime, country, roots: rootsOf(list), allowExpired: true, clockSkewMs: Number.MAX_SAFE_INTEGER, maxBytes: Number.MAX_SAFE_INTEGER })
      revocationLists.push({ hash: verified.hash, payload: verified.payload })
    } catch (cause) {
      throw new EntenteError('ERR_BUNDLE_INVALID', `the revocation list of ${country} does not verify`, { cause })
    }
  }

  // Partitioned revocations: each index under the root of its country's trusted list (it continues the chain of the
  // single lists and replaces them); its partitions are checked against it when first needed (verifierFromState).
  const docs = revocationDocumentsOf(input)
  const revocationIndexes: PreparedVerifierState['revocationIndexes'][number][] = []
  for (const signed of docs.revocationIndexes ?? []) {
    let country: string
    try {
      country = peekCountry(signed) ?? decodeRevocationIndex(signed, Number.MAX_SAFE_INTEGER).payload.country
    } catch (cause) {
      throw new EntenteError('ERR_BUNDLE_INVALID', 'a revocation index in the bundle is malformed', { cause })
    }
    const list = trustedByCountry.get(country)
    if (list === undefined) throw new EntenteError('ERR_BUNDLE_INVALID', `the bundle holds revocations of ${country}, which it does not trust`)
    try {
      const verified = await verifyRevocationIndex(signed, { now: loadTime, country, roots: rootsOf(list), allowExpired: true, clockSkewMs: Number.MAX_SAFE_INTEGER, maxBytes: Number.MAX_SAFE_INTEGER })
      revocationIndexes.push({ hash: verified.hash, payload: verified.payload })
    } catch (cause) {
      throw new EntenteError('ERR_BUNDLE_INVALID', `the revocation index of ${country} does not verify`, { cause })
    }
  }

  // Equivocation: a country is blocked from the equivocating seq on until a newer list resolves it. A proof counts
  // only under the root the bundle holds for that country (merge verified it; here it is matched, not re-verified).
  const blocked: string[] = []
  for (const list of [...trusted, ...unrecognized]) {
    const roots = new Set([list.root.thumbprint, list.previousRoot?.thumbprint])
    const convicted = input.alarms.some(
      (a) => a.country === list.country && a.seq >= list.seq && a.lists.every((l) => roots.has(decodeTrustList(l, Number.MAX_SAFE_INTEGER).payload.root.thumbprint)),
    )
    if (convicted) blocked.push(list.country)
  }

  return {
    home,
    syncedAt: input.syncedAt,
    revocationSeqs: Object.fromEntries(Object.entries(input.revocationSeqs ?? {}).filter((e): e is [string, number] => e[1] !== undefined)),
    lists: [
      { role: 'home', payload: homePayload },
      ...recognized.map((payload) => ({ role: 'recognized' as const, payload })),
      ...unrecognized.map((payload) => ({ role: 'unrecognized' as const, payload })),
    ],
    revocationLists,
    revocationIndexes,
    partitions: (docs.revocationPartitions ?? []).map((signed) => payloadTextOf(signed)),
    blocked,
  }
}

/**
 * The verifier of a prepared state (createVerifier's second half): indexes the signers, the revocations and the
 * partitions' presence; verifies nothing, so the state must come from prepareVerifierState, directly or kept by sync.
 */
export async function verifierFromState(prepared: PreparedVerifierState, options: VerifierOptions = {}): Promise<Verifier> {
  const graceSeconds = options.graceSeconds ?? 0
  if (!Number.isFinite(graceSeconds) || graceSeconds < 0) throw new EntenteError('ERR_USAGE', 'graceSeconds must be a non-negative number')
  const graceMs = graceSeconds * 1000
  const clock = () => (options.now instanceof Date ? options.now : (options.now?.() ?? new Date()))

  const heldOf = (role: PreparedVerifierState['lists'][number]['role']): HeldList[] => prepared.lists.filter((l) => l.role === role).map((l) => ({ payload: l.payload }))
  const [home] = heldOf('home')
  if (home === undefined) throw new EntenteError('ERR_BUNDLE_INVALID', `the verifier state holds no ${prepared.home} list`)
  const recognized = heldOf('recognized')
  const unrecognized = heldOf('unrecognized')
  const recognitions = new Map(home.payload.recognitions.map((r) => [r.country, r]))
  const trusted = [home, ...recognized]
  const trustedByCountry = new Map(trusted.map((l) => [l.payload.country, l]))

  const revocations = new Map<string, HeldRevocations>()
  const revocationEntries = new Map<string, RevocationListPayload>()
  const revocationHeads = new Map<string, RevocationPosition>()
  for (const { hash, payload } of prepared.revocationLists) {
    revocations.set(payload.country, { country: payload.country, seq: payload.seq, expiresAt: payload.expiresAt, dcc: payload.dcc.length, shc: payload.shc.length })
    revocationEntries.set(payload.country, payload)
    revocationHeads.set(payload.country, { seq: payload.seq, hash })
  }
  const indexes = new Map<string, RevocationIndexPayload>()
  for (const { hash, payload } of prepared.revocationIndexes) {
    const country = payload.country
    indexes.set(country, payload)
    revocationEntries.delete(country)
    revocations.set(country, { country, seq: payload.seq, expiresAt: payload.expiresAt, dcc: payload.totals.dcc, shc: payload.totals.shc })
    revocationHeads.set(country, { seq: payload.seq, hash })
  }

  // A partition is bound by its hash, which the verified index names: a payload whose SHA-256 is a named hash is
  // byte for byte the partition the sync verified in full (signature, content), so only the hash is checked: no
  // signature per partition. Load asks only whether each named partition is held; its bytes are read, hashed, parsed
  // and packed the first time a certificate's hash falls into it, so load costs the same at 100 million hashes as at
  // none, and memory holds only the partitions used. Embedded partitions (mirror files, older states) come first,
  // then the caller's source (files beside the bundle).
  const embedded = new Map<string, string>()
  for (const text of prepared.partitions) embedded.set(sha256Hex(text), text)
  const source = options.revocationPartition
  const heldBySource = options.revocationPartitionHeld ?? ((hash: string) => source?.(hash) !== undefined)
  const isHeld = (hash: string): boolean => embedded.has(hash) || heldBySource(hash)
  const textOf = (hash: string): string | undefined => {
    const held = embedded.get(hash)
    if (held !== undefined) return held
    const offered = source?.(hash)
    // An edited or swapped partition is no longer the one the index names: as good as missing.
    if (offered instanceof Uint8Array) return sha256Hex(offered) === hash ? utf8Text(offered) : undefined
    if (offered === undefined || typeof offered.payload !== 'string') return undefined
    const text = payloadTextOf(offered)
    return sha256Hex(text) === hash ? text : undefined
  }
  const openPartition = (country: string, ref: { readonly id: string; readonly hash: string }): RevocationPartitionPayload => {
    const text = textOf(ref.hash)
    // Held at load, gone or changed now (a later sync replaced it, or the file was edited): fail closed.
    if (text === undefined) {
      throw new EntenteError('ERR_REVOCATIONS_MISSING', `the revocation partition ${ref.id} of ${country} is no longer held as its index names it; load the verifier again after a sync`)
    }
    let payload: RevocationPartitionPayload
    try {
      payload = JSON.parse(text) as RevocationPartitionPayload
    } catch (cause) {
      throw new EntenteError('ERR_BUNDLE_INVALID', `a revocation partition of ${country} is malformed`, { cause })
    }
    if (payload.country !== country || payload.id !== ref.id) throw new EntenteError('ERR_BUNDLE_INVALID', `a revocation partition of ${country} is not the one its index names`)
    return payload
  }
  // Revocations are asked through one lookup per country, built once here: a verdict never re-verifies anything.
  const lookups = new Map<string, RevocationLookup>()
  const missingPartitions = new Map<string, number>()
  for (const [country, index] of indexes) {
    const refs = index.partitions
    const absent = refs.filter((ref) => !isHeld(ref.hash)).length
    if (absent > 0) missingPartitions.set(country, absent)
    lookups.set(country, createLazyRevocationLookup(refs.map((ref) => ({ id: ref.id, open: () => openPartition(country, ref) }))))
  }
  for (const [country, payload] of revocationEntries) {
    lookups.set(
      country,
      setLookup(
        revocationSets([
          ...payload.dcc.map((e) => ({ format: 'dcc' as const, hashType: e.hashType, hash: e.hash })),
          ...payload.shc.map((e) => ({ format: 'shc' as const, issuer: e.issuer, kid: e.kid, rid: e.rid, ...(e.revokedAt === undefined ? {} : { revokedAt: e.revokedAt }) })),
        ]),
      ),
    )
  }

  // Completeness: a trusted list names its current revocation list; without it (or a newer one) a mirror may have
  // omitted or frozen it, so none of that country's certificates can be judged unrevoked.
  const missing = new Map<string, RevocationGap>(
    revocationGaps(
      trusted.map((l) => [l.payload.country, l.payload.revocationList] as const),
      revocationHeads,
      missingPartitions,
    ).map((gap) => [gap.country, gap]),
  )

  const blocked = new Set(prepared.blocked)

  // Unrecognized lists are self-signed by anyone: their signers may never shadow a trusted signer's kid.
  const trustedKids = new Set(trusted.flatMap((l) => l.payload.signers.map((s) => (s.format === 'dcc' ? s.kid : shcKeyId(s.issuer, s.kid)))))
  const material: TrustMaterial = {
    signers: Object.fromEntries([
      ...trusted.map((l) => [l.payload.country, l.payload.signers as Signer[]] as const),
      ...unrecognized.map((l) => [l.payload.country, (l.payload.signers as Signer[]).filter((s) => !trustedKids.has(s.format === 'dcc' ? s.kid : shcKeyId(s.issuer, s.kid)))] as const),
    ]),
    revokedSigners: [...trusted, ...unrecognized].flatMap((l) => l.payload.revokedSigners.map((r) => ({ ...r, country: l.payload.country }))),
    home: prepared.home,
    recognition: [...recognitions.values()]
      .filter((r) => trustedByCountry.has(r.country) && !blocked.has(r.country))
      .map((r) => ({ country: r.country, scopes: r.scopes, ...(r.vaccines === undefined ? {} : { vaccines: r.vaccines }) })),
    policy: { vaccines: home.payload.vaccines, ...(home.payload.rules === undefined ? {} : { rules: home.payload.rules }) },
  }
  const base: PreparedTrust = await prepareTrust(material, options.dccSchema === undefined ? {} : { dccSchema: options.dccSchema })
  const byCountry = new Map<string, HeldTrustListPayload>([...trusted, ...unrecognized].map((l) => [l.payload.country, l.payload]))

  return {
    home: prepared.home,
    async verify(payload, callOptions = {}) {
      const now = callOptions.now ?? clock()
      const certificateOptions = { now, ...(callOptions.showHolder === undefined ? {} : { showHolder: callOptions.showHolder }) }
      // One verification: the issuing country's revocations are asked through the callback once the signature
      // verified, never by verifying again.
      const asked = revocationCallback((country) => lookups.get(country))
      // A partition that cannot be opened now judges nothing: the certificate is refused, never passed as unrevoked.
      let unopened: string | undefined
      const isRevoked: typeof asked = (check) => {
        try {
          return asked(check)
        } catch (error) {
          if (!isEntenteError(error)) throw error
          unopened = error.message
          return undefined
        }
      }
      const verdict = await verifyCertificate(payload, base, { ...certificateOptions, isRevoked })
      const extra: Reason[] = []
      const stale = (expiresAt: string) => now.getTime() > Date.parse(expiresAt) + graceMs
      // Old trust data fails loudly, as trust data: the certificate itself may be fine.
      if (stale(home.payload.expiresAt)) {
        extra.push({ code: 'ERR_EXPIRED_TRUST_LIST', message: `the home trust list of ${prepared.home} expired at ${home.payload.expiresAt}; sync again` })
      }
      const issuer = verdict.issuer === undefined ? undefined : byCountry.get(verdict.issuer)
      if (issuer !== undefined && issuer.country !== prepared.home && trustedByCountry.has(issuer.country) && stale(issuer.expiresAt)) {
        extra.push({ code: 'ERR_EXPIRED_TRUST_LIST', message: `the trust list of ${issuer.country} expired at ${issuer.expiresAt}; sync again` })
      }
      const revocationList = verdict.issuer === undefined ? undefined : revocations.get(verdict.issuer)
      if (revocationList !== undefined && stale(revocationList.expiresAt)) {
        extra.push({ code: 'ERR_EXPIRED_TRUST_LIST', message: `the revocation list of ${revocationList.country} expired at ${revocationList.expiresAt}; sync again` })
      }
      const gap = verdict.issuer === undefined ? undefined : missing.get(verdict.issuer)
      if (gap !== undefined) extra.push({ code: 'ERR_REVOCATIONS_MISSING', message: describeRevocationGap(gap) })
      else if (unopened !== undefined) extra.push({ code: 'ERR_REVOCATIONS_MISSING', message: unopened })
      // Seen before but missing now (dropped by a mirror, or by a root rotation): fail closed, never silently open.
      if (
        gap === undefined &&
        verdict.issuer !== undefined &&
        revocationList === undefined &&
        trustedByCountry.has(verdict.issuer) &&
        (prepared.revocationSeqs[verdict.issuer] ?? 0) > 0
      ) {
        extra.push({ code: 'ERR_EXPIRED_TRUST_LIST', message: `the revocation list of ${verdict.issuer} (seq ${prepared.revocationSeqs[verdict.issuer]}) is no longer held; sync again` })
      }
      if (verdict.issuer !== undefined && blocked.has(verdict.issuer)) {
        extra.push({ code: 'ERR_NOT_RECOGNIZED_EQUIVOCATION', message: `${verdict.issuer} signed two different trust lists with one seq; its lists are refused until a newer one resolves it` })
      }
      return extra.length === 0 ? verdict : { ...verdict, valid: false, reasons: [...extra, ...verdict.reasons] }
    },
    status() {
      const row = (l: HeldList, role: 'home' | 'recognized' | 'unrecognized') => {
        const r = revocations.get(l.payload.country)
        const gap = role === 'unrecognized' ? undefined : missing.get(l.payload.country)
        return {
          country: l.payload.country,
          seq: l.payload.seq,
          expiresAt: l.payload.expiresAt,
          role,
          blocked: blocked.has(l.payload.country),
          ...(r === undefined ? {} : { revocations: { seq: r.seq, expiresAt: r.expiresAt, dcc: r.dcc, shc: r.shc } }),
          ...(gap === undefined ? {} : { missingRevocations: { seq: gap.needs.seq, ...(gap.holds === undefined ? {} : { heldSeq: gap.holds.seq }) } }),
        }
      }
      return {
        home: prepared.home,
        syncedAt: prepared.syncedAt,
        countries: [row(home, 'home'), ...recognized.map((l) => row(l, 'recognized')), ...unrecognized.map((l) => row(l, 'unrecognized'))],
      }
    },
  }
}

/** A country's held revocations (a single list or an index), as verdicts and status() need them. */
interface HeldRevocations {
  readonly country: string
  readonly seq: number
  readonly expiresAt: string
  readonly dcc: number
  readonly shc: number
}

/** A verified list as the verifier keeps it: its payload, without the signed text it was verified from. */
interface HeldList {
  readonly payload: HeldTrustListPayload
}
