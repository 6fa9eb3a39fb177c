// The diplomat workflow's tables in the node's SQLite file (migration 2): invites, passkey credentials,
// single-use WebAuthn challenges, sessions, recognition proposals and approvals.
// Stores secrets only as SHA-256 hashes; makes no trust decisions (src/diplomats does).
import type Database from 'better-sqlite3'
import type { Approval } from '../model/schema.types.js'

export type ChallengePurpose = 'register' | 'sign-in' | 'approve'
/** recognize/withdraw a country, or govern: a new diplomat set and quorum for this country. */
export type ProposalAction = 'recognize' | 'withdraw' | 'govern'
export type ProposalState = 'open' | 'enacted' | 'superseded'

export interface InviteRecord {
  readonly id: string
  readonly secretSha256: string
  readonly name: string
  /** WebAuthn user handle (base64url), fixed per invite. */
  readonly userId: string
  readonly createdAt: string
  readonly expiresMs: number
  readonly usedAt: string | undefined
  readonly credentialId: string | undefined
}

export interface CredentialRecord {
  readonly credentialId: string
  readonly name: string
  /** COSE_Key, base64url. */
  readonly publicKey: string
  readonly counter: number
  readonly transports: readonly string[]
  readonly rpId: string
  readonly origin: string
  readonly userId: string
  readonly addedAt: string
  readonly removedAt: string | undefined
}

export interface ChallengeRecord {
  readonly challenge: string
  readonly purpose: ChallengePurpose
  readonly inviteId?: string | undefined
  readonly credentialId?: string | undefined
  readonly proposalId?: number | undefined
  readonly nonce?: string | undefined
  readonly expiresMs: number
}

export interface SessionRecord {
  readonly idSha256: string
  readonly credentialId: string
  readonly createdAt: string
  readonly expiresMs: number
}

export interface ProposalRecord {
  readonly id: number
  readonly action: ProposalAction
  readonly country: string
  /** Canonical JSON of the recognition entry, or of the governance entry {diplomats, quorum}. */
  readonly entry: string
  /** The country's head when the proposal was made: every approval of it is bound to this chain position. */
  readonly head: { readonly seq: number; readonly hash: string }
  /** 'operator' or the proposing diplomat's credential id. */
  readonly proposedBy: string
  readonly createdAt: string
  readonly state: ProposalState
  readonly closedAt: string | undefined
}

export interface ApprovalRecord {
  readonly proposalId: number
  readonly credentialId: string
  readonly approval: Approval
  readonly approvedAt: string
}

interface InviteRow {
  id: string
  secret_sha256: string
  name: string
  user_id: string
  created_at: string
  expires_ms: number
  used_at: string | null
  credential_id: string | null
}

interface CredentialRow {
  credential_id: string
  name: string
  public_key: string
  counter: number
  transports: string
  rp_id: string
  origin: string
  user_id: string
  added_at: string
  removed_at: string | null
}

interface ChallengeRow {
  challenge: string
  purpose: ChallengePurpose
  invite_id: string | null
  credential_id: string | null
  proposal_id: number | null
  nonce: string | null
  expires_ms: number
}

interface ProposalRow {
  id: number
  action: ProposalAction
  country: string
  entry: string
  head_seq: number
  head_hash: string
  proposed_by: string
  created_at: string
  state: ProposalState
  closed_at: string | null
}

interface ApprovalRow {
  proposal_id: number
  credential_id: string
  approval: string
  approved_at: string
}

export class DiplomatRepository {
  readonly #db: Database.Database

  constructor(db: Database.Database) {
    this.#db = db
  }

  /** Runs `fn` in one immediate transaction (nested calls become savepoints). */
  transaction<T>(fn: () => T): T {
    return this.#db.transaction(fn).immediate()
  }

  // --- invites ---------------------------------------------------------------------------------------

  createInvite(invite: Omit<InviteRecord, 'usedAt' | 'credentialId'>): void {
    this.#db
      .prepare('INSERT INTO diplomat_invites (id, secret_sha256, name, user_id, created_at, expires_ms) VALUES (?, ?, ?, ?, ?, ?)')
      .run(invite.id, invite.secretSha256, invite.name, invite.userId, invite.createdAt, invite.expiresMs)
  }

  inviteBySecret(secretSha256: string): InviteRecord | undefined {
    const row = this.#db.prepare<[string], InviteRow>('SELECT * FROM diplomat_invites WHERE secret_sha256 = ?').get(secretSha256)
    return row === undefined ? undefined : toInvite(row)
  }

  invites(): InviteRecord[] {
    return this.#db.prepare<[], InviteRow>('SELECT * FROM diplomat_invites ORDER BY created_at, id').all().map(toInvite)
  }

  /** Marks the invite used; false when it already was (a concurrent registration won). */
  useInvite(id: string, credentialId: string, usedAt: string): boolean {
    return this.#db.prepare('UPDATE diplomat_invites SET used_at = ?, credential_id = ? WHERE id = ? AND used_at IS NULL').run(usedAt, credentialId, id).changes === 1
  }

  // --- credentials -----------------------------------------------------------------------------------

  addCredential(credential: Omit<CredentialRecord, 'removedAt'>): void {
    this.#db
      .prepare(
        'INSERT INTO diplomat_credentials (credential_id, name, public_key, counter, transports, rp_id, origin, user_id, added_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(
        credential.credentialId,
        credential.name,
        credential.publicKey,
        credential.counter,
        JSON.stringify(credential.transports),
        credential.rpId,
        credential.origin,
        credential.userId,
        credential.addedAt,
      )
  }

  /** Any credential ever registered, removed ones included (their ids stay taken). */
  credential(credentialId: string): CredentialRecord | undefined {
    const row = this.#db.prepare<[string], CredentialRow>('SELECT * FROM diplomat_credentials WHERE credential_id = ?').get(credentialId)
    return row === undefined ? undefined : toCredential(row)
  }

  activeCredentials(): CredentialRecord[] {
    return this.#db
      .prepare<[], CredentialRow>('SELECT * FROM diplomat_credentials WHERE removed_at IS NULL ORDER BY added_at, credential_id')
      .all()
      .map(toCredential)
  }

  /** Raises the signature counter; false when it would not rise (a cloned authenticator or a raced replay). */
  advanceCounter(credentialId: string, counter: number): boolean {
    // A counter of 0 means the authenticator does not count (WebAuthn §6.1.1); then it must stay 0.
    return (
      this.#db
        .prepare('UPDATE diplomat_credentials SET counter = ? WHERE credential_id = ? AND removed_at IS NULL AND (counter < ? OR (counter = 0 AND ? = 0))')
        .run(counter, credentialId, counter, counter).changes === 1
    )
  }

  removeCredential(credentialId: string, removedAt: string): boolean {
    return this.transaction(() => {
      const changed = this.#db.prepare('UPDATE diplomat_credentials SET removed_at = ? WHERE credential_id = ? AND removed_at IS NULL').run(removedAt, credentialId).changes === 1
      this.#db.prepare('DELETE FROM diplomat_sessions WHERE credential_id = ?').run(credentialId)
      this.#db.prepare("DELETE FROM webauthn_challenges WHERE credential_id = ?").run(credentialId)
      // Approvals waiting on open proposals no longer count; enacted evidence is the draft's business.
      this.#db
        .prepare("DELETE FROM recognition_approvals WHERE credential_id = ? AND proposal_id IN (SELECT id FROM recognition_proposals WHERE state = 'open')")
        .run(credentialId)
      return changed
    })
  }

  // --- challenges ------------------------------------------------------------------------------------

  putChallenge(challenge: ChallengeRecord): void {
    this.#db
      .prepare('INSERT INTO webauthn_challenges (challenge, purpose, invite_id, credential_id, proposal_id, nonce, expires_ms) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(
        challenge.challenge,
        challenge.purpose,
        challenge.inviteId ?? null,
        challenge.credentialId ?? null,
        challenge.proposalId ?? null,
        challenge.nonce ?? null,
        challenge.expiresMs,
      )
  }

  /** Removes and returns the challenge of this purpose: single use whether or not the ceremony then succeeds. */
  takeChallenge(challenge: string, purpose: ChallengePurpose): ChallengeRecord | undefined {
    const row = this.#db.prepare<[string, string], ChallengeRow>('DELETE FROM webauthn_challenges WHERE challenge = ? AND purpose = ? RETURNING *').get(challenge, purpose)
    if (row === undefined) return undefined
    return {
      challenge: row.challenge,
      purpose: row.purpose,
      inviteId: row.invite_id ?? undefined,
      credentialId: row.credential_id ?? undefined,
      proposalId: row.proposal_id ?? undefined,
      nonce: row.nonce ?? undefined,
      expiresMs: row.expires_ms,
    }
  }

  // Sign-in challenges are never stored when issued (they are signed, see DiplomatService): a 'sign-in' row is one
  // already answered by a verified assertion, kept until it expires so the assertion cannot be replayed.

  signInChallengeSpent(challenge: string): boolean {
    return this.#db.prepare<[string], { n: number }>("SELECT 1 AS n FROM webauthn_challenges WHERE challenge = ? AND purpose = 'sign-in'").get(challenge) !== undefined
  }

  /** Records the challenge as spent; false if it already was. */
  spendSignInChallenge(challenge: string, expiresMs: number): boolean {
    return this.#db.prepare("INSERT OR IGNORE INTO webauthn_challenges (challenge, purpose, expires_ms) VALUES (?, 'sign-in', ?)").run(challenge, expiresMs).changes === 1
  }

  /** Drops expired challenges and sessions; returns how many challenges remain outstanding. */
  prune(nowMs: number): number {
    this.#db.prepare('DELETE FROM webauthn_challenges WHERE expires_ms <= ?').run(nowMs)
    this.#db.prepare('DELETE FROM diplomat_sessions WHERE expires_ms <= ?').run(nowMs)
    return this.#db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM webauthn_challenges').get()?.n ?? 0
  }

  // --- sessions --------------------------------------------------------------------------------------

  createSession(session: SessionRecord): void {
    this.#db
      .prepare('INSERT INTO diplomat_sessions (id_sha256, credential_id, created_at, expires_ms) VALUES (?, ?, ?, ?)')
      .run(session.idSha256, session.credentialId, session.createdAt, session.expiresMs)
  }

  session(idSha256: string): SessionRecord | undefined {
    const row = this.#db
      .prepare<[string], { id_sha256: string; credential_id: string; created_at: string; expires_ms: number }>('SELECT * FROM diplomat_sessions WHERE id_sha256 = ?')
      .get(idSha256)
    return row === undefined ? undefined : { idSha256: row.id_sha256, credentialId: row.credential_id, createdAt: row.created_at, expiresMs: row.expires_ms }
  }

  deleteSession(idSha256: string): void {
    this.#db.prepare('DELETE FROM diplomat_sessions WHERE id_sha256 = ?').run(idSha256)
  }

  // --- proposals and approvals -----------------------------------------------------------------------

  createProposal(proposal: Omit<ProposalRecord, 'id' | 'state' | 'closedAt'>): number {
    const result = this.#db
      .prepare("INSERT INTO recognition_proposals (action, country, entry, head_seq, head_hash, proposed_by, created_at, state) VALUES (?, ?, ?, ?, ?, ?, ?, 'open')")
      .run(proposal.action, proposal.country, proposal.entry, proposal.head.seq, proposal.head.hash, proposal.proposedBy, proposal.createdAt)
    return Number(result.lastInsertRowid)
  }

  proposal(id: number): ProposalRecord | undefined {
    const row = this.#db.prepare<[number], ProposalRow>('SELECT * FROM recognition_proposals WHERE id = ?').get(id)
    return row === undefined ? undefined : toProposal(row)
  }

  openProposal(action: ProposalAction, country: string): ProposalRecord | undefined {
    const row = this.#db.prepare<[string, string], ProposalRow>("SELECT * FROM recognition_proposals WHERE action = ? AND country = ? AND state = 'open'").get(action, country)
    return row === undefined ? undefined : toProposal(row)
  }

  /** Newest first. */
  proposals(options: { state?: ProposalState; limit?: number } = {}): ProposalRecord[] {
    const limit = options.limit ?? 500
    const rows =
      options.state === undefined
        ? this.#db.prepare<[number], ProposalRow>('SELECT * FROM recognition_proposals ORDER BY id DESC LIMIT ?').all(limit)
        : this.#db.prepare<[string, number], ProposalRow>('SELECT * FROM recognition_proposals WHERE state = ? ORDER BY id DESC LIMIT ?').all(options.state, limit)
    return rows.map(toProposal)
  }

  /** Moves an open proposal to `state`; false when it was no longer open. */
  closeProposal(id: number, state: Exclude<ProposalState, 'open'>, closedAt: string): boolean {
    return this.#db.prepare("UPDATE recognition_proposals SET state = ?, closed_at = ? WHERE id = ? AND state = 'open'").run(state, closedAt, id).changes === 1
  }

  reopenProposal(id: number): void {
    this.#db.prepare("UPDATE recognition_proposals SET state = 'open', closed_at = NULL WHERE id = ?").run(id)
  }

  /** Every other open proposal about `country` is superseded by the one just enacted. */
  supersedeOpen(country: string, exceptId: number, closedAt: string): void {
    this.#db
      .prepare("UPDATE recognition_proposals SET state = 'superseded', closed_at = ? WHERE country = ? AND id <> ? AND state = 'open'")
      .run(closedAt, country, exceptId)
  }

  addApproval(record: ApprovalRecord): void {
    this.#db
      .prepare('INSERT INTO recognition_approvals (proposal_id, credential_id, nonce, approval, approved_at) VALUES (?, ?, ?, ?, ?)')
      .run(record.proposalId, record.credentialId, record.approval.nonce, JSON.stringify(record.approval), record.approvedAt)
  }

  approvals(proposalId: number): ApprovalRecord[] {
    return this.#db
      .prepare<[number], ApprovalRow>('SELECT * FROM recognition_approvals WHERE proposal_id = ? ORDER BY approved_at, credential_id')
      .all(proposalId)
      .map((row) => ({ proposalId: row.proposal_id, credentialId: row.credential_id, approval: JSON.parse(row.approval) as Approval, approvedAt: row.approved_at }))
  }
}

function toInvite(row: InviteRow): InviteRecord {
  return {
    id: row.id,
    secretSha256: row.secret_sha256,
    name: row.name,
    userId: row.user_id,
    createdAt: row.created_at,
    expiresMs: row.expires_ms,
    usedAt: row.used_at ?? undefined,
    credentialId: row.credential_id ?? undefined,
  }
}

function toCredential(row: CredentialRow): CredentialRecord {
  return {
    credentialId: row.credential_id,
    name: row.name,
    publicKey: row.public_key,
    counter: row.counter,
    transports: JSON.parse(row.transports) as string[],
    rpId: row.rp_id,
    origin: row.origin,
    userId: row.user_id,
    addedAt: row.added_at,
    removedAt: row.removed_at ?? undefined,
  }
}

function toProposal(row: ProposalRow): ProposalRecord {
  return {
    id: row.id,
    action: row.action,
    country: row.country,
    entry: row.entry,
    head: { seq: row.head_seq, hash: row.head_hash },
    proposedBy: row.proposed_by,
    createdAt: row.created_at,
    state: row.state,
    closedAt: row.closed_at ?? undefined,
  }
}
