// Serves the bundle: latest unexpired list per country plus alarms and certificate revocation lists, as full or
// delta documents with strong ETags. The full bundle is serialized once per store change, so 200s and 304s cost a
// lookup. The change token is "<listId>.<alarmId>.<revocationId>"; the older two-part form is still accepted (as
// revocation id 0, so such a client receives every revocation list once).
import { createHash } from 'node:crypto'
import { gzipSync } from 'node:zlib'
import { EntenteError } from '../model/errors.js'
import type { Bundle } from '../model/schema.types.js'
import type { RevocationRepository, StoredRevocationList } from '../store/revocation-repository.js'
import type { StoredEquivocation, StoredTrustList, TrustStore } from '../store/store.types.js'
import { decodeTrustList } from '../trust-list/decode-trust-list.js'
import { isHandover } from '../trust-list/handover.js'

export interface BundleResponse {
  readonly body: string
  readonly etag: string
  readonly full: boolean
  readonly token: string
  /** The body gzip-compressed, computed once per response (the full bundle is cached, so once per change). */
  gzipped(): ArrayBuffer
}

/** Lists a delta looks through for handovers, and handovers it carries at most (bundle.v1 holds 1000 lists). */
const MAX_DELTA_SCAN = 5000
const MAX_DELTA_HANDOVERS = 200

const TOKEN = /^(\d{1,15})\.(\d{1,15})(?:\.(\d{1,15}))?$/
/** bundle.v1 allows this many alarms (and verifiers keep as many): a node never serves more, oldest first. */
export const MAX_BUNDLE_ALARMS = 1000

export class BundleSource {
  readonly #store: TrustStore
  readonly #revocations: RevocationRepository | undefined
  readonly #lastPurge: () => number
  /** Stored lists never change: whether one is a handover is decoded once per list hash, not on every delta. */
  readonly #handover = new Map<string, boolean>()
  #cached: { key: string; validUntil: number; response: BundleResponse } | undefined

  /** `lastPurge`: the id of the last purge of the trust tables (a purge can remove lists without a new change id). */
  constructor(store: TrustStore, revocations?: RevocationRepository, lastPurge: () => number = () => 0) {
    this.#store = store
    this.#revocations = revocations
    this.#lastPurge = lastPurge
  }

  /** The current change token, without building anything. */
  token(): string {
    return `${this.#store.lastChangeId()}.${this.#store.lastEquivocationId()}.${this.#revocations?.lastChangeId() ?? 0}`
  }

  full(now: Date): BundleResponse {
    const token = this.token()
    const key = `${token}/${this.#lastPurge()}`
    const cached = this.#cached
    if (cached !== undefined && cached.key === key && now.getTime() < cached.validUntil) return cached.response
    const lists = this.#store.heads().filter((l) => Date.parse(l.expiresAt) > now.getTime())
    const revocations = (this.#revocations?.heads() ?? []).filter((r) => Date.parse(r.expiresAt) > now.getTime())
    const response = render({ lists, alarms: this.#store.equivocationsSince(0).slice(0, MAX_BUNDLE_ALARMS), revocations, token, full: true })
    // Valid until the first included list expires: then it must drop out of the bundle.
    const validUntil = Math.min(...[...lists, ...revocations].map((l) => Date.parse(l.expiresAt)), Number.MAX_SAFE_INTEGER)
    this.#cached = { key, validUntil, response }
    return response
  }

  #namedRevocations(lists: readonly StoredTrustList[], carried: readonly StoredRevocationList[], now: Date): StoredRevocationList[] {
    const revocations = this.#revocations
    return revocations === undefined ? [] : namedRevocationsOf(lists, carried, (country) => revocations.head(country), now)
  }

  #isHandover(list: StoredTrustList): boolean {
    let handover = this.#handover.get(list.hash)
    if (handover === undefined) {
      handover = isHandover(decodeTrustList(list.signed, Number.MAX_SAFE_INTEGER).payload)
      this.#handover.set(list.hash, handover)
    }
    return handover
  }

  /** What changed after `since`; a token this node never issued (ahead of it) gets the full bundle. */
  since(since: string, now: Date): BundleResponse {
    const match = TOKEN.exec(since)
    if (match === null) throw new EntenteError('ERR_HTTP_BAD_REQUEST', 'since must be a token from a previous bundle')
    const [listId, alarmId, revocationId] = [Number(match[1]), Number(match[2]), Number(match[3] ?? 0)]
    const token = this.token()
    const lastRevocationId = this.#revocations?.lastChangeId() ?? 0
    if (listId > this.#store.lastChangeId() || alarmId > this.#store.lastEquivocationId() || revocationId > lastRevocationId) return this.full(now)
    const heads = this.#store.changedSince(listId).filter((l) => Date.parse(l.expiresAt) > now.getTime())
    // Handovers appended since the token travel with the heads (expired ones too, as links): a verifier that skipped
    // them could not chain on. Bounded; beyond it the verifier walks the history itself.
    const carried = new Set(heads.map((l) => l.hash))
    const handovers = this.#store
      .appendedSince(listId, MAX_DELTA_SCAN)
      .filter((l) => !carried.has(l.hash) && this.#isHandover(l))
      .slice(-MAX_DELTA_HANDOVERS)
    const lists = [...handovers, ...heads]
    const changed = (this.#revocations?.changedSince(revocationId) ?? []).filter((r) => Date.parse(r.expiresAt) > now.getTime())
    const revocations = [...changed, ...this.#namedRevocations(heads, changed, now)]
    return render({ lists, alarms: this.#store.equivocationsSince(alarmId).slice(0, MAX_BUNDLE_ALARMS), revocations, token, full: false, since })
  }
}

/**
 * The revocation heads that a delta's trust lists name but the delta would not carry (sent before the token): a
 * client may have set them aside then (it did not trust that country yet), and without the named list it must
 * refuse the country's certificates.
 */
function namedRevocationsOf(
  lists: readonly StoredTrustList[],
  carried: readonly StoredRevocationList[],
  head: (country: string) => StoredRevocationList | undefined,
  now: Date,
): StoredRevocationList[] {
  const countries = new Set(carried.map((r) => r.country))
  const extra: StoredRevocationList[] = []
  for (const list of lists) {
    if (countries.has(list.country)) continue
    const named = decodeTrustList(list.signed, Number.MAX_SAFE_INTEGER).payload.revocationList
    const held = named === undefined ? undefined : head(list.country)
    if (named === undefined || held === undefined || held.seq < named.seq || Date.parse(held.expiresAt) <= now.getTime()) continue
    extra.push(held)
    countries.add(list.country)
  }
  return extra
}

function render(input: {
  lists: readonly StoredTrustList[]
  alarms: readonly StoredEquivocation[]
  revocations: readonly StoredRevocationList[]
  token: string
  full: boolean
  since?: string
}): BundleResponse {
  const bundle: Bundle = {
    type: 'entente.bundle',
    version: 1,
    token: input.token,
    ...(input.since === undefined ? {} : { since: input.since }),
    full: input.full,
    lists: input.lists.map((l) => l.signed),
    alarms: input.alarms.map((a) => a.proof),
    revocations: input.revocations.map((r) => r.signed),
  }
  const body = JSON.stringify(bundle)
  const etag = `"${createHash('sha256').update(body).digest('base64url')}"`
  let gzipped: ArrayBuffer | undefined
  const compress = (): ArrayBuffer => {
    const bytes = gzipSync(body)
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)
  }
  return { body, etag, full: input.full, token: input.token, gzipped: () => (gzipped ??= compress()) }
}
