// Diplomats and their passkeys: invites, WebAuthn registration and sign-in (@simplewebauthn/server), sessions,
// recognition proposals and quorum approvals. At quorum the entry with its evidence enters the operator's draft;
// publishing stays the operator's act. Never signs lists and never decides trust on its own: every stored approval
// is re-checked with the same pure verifier that every node and offline verifier runs on the published list.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server'
import type { ResolvedNodeConfig } from '../config/node-config.js'
import { canonicalize } from '../model/canonical-json.js'
import { fromBase64url, toBase64url, utf8 } from '../model/encoding.js'
import { EntenteError, isEntenteError } from '../model/errors.js'
import type { Approval, Diplomat, Recognition, TrustListPayload } from '../model/schema.types.js'
import type { OperatorService } from '../operator/operator-service.js'
import {
  DiplomatRepository,
  type ChallengeRecord,
  type CredentialRecord,
  type InviteRecord,
  type ProposalRecord,
  type ProposalState,
} from '../store/diplomat-repository.js'
import type { StoredTrustList } from '../store/store.types.js'
import { decodeTrustList } from '../trust-list/decode-trust-list.js'
import { fingerprintGroups } from '../trust-list/fingerprint.js'
import { governanceEntry, sameGovernance } from '../trust-list/handover.js'
import type { DiplomatErrorCode } from '../trust-list/recognition-error-codes.js'
import {
  approvalChallenge,
  coseKeyToPublicKey,
  recognitionEntry,
  SUPPORTED_COSE_ALGORITHMS,
  verifyApproval,
  type ApprovalAction,
  type GovernanceEntry,
  type RecognitionEntry,
} from '../trust-list/verify-recognitions.js'
import { DIPLOMAT_DEFAULTS, type DiplomatLimits } from './constants.js'
import { normalEntry, parseProposalRequest } from './proposal-entry.js'
import { resolveRelyingParty, type RelyingParty } from './relying-party.js'

export interface DiplomatServiceInit {
  /** The node's store: its SQLite connection holds the diplomat tables; heads name the foreign lists held. */
  readonly store: {
    readonly database: ConstructorParameters<typeof DiplomatRepository>[0]
    head(country: string): StoredTrustList | undefined
    heads(): StoredTrustList[]
  }
  readonly operator: Pick<OperatorService, 'draft' | 'updateDraft'>
  readonly config: Pick<ResolvedNodeConfig, 'country' | 'name' | 'http' | 'webauthn'>
  readonly now: () => Date
  /** The node's URL once it listens (for the default origin); read on every ceremony. */
  readonly nodeUrl?: () => string | undefined
  /** Lifetimes and caps; defaults in DIPLOMAT_DEFAULTS. */
  readonly limits?: Partial<DiplomatLimits>
  /** The quorum the operator configured, applied as far as the number of diplomats allows. */
  readonly configuredQuorum?: number
}

export interface DiplomatSession {
  readonly credentialId: string
  readonly name: string
  readonly csrfToken: string
  readonly expiresAt: Date
}

/** A session just created: `secret` goes into the cookie, only its hash is stored. */
export interface NewSession extends DiplomatSession {
  readonly secret: string
  readonly maxAgeSeconds: number
}

export interface ProposalView {
  readonly id: number
  readonly action: ApprovalAction
  readonly country: string
  readonly entry: RecognitionEntry | GovernanceEntry
  /** The foreign root thumbprint in hex groups, to compare by phone (a governance change: its diplomat keys). */
  readonly fingerprint: string
  /** For a governance change: who joins, who leaves, and the quorum before and after. */
  readonly governance?: GovernanceChangeView
  /** The chain position the approvals are bound to. */
  readonly head: { readonly seq: number; readonly hash: string }
  readonly state: ProposalState
  readonly proposedBy: string
  readonly createdAt: string
  readonly closedAt: string | undefined
  readonly approvals: readonly { readonly credentialId: string; readonly name: string; readonly approvedAt: string }[]
  readonly quorum: number
}

export interface GovernanceChangeView {
  readonly added: readonly { readonly name: string; readonly credentialId: string; readonly fingerprint: string }[]
  readonly removed: readonly { readonly name: string; readonly credentialId: string; readonly fingerprint: string }[]
  readonly quorum: { readonly from: number; readonly to: number }
}

export interface ForeignCountry {
  readonly country: string
  readonly rootThumbprint: string
  readonly fingerprint: string
  readonly seq: number
}

export interface InviteView {
  readonly id: string
  readonly name: string
  readonly createdAt: string
  readonly expiresAt: string
  readonly state: 'open' | 'used' | 'expired'
  readonly credentialId?: string
}

const SECRET = /^[A-Za-z0-9_-]{43}$/
const NAME = /^[^\p{Cc}\p{Cs}]{1,200}$/u
const CSRF_LABEL = 'entente-diplomat-csrf'

export function createDiplomatService(init: DiplomatServiceInit): DiplomatService {
  return new DiplomatService(init)
}

export class DiplomatService {
  readonly #init: DiplomatServiceInit
  readonly #repo: DiplomatRepository
  readonly limits: DiplomatLimits
  /** Signs sign-in challenges; per process, so a restart voids the unanswered ones (they live minutes anyway). */
  readonly #signInKey = randomBytes(32)

  constructor(init: DiplomatServiceInit) {
    this.#init = init
    this.#repo = new DiplomatRepository(init.store.database)
    this.limits = { ...DIPLOMAT_DEFAULTS, ...init.limits }
  }

  get country(): string {
    return this.#init.config.country
  }

  relyingParty(): RelyingParty {
    return resolveRelyingParty(this.#init.config, this.#init.nodeUrl?.())
  }

  // --- invites (operator) --------------------------------------------------------------------------------

  createInvite(body: unknown): { id: string; name: string; url: string; expiresAt: string } {
    const { name, expiresInHours } = (isObject(body) ? body : {}) as { name?: unknown; expiresInHours?: unknown }
    if (typeof name !== 'string' || !NAME.test(name.trim())) throw fail('ERR_DIPLOMAT_MALFORMED', 'name must be 1 to 200 printable characters')
    let ttl = this.limits.inviteTtlMs
    if (expiresInHours !== undefined) {
      if (typeof expiresInHours !== 'number' || !Number.isInteger(expiresInHours) || expiresInHours < 1 || expiresInHours * 3_600_000 > this.limits.maxInviteTtlMs) {
        throw fail('ERR_DIPLOMAT_MALFORMED', `expiresInHours must be an integer 1..${this.limits.maxInviteTtlMs / 3_600_000}`)
      }
      ttl = expiresInHours * 3_600_000
    }
    const now = this.#init.now()
    const secret = token(32)
    const invite = { id: token(9), secretSha256: sha256Hex(secret), name: name.trim(), userId: token(16), createdAt: iso(now), expiresMs: now.getTime() + ttl }
    this.#repo.createInvite(invite)
    // The secret travels in the fragment: browsers never send it to a server, so it stays out of every log.
    return { id: invite.id, name: invite.name, url: `${this.relyingParty().origin}/diplomats/register#invite=${secret}`, expiresAt: iso(new Date(invite.expiresMs)) }
  }

  invites(): InviteView[] {
    const nowMs = this.#init.now().getTime()
    return this.#repo.invites().map((invite) => ({
      id: invite.id,
      name: invite.name,
      createdAt: invite.createdAt,
      expiresAt: iso(new Date(invite.expiresMs)),
      state: invite.usedAt !== undefined ? 'used' : invite.expiresMs <= nowMs ? 'expired' : 'open',
      ...(invite.credentialId === undefined ? {} : { credentialId: invite.credentialId }),
    }))
  }

  // --- registration ----------------------------------------------------------------------------------------

  async registrationOptions(body: unknown): Promise<{ name: string; options: PublicKeyCredentialCreationOptionsJSON }> {
    const invite = this.#invite(field(body, 'invite'))
    const rp = this.relyingParty()
    const options = await generateRegistrationOptions({
      rpName: rp.rpName,
      rpID: rp.rpId,
      userName: invite.name,
      userDisplayName: invite.name,
      userID: bytes(invite.userId, 'user id'),
      challenge: this.#newChallenge(),
      timeout: this.limits.challengeTtlMs,
      attestationType: 'none',
      // One authenticator, one diplomat: a second registration from the same device is refused by the browser.
      excludeCredentials: this.#repo.activeCredentials().map((c) => ({ id: c.credentialId })),
      authenticatorSelection: { residentKey: 'preferred', userVerification: 'required' },
      supportedAlgorithmIDs: [...SUPPORTED_COSE_ALGORITHMS],
    })
    this.#repo.putChallenge({ challenge: options.challenge, purpose: 'register', inviteId: invite.id, expiresMs: this.#challengeExpiry() })
    return { name: invite.name, options }
  }

  async register(body: unknown): Promise<{ diplomat: Diplomat; session: NewSession }> {
    const invite = this.#invite(field(body, 'invite'))
    const response = ceremonyResponse(body) as unknown as RegistrationResponseJSON
    const challenge = this.#takeChallenge(response, 'register')
    if (challenge.inviteId !== invite.id) throw fail('ERR_DIPLOMAT_CHALLENGE', 'the challenge was issued for another invite')
    const rp = this.relyingParty()
    let verified: Awaited<ReturnType<typeof verifyRegistrationResponse>>
    try {
      verified = await verifyRegistrationResponse({
        response,
        expectedChallenge: challenge.challenge,
        expectedOrigin: rp.origin,
        expectedRPID: rp.rpId,
        requireUserVerification: true,
        supportedAlgorithmIDs: [...SUPPORTED_COSE_ALGORITHMS],
      })
    } catch (cause) {
      throw new EntenteError('ERR_DIPLOMAT_WEBAUTHN', `registration rejected: ${messageOf(cause)}`, { cause })
    }
    if (!verified.verified) throw fail('ERR_DIPLOMAT_WEBAUTHN', 'registration did not verify')
    const { credential } = verified.registrationInfo
    const publicKey = toBase64url(credential.publicKey)
    try {
      // Only keys the offline verifier can re-check may approve anything.
      await coseKeyToPublicKey(credential.publicKey)
    } catch (cause) {
      throw new EntenteError('ERR_DIPLOMAT_WEBAUTHN', 'the passkey uses a key type approvals cannot carry', { cause })
    }
    if (this.#repo.credential(credential.id) !== undefined) throw fail('ERR_DIPLOMAT_EXISTS', 'this passkey is already registered')
    const now = this.#init.now()
    const diplomat: Diplomat = { credentialId: credential.id, name: invite.name, publicKey, rpId: rp.rpId, origin: rp.origin, addedAt: iso(now) }
    const inForce = this.#inForce()
    const claim = (): void =>
      this.#repo.transaction(() => {
        if (!this.#repo.useInvite(invite.id, credential.id, iso(now))) throw fail('ERR_DIPLOMAT_INVITE_USED', 'this invite has already been used')
        this.#repo.addCredential({ ...diplomat, counter: credential.counter, transports: credential.transports ?? [], userId: invite.userId })
      })
    if (inForce !== undefined && inForce.diplomats.length > 0) {
      // Diplomats are in force: a new one joins only when a quorum of them approves the new set (TUF-style).
      claim()
      this.#proposeGovernance({ add: [diplomat] }, 'operator')
      return { diplomat, session: this.#createSession(diplomat.credentialId, diplomat.name) }
    }
    let added = false
    try {
      await this.#init.operator.updateDraft((draft) => {
        // Bootstrap: the first list that names diplomats sets them. Claiming the invite and adding the credential
        // happen together, inside the draft's serialized update.
        claim()
        added = true
        const diplomats = [...draft.diplomats.filter((d) => d.credentialId !== diplomat.credentialId), diplomat]
        return { ...draft, diplomats, quorum: feasibleQuorum(this.#init.configuredQuorum ?? draft.quorum, diplomats.length) }
      })
    } catch (error) {
      // The draft write failed after the credential row went in: take it out again so the two stay in step.
      if (added) this.#repo.removeCredential(diplomat.credentialId, iso(now))
      throw error
    }
    return { diplomat, session: this.#createSession(diplomat.credentialId, diplomat.name) }
  }

  // --- sign-in and sessions ---------------------------------------------------------------------------------

  /**
   * Anonymous, so it stores nothing: the challenge is self-contained (expiry and nonce under an HMAC with a key that
   * lives only in this process), and is recorded as spent only once an assertion over it has verified.
   */
  async signInOptions(): Promise<PublicKeyCredentialRequestOptionsJSON> {
    const rp = this.relyingParty()
    const challenge = signedChallenge(this.#signInKey, this.#challengeExpiry())
    // No allowCredentials: the passkey is discoverable, so the page needs no user name.
    return generateAuthenticationOptions({ rpID: rp.rpId, challenge, userVerification: 'required', timeout: this.limits.challengeTtlMs })
  }

  async signIn(body: unknown): Promise<{ name: string; session: NewSession }> {
    const response = ceremonyResponse(body) as unknown as AuthenticationResponseJSON
    const challenge = challengeOf(response.response.clientDataJSON)
    const expiresMs = signedChallengeExpiry(this.#signInKey, challenge)
    if (expiresMs === undefined) throw fail('ERR_DIPLOMAT_CHALLENGE', 'unknown challenge; start again')
    if (expiresMs <= this.#init.now().getTime()) throw fail('ERR_DIPLOMAT_CHALLENGE', 'the challenge has expired; start again')
    if (this.#repo.signInChallengeSpent(challenge)) throw fail('ERR_DIPLOMAT_CHALLENGE', 'this challenge was already used; start again')
    const credential = this.#activeCredential(response.id)
    await this.#verifyAssertion(response, challenge, credential)
    // Spent challenges are kept only until they expire; the sweep runs on authenticated requests, never anonymous ones.
    this.#repo.prune(this.#init.now().getTime())
    // Single use, decided atomically: of two racing uses of one assertion, only one records the challenge as spent.
    if (!this.#repo.spendSignInChallenge(challenge, expiresMs)) throw fail('ERR_DIPLOMAT_CHALLENGE', 'this challenge was already used; start again')
    return { name: credential.name, session: this.#createSession(credential.credentialId, credential.name) }
  }

  /** The session behind a cookie value, or undefined when absent, unknown, expired or its diplomat was removed. */
  session(secret: string | undefined): DiplomatSession | undefined {
    if (secret === undefined || !SECRET.test(secret)) return undefined
    const record = this.#repo.session(sha256Hex(secret))
    if (record === undefined || record.expiresMs <= this.#init.now().getTime()) return undefined
    const credential = this.#repo.credential(record.credentialId)
    if (credential === undefined || credential.removedAt !== undefined) return undefined
    return { credentialId: credential.credentialId, name: credential.name, csrfToken: csrfToken(secret), expiresAt: new Date(record.expiresMs) }
  }

  signOut(secret: string | undefined): void {
    if (secret !== undefined && SECRET.test(secret)) this.#repo.deleteSession(sha256Hex(secret))
  }

  /** CSRF: the token is an HMAC of the session secret, so it needs no storage and dies with the session. */
  checkCsrf(session: DiplomatSession, presented: string | undefined): void {
    const expected = Buffer.from(session.csrfToken)
    const given = Buffer.from(presented ?? '')
    if (given.byteLength !== expected.byteLength || !timingSafeEqual(given, expected)) {
      throw fail('ERR_DIPLOMAT_CSRF', 'the form token is missing or wrong; reload the page')
    }
  }

  // --- diplomats (operator) ----------------------------------------------------------------------------------

  /**
   * Diplomats as the operator sees them: the set in force (the published list's) with its quorum, the set the next
   * publish will carry, every registered passkey with its state, the pending governance change and the invites.
   */
  diplomats(): {
    inForce: { diplomats: Diplomat[]; quorum: number; since: number } | undefined
    diplomats: (Diplomat & { active: boolean; inForce: boolean })[]
    quorum: number
    pendingGovernance: ProposalView | undefined
    invites: InviteView[]
  } {
    const active = new Set(this.#repo.activeCredentials().map((c) => c.credentialId))
    const inForce = this.#inForce()
    const listed = new Set(inForce?.diplomats.map((d) => d.credentialId) ?? [])
    const draft = this.#init.operator.draft()
    const pending = this.#repo.openProposal('govern', this.country)
    return {
      inForce: inForce === undefined ? undefined : { diplomats: inForce.diplomats, quorum: inForce.quorum, since: inForce.governance.since },
      diplomats: draft.diplomats.map((d) => ({ ...d, active: active.has(d.credentialId), inForce: listed.has(d.credentialId) })),
      quorum: draft.quorum,
      pendingGovernance: pending === undefined ? undefined : this.#view(pending, inForce),
      invites: this.invites(),
    }
  }

  /**
   * Removes a diplomat. While the first diplomat set is still a draft the removal is immediate; once diplomats are
   * in force it becomes a governance proposal that a quorum of them must approve (the key stays in the published set
   * until then). Either way the passkey stops working on this node at once: sessions end and its pending approvals
   * no longer count, because a removed (perhaps compromised) key must stop deciding.
   */
  async removeDiplomat(credentialId: string, quorum?: number): Promise<{ removed: string; proposal?: ProposalView }> {
    const now = iso(this.#init.now())
    const inForce = this.#inForce()
    const listed = (inForce?.diplomats ?? this.#init.operator.draft().diplomats).some((d) => d.credentialId === credentialId)
    const removedRow = this.#repo.removeCredential(credentialId, now)
    if (!listed && !removedRow) throw fail('ERR_DIPLOMAT_NOT_FOUND', `no diplomat with credential ${credentialId}`)
    if (inForce !== undefined && inForce.diplomats.length > 0) {
      if (!listed) return { removed: credentialId }
      return { removed: credentialId, proposal: this.#proposeGovernance({ remove: [credentialId], ...(quorum === undefined ? {} : { quorum }) }, 'operator') }
    }
    await this.#init.operator.updateDraft((draft) => {
      const diplomats = draft.diplomats.filter((d) => d.credentialId !== credentialId)
      return { ...draft, diplomats, quorum: feasibleQuorum(quorum ?? this.#init.configuredQuorum ?? draft.quorum, diplomats.length) }
    })
    return { removed: credentialId }
  }

  /** The diplomat set and quorum of the pending governance change: what a reset in a root rotation installs. */
  pendingGovernanceSet(): GovernanceEntry | undefined {
    const pending = this.#repo.openProposal('govern', this.country)
    return pending === undefined ? undefined : (JSON.parse(pending.entry) as GovernanceEntry)
  }

  /** Proposes a new quorum for the diplomats in force (a governance change). */
  proposeQuorum(quorum: unknown, by: { credentialId: string } | 'operator'): ProposalView {
    if (typeof quorum !== 'number' || !Number.isInteger(quorum) || quorum < 1 || quorum > 200) throw fail('ERR_DIPLOMAT_MALFORMED', 'quorum must be an integer 1..200')
    return this.#proposeGovernance({ quorum }, by)
  }

  /** Diplomats and quorum in force: those of this country's latest published list. */
  #inForce(): TrustListPayload | undefined {
    const head = this.#init.store.head(this.country)
    return head === undefined ? undefined : decodeTrustList(head.signed, Number.MAX_SAFE_INTEGER).payload
  }

  /**
   * Opens (or widens) the one governance proposal: the set in force with `add` joined, `remove` left out and the
   * quorum changed. A pending proposal is superseded by the combined one, so diplomats approve one complete set.
   */
  #proposeGovernance(change: { add?: readonly Diplomat[]; remove?: readonly string[]; quorum?: number }, by: { credentialId: string } | 'operator'): ProposalView {
    const head = this.#init.store.head(this.country)
    const inForce = this.#inForce()
    if (head === undefined || inForce === undefined) throw fail('ERR_DIPLOMAT_NOT_PUBLISHED', `${this.country} has published no list yet`)
    const pending = this.#repo.openProposal('govern', this.country)
    const base = pending === undefined ? governanceEntry(inForce) : (JSON.parse(pending.entry) as GovernanceEntry)
    const removed = new Set(change.remove ?? [])
    const diplomats = [...base.diplomats.filter((d) => !removed.has(d.credentialId) && !(change.add ?? []).some((a) => a.credentialId === d.credentialId)), ...(change.add ?? [])]
    const quorum = feasibleQuorum(change.quorum ?? base.quorum, diplomats.length)
    if (change.quorum !== undefined && quorum !== change.quorum) {
      throw fail('ERR_DIPLOMAT_MALFORMED', `quorum ${change.quorum} is not possible with ${diplomats.length} diplomats (at least 2 of 2 or more, at most all of them)`)
    }
    const entry = governanceEntry({ diplomats, quorum })
    if (sameGovernance(entry, inForce)) {
      if (pending !== undefined) this.#repo.closeProposal(pending.id, 'superseded', iso(this.#init.now()))
      throw fail('ERR_DIPLOMAT_MALFORMED', 'that is the diplomat set and quorum already in force')
    }
    const createdAt = iso(this.#init.now())
    const id = this.#repo.transaction(() => {
      if (pending !== undefined) this.#repo.closeProposal(pending.id, 'superseded', createdAt)
      return this.#repo.createProposal({
        action: 'govern',
        country: this.country,
        entry: canonicalize(entry),
        head: { seq: head.seq, hash: head.hash },
        proposedBy: by === 'operator' ? 'operator' : by.credentialId,
        createdAt,
      })
    })
    return this.proposal(id)
  }

  // --- proposals ------------------------------------------------------------------------------------------------

  /** Foreign countries whose list this node holds: what can be proposed for recognition. */
  foreignCountries(): ForeignCountry[] {
    return this.#init.store
      .heads()
      .filter((h) => h.country !== this.country)
      .map((h) => ({ country: h.country, rootThumbprint: h.rootThumbprint, fingerprint: fingerprintGroups(h.rootThumbprint), seq: h.seq }))
  }

  /** This country's latest published list, if any. */
  published(): { seq: number; issuedAt: string } | undefined {
    const head = this.#init.store.head(this.country)
    return head === undefined ? undefined : { seq: head.seq, issuedAt: head.issuedAt }
  }

  /** The recognitions and withdrawals in the draft: what the next publish will carry. */
  drafted(): { recognitions: Recognition[]; withdrawals: Recognition[]; quorum: number } {
    const draft = this.#init.operator.draft()
    return { recognitions: draft.recognitions, withdrawals: draft.withdrawals ?? [], quorum: draft.quorum }
  }

  propose(body: unknown, by: { credentialId: string } | 'operator'): ProposalView {
    const request = parseProposalRequest(body)
    if (request.action === 'govern') {
      if (request.quorum !== undefined) return this.proposeQuorum(request.quorum, by)
      throw fail('ERR_DIPLOMAT_MALFORMED', 'a governance proposal names the new quorum; diplomats join by invite and leave by removal')
    }
    const own = this.#init.store.head(this.country)
    if (own === undefined) throw fail('ERR_DIPLOMAT_NOT_PUBLISHED', `${this.country} has published no list yet: diplomats approve against a published list`)
    let entry: RecognitionEntry
    if (request.action === 'recognize') {
      if (request.country === this.country) throw fail('ERR_DIPLOMAT_MALFORMED', `${this.country} cannot recognize itself`)
      const head = this.#init.store.head(request.country)
      const typed = request.rootThumbprint
      // The root comes from the fingerprint the diplomats received from that country out of band; what the network
      // holds is only compared with it, and a mismatch stops the proposal loudly.
      if (typed !== undefined && head !== undefined && head.rootThumbprint !== typed) {
        throw new EntenteError(
          'ERR_DIPLOMAT_FINGERPRINT_MISMATCH',
          `the fingerprint you entered for ${request.country} (${fingerprintGroups(typed)}) is NOT the root this node holds for ${request.country} (${fingerprintGroups(head.rootThumbprint)}): do not approve; check with ${request.country} by another channel`,
          { details: { country: request.country, entered: typed, held: head.rootThumbprint } },
        )
      }
      const root = typed ?? head?.rootThumbprint
      if (root === undefined) {
        throw fail('ERR_DIPLOMAT_COUNTRY_UNKNOWN', `this node holds no trust list of ${request.country}: enter the root fingerprint ${request.country} gave you`)
      }
      entry = normalEntry(request.country, root, request.scopes ?? [], request.vaccines)
    } else {
      const current = this.#init.operator.draft().recognitions.find((r) => r.country === request.country)
      if (current === undefined) throw fail('ERR_DIPLOMAT_COUNTRY_UNKNOWN', `${request.country} is not recognized in the draft`)
      entry = recognitionEntry(current)
    }
    if (this.#repo.openProposal(request.action, request.country) !== undefined) {
      throw fail('ERR_DIPLOMAT_PROPOSAL_EXISTS', `an open ${request.action} proposal for ${request.country} exists; approve it instead`)
    }
    let id: number
    try {
      id = this.#repo.createProposal({
        action: request.action,
        country: request.country,
        entry: canonicalize(entry),
        head: { seq: own.seq, hash: own.hash },
        proposedBy: by === 'operator' ? 'operator' : by.credentialId,
        createdAt: iso(this.#init.now()),
      })
    } catch (cause) {
      // The unique index lost a race with a concurrent proposal.
      throw new EntenteError('ERR_DIPLOMAT_PROPOSAL_EXISTS', `an open ${request.action} proposal for ${request.country} exists`, { cause })
    }
    return this.proposal(id)
  }

  proposal(id: number): ProposalView {
    const record = this.#repo.proposal(id)
    if (record === undefined) throw fail('ERR_DIPLOMAT_PROPOSAL_NOT_FOUND', `no proposal ${id}`)
    return this.#view(record, this.#inForce())
  }

  proposals(options: { state?: ProposalState } = {}): ProposalView[] {
    const inForce = this.#inForce()
    return this.#repo.proposals(options).map((record) => this.#view(record, inForce))
  }

  // --- approvals ------------------------------------------------------------------------------------------------

  /** Assertion options whose challenge is approvalChallenge(action, country, entry, fresh nonce). */
  async approvalOptions(
    session: DiplomatSession,
    proposalId: number,
  ): Promise<{ options: PublicKeyCredentialRequestOptionsJSON; entry: RecognitionEntry | GovernanceEntry; action: ApprovalAction }> {
    const proposal = this.#openProposal(proposalId)
    const credential = this.#activeCredential(session.credentialId)
    this.#mayApprove(credential.credentialId)
    if (this.#repo.approvals(proposalId).some((a) => a.credentialId === credential.credentialId)) {
      throw fail('ERR_DIPLOMAT_ALREADY_APPROVED', `you already approved proposal ${proposalId}`)
    }
    const entry = JSON.parse(proposal.entry) as RecognitionEntry | GovernanceEntry
    const nonce = token(16)
    const challenge = approvalChallenge({ action: proposal.action, country: this.country, entry, head: proposal.head, nonce })
    this.#reserveChallengeSlot()
    const options = await generateAuthenticationOptions({
      rpID: credential.rpId,
      challenge: bytes(challenge, 'challenge'),
      userVerification: 'required',
      allowCredentials: [{ id: credential.credentialId, transports: [...credential.transports] }],
      timeout: this.limits.challengeTtlMs,
    })
    this.#repo.putChallenge({ challenge, purpose: 'approve', credentialId: credential.credentialId, proposalId, nonce, expiresMs: this.#challengeExpiry() })
    return { options, entry, action: proposal.action }
  }

  /** Verifies and stores one approval; at quorum the entry and its evidence enter the draft. */
  async approve(session: DiplomatSession, proposalId: number, body: unknown): Promise<{ proposal: ProposalView; enacted: boolean }> {
    const response = ceremonyResponse(body) as unknown as AuthenticationResponseJSON
    // Only the signed-in diplomat's own passkey can approve in their session.
    if (response.id !== session.credentialId) throw fail('ERR_DIPLOMAT_UNKNOWN_CREDENTIAL', 'approve with the passkey you signed in with')
    const challenge = this.#takeChallenge(response, 'approve')
    if (challenge.proposalId !== proposalId || challenge.credentialId !== session.credentialId || challenge.nonce === undefined) {
      throw fail('ERR_DIPLOMAT_CHALLENGE', 'the challenge was issued for another proposal or diplomat')
    }
    const proposal = this.#openProposal(proposalId)
    const entry = JSON.parse(proposal.entry) as RecognitionEntry | GovernanceEntry
    if (approvalChallenge({ action: proposal.action, country: this.country, entry, head: proposal.head, nonce: challenge.nonce }) !== challenge.challenge) {
      throw fail('ERR_DIPLOMAT_CHALLENGE', 'the challenge does not match the proposal')
    }
    const credential = this.#activeCredential(session.credentialId)
    this.#mayApprove(credential.credentialId)
    await this.#verifyAssertion(response, challenge.challenge, credential)
    const approval: Approval = {
      credentialId: credential.credentialId,
      nonce: challenge.nonce,
      head: { seq: proposal.head.seq, hash: proposal.head.hash },
      authenticatorData: response.response.authenticatorData,
      clientDataJSON: response.response.clientDataJSON,
      signature: response.response.signature,
    }
    try {
      // The evidence must pass the very check every verifier will run on the published list.
      await verifyApproval(approval, { action: proposal.action, country: this.country, entry, diplomat: toDiplomat(credential) })
    } catch (cause) {
      throw new EntenteError('ERR_DIPLOMAT_WEBAUTHN', `the approval would not verify in the published list: ${messageOf(cause)}`, { cause })
    }
    try {
      this.#repo.addApproval({ proposalId, credentialId: credential.credentialId, approval, approvedAt: iso(this.#init.now()) })
    } catch (cause) {
      throw new EntenteError('ERR_DIPLOMAT_ALREADY_APPROVED', `you already approved proposal ${proposalId}`, { cause })
    }
    const enacted = await this.#enactAtQuorum(proposal, entry)
    return { proposal: this.proposal(proposalId), enacted }
  }

  async #enactAtQuorum(proposal: ProposalRecord, entry: RecognitionEntry | GovernanceEntry): Promise<boolean> {
    const inForce = this.#inForce()
    if (inForce === undefined || this.#countingApprovals(proposal.id, inForce).length < inForce.quorum) return false
    let closed = false
    try {
      await this.#init.operator.updateDraft((draft) => {
        // Re-checked inside the serialized update: a publish may have changed the diplomats in force meanwhile.
        const current = this.#inForce()
        if (current === undefined) return draft
        // A governance change published meanwhile makes these approvals another epoch's: never put them in the draft.
        if (proposal.head.seq < current.governance.since) {
          this.#repo.closeProposal(proposal.id, 'superseded', iso(this.#init.now()))
          return draft
        }
        const approvals = this.#countingApprovals(proposal.id, current)
        if (approvals.length < current.quorum) return draft
        const at = iso(this.#init.now())
        closed = this.#repo.transaction(() => {
          if (!this.#repo.closeProposal(proposal.id, 'enacted', at)) return false
          this.#repo.supersedeOpen(proposal.country, proposal.id, at)
          return true
        })
        if (!closed) return draft
        if (proposal.action === 'govern') {
          // The new set and quorum, with the previous diplomats' approvals of exactly it, go out with the next publish.
          const governance = entry as GovernanceEntry
          return { ...draft, diplomats: governance.diplomats, quorum: governance.quorum, governanceApprovals: approvals }
        }
        const evidence: Recognition = { ...(entry as RecognitionEntry), approvals }
        const recognitions = draft.recognitions.filter((r) => r.country !== proposal.country)
        const withdrawals = (draft.withdrawals ?? []).filter((w) => w.country !== proposal.country)
        // A country is either recognized or withdrawn: re-recognizing replaces its withdrawal, which the fresh
        // evidence outdates; withdrawing keeps the withdrawal with its evidence (latest per country) for audit.
        if (proposal.action === 'recognize') return { ...draft, recognitions: [...recognitions, evidence], withdrawals }
        return { ...draft, recognitions, withdrawals: [...withdrawals, evidence] }
      })
    } catch (error) {
      if (closed) this.#repo.reopenProposal(proposal.id)
      throw error
    }
    return closed
  }

  /** Approvals of a proposal by diplomats in force, ordered by credential id. */
  #countingApprovals(proposalId: number, inForce: Pick<TrustListPayload, 'diplomats'>): Approval[] {
    const listed = new Set(inForce.diplomats.map((d) => d.credentialId))
    return this.#repo
      .approvals(proposalId)
      .filter((a) => listed.has(a.credentialId))
      .map((a) => a.approval)
      .sort((a, b) => (a.credentialId < b.credentialId ? -1 : a.credentialId > b.credentialId ? 1 : 0))
  }

  /** Only diplomats of the published set in force decide; one registered since must first be approved in. */
  #mayApprove(credentialId: string): void {
    const inForce = this.#inForce()
    if (inForce === undefined || !inForce.diplomats.some((d) => d.credentialId === credentialId)) {
      throw fail('ERR_DIPLOMAT_NOT_IN_FORCE', `your passkey is not yet in ${this.country}'s published diplomat set: the current diplomats must approve you first`)
    }
  }

  // --- internals --------------------------------------------------------------------------------------------------

  #invite(secret: unknown): InviteRecord {
    if (typeof secret !== 'string' || !SECRET.test(secret)) throw fail('ERR_DIPLOMAT_INVITE_UNKNOWN', 'this invite link is not valid')
    const invite = this.#repo.inviteBySecret(sha256Hex(secret))
    if (invite === undefined) throw fail('ERR_DIPLOMAT_INVITE_UNKNOWN', 'this invite link is not valid')
    if (invite.usedAt !== undefined) throw fail('ERR_DIPLOMAT_INVITE_USED', 'this invite has already been used')
    if (invite.expiresMs <= this.#init.now().getTime()) throw fail('ERR_DIPLOMAT_INVITE_EXPIRED', 'this invite has expired; ask the operator for a new one')
    return invite
  }

  #openProposal(id: number): ProposalRecord {
    const proposal = this.#repo.proposal(id)
    if (proposal === undefined) throw fail('ERR_DIPLOMAT_PROPOSAL_NOT_FOUND', `no proposal ${id}`)
    if (proposal.state !== 'open') throw fail('ERR_DIPLOMAT_PROPOSAL_CLOSED', `proposal ${id} is ${proposal.state}`)
    // Approvals bind the proposal's chain position: once the diplomats in force changed, they would belong to
    // another epoch and no verifier would count them, so the proposal is closed and must be made again.
    const inForce = this.#inForce()
    if (inForce !== undefined && proposal.head.seq < inForce.governance.since) {
      this.#repo.closeProposal(id, 'superseded', iso(this.#init.now()))
      throw fail('ERR_DIPLOMAT_PROPOSAL_CLOSED', `proposal ${id} predates the diplomat set in force since seq ${inForce.governance.since}; propose it again`)
    }
    return proposal
  }

  #activeCredential(credentialId: string): CredentialRecord {
    const credential = this.#repo.credential(credentialId)
    if (credential === undefined || credential.removedAt !== undefined) throw fail('ERR_DIPLOMAT_UNKNOWN_CREDENTIAL', 'this passkey is not registered here')
    return credential
  }

  #newChallenge(): Uint8Array<ArrayBuffer> {
    this.#reserveChallengeSlot()
    return new Uint8Array(randomBytes(32))
  }

  #reserveChallengeSlot(): void {
    if (this.#repo.prune(this.#init.now().getTime()) >= this.limits.maxOutstandingChallenges) {
      throw fail('ERR_DIPLOMAT_BUSY', 'too many ceremonies in progress; try again in a few minutes')
    }
  }

  #challengeExpiry(): number {
    return this.#init.now().getTime() + this.limits.challengeTtlMs
  }

  /** Single use: the challenge is deleted before anything else is checked, so a failed attempt burns it too. */
  #takeChallenge(response: { response: { clientDataJSON: string } }, purpose: ChallengeRecord['purpose']): ChallengeRecord {
    const challenge = challengeOf(response.response.clientDataJSON)
    // Only a challenge of this purpose is taken: a spent sign-in challenge must stay spent.
    const record = this.#repo.takeChallenge(challenge, purpose)
    if (record === undefined) throw fail('ERR_DIPLOMAT_CHALLENGE', `unknown or already used ${purpose} challenge; start again`)
    if (record.expiresMs <= this.#init.now().getTime()) throw fail('ERR_DIPLOMAT_CHALLENGE', 'the challenge has expired; start again')
    return record
  }

  async #verifyAssertion(response: AuthenticationResponseJSON, expectedChallenge: string, credential: CredentialRecord): Promise<void> {
    let result: Awaited<ReturnType<typeof verifyAuthenticationResponse>>
    try {
      result = await verifyAuthenticationResponse({
        response,
        expectedChallenge,
        // The credential's own rpId and origin: exactly what the published diplomat record says.
        expectedOrigin: credential.origin,
        expectedRPID: credential.rpId,
        credential: { id: credential.credentialId, publicKey: bytes(credential.publicKey, 'public key'), counter: credential.counter, transports: [...credential.transports] },
        requireUserVerification: true,
      })
    } catch (cause) {
      throw new EntenteError('ERR_DIPLOMAT_WEBAUTHN', `passkey assertion rejected: ${messageOf(cause)}`, { cause })
    }
    if (!result.verified) throw fail('ERR_DIPLOMAT_WEBAUTHN', 'passkey assertion did not verify')
    // Atomic compare-and-raise: a cloned authenticator, or two racing uses of one assertion, fail here.
    if (!this.#repo.advanceCounter(credential.credentialId, result.authenticationInfo.newCounter)) {
      throw fail('ERR_DIPLOMAT_WEBAUTHN', 'the signature counter did not increase (cloned passkey?)')
    }
  }

  #createSession(credentialId: string, name: string): NewSession {
    const now = this.#init.now()
    const secret = token(32)
    const expiresMs = now.getTime() + this.limits.sessionTtlMs
    this.#repo.createSession({ idSha256: sha256Hex(secret), credentialId, createdAt: iso(now), expiresMs })
    return { secret, credentialId, name, csrfToken: csrfToken(secret), expiresAt: new Date(expiresMs), maxAgeSeconds: Math.floor(this.limits.sessionTtlMs / 1000) }
  }

  #view(record: ProposalRecord, inForce: TrustListPayload | undefined): ProposalView {
    const nameOf = (credentialId: string): string => this.#repo.credential(credentialId)?.name ?? credentialId
    const common = {
      id: record.id,
      action: record.action,
      country: record.country,
      state: record.state,
      head: record.head,
      proposedBy: record.proposedBy === 'operator' ? 'operator' : nameOf(record.proposedBy),
      createdAt: record.createdAt,
      closedAt: record.closedAt,
      approvals: this.#repo.approvals(record.id).map((a) => ({ credentialId: a.credentialId, name: nameOf(a.credentialId), approvedAt: a.approvedAt })),
      quorum: inForce?.quorum ?? this.#init.operator.draft().quorum,
    }
    if (record.action === 'govern') {
      const entry = JSON.parse(record.entry) as GovernanceEntry
      const before = inForce?.diplomats ?? []
      const describe = (d: Diplomat) => ({ name: d.name, credentialId: d.credentialId, fingerprint: keyFingerprint(d.publicKey) })
      const governance: GovernanceChangeView = {
        added: entry.diplomats.filter((d) => !before.some((b) => b.credentialId === d.credentialId)).map(describe),
        removed: before.filter((b) => !entry.diplomats.some((d) => d.credentialId === b.credentialId)).map(describe),
        quorum: { from: inForce?.quorum ?? entry.quorum, to: entry.quorum },
      }
      return { ...common, entry, governance, fingerprint: governance.added.map((a) => a.fingerprint).join(' / ') }
    }
    const entry = JSON.parse(record.entry) as RecognitionEntry
    return { ...common, entry, fingerprint: fingerprintGroups(entry.rootThumbprint) }
  }
}

/** The quorum a set of n diplomats can have: at least 2 of 2 or more, never more than there are. */
export function feasibleQuorum(wanted: number, diplomats: number): number {
  if (diplomats <= 1) return 1
  return Math.min(Math.max(wanted, 2), diplomats)
}

/** A passkey's public key in hex groups (first 16 bytes of its SHA-256): what diplomats compare for a newcomer. */
function keyFingerprint(publicKey: string): string {
  return createHash('sha256').update(Buffer.from(publicKey, 'base64url')).digest('hex').slice(0, 32).toUpperCase().match(/.{4}/g)?.join(' ') ?? ''
}

function toDiplomat(credential: CredentialRecord): Diplomat {
  return { credentialId: credential.credentialId, name: credential.name, publicKey: credential.publicKey, rpId: credential.rpId, origin: credential.origin, addedAt: credential.addedAt }
}

/** The minimal shape of a WebAuthn response JSON; @simplewebauthn validates the rest. */
function ceremonyResponse(body: unknown): { id: string; response: Record<string, string> } {
  const response = isObject(body) ? (body as { response?: unknown }).response : undefined
  if (!isObject(response)) throw fail('ERR_DIPLOMAT_MALFORMED', 'response is missing')
  const { id, rawId, type, response: inner } = response as Record<string, unknown>
  if (typeof id !== 'string' || id.length > 1024 || typeof rawId !== 'string' || type !== 'public-key' || !isObject(inner)) {
    throw fail('ERR_DIPLOMAT_MALFORMED', 'response is not a WebAuthn credential')
  }
  if (typeof (inner as Record<string, unknown>).clientDataJSON !== 'string') throw fail('ERR_DIPLOMAT_MALFORMED', 'response lacks clientDataJSON')
  return response as { id: string; response: Record<string, string> }
}

const SIGN_IN_LABEL = 'entente-diplomat-sign-in'

/** version 1 ‖ expiry (ms, 8 bytes big-endian) ‖ 16-byte nonce ‖ HMAC-SHA256 over label and the rest. */
function signedChallenge(key: Uint8Array, expiresMs: number): Uint8Array<ArrayBuffer> {
  const body = Buffer.alloc(25)
  body.writeUInt8(1, 0)
  body.writeBigUInt64BE(BigInt(expiresMs), 1)
  randomBytes(16).copy(body, 9)
  const mac = createHmac('sha256', key).update(SIGN_IN_LABEL).update(body).digest()
  return new Uint8Array(Buffer.concat([body, mac]))
}

/** The expiry of a challenge this process signed, or undefined for anything else. */
function signedChallengeExpiry(key: Uint8Array, challenge: string): number | undefined {
  const raw = fromBase64url(challenge)
  if (raw === undefined || raw.byteLength !== 57 || raw[0] !== 1) return undefined
  const bytes = Buffer.from(raw)
  const body = bytes.subarray(0, 25)
  const mac = createHmac('sha256', key).update(SIGN_IN_LABEL).update(body).digest()
  if (!timingSafeEqual(mac, bytes.subarray(25))) return undefined
  return Number(body.readBigUInt64BE(1))
}

function challengeOf(clientDataJSON: string): string {
  const decoded = fromBase64url(clientDataJSON)
  try {
    const parsed = JSON.parse(utf8(decoded ?? new Uint8Array())) as { challenge?: unknown }
    if (typeof parsed.challenge === 'string' && parsed.challenge.length <= 128) return parsed.challenge
  } catch {
    // fall through: reported below
  }
  throw fail('ERR_DIPLOMAT_MALFORMED', 'clientDataJSON carries no challenge')
}

function field(body: unknown, name: string): unknown {
  return isObject(body) ? (body as Record<string, unknown>)[name] : undefined
}

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function bytes(text: string, what: string): Uint8Array<ArrayBuffer> {
  const decoded = fromBase64url(text)
  if (decoded === undefined) throw fail('ERR_DIPLOMAT_MALFORMED', `${what} is not base64url`)
  // A copy on its own ArrayBuffer: the shape @simplewebauthn's types ask for.
  return new Uint8Array(decoded)
}

function token(size: number): string {
  return toBase64url(randomBytes(size))
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex')
}

function csrfToken(sessionSecret: string): string {
  return createHmac('sha256', sessionSecret).update(CSRF_LABEL).digest('base64url')
}

function iso(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z')
}

function messageOf(error: unknown): string {
  return isEntenteError(error) || error instanceof Error ? error.message : String(error)
}

function fail(code: DiplomatErrorCode, message: string): EntenteError {
  return new EntenteError(code, message)
}
