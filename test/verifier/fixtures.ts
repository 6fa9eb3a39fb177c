// Verifier fixtures: countries that really sign lists and revocation lists, recognitions with real WebAuthn quorum
// evidence (software authenticator), and real HC1 certificates signed by demo DSCs listed in those lists.
import { KeyObject } from 'node:crypto'
import { createDemoDsc, type DemoDsc } from '../../src/demo/demo-signer.js'
import { issueDemoDcc } from '../../src/demo/issue-dcc.js'
import type { Bundle, SignedRevocationList, SignedTrustList, Usage } from '../../src/model/schema.types.js'
import { buildRevocationList, type RevocationEntries } from '../../src/revocation/build-revocation-list.js'
import { signRevocationList } from '../../src/revocation/sign-revocation-list.js'
import type { RevocationListHead } from '../../src/revocation/revocation-list.types.js'
import { canonicalize } from '../../src/model/canonical-json.js'
import { sha256Hex } from '../../src/model/encoding.js'
import { recognitionEntry } from '../../src/trust-list/verify-recognitions.js'
import { T0, TestCountry } from '../helpers/country.js'
import { SoftAuthenticator } from '../helpers/webauthn.js'

export { T0 }
/** Verification time of the fixtures: an hour after their lists were issued. */
export const NOW = new Date(T0.getTime() + 3_600_000)
export const COMIRNATY = 'EU/1/20/1528'

/** A TestCountry with a demo DSC in its draft, a diplomat for recognitions and a revocation-list chain. */
export class VerifierCountry {
  readonly diplomat = SoftAuthenticator.create('ES256')
  revocationHead: (RevocationListHead & { signed: SignedRevocationList }) | undefined

  private constructor(
    readonly tc: TestCountry,
    readonly dsc: DemoDsc,
  ) {}

  static async create(country: string): Promise<VerifierCountry> {
    const tc = await TestCountry.create(country)
    // Valid around both the fixed fixture time and the wall clock (tests against real nodes use the latter).
    const earliest = Math.min(T0.getTime(), Date.now())
    const latest = Math.max(T0.getTime(), Date.now())
    const dsc = await createDemoDsc({ country, notBefore: new Date(earliest - 86_400_000), notAfter: new Date(latest + 365 * 86_400_000) })
    const c = new VerifierCountry(tc, dsc)
    tc.draft.signers.push(dsc.signer)
    tc.draft.vaccines.push({ product: COMIRNATY, dosesForCompletion: 2, validityDays: 270 })
    tc.draft.diplomats.push(c.diplomat.diplomat({ name: `Diplomat of ${country}` }))
    return c
  }

  get country(): string {
    return this.tc.country
  }

  get thumbprint(): string {
    return this.tc.root.thumbprint
  }

  /**
   * Adds a recognition of `other` (its current root) with quorum evidence (the draft's quorum is 1), approved at
   * this country's head; without a published list yet, the first one (naming the diplomat) is published first.
   */
  async recognize(other: VerifierCountry | { country: string; thumbprint: string }, scopes: Usage[] = ['vaccination', 'test', 'recovery']): Promise<void> {
    const entry = recognitionEntry({ country: other.country, rootThumbprint: other.thumbprint, scopes })
    const diplomat = this.tc.draft.diplomats[0]
    if (diplomat === undefined) throw new Error('no diplomat')
    const head = this.tc.head ?? (await this.tc.next({ now: T0 }))
    this.tc.draft.recognitions = [
      ...this.tc.draft.recognitions.filter((r) => r.country !== other.country),
      { ...entry, approvals: [this.diplomat.approve({ country: this.country, entry, head: { seq: head.payload.seq, hash: head.hash }, diplomat })] },
    ]
  }

  withdraw(country: string): void {
    this.tc.draft.recognitions = this.tc.draft.recognitions.filter((r) => r.country !== country)
  }

  async publish(options: Parameters<TestCountry['next']>[0] = {}): Promise<SignedTrustList> {
    return (await this.tc.next({ now: T0, ...options })).signed
  }

  async publishRevocations(entries: RevocationEntries, options: { now?: Date; validityDays?: number; advance?: boolean } = {}): Promise<SignedRevocationList> {
    const payload = buildRevocationList({
      country: this.country,
      rootThumbprint: this.thumbprint,
      entries,
      ...(this.revocationHead === undefined ? {} : { head: this.revocationHead }),
      now: options.now ?? T0,
      ...(options.validityDays === undefined ? {} : { validityDays: options.validityDays }),
    })
    const signed = await signRevocationList(payload, this.tc.root)
    if (options.advance !== false) this.revocationHead = { payload, hash: sha256Hex(canonicalize(payload)), signed }
    return signed
  }

  /** A real HC1 vaccination certificate signed by this country's DSC. */
  issue(options: { uci?: string; date?: string; dose?: number; at?: Date } = {}): string {
    const at = options.at ?? T0
    return issueDemoDcc({
      privateKey: KeyObject.from(this.dsc.privateKey),
      kid: this.dsc.signer.kid,
      vaccination: {
        country: this.country,
        familyName: 'Papadopoulou',
        givenName: 'Eleni',
        dateOfBirth: '1980-01-01',
        product: COMIRNATY,
        manufacturer: 'ORG-100030215',
        dose: options.dose ?? 2,
        totalDoses: 2,
        date: options.date ?? new Date(at.getTime() - 23 * 86_400_000).toISOString().slice(0, 10),
        certificateId: options.uci ?? `URN:UVCI:01:${this.country}:${Math.random().toString(36).slice(2, 12).toUpperCase()}`,
      },
      issuedAt: new Date(at.getTime() - 86_400_000),
      expiresAt: new Date(at.getTime() + 365 * 86_400_000),
    })
  }
}

export function bundleOf(lists: readonly SignedTrustList[], extra: Partial<Bundle> = {}): Bundle {
  return { type: 'entente.bundle', version: 1, token: '1.0.0', full: true, lists: [...lists], alarms: [], ...extra }
}
