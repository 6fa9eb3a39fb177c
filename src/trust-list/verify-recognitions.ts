// Re-verifies the diplomats' evidence behind every recognition and withdrawal of a trust list: each approval is
// a WebAuthn assertion, by a diplomat the same list names, over a challenge bound to exactly that entry.
// Pure: no I/O, no clock, no network; only node:crypto. The same code runs on the approving node and offline.
import { constants, createPublicKey, timingSafeEqual, verify as cryptoVerify, type KeyObject } from 'node:crypto'
import { Decoder } from 'cbor-x'
import { canonicalBytes } from '../model/canonical-json.js'
import { fromBase64url, sha256, toBase64url, utf8 } from '../model/encoding.js'
import { EntenteError } from '../model/errors.js'
import type { Approval, Diplomat, Recognition, TrustListPayload } from '../model/schema.types.js'
import type { RecognitionErrorCode } from './recognition-error-codes.js'

/** What a quorum approves: adding a recognition, or withdrawing one. */
export type ApprovalAction = 'recognize' | 'withdraw'

/** A recognition without its evidence: exactly what the diplomats sign. */
export type RecognitionEntry = Omit<Recognition, 'approvals'>

export interface ApprovalChallengeInput {
  readonly action: ApprovalAction
  /** The approving country: the country whose list carries the entry. */
  readonly country: string
  readonly entry: RecognitionEntry
  /** base64url, fresh per assertion, from the approving node. */
  readonly nonce: string
}

/** COSE algorithms a diplomat's passkey may use (what registration offers). */
export const SUPPORTED_COSE_ALGORITHMS = [-8, -7, -257] as const

const APPROVAL_TYPE = 'entente.approval'
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
 * The WebAuthn challenge for approving `entry`: base64url(SHA-256(RFC 8785 canonical JSON of
 * {type: "entente.approval", version: 1, action, country, entry, nonce})). The one definition used by the
 * server when it asks for an assertion and by every verifier when it re-checks one.
 */
export function approvalChallenge(input: ApprovalChallengeInput): string {
  const statement = {
    type: APPROVAL_TYPE,
    version: 1,
    action: input.action,
    country: input.country,
    entry: recognitionEntry(input.entry),
    nonce: input.nonce,
  }
  return toBase64url(sha256(canonicalBytes(statement)))
}

export interface ApprovalContext {
  readonly action: ApprovalAction
  readonly country: string
  readonly entry: RecognitionEntry
  readonly diplomat: Diplomat
}

export interface VerifiedApproval {
  readonly credentialId: string
  /** The authenticator's signature counter (not judged offline: only the approving node tracks counters). */
  readonly signCount: number
}

/** Verifies one approval against one diplomat record. Throws an ERR_RECOGNITION_* EntenteError. */
export function verifyApproval(approval: Approval, context: ApprovalContext, keys = new PublicKeyCache()): VerifiedApproval {
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
  // The challenge binds action, approving country, entry and nonce: the assertion approves this entry and no other.
  const expected = approvalChallenge({ action: context.action, country: context.country, entry: context.entry, nonce: approval.nonce })
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
  const signed = Buffer.concat([authenticatorData, sha256(clientDataBytes)])
  const key = keys.get(diplomat)
  if (!verifySignature(key, signed, signature)) {
    throw fail('ERR_RECOGNITION_SIGNATURE', `approval by ${diplomat.credentialId} has an invalid signature`)
  }
  const view = new DataView(authenticatorData.buffer, authenticatorData.byteOffset, authenticatorData.byteLength)
  return { credentialId: diplomat.credentialId, signCount: view.getUint32(33) }
}

export type RecognitionEvidence = Pick<TrustListPayload, 'country' | 'recognitions' | 'withdrawals' | 'diplomats' | 'quorum'>

/**
 * Checks the evidence of every recognition and withdrawal in a list: every approval valid, by a diplomat of
 * this list, over its own entry; distinct diplomats; no nonce used twice; at least `quorum` approvals.
 * Throws the first failure as an ERR_RECOGNITION_* EntenteError with the entry in `details`.
 */
export function verifyRecognitions(payload: RecognitionEvidence): void {
  const diplomats = new Map<string, Diplomat>()
  const publicKeys = new Set<string>()
  for (const diplomat of payload.diplomats) {
    // One credential, one diplomat: otherwise a single passkey could count twice toward the quorum.
    if (diplomats.has(diplomat.credentialId) || publicKeys.has(diplomat.publicKey)) {
      throw fail('ERR_RECOGNITION_MALFORMED', `diplomat credential ${diplomat.credentialId} is listed twice`)
    }
    diplomats.set(diplomat.credentialId, diplomat)
    publicKeys.add(diplomat.publicKey)
  }
  const entries: { action: ApprovalAction; recognition: Recognition }[] = [
    ...payload.recognitions.map((recognition) => ({ action: 'recognize' as const, recognition })),
    ...(payload.withdrawals ?? []).map((recognition) => ({ action: 'withdraw' as const, recognition })),
  ]
  const recognized = new Set<string>()
  for (const recognition of payload.recognitions) {
    // One entry per country: two would leave open which scopes apply.
    if (recognized.has(recognition.country)) throw fail('ERR_RECOGNITION_MALFORMED', `${recognition.country} is recognized twice`)
    recognized.add(recognition.country)
  }
  // Replay: a nonce is fresh per assertion, so one seen twice in a list means evidence copied between entries.
  const nonces = new Set<string>()
  for (const { action, recognition } of entries) {
    for (const approval of recognition.approvals) {
      if (nonces.has(approval.nonce)) {
        throw fail('ERR_RECOGNITION_REPLAY', `nonce ${approval.nonce} is used twice`, { country: recognition.country, action })
      }
      nonces.add(approval.nonce)
    }
  }
  const keys = new PublicKeyCache()
  for (const { action, recognition } of entries) {
    const details = { country: recognition.country, action }
    const entry = recognitionEntry(recognition)
    const approvers = new Set<string>()
    for (const approval of recognition.approvals) {
      const diplomat = diplomats.get(approval.credentialId)
      if (diplomat === undefined) {
        throw fail('ERR_RECOGNITION_UNKNOWN_CREDENTIAL', `${action} ${recognition.country}: credential ${approval.credentialId} is not a diplomat of ${payload.country}`, details)
      }
      if (approvers.has(approval.credentialId)) {
        throw fail('ERR_RECOGNITION_DUPLICATE_DIPLOMAT', `${action} ${recognition.country}: ${diplomat.name} approved twice`, details)
      }
      try {
        verifyApproval(approval, { action, country: payload.country, entry, diplomat }, keys)
      } catch (error) {
        if (error instanceof EntenteError) throw new EntenteError(error.code, `${action} ${recognition.country}: ${error.message}`, { cause: error, details })
        throw error
      }
      approvers.add(approval.credentialId)
    }
    if (approvers.size < payload.quorum) {
      throw fail('ERR_RECOGNITION_UNDER_QUORUM', `${action} ${recognition.country}: ${approvers.size} of ${payload.quorum} required approvals`, details)
    }
  }
}

/** A diplomat's COSE_Key as a node:crypto key with its COSE algorithm; throws ERR_RECOGNITION_MALFORMED. */
export function coseKeyToPublicKey(coseKey: Uint8Array): { key: KeyObject; alg: number } {
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
      return { alg, key: createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: binary(-2), y: binary(-3) }, format: 'jwk' }) }
    }
    if (alg === -8 && kty === 1 && label(-1) === 6) {
      return { alg, key: createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: binary(-2) }, format: 'jwk' }) }
    }
    if (alg === -257 && kty === 3) {
      const key = createPublicKey({ key: { kty: 'RSA', n: binary(-1), e: binary(-2) }, format: 'jwk' })
      if ((key.asymmetricKeyDetails?.modulusLength ?? 0) < MIN_RSA_BITS) throw fail('ERR_RECOGNITION_MALFORMED', 'RSA diplomat key under 2048 bits')
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
  readonly #keys = new Map<string, { key: KeyObject; alg: number }>()

  get(diplomat: Diplomat): { key: KeyObject; alg: number } {
    let key = this.#keys.get(diplomat.publicKey)
    if (key === undefined) {
      key = coseKeyToPublicKey(bytes(diplomat.publicKey, 'diplomat publicKey'))
      this.#keys.set(diplomat.publicKey, key)
    }
    return key
  }
}

function verifySignature({ key, alg }: { key: KeyObject; alg: number }, data: Uint8Array, signature: Uint8Array): boolean {
  try {
    switch (alg) {
      // WebAuthn ES256 signatures are ASN.1 DER, not the raw r||s of JOSE.
      case -7:
        return cryptoVerify('sha256', data, { key, dsaEncoding: 'der' }, signature)
      case -8:
        return cryptoVerify(null, data, key, signature)
      case -257:
        return cryptoVerify('sha256', data, { key, padding: constants.RSA_PKCS1_PADDING }, signature)
      default:
        return false
    }
  } catch {
    // Malformed DER and the like: not a valid signature.
    return false
  }
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

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && timingSafeEqual(a, b)
}

function sameText(a: string, b: string): boolean {
  return sameBytes(Buffer.from(a), Buffer.from(b))
}

function fail(code: RecognitionErrorCode, message: string, details?: Record<string, unknown>): EntenteError {
  return new EntenteError(code, message, details === undefined ? undefined : { details })
}
