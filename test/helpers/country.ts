// Test fixture: a country that really signs its lists (like tuf-js's mock repository), so every test
// exercises the real signing and verification code.
import type { Root, TrustListDraft, TrustListPayload } from '../../src/model/schema.types.js'
import { buildTrustList, emptyDraft } from '../../src/trust-list/build-trust-list.js'
import { hashTrustList } from '../../src/trust-list/hash-trust-list.js'
import { generateRootKey, rootOf, type RootKeyType, type RootSigningKey } from '../../src/trust-list/root-key.js'
import { signTrustList } from '../../src/trust-list/sign-trust-list.js'
import type { SignedTrustList } from '../../src/model/schema.types.js'

export const T0 = new Date('2026-11-24T12:00:00Z')

export interface TestList {
  readonly payload: TrustListPayload
  readonly signed: SignedTrustList
  readonly hash: string
}

export class TestCountry {
  root: RootSigningKey
  head: TestList | undefined
  draft: TrustListDraft = emptyDraft(1)

  private constructor(
    readonly country: string,
    root: RootSigningKey,
  ) {
    this.root = root
  }

  static async create(country: string, type: RootKeyType = 'ed25519'): Promise<TestCountry> {
    return new TestCountry(country, await generateRootKey(type))
  }

  /** Builds the next payload; `edit` may change it (tests use that to forge) before signing. */
  async next(
    options: {
      now?: Date
      validityDays?: number
      edit?: (p: TrustListPayload) => void
      signWith?: RootSigningKey[]
      advance?: boolean
    } = {},
  ): Promise<TestList> {
    const payload = buildTrustList({
      country: this.country,
      root: rootOf(this.root),
      draft: this.draft,
      ...(this.head === undefined ? {} : { head: this.head }),
      now: options.now ?? T0,
      validityDays: options.validityDays ?? 30,
    })
    options.edit?.(payload)
    const signed = await signTrustList(payload, options.signWith ?? [this.root])
    const list = { payload, signed, hash: hashTrustList(payload) }
    if (options.advance !== false) this.head = list
    return list
  }

  /** A list handing trust from the current root to a new one, signed by both. */
  async rotate(options: { now?: Date; type?: RootKeyType } = {}): Promise<TestList> {
    const next = await generateRootKey(options.type ?? 'p256')
    const previousRoot: Root = rootOf(this.root)
    const old = this.root
    const list = await this.next({
      ...(options.now === undefined ? {} : { now: options.now }),
      edit: (p) => {
        p.root = rootOf(next)
        p.previousRoot = previousRoot
        if (!p.changes.includes('root')) p.changes = ['root', ...p.changes]
      },
      signWith: [old, next],
    })
    this.root = next
    return list
  }
}

import { GeneralSign, importJWK } from 'jose'
import { canonicalBytes } from '../../src/model/canonical-json.js'
import { TRUST_LIST_TYP } from '../../src/trust-list/constants.js'

/** Signs arbitrary bytes or JSON as a trust-list JWS without any of signTrustList's safety checks: for forgeries. */
export async function forgeSign(
  payload: unknown,
  keys: readonly RootSigningKey[],
  header: Record<string, unknown> = {},
): Promise<SignedTrustList> {
  const bytes = payload instanceof Uint8Array ? payload : canonicalBytes(payload)
  const sign = new GeneralSign(bytes)
  for (const key of keys) {
    sign.addSignature(await importJWK(key.privateJwk, key.alg)).setProtectedHeader({
      alg: key.alg,
      kid: key.thumbprint,
      typ: TRUST_LIST_TYP,
      ...header,
    })
  }
  const jws = await sign.sign()
  return { payload: jws.payload, signatures: jws.signatures.map((s) => ({ protected: s.protected ?? '', signature: s.signature })) }
}
