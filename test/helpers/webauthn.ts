// A software WebAuthn authenticator for unit tests: real keys, real authenticatorData and clientDataJSON, real
// signatures (DER ECDSA for ES256). It also answers @simplewebauthn ceremonies (attestation "none").
// Test-only: keys live in memory; flags, origin and rpId can be bent to build attacks.
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto'
import { Encoder } from 'cbor-x'
import type { Approval, Diplomat } from '../../src/model/schema.types.js'
import type { ChainPosition } from '../../src/trust-list/handover.js'
import { approvalChallenge, type ApprovalAction, type GovernanceEntry, type RecognitionEntry } from '../../src/trust-list/verify-recognitions.js'

export type SoftAlg = 'ES256' | 'EdDSA' | 'RS256'

const FLAG_UP = 0x01
const FLAG_UV = 0x04
const FLAG_AT = 0x40

const b64u = (data: Uint8Array | string): string => Buffer.from(data).toString('base64url')
const sha256 = (data: Uint8Array | string): Buffer => createHash('sha256').update(data).digest()
const cbor = (value: unknown): Buffer => Buffer.from(new Encoder({ mapsAsObjects: false, useRecords: false }).encode(value))

export interface AssertOptions {
  readonly challenge: string
  readonly origin: string
  readonly rpId: string
  /** Default UP|UV. */
  readonly flags?: number
  readonly type?: string
  readonly crossOrigin?: boolean
}

export interface Assertion {
  readonly authenticatorData: string
  readonly clientDataJSON: string
  readonly signature: string
}

export class SoftAuthenticator {
  counter = 0

  private constructor(
    readonly alg: SoftAlg,
    readonly credentialId: string,
    private readonly privateKey: KeyObject,
    readonly publicKeyCose: Buffer,
  ) {}

  static create(alg: SoftAlg = 'ES256'): SoftAuthenticator {
    const credentialId = b64u(randomBytes(16))
    if (alg === 'ES256') {
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
      const jwk = publicKey.export({ format: 'jwk' })
      const cose = cbor(new Map<number, unknown>([[1, 2], [3, -7], [-1, 1], [-2, Buffer.from(jwk.x ?? '', 'base64url')], [-3, Buffer.from(jwk.y ?? '', 'base64url')]]))
      return new SoftAuthenticator(alg, credentialId, privateKey, cose)
    }
    if (alg === 'EdDSA') {
      const { privateKey, publicKey } = generateKeyPairSync('ed25519')
      const jwk = publicKey.export({ format: 'jwk' })
      const cose = cbor(new Map<number, unknown>([[1, 1], [3, -8], [-1, 6], [-2, Buffer.from(jwk.x ?? '', 'base64url')]]))
      return new SoftAuthenticator(alg, credentialId, privateKey, cose)
    }
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const jwk = publicKey.export({ format: 'jwk' })
    const cose = cbor(new Map<number, unknown>([[1, 3], [3, -257], [-1, Buffer.from(jwk.n ?? '', 'base64url')], [-2, Buffer.from(jwk.e ?? '', 'base64url')]]))
    return new SoftAuthenticator(alg, credentialId, privateKey, cose)
  }

  diplomat(options: { name?: string; rpId?: string; origin?: string; addedAt?: string } = {}): Diplomat {
    return {
      credentialId: this.credentialId,
      name: options.name ?? `Diplomat ${this.credentialId.slice(0, 4)}`,
      publicKey: b64u(this.publicKeyCose),
      rpId: options.rpId ?? 'localhost',
      origin: options.origin ?? 'http://localhost:7100',
      addedAt: options.addedAt ?? '2026-11-24T12:00:00Z',
    }
  }

  /** A WebAuthn assertion (navigator.credentials.get) over `challenge`. */
  assert(options: AssertOptions): Assertion {
    this.counter += 1
    const authenticatorData = Buffer.concat([sha256(options.rpId), Buffer.from([options.flags ?? FLAG_UP | FLAG_UV]), u32(this.counter)])
    const clientData: Record<string, unknown> = { type: options.type ?? 'webauthn.get', challenge: options.challenge, origin: options.origin }
    if (options.crossOrigin !== undefined) clientData.crossOrigin = options.crossOrigin
    const clientDataJSON = Buffer.from(JSON.stringify(clientData))
    const signature = this.sign(Buffer.concat([authenticatorData, sha256(clientDataJSON)]))
    return { authenticatorData: b64u(authenticatorData), clientDataJSON: b64u(clientDataJSON), signature: b64u(signature) }
  }

  /** An approval of `entry` as the list carries it; `bend` changes the assertion inputs to build attacks. */
  approve(
    input: { action?: ApprovalAction; country: string; entry: RecognitionEntry | GovernanceEntry; head: ChainPosition; nonce?: string; diplomat: Diplomat },
    bend: Partial<AssertOptions> & { signedEntry?: RecognitionEntry | GovernanceEntry; signedHead?: ChainPosition } = {},
  ): Approval {
    const nonce = input.nonce ?? b64u(randomBytes(16))
    const head = bend.signedHead ?? input.head
    const challenge = approvalChallenge({ action: input.action ?? 'recognize', country: input.country, entry: bend.signedEntry ?? input.entry, head, nonce })
    const assertion = this.assert({ challenge, origin: input.diplomat.origin, rpId: input.diplomat.rpId, ...bend })
    return { credentialId: this.credentialId, nonce, head: { seq: input.head.seq, hash: input.head.hash }, ...assertion }
  }

  /** Answers generateRegistrationOptions output as a browser would (attestation "none"). */
  register(options: { challenge: string; rp: { id?: string } }, origin: string, overrides: { flags?: number } = {}) {
    const rpId = options.rp.id ?? 'localhost'
    const credentialIdBytes = Buffer.from(this.credentialId, 'base64url')
    const idLength = Buffer.alloc(2)
    idLength.writeUInt16BE(credentialIdBytes.byteLength)
    const authData = Buffer.concat([
      sha256(rpId),
      Buffer.from([overrides.flags ?? FLAG_UP | FLAG_UV | FLAG_AT]),
      u32(this.counter),
      Buffer.alloc(16),
      idLength,
      credentialIdBytes,
      this.publicKeyCose,
    ])
    const clientDataJSON = Buffer.from(JSON.stringify({ type: 'webauthn.create', challenge: options.challenge, origin, crossOrigin: false }))
    const attestationObject = cbor(new Map<string, unknown>([['fmt', 'none'], ['attStmt', new Map()], ['authData', authData]]))
    return {
      id: this.credentialId,
      rawId: this.credentialId,
      type: 'public-key' as const,
      response: { clientDataJSON: b64u(clientDataJSON), attestationObject: b64u(attestationObject), transports: ['internal' as const] },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform' as const,
    }
  }

  /** Answers generateAuthenticationOptions output as a browser would. */
  authenticate(options: { challenge: string; rpId?: string }, origin: string, overrides: Partial<AssertOptions> = {}) {
    const assertion = this.assert({ challenge: options.challenge, origin, rpId: options.rpId ?? 'localhost', ...overrides })
    return {
      id: this.credentialId,
      rawId: this.credentialId,
      type: 'public-key' as const,
      response: { ...assertion },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform' as const,
    }
  }

  private sign(data: Buffer): Buffer {
    switch (this.alg) {
      case 'ES256':
        return sign('sha256', data, { key: this.privateKey, dsaEncoding: 'der' })
      case 'EdDSA':
        return sign(null, data, this.privateKey)
      case 'RS256':
        return sign('sha256', data, this.privateKey)
    }
  }
}

function u32(n: number): Buffer {
  const out = Buffer.alloc(4)
  out.writeUInt32BE(n)
  return out
}

export const FLAGS = { UP: FLAG_UP, UV: FLAG_UV, AT: FLAG_AT } as const
