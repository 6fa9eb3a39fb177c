// `entente diplomat invite|list|propose`: the operator's side of the diplomat workflow, against a running node's
// operator API. Never touches passkeys: diplomats register and approve on the node's web pages.
import { parseArgs } from 'node:util'
import { callOperator, resolveTarget, targetOptions } from '../operator-client.js'
import { usageError, type CliIo } from '../io.js'

export const diplomatHelp = `entente diplomat invite --name NAME [--expires-hours N] (--dir DIR | --url URL --token T) [--json]
entente diplomat list (--dir DIR | --url URL --token T) [--json]
entente diplomat propose --country CC [--scopes vaccination,test,recovery] [--vaccines CODE,...] [--withdraw] (--dir DIR | --url URL --token T) [--json]
  invite   prints a single-use, expiring link; the diplomat opens it to register a passkey, which enters
           the draft's diplomats (published with the next list).
  list     shows diplomats in the draft and the invites.
  propose  proposes recognizing (or, with --withdraw, withdrawing) a country whose list the node holds;
           diplomats approve on the node's /diplomats pages. At quorum the recognition enters the draft;
           publishing it stays the operator's action (entente publish).`

interface InviteAnswer {
  readonly url: string
  readonly expiresAt: string
  readonly name: string
}

export async function runDiplomat(argv: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = argv
  const { values } = parseArgs({
    args: rest,
    options: {
      ...targetOptions,
      name: { type: 'string' },
      'expires-hours': { type: 'string' },
      country: { type: 'string' },
      scopes: { type: 'string' },
      vaccines: { type: 'string' },
      withdraw: { type: 'boolean', default: false },
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
    const answer = (await callOperator(target, 'GET', '/v1/operator/diplomats')) as {
      diplomats: { name: string; credentialId: string; addedAt: string; active: boolean }[]
      invites: { name: string; state: string; expiresAt: string }[]
    }
    if (values.json) {
      io.stdout(`${JSON.stringify(answer)}\n`)
      return 0
    }
    const lines = [
      `Diplomats in the draft (${answer.diplomats.length}):`,
      ...answer.diplomats.map((d) => `  ${d.name}  ${d.credentialId}  added ${d.addedAt}${d.active ? '' : '  (removed)'}`),
      `Invites (${answer.invites.length}):`,
      ...answer.invites.map((i) => `  ${i.name}  ${i.state}  expires ${i.expiresAt}`),
    ]
    io.stdout(`${lines.join('\n')}\n`)
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
          ...(values.vaccines === undefined ? {} : { vaccines: values.vaccines.split(',').map((v) => v.trim()).filter((v) => v !== '') }),
        }
    const target = await resolveTarget(values)
    const proposal = (await callOperator(target, 'POST', '/v1/operator/proposals', body)) as { id: number; action: string; country: string; fingerprint: string; quorum: number }
    io.stdout(
      values.json
        ? `${JSON.stringify(proposal)}\n`
        : `Proposal ${proposal.id}: ${proposal.action} ${proposal.country}\n  root fingerprint  ${proposal.fingerprint}\n  needs ${proposal.quorum} diplomat approvals at ${target.url}/diplomats/proposals\n`,
    )
    return 0
  }
  throw usageError('usage: entente diplomat invite|list|propose ...')
}
