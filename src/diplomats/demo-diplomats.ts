// Headless demo diplomats: in-memory P-256 passkeys that register from invite links and approve recognition
// proposals over a node's HTTP API, exactly as a browser would, so the evidence in the list is real and
// re-verifiable. For the demo federation and tests only: the private keys live in memory and die with the process.
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto'
import { Encoder } from 'cbor-x'
import { EntenteError } from '../model/errors.js'
import { callOperator, readAnswer, type OperatorTarget } from '../operator/operator-client.js'
import type { TrustListDraft, Usage } from '../model/schema.types.js'

export interface DemoRecognition {
  readonly country: string
  /** The root the diplomats received out of band; without it the node's held root is proposed. */
  readonly rootThumbprint?: string
  readonly scopes: readonly Usage[]
  readonly vaccines?: readonly string[]
}

// WebAuthn §6.1 flags: user present, user verified, attested credential data.
const UP_UV = 0x05
const UP_UV_AT = 0x45

/** An in-memory ES256 passkey that answers @simplewebauthn options as a platform authenticator would. */
export class DemoPasskey {
  readonly credentialId = randomBytes(16).toString('base64url')
  readonly #privateKey: KeyObject
  readonly #cose: Buffer
  #counter = 0

  constructor() {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const jwk = publicKey.export({ format: 'jwk' })
    this.#privateKey = privateKey
    this.#cose = Buffer.from(
      new Encoder({ mapsAsObjects: false, useRecords: false }).encode(
        new Map<number, unknown>([[1, 2], [3, -7], [-1, 1], [-2, Buffer.from(jwk.x ?? '', 'base64url')], [-3, Buffer.from(jwk.y ?? '', 'base64url')]]),
      ),
    )
  }

  /** navigator.credentials.create() with attestation "none". */
  register(options: { challenge: string; rp: { id?: string } }, origin: string): unknown {
    const id = Buffer.from(this.credentialId, 'base64url')
    const length = Buffer.alloc(2)
    length.writeUInt16BE(id.byteLength)
    const authData = Buffer.concat([sha256(options.rp.id ?? 'localhost'), Buffer.from([UP_UV_AT]), u32(this.#counter), Buffer.alloc(16), length, id, this.#cose])
    const clientDataJSON = Buffer.from(JSON.stringify({ type: 'webauthn.create', challenge: options.challenge, origin, crossOrigin: false }))
    const attestationObject = new Encoder({ mapsAsObjects: false, useRecords: false }).encode(new Map<string, unknown>([['fmt', 'none'], ['attStmt', new Map()], ['authData', authData]]))
    return {
      id: this.credentialId,
      rawId: this.credentialId,
      type: 'public-key',
      response: { clientDataJSON: clientDataJSON.toString('base64url'), attestationObject: Buffer.from(attestationObject).toString('base64url'), transports: ['internal'] },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    }
  }

  /** navigator.credentials.get(): signs authenticatorData || SHA-256(clientDataJSON) with DER ECDSA. */
  authenticate(options: { challenge: string; rpId?: string }, origin: string): unknown {
    this.#counter += 1
    const authenticatorData = Buffer.concat([sha256(options.rpId ?? 'localhost'), Buffer.from([UP_UV]), u32(this.#counter)])
    const clientDataJSON = Buffer.from(JSON.stringify({ type: 'webauthn.get', challenge: options.challenge, origin, crossOrigin: false }))
    const signature = sign('sha256', Buffer.concat([authenticatorData, sha256(clientDataJSON)]), { key: this.#privateKey, dsaEncoding: 'der' })
    return {
      id: this.credentialId,
      rawId: this.credentialId,
      type: 'public-key',
      response: { authenticatorData: authenticatorData.toString('base64url'), clientDataJSON: clientDataJSON.toString('base64url'), signature: signature.toString('base64url') },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    }
  }
}

/** A demo diplomat's browser: a passkey, a session cookie and the CSRF token of its pages. */
export class DemoDiplomat {
  readonly passkey = new DemoPasskey()
  #cookie: string | undefined

  private constructor(
    readonly name: string,
    /** Where requests go. */
    readonly url: string,
    /** The relying party origin the node expects in clientData and Origin (from the invite link). */
    readonly origin: string,
  ) {}

  /** Opens an invite link and registers a passkey; the diplomat enters the node's draft and is signed in. */
  static async register(inviteUrl: string, nodeUrl: string): Promise<DemoDiplomat> {
    const link = new URL(inviteUrl)
    const invite = new URLSearchParams(link.hash.slice(1)).get('invite')
    if (invite === null) throw new EntenteError('ERR_DIPLOMAT_INVITE_UNKNOWN', 'the link carries no invite')
    const base = nodeUrl.replace(/\/$/, '')
    const { name, options } = (await new DemoDiplomat('', base, link.origin).#post('/diplomats/api/registration/options', { invite })) as {
      name: string
      options: { challenge: string; rp: { id?: string } }
    }
    const diplomat = new DemoDiplomat(name, base, link.origin)
    await diplomat.#post('/diplomats/api/registration/verify', { invite, response: diplomat.passkey.register(options, diplomat.origin) })
    return diplomat
  }

  /** Approves an open proposal with the passkey; true when this approval reached the quorum. */
  async approve(proposalId: number): Promise<boolean> {
    const csrf = await this.#csrf()
    const { options } = (await this.#post(`/diplomats/api/proposals/${proposalId}/approval/options`, {}, csrf)) as { options: { challenge: string; rpId?: string } }
    const result = (await this.#post(`/diplomats/api/proposals/${proposalId}/approval/verify`, { response: this.passkey.authenticate(options, this.origin) }, csrf)) as { enacted: boolean }
    return result.enacted
  }

  async #csrf(): Promise<string> {
    const page = await this.#fetch('/diplomats/proposals', { method: 'GET' })
    const token = /<meta name="csrf-token" content="([^"]+)">/.exec(await page.text())?.[1]
    if (token === undefined) throw new EntenteError('ERR_DIPLOMAT_SESSION', `${this.name} has no session`)
    return token
  }

  async #post(route: string, body: unknown, csrf?: string): Promise<unknown> {
    const response = await this.#fetch(route, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(csrf === undefined ? {} : { 'x-csrf-token': csrf }) },
      body: JSON.stringify(body),
    })
    return readAnswer(response)
  }

  async #fetch(route: string, init: RequestInit): Promise<Response> {
    const headers = new Headers(init.headers)
    headers.set('origin', this.origin)
    if (this.#cookie !== undefined) headers.set('cookie', `entente_diplomat=${this.#cookie}`)
    const response = await fetch(`${this.url}${route}`, { ...init, headers, redirect: 'manual', signal: AbortSignal.timeout(30_000) })
    const cookie = /^entente_diplomat=([^;]*)/.exec(response.headers.get('set-cookie') ?? '')?.[1]
    if (cookie !== undefined) this.#cookie = cookie === '' ? undefined : cookie
    return response
  }
}

/**
 * Has demo diplomats approve each recognition on the node at `target` until it is in the draft: registers as
 * many demo diplomats as the draft's quorum (from fresh invites), proposes, approves. Recognitions already in the
 * draft are skipped. Does not publish: that stays the operator's act. Returns how many entered the draft.
 */
export async function approveDemoRecognitions(target: OperatorTarget, recognitions: readonly DemoRecognition[], names: readonly string[] = DEMO_NAMES): Promise<number> {
  const draft = (await callOperator(target, 'GET', '/v1/operator/draft')) as TrustListDraft
  const pending = recognitions.filter((r) => !draft.recognitions.some((held) => held.country === r.country))
  if (pending.length === 0) return 0
  const diplomats: DemoDiplomat[] = []
  for (let i = 0; i < draft.quorum; i++) {
    const { url } = (await callOperator(target, 'POST', '/v1/operator/diplomat-invites', { name: names[i] ?? `Demo diplomat ${i + 1}`, expiresInHours: 1 })) as { url: string }
    diplomats.push(await DemoDiplomat.register(url, target.url))
  }
  // The first diplomat set decides only once a published list names it: approvals are bound to that list.
  await callOperator(target, 'POST', '/v1/operator/publish', {})
  let enacted = 0
  for (const recognition of pending) {
    const proposal = (await callOperator(target, 'POST', '/v1/operator/proposals', { action: 'recognize', ...recognition })) as { id: number }
    for (const diplomat of diplomats) {
      if (await diplomat.approve(proposal.id)) {
        enacted++
        break
      }
    }
  }
  return enacted
}

const DEMO_NAMES = ['Demo diplomat Ada', 'Demo diplomat Ben', 'Demo diplomat Cleo', 'Demo diplomat Dov', 'Demo diplomat Eir']

function sha256(data: string | Buffer): Buffer {
  return createHash('sha256').update(data).digest()
}

function u32(n: number): Buffer {
  const out = Buffer.alloc(4)
  out.writeUInt32BE(n)
  return out
}
