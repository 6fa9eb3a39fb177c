// `entente revocation add|pending|remove|publish`: the operator's certificate revocations against a running node's
// API. The node queues entries and signs what it publishes with its root key; this command only sends requests.
import { readFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { postOperatorBytes } from '../../operator/operator-client.js'
import { BULK_MAGIC, packBulkText } from '../../revocation/bulk-revocation-file.js'
import { callOperator, resolveTarget, targetOptions } from '../operator-client.js'
import { usageError, type CliIo } from '../io.js'

export const revocationHelp = `entente revocation add [--uci UCI]... [--dcc-hash UCI|COUNTRYCODEUCI|SIGNATURE:BASE64]... [--shc ISSUER,KID,RID[,REVOKED_AT]]... (--dir DIR | --url URL --token T)
entente revocation publish [--validity-days N] (--dir DIR | --url URL --token T)
entente revocation pending [--after ID] [--limit N] [--json] (--dir DIR | --url URL --token T)
entente revocation remove --id ID [--id ID]... (--dir DIR | --url URL --token T)
entente revocation import --file FILE [--validity-days N] [--json] (--dir DIR | --url URL --token T)
  Revokes certificates this country issued: EU DCC by UCI (hashed as the EU revocation spec does) or by hash,
  SMART Health Cards by issuer, key and rid. Added entries wait in a queue: pending lists them (with their ids),
  remove takes queued entries out again, add puts them back. Publish signs the queued entries (a revocation list
  while the country has few; beyond that the partitions they change and the next revocation index) and the next
  trust list naming them, which nodes gossip and verifiers sync: a verifier that lacks what the trust list names
  refuses this country's certificates until it has it.
  Import publishes a large set of DCC hashes at once, without the queue: FILE holds one UCI|COUNTRYCODEUCI|
  SIGNATURE:BASE64 or one UCI per line (# comments), or the packed form: the 8 bytes ENTREVB1, then 17-byte records
  (hash type 1 UCI, 2 COUNTRYCODEUCI, 3 SIGNATURE; the first 16 bytes of the hash). Entries already published are
  skipped; an import of nothing new publishes nothing.`

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
      id: { type: 'string', multiple: true },
      after: { type: 'string' },
      limit: { type: 'string' },
      json: { type: 'boolean', default: false },
      file: { type: 'string' },
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
    const queue = (await callOperator(target, 'POST', '/v1/operator/certificate-revocations', { ...(dcc.length > 0 ? { dcc } : {}), ...(shc.length > 0 ? { shc } : {}) })) as { queued: number; added: number }
    io.stdout(values.json ? `${JSON.stringify(queue)}\n` : `Queued ${queue.added} new entr${queue.added === 1 ? 'y' : 'ies'}; ${queue.queued} wait to be published. Publish to take effect.\n`)
    return 0
  }
  if (sub === 'publish') {
    const days = values['validity-days'] === undefined ? undefined : Number(values['validity-days'])
    if (days !== undefined && !Number.isInteger(days)) throw usageError('--validity-days must be an integer')
    const summary = (await callOperator(target, 'POST', '/v1/operator/certificate-revocations/publish', days === undefined ? {} : { validityDays: days })) as {
      country: string
      seq: number
      expiresAt: string
      format?: 'list' | 'index'
      partitions?: number
      queued?: number
      trustList?: { seq: number }
    }
    const naming = summary.trustList === undefined ? '' : ` and trust list seq ${summary.trustList.seq} naming it`
    const what = summary.format === 'index' ? `revocation index seq ${summary.seq} (${summary.partitions ?? 0} changed partition(s), expires ${summary.expiresAt})` : `revocation list seq ${summary.seq} (expires ${summary.expiresAt})`
    const rest = summary.queued === undefined || summary.queued === 0 ? '' : ` ${summary.queued} entries stay queued for the next publish.`
    io.stdout(values.json ? `${JSON.stringify(summary)}\n` : `Published the ${summary.country} ${what}${naming}.${rest}\n`)
    return 0
  }
  if (sub === 'import') {
    if (values.file === undefined) throw usageError('give --file with the revoked hashes')
    const file = await readFile(values.file).catch((cause: unknown) => {
      throw usageError(`cannot read --file ${values.file}: ${cause instanceof Error ? cause.message : String(cause)}`)
    })
    const days = values['validity-days'] === undefined ? undefined : Number(values['validity-days'])
    if (days !== undefined && !Number.isInteger(days)) throw usageError('--validity-days must be an integer')
    let body: Uint8Array = file
    if (!file.subarray(0, BULK_MAGIC.byteLength).equals(BULK_MAGIC)) {
      // A bare UCI is hashed with the node's country code (COUNTRYCODEUCI).
      const health = (await callOperator(target, 'GET', '/health')) as { country: string }
      body = packBulkText(file.toString('utf8'), health.country)
    }
    const result = (await postOperatorBytes(target, `/v1/operator/certificate-revocations/import${days === undefined ? '' : `?validityDays=${days}`}`, body)) as {
      records: number
      added: number
      index?: { seq: number }
      partitions?: number
      trustList?: { seq: number }
    }
    const published =
      result.index === undefined ? ' Nothing new: nothing was published.' : ` Published revocation index seq ${result.index.seq} (${result.partitions ?? 0} changed partition(s)) and trust list seq ${result.trustList?.seq ?? '?'} naming it.`
    io.stdout(values.json ? `${JSON.stringify(result)}\n` : `Imported ${result.added} new of ${result.records} record(s).${published}\n`)
    return 0
  }
  if (sub === 'pending') {
    const query = new URLSearchParams({ ...(values.after === undefined ? {} : { after: values.after }), ...(values.limit === undefined ? {} : { limit: values.limit }) }).toString()
    const pending = (await callOperator(target, 'GET', `/v1/operator/certificate-revocations${query === '' ? '' : `?${query}`}`)) as {
      total: number
      entries: { id: number; group: string; entry: Record<string, string> }[]
    }
    if (values.json) {
      io.stdout(`${JSON.stringify(pending)}\n`)
      return 0
    }
    const lines = pending.entries.map((e) => `${e.id}\t${e.group}\t${'hash' in e.entry ? (e.entry.hash ?? '') : `${e.entry.issuer ?? ''} ${e.entry.kid ?? ''} ${e.entry.rid ?? ''}${e.entry.revokedAt === undefined ? '' : ` before ${e.entry.revokedAt}`}`}`)
    io.stdout(`${pending.total} entr${pending.total === 1 ? 'y' : 'ies'} queued${pending.entries.length < pending.total ? ` (showing ${pending.entries.length})` : ''}\n${lines.map((l) => `${l}\n`).join('')}`)
    return 0
  }
  if (sub === 'remove') {
    const ids = (values.id ?? []).map(Number)
    if (ids.length === 0 || !ids.every((id) => Number.isSafeInteger(id) && id > 0)) throw usageError('give --id with the queue ids `entente revocation pending` shows')
    const removed = (await callOperator(target, 'POST', '/v1/operator/certificate-revocations/remove', { ids })) as { removed: number; queued: number }
    io.stdout(values.json ? `${JSON.stringify(removed)}\n` : `Removed ${removed.removed} queued entr${removed.removed === 1 ? 'y' : 'ies'}; ${removed.queued} wait to be published.\n`)
    return 0
  }
  throw usageError('usage: entente revocation add|pending|remove|publish|import ...')
}
