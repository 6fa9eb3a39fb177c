// `entente diplomat invite|list|propose`: the operator's side of the diplomat workflow, against a running node's
// operator API. Never touches passkeys: diplomats register and approve on the node's web pages.
import { parseArgs } from 'node:util'
import { callOperator, resolveTarget, targetOptions } from '../operator-client.js'
import { usageError, type CliIo } from '../io.js'

export const diplomatHelp = `entente diplomat invite --name NAME [--expires-hours N] (--dir DIR | --url URL --token T) [--json]
entente diplomat list (--dir DIR | --url URL --token T) [--json]
entente diplomat remove --credential ID [--quorum N] (--dir DIR | --url URL --token T) [--json]
entente diplomat quorum N (--dir DIR | --url URL --token T) [--json]
entente diplomat propose --country CC --fingerprint "HEX GROUPS" [--scopes vaccination,test,recovery] [--vaccines CODE,...]
                         (--dir DIR | --url URL --token T) [--json]
entente diplomat propose --country CC --withdraw (--dir DIR | --url URL --token T) [--json]
  invite   prints a single-use, expiring link; the diplomat opens it to register a passkey. The first
           diplomats enter with the next publish; once diplomats are in force, a newcomer joins only when a
           quorum of them approves the new set on the /diplomats pages.
  list     shows the diplomats in force (the published list's) and their quorum, the set the next list
           carries, a pending change of the set, and the invites.
  remove   removes a diplomat: the passkey stops working on this node at once; the published set changes when
           a quorum of the diplomats in force approves (--quorum sets the quorum after the removal).
  quorum   proposes a new quorum (at least 2 with two or more diplomats), approved like any governance change.
  propose  proposes recognizing a country from the root fingerprint its authorities gave you out of band
           (64 hex digits, spaces allowed); a different root held by this node is refused loudly. Without
           --fingerprint the root this node holds is proposed. --withdraw proposes withdrawing a recognition.
           Diplomats approve on the node's /diplomats pages; at quorum the change enters the draft; publishing
           it stays the operator's action (entente publish).`

interface InviteAnswer {
  readonly url: string
  readonly expiresAt: string
  readonly name: string
}

export async function runDiplomat(argv: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = argv
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      ...targetOptions,
      name: { type: 'string' },
      'expires-hours': { type: 'string' },
      country: { type: 'string' },
      scopes: { type: 'string' },
      vaccines: { type: 'string' },
      withdraw: { type: 'boolean', default: false },
      fingerprint: { type: 'string' },
      credential: { type: 'string' },
      quorum: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
    strict: true,
  })
  if (sub === 'invite') {
    if (values.name === undefined || values.name.trim() === '') throw usageError('--name is required')
    const hours = values['expires-hours'] === undefined ? undefined : Number(values['expires-hours'])
    if (hours !== undefined && (!Number.isInteger(hours) || hours < 1)) throw usageError('--expires-hours must be a positive integer')
    const target = await resolveTarget(values)
    const invite = (await callOperator(target, 'POST', '/v1/operator/diplomat-invites', { name: values.name, ...(hours === undefined ? {} : { expiresInHours: hours }) })) as InviteAnswer
    io.stdout(
      values.json
        ? `${JSON.stringify(invite)}\n`
        : `Invite for ${invite.name} (single use, expires ${invite.expiresAt}):\n${invite.url}\nSend it over a trusted channel: whoever opens it first becomes this diplomat.\n`,
    )
    return 0
  }
  if (sub === 'list') {
    const target = await resolveTarget(values)
    const answer = (await callOperator(target, 'GET', '/v1/operator/diplomats')) as DiplomatsAnswer
    if (values.json) {
      io.stdout(`${JSON.stringify(answer)}\n`)
      return 0
    }
    const inForce = answer.inForce
    const lines = [
      inForce === undefined
        ? 'No list published yet: no diplomats in force.'
        : `Diplomats in force since list ${inForce.since} (${inForce.diplomats.length}, quorum ${inForce.quorum}):`,
      ...(inForce?.diplomats ?? []).map((d) => `  ${d.name}  ${d.credentialId}  added ${d.addedAt}`),
      `In the next list (${answer.diplomats.length}, quorum ${answer.quorum}):`,
      ...answer.diplomats.map((d) => `  ${d.name}  ${d.credentialId}${d.inForce ? '' : '  (joins with the next list)'}${d.active ? '' : '  (passkey removed on this node)'}`),
      ...(answer.pendingGovernance === undefined ? [] : [describeGovernance(answer.pendingGovernance)]),
      `Invites (${answer.invites.length}):`,
      ...answer.invites.map((i) => `  ${i.name}  ${i.state}  expires ${i.expiresAt}`),
    ]
    io.stdout(`${lines.join('\n')}\n`)
    return 0
  }
  if (sub === 'remove') {
    if (values.credential === undefined) throw usageError('--credential is required (see entente diplomat list)')
    const quorum = values.quorum === undefined ? '' : `?quorum=${encodeURIComponent(values.quorum)}`
    const target = await resolveTarget(values)
    const answer = (await callOperator(target, 'DELETE', `/v1/operator/diplomats/${encodeURIComponent(values.credential)}${quorum}`)) as { removed: string; proposal?: GovernanceProposal; pagesUrl?: string }
    if (values.json) {
      io.stdout(`${JSON.stringify(answer)}\n`)
      return 0
    }
    io.stdout(
      answer.proposal === undefined
        ? `Removed ${answer.removed} from the draft; its passkey no longer works on this node.\n`
        : `The passkey ${answer.removed} no longer works on this node.\n${describeGovernance(answer.proposal)}\n  needs ${answer.proposal.quorum} approvals of the diplomats in force at ${answer.pagesUrl ?? `${target.url}/diplomats/proposals`}\n`,
    )
    return 0
  }
  if (sub === 'quorum') {
    const wanted = positionals[0] ?? values.quorum
    if (wanted === undefined || !/^\d{1,3}$/.test(wanted)) throw usageError('usage: entente diplomat quorum N')
    const target = await resolveTarget(values)
    const proposal = (await callOperator(target, 'POST', '/v1/operator/proposals', { action: 'govern', quorum: Number(wanted) })) as GovernanceProposal
    io.stdout(values.json ? `${JSON.stringify(proposal)}\n` : `${describeGovernance(proposal)}\n  needs ${proposal.quorum} approvals of the diplomats in force at ${proposal.pagesUrl ?? `${target.url}/diplomats/proposals`}\n`)
    return 0
  }
  if (sub === 'propose') {
    if (values.country === undefined) throw usageError('--country is required')
    const body = values.withdraw
      ? { action: 'withdraw', country: values.country }
      : {
          action: 'recognize',
          country: values.country,
          scopes: (values.scopes ?? 'vaccination').split(',').map((s) => s.trim()),
          ...(values.fingerprint === undefined ? {} : { fingerprint: values.fingerprint }),
          ...(values.vaccines === undefined ? {} : { vaccines: values.vaccines.split(',').map((v) => v.trim()).filter((v) => v !== '') }),
        }
    const target = await resolveTarget(values)
    const proposal = (await callOperator(target, 'POST', '/v1/operator/proposals', body)) as { id: number; action: string; country: string; fingerprint: string; quorum: number; pagesUrl?: string }
    io.stdout(
      values.json
        ? `${JSON.stringify(proposal)}\n`
        : `Proposal ${proposal.id}: ${proposal.action} ${proposal.country}\n  root fingerprint  ${proposal.fingerprint}\n  needs ${proposal.quorum} diplomat approvals at ${proposal.pagesUrl ?? `${target.url}/diplomats/proposals`}\n`,
    )
    return 0
  }
  throw usageError('usage: entente diplomat invite|list|remove|quorum|propose ...')
}

interface GovernanceProposal {
  readonly id: number
  readonly pagesUrl?: string
  readonly quorum: number
  readonly governance: {
    readonly added: readonly { name: string; fingerprint: string }[]
    readonly removed: readonly { name: string; fingerprint: string }[]
    readonly quorum: { from: number; to: number }
  }
}

interface DiplomatsAnswer {
  readonly inForce?: { diplomats: { name: string; credentialId: string; addedAt: string }[]; quorum: number; since: number }
  readonly diplomats: { name: string; credentialId: string; active: boolean; inForce: boolean }[]
  readonly quorum: number
  readonly pendingGovernance?: GovernanceProposal
  readonly invites: { name: string; state: string; expiresAt: string }[]
}

function describeGovernance(p: GovernanceProposal): string {
  const who = (list: readonly { name: string; fingerprint: string }[]) => (list.length === 0 ? 'nobody' : list.map((d) => `${d.name} (passkey ${d.fingerprint})`).join(', '))
  return `Pending diplomat change (proposal ${p.id}): joining ${who(p.governance.added)}; leaving ${who(p.governance.removed)}; quorum ${p.governance.quorum.from} → ${p.governance.quorum.to}`
}
