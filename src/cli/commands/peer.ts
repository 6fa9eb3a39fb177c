// `entente peer pin|unpin|pins`: the operator anchors (or stops anchoring) another country's root, as received from
// that country out of band, against a running node's API. The node then pulls the country's lists from its peers.
import { parseArgs } from 'node:util'
import { callOperator, resolveTarget, targetOptions } from '../operator-client.js'
import { usageError, type CliIo } from '../io.js'

export const peerHelp = `entente peer pin XX ROOT_THUMBPRINT (--dir DIR | --url URL --token T)
entente peer unpin XX (--dir DIR | --url URL --token T)
entente peer pins [--json] (--dir DIR | --url URL --token T)
  Pins the root of country XX (its thumbprint as that country gave it to you out of band): the node then holds,
  serves and forwards XX's lists and pulls them from its peers at once. Unpin removes the pin and everything it
  admitted (lists, alarms, revocation lists) unless XX is still anchored another way (recognized by an anchored
  country). pins lists the pins and every anchored root with the reason it is anchored.`

interface AnchoredView {
  country: string
  roots: string[]
  via: { root: string; kind: string; by?: string }[]
}

export async function runPeer(argv: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = argv
  // A thumbprint is base64url and may begin with '-': right after `pin XX` it is taken as given, never as an option.
  const leading = sub === 'pin' && rest.length >= 2 && rest[0]?.startsWith('-') === false ? rest.slice(0, 2) : []
  const parsed = parseArgs({ args: rest.slice(leading.length), options: { ...targetOptions, json: { type: 'boolean', default: false } }, allowPositionals: true, strict: true })
  const values = parsed.values
  const positionals = [...leading, ...parsed.positionals]
  const target = await resolveTarget(values)
  const json = (value: unknown) => io.stdout(`${JSON.stringify(value)}\n`)
  if (sub === 'pin') {
    const [country, thumbprint] = positionals
    if (country === undefined || thumbprint === undefined || positionals.length !== 2) throw usageError('usage: entente peer pin XX ROOT_THUMBPRINT')
    const pin = (await callOperator(target, 'PUT', `/v1/operator/pins/${encodeURIComponent(country)}`, { rootThumbprint: thumbprint })) as { country: string; rootThumbprint: string }
    if (values.json) json(pin)
    else io.stdout(`Pinned ${pin.country} root ${pin.rootThumbprint}; the node is pulling ${pin.country}'s lists from its peers.\n`)
    return 0
  }
  if (sub === 'unpin') {
    const [country] = positionals
    if (country === undefined || positionals.length !== 1) throw usageError('usage: entente peer unpin XX')
    const result = (await callOperator(target, 'DELETE', `/v1/operator/pins/${encodeURIComponent(country)}`)) as {
      country: string
      purged: string[]
      counts: { lists: number; alarms: number; revocationLists: number }
      stillAnchored?: AnchoredView
    }
    if (values.json) {
      json(result)
      return 0
    }
    io.stdout(`Unpinned ${result.country}.\n`)
    if (result.stillAnchored !== undefined) {
      io.stdout(`${result.country} is still anchored (${describeVia(result.stillAnchored)}): its lists stay.\n`)
    }
    if (result.purged.length > 0) {
      const { lists, alarms, revocationLists } = result.counts
      io.stdout(`Removed ${result.purged.join(', ')}: ${lists} list(s), ${alarms} alarm(s), ${revocationLists} revocation list(s).\n`)
    } else if (result.stillAnchored === undefined) {
      io.stdout('Nothing of it was held.\n')
    }
    return 0
  }
  if (sub === 'pins') {
    const view = (await callOperator(target, 'GET', '/v1/operator/pins')) as { pins: { country: string; rootThumbprint: string; pinnedAt: string }[]; anchored: AnchoredView[] }
    if (values.json) {
      json(view)
      return 0
    }
    io.stdout(view.anchored.length === 0 ? 'No anchored roots.\n' : `${view.anchored.map((a) => `${a.country}  ${a.roots.join(' ')}  (${describeVia(a)})`).join('\n')}\n`)
    return 0
  }
  throw usageError('usage: entente peer pin|unpin|pins ...')
}

function describeVia(anchor: AnchoredView): string {
  return anchor.via.map((v) => (v.kind === 'recognition' ? `recognized by ${v.by ?? '?'}` : v.kind === 'pin' ? 'pinned' : 'own root')).join(', ')
}
