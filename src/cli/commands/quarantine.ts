// `entente quarantine list|admit|drop`: lists a node kept, bounded, because no anchored root vouches for them. Admit
// pins the list's root and accepts the list through the node's normal path; drop deletes it. Only sends requests.
import { parseArgs } from 'node:util'
import { callOperator, resolveTarget, targetOptions } from '../operator-client.js'
import { usageError, type CliIo } from '../io.js'

export const quarantineHelp = `entente quarantine list [--json] (--dir DIR | --url URL --token T)
entente quarantine admit ID (--dir DIR | --url URL --token T)
entente quarantine drop ID (--dir DIR | --url URL --token T)
  Lists under roots this node does not anchor, as peers relayed them (a few per peer, oldest evicted). Compare the
  root thumbprint with the one the country gave you out of band before you admit: admit pins that root.`

interface Quarantined {
  id: number
  peer: string
  country: string
  seq: number
  rootThumbprint: string
  size: number
  receivedAt: string
}

export async function runQuarantine(argv: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = argv
  const { values, positionals } = parseArgs({ args: rest, options: { ...targetOptions, json: { type: 'boolean', default: false } }, allowPositionals: true, strict: true })
  const target = await resolveTarget(values)
  if (sub === 'list') {
    const { lists } = (await callOperator(target, 'GET', '/v1/operator/quarantine')) as { lists: Quarantined[] }
    if (values.json) io.stdout(`${JSON.stringify(lists)}\n`)
    else if (lists.length === 0) io.stdout('The quarantine is empty.\n')
    else io.stdout(`${lists.map((l) => `${l.id}  ${l.country} seq ${l.seq}  root ${l.rootThumbprint}  ${l.size} bytes  from ${l.peer}  at ${l.receivedAt}`).join('\n')}\n`)
    return 0
  }
  const id = positionals[0]
  if (id === undefined || !/^[1-9]\d{0,15}$/.test(id) || positionals.length !== 1) throw usageError(`usage: entente quarantine ${sub ?? 'admit|drop'} ID`)
  if (sub === 'admit') {
    const result = (await callOperator(target, 'POST', `/v1/operator/quarantine/${id}/admit`)) as { pin: { country: string; rootThumbprint: string }; outcome: string }
    io.stdout(values.json ? `${JSON.stringify(result)}\n` : `Pinned ${result.pin.country} root ${result.pin.rootThumbprint}; the list was ${result.outcome}.\n`)
    return 0
  }
  if (sub === 'drop') {
    await callOperator(target, 'DELETE', `/v1/operator/quarantine/${id}`)
    io.stdout(`Dropped quarantined list ${id}.\n`)
    return 0
  }
  throw usageError('usage: entente quarantine list|admit|drop ...')
}
