// Re-verifies the diplomats' evidence behind every recognition and withdrawal of a trust list: each approval is
// a WebAuthn assertion, by a diplomat the same list names, over a challenge bound to exactly that entry.
// Pure: no I/O, no clock, no network (signatures through the crypto platform). The same code runs on the approving
// node and offline.
import { Decoder } from 'cbor-x'
import { canonicalBytes, canonicalize } from '../model/canonical-json.js'
import { slicer } from '../model/time-slice.js'
import { fromBase64url, sha256, toBase64, toBase64url, utf8 } from '../model/encoding.js'
import { EntenteError } from '../model/errors.js'
import type { Approval, Diplomat, Recognition, TrustListPayload } from '../model/schema.types.js'
import { floorsAfter, governanceEntry, sameGovernance, type ChainPosition } from './handover.js'
import type { RecognitionErrorCode } from './recognition-error-codes.js'
import type { TrustListHead } from './trust-list.types.js'
import { cryptoPlatform } from '../platform/crypto-platform.js'
import type { PublicKey, SignatureScheme } from '../platform/crypto-platform.types.js'

/** What a quorum approves: adding a recognition, withdrawing one, or a new diplomat set and quorum. */
export type ApprovalAction = 'recognize' | 'withdraw' | 'govern'

/** A recognition without its evidence: exactly what the diplomats sign. */
export type RecognitionEntry = Omit<Recognition, 'approvals'>

/** What a governance approval signs: the complete new diplomat set and quorum. */
export type GovernanceEntry = ReturnType<typeof governanceEntry>

export interface ApprovalChallengeInput {
  readonly action: ApprovalAction
  /** The approving country: the country whose list carries the entry. */
  readonly country: string
  readonly entry: RecognitionEntry | GovernanceEntry
  /** The approving country's head when the proposal was made: the approval is bound to that chain position. */
  readonly head: ChainPosition
  /** base64url, fresh per assertion, from the approving node. */
  readonly nonce: string
}

/** COSE algorithms a diplomat's passkey may use (what registration offers). */
const SLICE_MS = 10

export const SUPPORTED_COSE_ALGORITHMS = [-8, -7, -257] as const

const APPROVAL_TYPE = 'entente.approval'
const APPROVAL_VERSION = 2
// WebAuthn §6.1 flags: UP (user present) and UV (user verified).
const FLAG_UP = 0x01
const FLAG_UV = 0x04
const MIN_RSA_BITS = 2048

/** The entry of a recognition, with only the fields that carry meaning (the evidence is left out). */
export function recognitionEntry(recognition: RecognitionEntry | Recognition): RecognitionEntry {
  const { country, rootThumbprint, scopes, vaccines } = recognition
  return vaccines === undefined ? { country, rootThumbprint, scopes } : { country, rootThumbprint, scopes, vaccines }
}

/**
 * The WebAuthn challenge for an approval: base64url(SHA-256(RFC 8785 canonical JSON of
 * {type: "entente.approval", version: 2, action, country, entry, head: {seq, hash}, nonce})). The one definition
 * used by the server when it asks for an assertion and by every verifier when it re-checks one.
 */
export function approvalChallenge(input: ApprovalChallengeInput): string {
  const statement = {
    type: APPROVAL_TYPE,
    version: APPROVAL_VERSION,
    action: input.action,
    country: input.country,
    entry: input.action === 'govern' ? input.entry : recognitionEntry(input.entry as RecognitionEntry),
    head: { seq: input.head.seq, hash: input.head.hash },
    nonce: input.nonce,
  }
  return toBase64url(sha256(canonicalBytes(statement)))
}

export interface ApprovalContext {
  readonly action: ApprovalAction
  readonly country: string
  readonly entry: RecognitionEntry | GovernanceEntry
  readonly diplomat: Diplomat
}

export interface VerifiedApproval {
  readonly credentialId: string
  /** The authenticator's signature counter (not judged offline: only the approving node tracks counters). */
  readonly signCount: number
}

/** Verifies one approval against one diplomat record. Throws an ERR_RECOGNITION_* EntenteError. */
export async function verifyApproval(approval: Approval, context: ApprovalContext, keys = new PublicKeyCache()): Promise<VerifiedApproval> {
  const { diplomat } = context
  if (approval.credentialId !== diplomat.credentialId) {
    throw fail('ERR_RECOGNITION_UNKNOWN_CREDENTIAL', `approval by ${approval.credentialId} checked against ${diplomat.credentialId}`)
  }
  const authenticatorData = bytes(approval.authenticatorData, 'authenticatorData')
  const clientDataBytes = bytes(approval.clientDataJSON, 'clientDataJSON')
  const signature = bytes(approval.signature, 'signature')
  const clientData = parseClientData(clientDataBytes)

  // A registration's clientData (webauthn.create) must never pass as an approval.
  if (clientData.type !== 'webauthn.get') throw fail('ERR_RECOGNITION_MALFORMED', `clientData.type is ${clientData.type}, not webauthn.get`)
  // The challenge binds action, approving country, entry, chain position and nonce: it approves this and nothing else.
  const expected = approvalChallenge({ action: context.action, country: context.country, entry: context.entry, head: approval.head, nonce: approval.nonce })
  if (!sameText(clientData.challenge, expected)) {
    throw fail('ERR_RECOGNITION_WRONG_ENTRY', `approval by ${diplomat.credentialId} was made for another ${context.action} entry`)
  }
  // Origin and rpId are the diplomat's as published: an assertion phished on another site fails here.
  if (clientData.origin !== diplomat.origin || clientData.crossOrigin === true) {
    throw fail('ERR_RECOGNITION_ORIGIN', `approval by ${diplomat.credentialId} was made on ${clientData.origin}, not ${diplomat.origin}`)
  }
  if (authenticatorData.byteLength < 37) throw fail('ERR_RECOGNITION_MALFORMED', 'authenticatorData is shorter than 37 bytes')
  if (!sameBytes(authenticatorData.subarray(0, 32), sha256(diplomat.rpId))) {
    throw fail('ERR_RECOGNITION_RP_ID', `approval by ${diplomat.credentialId} is not for rpId ${diplomat.rpId}`)
  }
  const flags = authenticatorData[32] ?? 0
  // A diplomatic decision needs the person (UV), not just a touch: a stolen unlocked key alone is not enough.
  if ((flags & FLAG_UP) === 0 || (flags & FLAG_UV) === 0) {
    throw fail('ERR_RECOGNITION_USER_VERIFICATION', `approval by ${diplomat.credentialId} lacks user presence and verification`)
  }
  // WebAuthn §7.2 step 20: the signature covers authenticatorData || SHA-256(clientDataJSON).
  const signed = new Uint8Array(authenticatorData.byteLength + 32)
  signed.set(authenticatorData)
  signed.set(sha256(clientDataBytes), authenticatorData.byteLength)
  const key = await keys.get(diplomat)
  if (!(await verifySignature(key, signed, signature))) {
    throw fail('ERR_RECOGNITION_SIGNATURE', `approval by ${diplomat.credentialId} has an invalid signature`)
  }
  const view = new DataView(authenticatorData.buffer, authenticatorData.byteOffset, authenticatorData.byteLength)
  return { credentialId: diplomat.credentialId, signCount: view.getUint32(33) }
}

export type RecognitionEvidence = Pick<
  TrustListPayload,
  'country' | 'seq' | 'root' | 'recognitions' | 'withdrawals' | 'diplomats' | 'quorum' | 'governance' | 'changes' | 'floors'
>

/** What evidence checking found beyond "valid". */
export interface EvidenceReport {
  /** A root rotation replaced the diplomats without their quorum (recovery): every node and verifier surfaces it. */
  readonly governanceReset: boolean
  /**
   * Countries whose entry carries evidence of an earlier governance epoch, which only a verifier holding that
   * epoch's diplomats could re-check (one that follows the chain did so when the entry first appeared).
   */
  readonly carriedFromEarlierEpoch: string[]
}

/** The governance in force before a list: who may approve its new entries and how many must. */
interface Governance {
  readonly diplomats: ReadonlyMap<string, Diplomat>
  readonly quorum: number
  readonly since: number
}

/**
 * Checks the evidence of a list: governance (diplomats, quorum, epoch), every recognition and withdrawal.
 *
 * Without `head` (first contact, a pinned root) the list is judged on its own: its entries must be approved by a
 * quorum of its own diplomats at a chain position inside its governance epoch and before its seq; a governance
 * change it makes cannot be judged (there is nothing to compare with), as TUF trusts the first root it is given.
 *
 * With `head` (the caller's latest list of this country, with no handover in between) every change is judged
 * against the head: a new diplomat set or quorum needs a quorum of the head's diplomats approving exactly it;
 * entries identical to the head's are carried; new or changed entries need a quorum of the head's diplomats,
 * approving at a position at or after the head's epoch and newer than any evidence the head holds for that country
 * (so approvals of a withdrawn recognition can never be copied back); withdrawals are never dropped silently.
 */
export async function verifyRecognitions(payload: RecognitionEvidence, head?: TrustListHead): Promise<EvidenceReport> {
  const own = await governanceOf(payload)
  const withdrawals = payload.withdrawals ?? []
  checkQuorumRule(payload)
  // One entry per country and list side; and a country cannot be recognized and withdrawn at once.
  const recognized = uniqueCountries(payload.recognitions, 'recognized')
  const withdrawn = uniqueCountries(withdrawals, 'withdrawn')
  for (const country of recognized) {
    if (withdrawn.has(country)) throw fail('ERR_RECOGNITION_CONFLICT', `${country} is both recognized and withdrawn`, { country })
  }
  // Replay: a nonce is fresh per assertion, so one seen twice in a list means evidence copied between entries.
  const nonces = new Set<string>()
  const allApprovals = [
    ...payload.recognitions.flatMap((r) => r.approvals.map((a) => ({ a, country: r.country, action: 'recognize' }))),
    ...withdrawals.flatMap((r) => r.approvals.map((a) => ({ a, country: r.country, action: 'withdraw' }))),
    ...(payload.governance.approvals ?? []).map((a) => ({ a, country: payload.country, action: 'govern' })),
  ]
  for (const { a, country, action } of allApprovals) {
    if (nonces.has(a.nonce)) throw fail('ERR_RECOGNITION_REPLAY', `nonce ${a.nonce} is used twice`, { country, action })
    nonces.add(a.nonce)
    // Evidence is made before the list that carries it, never for a position it cannot have seen.
    if (a.head.seq >= payload.seq) {
      throw fail('ERR_RECOGNITION_STALE', `${action} ${country}: approval bound to seq ${a.head.seq}, not before this list (seq ${payload.seq})`, { country, action })
    }
  }
  const keys = new PublicKeyCache()
  // Hundreds of recognitions with their evidence are canonicalized and checked: a node verifying such a list keeps
  // serving between entries.
  const slice = slicer(SLICE_MS)
  const governanceReset = head === undefined ? checkOwnEpoch(payload) : await checkGovernanceChange(payload, head, keys)
  const carried: string[] = []
  const prior = head === undefined ? undefined : { governance: await governanceOf(head.payload), head }
  // Floors never go down: per country, the newest evidence the head held (or its floor) stays the lower bound.
  const required = new Map<string, number>(Object.entries(head === undefined ? {} : floorsAfter(head.payload)))
  for (const [country, floor] of required) {
    if ((payload.floors?.[country] ?? 0) < floor) {
      throw fail('ERR_RECOGNITION_STALE', `the evidence floor of ${country} went down from seq ${floor}`, { country, action: 'recognize' })
    }
  }
  for (const [action, entries] of [['recognize', payload.recognitions], ['withdraw', withdrawals]] as const) {
    // The head's entries canonicalized once: comparing each entry with every one of them held the event loop 264 ms
    // for a list of 199 recognitions.
    const before = new Set<string>()
    for (const b of prior === undefined ? [] : action === 'recognize' ? prior.head.payload.recognitions : (prior.head.payload.withdrawals ?? [])) {
      before.add(canonicalize(b))
      await slice()
    }
    for (const recognition of entries) {
      await slice()
      if (prior !== undefined) {
        // Identical to the head's entry, evidence included: judged when it first appeared.
        if (before.has(canonicalize(recognition))) continue
        const floor = required.get(recognition.country) ?? 0
        await checkEntry(action, recognition, payload.country, prior.governance, keys, { floor, head: prior.head })
        continue
      }
      // On its own: nothing may be older than the list's own floor for the country (a carried entry sits on it).
      const ownFloor = payload.floors?.[recognition.country] ?? 0
      const below = recognition.approvals.find((a) => a.head.seq < ownFloor)
      if (below !== undefined) {
        throw fail('ERR_RECOGNITION_STALE', `${action} ${recognition.country}: approval bound to seq ${below.head.seq}, older than the floor ${ownFloor}`, {
          country: recognition.country,
          action,
        })
      }
      // Evidence of an earlier epoch cannot be re-checked here (its diplomats may be gone): the caller decides.
      if (recognition.approvals.length > 0 && recognition.approvals.every((a) => a.head.seq < own.since)) {
        carried.push(recognition.country)
        continue
      }
      await checkEntry(action, recognition, payload.country, own, keys, { floor: ownFloor - 1 })
    }
  }
  if (head !== undefined) checkWithdrawalsKept(payload, head.payload)
  return { governanceReset, carriedFromEarlierEpoch: carried }
}

/** Quorum ≥ 2 whenever there are ≥ 2 diplomats, and never more than there are: one person never decides alone. */
function checkQuorumRule(payload: Pick<TrustListPayload, 'diplomats' | 'quorum'>): void {
  const count = payload.diplomats.length
  if (count >= 2 && payload.quorum < 2) throw fail('ERR_GOVERNANCE_QUORUM', `quorum ${payload.quorum} with ${count} diplomats: at least 2 must approve`)
  if (count >= 1 && payload.quorum > count) throw fail('ERR_GOVERNANCE_QUORUM', `quorum ${payload.quorum} exceeds the ${count} diplomats`)
}

/** Without a head: the epoch fields must be consistent with the list itself. */
function checkOwnEpoch(payload: RecognitionEvidence): boolean {
  const { since } = payload.governance
  const changed = payload.changes.includes('governance')
  if (since > payload.seq || (changed && since !== payload.seq) || (!changed && since === payload.seq && payload.seq > 1)) {
    throw fail('ERR_GOVERNANCE_EPOCH', `governance.since ${since} does not fit seq ${payload.seq} (changes: ${payload.changes.join(', ') || 'none'})`)
  }
  if (payload.governance.reset === true && !payload.changes.includes('root')) {
    throw fail('ERR_GOVERNANCE_UNAPPROVED', 'a governance reset is only possible in a root rotation')
  }
  return payload.governance.reset === true
}

/** With a head: a changed diplomat set or quorum needs a quorum of the head's diplomats approving exactly it. */
async function checkGovernanceChange(payload: RecognitionEvidence, head: TrustListHead, keys: PublicKeyCache): Promise<boolean> {
  const before = head.payload
  const { governance } = payload
  if (sameGovernance(before, payload)) {
    // Nothing changed: the epoch and its evidence stay as they were.
    if (governance.since !== before.governance.since || governance.approvals !== undefined || governance.reset !== undefined) {
      throw fail('ERR_GOVERNANCE_EPOCH', `governance.since must stay ${before.governance.since} while the diplomats and quorum are unchanged`)
    }
    return false
  }
  if (governance.since !== payload.seq) {
    throw fail('ERR_GOVERNANCE_EPOCH', `a new diplomat set or quorum starts an epoch: governance.since must be ${payload.seq}`)
  }
  const approvals = governance.approvals ?? []
  // Bootstrap: the first list that names diplomats sets them; there is nobody to ask yet.
  if (before.diplomats.length === 0) {
    if (approvals.length > 0) throw fail('ERR_GOVERNANCE_UNAPPROVED', 'the first diplomat set carries no approvals')
    if (governance.reset !== undefined) throw fail('ERR_GOVERNANCE_UNAPPROVED', 'nothing to reset: the previous list names no diplomats')
    return false
  }
  if (governance.reset === true) {
    // Recovery below quorum: only with the root handing over (both roots sign), and every verifier is told.
    if (before.root.thumbprint === payload.root.thumbprint) throw fail('ERR_GOVERNANCE_UNAPPROVED', 'a governance reset is only possible in a root rotation')
    if (approvals.length > 0) throw fail('ERR_GOVERNANCE_UNAPPROVED', 'a governance reset carries no approvals')
    return true
  }
  const entry = governanceEntry(payload)
  const previous = await governanceOf(before)
  const approvers = new Set<string>()
  for (const approval of approvals) {
    const details = { country: payload.country, action: 'govern' }
    const diplomat = previous.diplomats.get(approval.credentialId)
    if (diplomat === undefined) {
      throw fail('ERR_RECOGNITION_UNKNOWN_CREDENTIAL', `governance change: ${approval.credentialId} is not a diplomat of the previous list`, details)
    }
    if (approvers.has(approval.credentialId)) throw fail('ERR_RECOGNITION_DUPLICATE_DIPLOMAT', `governance change: ${diplomat.name} approved twice`, details)
    checkPosition(approval, previous, { floor: 0, head }, 'govern', payload.country)
    await wrap('govern', payload.country, () => verifyApproval(approval, { action: 'govern', country: payload.country, entry, diplomat }, keys))
    approvers.add(approval.credentialId)
  }
  if (approvers.size < previous.quorum) {
    throw fail('ERR_GOVERNANCE_UNAPPROVED', `the diplomats or quorum changed with ${approvers.size} of ${previous.quorum} required approvals by the previous diplomats`, {
      country: payload.country,
    })
  }
  return false
}

async function checkEntry(
  action: 'recognize' | 'withdraw',
  recognition: Recognition,
  country: string,
  governance: Governance,
  keys: PublicKeyCache,
  position: { floor: number; head?: TrustListHead },
): Promise<void> {
  const details = { country: recognition.country, action }
  const entry = recognitionEntry(recognition)
  const approvers = new Set<string>()
  for (const approval of recognition.approvals) {
    const diplomat = governance.diplomats.get(approval.credentialId)
    if (diplomat === undefined) {
      throw fail('ERR_RECOGNITION_UNKNOWN_CREDENTIAL', `${action} ${recognition.country}: credential ${approval.credentialId} is not a diplomat of ${country}`, details)
    }
    if (approvers.has(approval.credentialId)) {
      throw fail('ERR_RECOGNITION_DUPLICATE_DIPLOMAT', `${action} ${recognition.country}: ${diplomat.name} approved twice`, details)
    }
    checkPosition(approval, governance, position, action, recognition.country)
    await wrap(action, recognition.country, () => verifyApproval(approval, { action, country, entry, diplomat }, keys))
    approvers.add(approval.credentialId)
  }
  if (approvers.size < governance.quorum) {
    throw fail('ERR_RECOGNITION_UNDER_QUORUM', `${action} ${recognition.country}: ${approvers.size} of ${governance.quorum} required approvals`, details)
  }
}

/** An approval's chain position: inside the governance epoch that judges it, and newer than older evidence for the country. */
function checkPosition(approval: Approval, governance: Governance, position: { floor: number; head?: TrustListHead }, action: string, country: string): void {
  const details = { country, action }
  // Evidence split across epochs: approvals made before the diplomats changed belong to another set.
  if (approval.head.seq < governance.since) {
    throw fail('ERR_RECOGNITION_STALE', `${action} ${country}: approval bound to seq ${approval.head.seq}, before the governance epoch of seq ${governance.since}`, details)
  }
  // Approvals of a withdrawn (or since replaced) entry can never come back: evidence must be newer than what was held.
  if (approval.head.seq <= position.floor) {
    throw fail('ERR_RECOGNITION_STALE', `${action} ${country}: approval bound to seq ${approval.head.seq}, not newer than the held evidence of seq ${position.floor}`, details)
  }
  // Across a gap the approvals may be bound to an ordinary list the caller skipped (only handovers are walked): the
  // epoch and the floor above already come from the walked handovers. A position the caller holds must be that list.
  const head = position.head
  if (head !== undefined) {
    if (approval.head.seq === head.payload.seq && approval.head.hash !== head.hash) {
      throw fail('ERR_RECOGNITION_STALE', `${action} ${country}: approval bound to another list at seq ${approval.head.seq}`, details)
    }
  }
}

/** A withdrawal stays until the country is recognized again or withdrawn anew: dropping it would erase the floor. */
function checkWithdrawalsKept(payload: RecognitionEvidence, before: TrustListPayload): void {
  for (const withdrawal of before.withdrawals ?? []) {
    const country = withdrawal.country
    if (payload.recognitions.some((r) => r.country === country)) continue
    if ((payload.withdrawals ?? []).some((w) => w.country === country)) continue
    throw fail('ERR_RECOGNITION_STALE', `the withdrawal of ${country} was dropped`, { country, action: 'withdraw' })
  }
}

async function governanceOf(payload: Pick<TrustListPayload, 'diplomats' | 'quorum' | 'governance'>): Promise<Governance> {
  const diplomats = new Map<string, Diplomat>()
  const publicKeys = new Set<string>()
  for (const diplomat of payload.diplomats) {
    // One credential, one diplomat: otherwise a single passkey could count twice toward the quorum. Keys compare as
    // decoded public keys (SPKI), so the same key in another COSE encoding is still the same key.
    const key = toBase64((await coseKeyToPublicKey(bytes(diplomat.publicKey, 'diplomat publicKey'))).key.spki)
    if (diplomats.has(diplomat.credentialId) || publicKeys.has(key)) {
      throw fail('ERR_RECOGNITION_MALFORMED', `diplomat credential ${diplomat.credentialId} is listed twice`)
    }
    diplomats.set(diplomat.credentialId, diplomat)
    publicKeys.add(key)
  }
  return { diplomats, quorum: payload.quorum, since: payload.governance.since }
}

function uniqueCountries(entries: readonly Recognition[], what: string): Set<string> {
  const seen = new Set<string>()
  for (const entry of entries) {
    // One entry per country: two would leave open which scopes apply.
    if (seen.has(entry.country)) throw fail('ERR_RECOGNITION_MALFORMED', `${entry.country} is ${what} twice`)
    seen.add(entry.country)
  }
  return seen
}

async function wrap(action: string, country: string, check: () => Promise<unknown>): Promise<void> {
  try {
    await check()
  } catch (error) {
    if (error instanceof EntenteError) throw new EntenteError(error.code, `${action} ${country}: ${error.message}`, { cause: error, details: { country, action } })
    throw error
  }
}

/** A diplomat's COSE_Key as a public key with its COSE algorithm; throws ERR_RECOGNITION_MALFORMED. */
export async function coseKeyToPublicKey(coseKey: Uint8Array): Promise<{ key: PublicKey; alg: number }> {
  let decoded: unknown
  try {
    // A fresh decoder per key: no shared decoder state; maps stay Maps so integer labels survive.
    decoded = new Decoder({ mapsAsObjects: false, useRecords: false }).decode(coseKey)
  } catch (cause) {
    throw new EntenteError('ERR_RECOGNITION_MALFORMED', 'the diplomat key is not CBOR', { cause })
  }
  if (!(decoded instanceof Map)) throw fail('ERR_RECOGNITION_MALFORMED', 'the diplomat key is not a COSE_Key map')
  const label = (n: number): unknown => (decoded as Map<unknown, unknown>).get(n)
  const kty = label(1)
  const alg = label(3)
  const binary = (n: number): string => {
    const value = label(n)
    if (!(value instanceof Uint8Array)) throw fail('ERR_RECOGNITION_MALFORMED', `COSE_Key label ${n} is not a byte string`)
    return toBase64url(value)
  }
  try {
    // RFC 9053: kty 2 = EC2 (crv 1 = P-256), kty 1 = OKP (crv 6 = Ed25519), kty 3 = RSA.
    if (alg === -7 && kty === 2 && label(-1) === 1) {
      return { alg, key: await cryptoPlatform().publicKeyFromJwk({ kty: 'EC', crv: 'P-256', x: binary(-2), y: binary(-3) }) }
    }
    if (alg === -8 && kty === 1 && label(-1) === 6) {
      return { alg, key: await cryptoPlatform().publicKeyFromJwk({ kty: 'OKP', crv: 'Ed25519', x: binary(-2) }) }
    }
    if (alg === -257 && kty === 3) {
      const key = await cryptoPlatform().publicKeyFromJwk({ kty: 'RSA', n: binary(-1), e: binary(-2) })
      if ((key.modulusBits ?? 0) < MIN_RSA_BITS) throw fail('ERR_RECOGNITION_MALFORMED', 'RSA diplomat key under 2048 bits')
      return { alg, key }
    }
  } catch (error) {
    if (error instanceof EntenteError) throw error
    throw new EntenteError('ERR_RECOGNITION_MALFORMED', 'the diplomat key is not a valid public key', { cause: error })
  }
  throw fail('ERR_RECOGNITION_MALFORMED', `unsupported COSE key (kty ${String(kty)}, alg ${String(alg)})`)
}

/** Parses each diplomat's key once per verification run. */
export class PublicKeyCache {
  readonly #keys = new Map<string, Promise<{ key: PublicKey; alg: number }>>()

  get(diplomat: Diplomat): Promise<{ key: PublicKey; alg: number }> {
    let key = this.#keys.get(diplomat.publicKey)
    if (key === undefined) {
      key = coseKeyToPublicKey(bytes(diplomat.publicKey, 'diplomat publicKey'))
      this.#keys.set(diplomat.publicKey, key)
    }
    return key
  }
}

// WebAuthn ES256 signatures are ASN.1 DER, not the raw r||s of JOSE.
const SCHEMES: ReadonlyMap<number, SignatureScheme> = new Map<number, SignatureScheme>([
  [-7, { name: 'ECDSA', hash: 'SHA-256', encoding: 'der' }],
  [-8, { name: 'Ed25519' }],
  [-257, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }],
])

async function verifySignature({ key, alg }: { key: PublicKey; alg: number }, data: Uint8Array, signature: Uint8Array): Promise<boolean> {
  const scheme = SCHEMES.get(alg)
  return scheme !== undefined && (await cryptoPlatform().verify(scheme, key, data, signature))
}

interface ClientData {
  readonly type: string
  readonly challenge: string
  readonly origin: string
  readonly crossOrigin?: boolean
}

function parseClientData(data: Uint8Array): ClientData {
  let parsed: unknown
  try {
    parsed = JSON.parse(utf8(data))
  } catch (cause) {
    throw new EntenteError('ERR_RECOGNITION_MALFORMED', 'clientDataJSON is not UTF-8 JSON', { cause })
  }
  if (typeof parsed !== 'object' || parsed === null) throw fail('ERR_RECOGNITION_MALFORMED', 'clientDataJSON is not an object')
  const { type, challenge, origin, crossOrigin } = parsed as Record<string, unknown>
  if (typeof type !== 'string' || typeof challenge !== 'string' || typeof origin !== 'string') {
    throw fail('ERR_RECOGNITION_MALFORMED', 'clientDataJSON lacks type, challenge or origin')
  }
  if (crossOrigin !== undefined && typeof crossOrigin !== 'boolean') throw fail('ERR_RECOGNITION_MALFORMED', 'clientDataJSON.crossOrigin is not a boolean')
  return crossOrigin === undefined ? { type, challenge, origin } : { type, challenge, origin, crossOrigin }
}

function bytes(text: string, what: string): Uint8Array {
  const decoded = fromBase64url(text)
  if (decoded === undefined) throw fail('ERR_RECOGNITION_MALFORMED', `${what} is not base64url`)
  return decoded
}

/** Compares in time independent of where the bytes differ. */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false
  let difference = 0
  for (let i = 0; i < a.byteLength; i++) difference |= (a[i] ?? 0) ^ (b[i] ?? 0)
  return difference === 0
}

const utf8Encoder = new TextEncoder()

function sameText(a: string, b: string): boolean {
  return sameBytes(utf8Encoder.encode(a), utf8Encoder.encode(b))
}

function fail(code: RecognitionErrorCode, message: string, details?: Record<string, unknown>): EntenteError {
  return new EntenteError(code, message, details === undefined ? undefined : { details })
}
