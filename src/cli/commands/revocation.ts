// `entente revocation add|publish|pending`: the operator's certificate revocations against a running node's API.
// The node signs the revocation list with its root key; this command only sends requests.
import { parseArgs } from 'node:util'
import type { RevocationEntries } from '../../revocation/build-revocation-list.js'
import { callOperator, resolveTarget, targetOptions } from '../operator-client.js'
import { usageError, type CliIo } from '../io.js'

export const revocationHelp = `entente revocation add [--uci UCI]... [--dcc-hash UCI|COUNTRYCODEUCI|SIGNATURE:BASE64]... [--shc ISSUER,KID,RID[,REVOKED_AT]]... (--dir DIR | --url URL --token T)
entente revocation publish [--validity-days N] (--dir DIR | --url URL --token T)
entente revocation pending (--dir DIR | --url URL --token T)
  Revokes certificates this country issued: EU DCC by UCI (hashed as the EU revocation spec does) or by hash,
  SMART Health Cards by issuer, key and rid. Publish signs the next revocation list and the next trust list
  naming it (seq and hash), which nodes gossip and verifiers sync: a verifier that lacks the named list refuses
  this country's certificates until it has it.`

export async function runRevocation(argv: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = argv
  const { values } = parseArgs({
    args: rest,
    options: {
      ...targetOptions,
      uci: { type: 'string', multiple: true },
      'dcc-hash': { type: 'string', multiple: true },
      shc: { type: 'string', multiple: true },
      'validity-days': { type: 'string' },
      json: { type: 'boolean', default: false },
    },
    strict: true,
  })
  const target = await resolveTarget(values)
  if (sub === 'add') {
    const dcc = [
      ...(values.uci ?? []).map((uci) => ({ uci })),
      ...(values['dcc-hash'] ?? []).map((spec) => {
        const [hashType, hash] = spec.split(':')
        if (hashType === undefined || hash === undefined) throw usageError(`--dcc-hash ${spec}: expected TYPE:BASE64`)
        return { hashType, hash }
      }),
    ]
    const shc = (values.shc ?? []).map((spec) => {
      const [issuer, kid, rid, revokedAt] = spec.split(',')
      if (issuer === undefined || kid === undefined || rid === undefined) throw usageError(`--shc ${spec}: expected ISSUER,KID,RID[,REVOKED_AT]`)
      return { issuer, kid, rid, ...(revokedAt === undefined ? {} : { revokedAt }) }
    })
    if (dcc.length + shc.length === 0) throw usageError('give --uci, --dcc-hash or --shc')
    const pending = (await callOperator(target, 'POST', '/v1/operator/certificate-revocations', { ...(dcc.length > 0 ? { dcc } : {}), ...(shc.length > 0 ? { shc } : {}) })) as RevocationEntries
    io.stdout(values.json ? `${JSON.stringify(pending)}\n` : `Pending revocations: ${pending.dcc.length} DCC hash(es), ${pending.shc.length} SHC rid(s). Publish to take effect.\n`)
    return 0
  }
  if (sub === 'publish') {
    const days = values['validity-days'] === undefined ? undefined : Number(values['validity-days'])
    if (days !== undefined && !Number.isInteger(days)) throw usageError('--validity-days must be an integer')
    const summary = (await callOperator(target, 'POST', '/v1/operator/certificate-revocations/publish', days === undefined ? {} : { validityDays: days })) as {
      country: string
      seq: number
      expiresAt: string
      trustList?: { seq: number }
    }
    const naming = summary.trustList === undefined ? '' : ` and trust list seq ${summary.trustList.seq} naming it`
    io.stdout(values.json ? `${JSON.stringify(summary)}\n` : `Published the ${summary.country} revocation list seq ${summary.seq} (expires ${summary.expiresAt})${naming}.\n`)
    return 0
  }
  if (sub === 'pending') {
    const pending = (await callOperator(target, 'GET', '/v1/operator/certificate-revocations')) as RevocationEntries
    io.stdout(`${JSON.stringify(pending)}\n`)
    return 0
  }
  throw usageError('usage: entente revocation add|publish|pending ...')
}
