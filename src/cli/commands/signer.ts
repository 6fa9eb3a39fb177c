// `entente signer add|revoke|list` and `entente vaccines set`: operator actions against a running node's API.
// `signer list` alone also reads a stopped node's store (read only); nothing here writes a store directly.
import { readFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { liveNodeLock } from '../../config/node-lock.js'
import { loadNodeConfig } from '../../config/node-config.js'
import { EntenteError } from '../../model/errors.js'
import type { TrustListDraft } from '../../model/schema.types.js'
import { signerRows, type SignerRow } from '../../operator/onboard-signer.js'
import { SqliteStore } from '../../store/sqlite-store.js'
import { emptyDraft } from '../../trust-list/build-trust-list.js'
import { callOperator, resolveTarget, targetOptions } from '../operator-client.js'
import { usageError, type CliIo } from '../io.js'

export const signerHelp = `entente signer add (--dsc FILE | --jwk FILE --issuer URL) [--usage vaccination,test,recovery] (--dir DIR | --url URL --token T)
entente signer revoke --kid KID [--reason key-compromise|superseded|cessation-of-operation|unspecified] (--dir DIR | --url URL --token T)
entente signer list [--json] (--dir DIR | --url URL --token T)
  Adds an EU DCC Document Signer Certificate (PEM or DER) or an SHC issuer key to the node's draft and prints
  its kid, or revokes one; takes effect with the next publish. A DSC must be X.509 v3, not a CA (no cA=true,
  keyCertSign or cRLSign), allow digitalSignature, carry the EU DCC extended key usage OIDs (or none), use
  EC P-256/P-384 or RSA >= 2048 bits, be valid now and name this node's country (subject C).
  list shows every signer of the draft with kid, format, usage, validity and state (active, expired,
  not yet valid, revoked): through the running node, or from the store of a stopped one.`

export const vaccinesHelp = `entente vaccines set (--file FILE | --vaccine CODE[:DOSES[:VALIDITY_DAYS[:DAYS_AFTER]]] ...) (--dir DIR | --url URL --token T)
  Sets the accepted vaccines (EU value-set product codes, e.g. EU/1/20/1528:2:270:14).`

const MAX_FILE = 64 * 1024

export async function runSigner(argv: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = argv
  const { values } = parseArgs({
    args: rest,
    options: {
      ...targetOptions,
      dsc: { type: 'string' },
      jwk: { type: 'string' },
      issuer: { type: 'string' },
      usage: { type: 'string' },
      kid: { type: 'string' },
      reason: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
    strict: true,
  })
  if (sub === 'list') return listSigners(values, io)
  const target = await resolveTarget({ ...values, ...(await liveNodeUrl(values)) })
  const usage = values.usage?.split(',').map((u) => u.trim())
  let draft: TrustListDraft
  if (sub === 'add') {
    let request: Record<string, unknown>
    if (values.dsc !== undefined) {
      const bytes = await readLimited(values.dsc)
      const text = bytes.toString('latin1')
      // PEM travels as text; DER as base64.
      request = { format: 'dcc', certificate: text.includes('-----BEGIN') ? text : bytes.toString('base64') }
    } else if (values.jwk !== undefined) {
      if (values.issuer === undefined) throw usageError('--jwk needs --issuer')
      let jwk: unknown
      try {
        jwk = JSON.parse((await readLimited(values.jwk)).toString('utf8'))
      } catch (cause) {
        throw new EntenteError('ERR_SIGNER_MALFORMED', `${values.jwk} is not JSON`, { cause })
      }
      request = { format: 'shc', issuer: values.issuer, jwk }
    } else {
      throw usageError('give --dsc FILE or --jwk FILE --issuer URL')
    }
    if (usage !== undefined) request.usage = usage
    draft = (await callOperator(target, 'POST', '/v1/operator/signers', request)) as TrustListDraft
    // The service appends the new signer; its kid is what revoke and the verifiers' COSE headers name.
    const added = draft.signers.at(-1)
    io.stdout(
      values.json
        ? `${JSON.stringify(draft)}\n`
        : `Added signer ${added?.kid ?? '?'} (${added?.format ?? '?'}, ${added?.usage.join(',') ?? '?'}, valid ${added?.validFrom ?? '?'} to ${added?.validUntil ?? '?'}); the draft now has ${draft.signers.length} signer(s). Publish to take effect.\n`,
    )
    return 0
  }
  if (sub === 'revoke') {
    if (values.kid === undefined) throw usageError('--kid is required')
    draft = (await callOperator(target, 'POST', '/v1/operator/revocations', { kid: values.kid, ...(values.reason === undefined ? {} : { reason: values.reason }) })) as TrustListDraft
    io.stdout(values.json ? `${JSON.stringify(draft)}\n` : `Revoked ${values.kid}. Publish to take effect.\n`)
    return 0
  }
  throw usageError('usage: entente signer add|revoke|list ...')
}

interface ListValues {
  dir?: string
  config?: string
  url?: string
  token?: string
  'token-file'?: string
  json?: boolean
}

/** Through the node when --url is given or DIR's node runs (it owns the store); else DIR's store, read only. */
async function listSigners(values: ListValues, io: CliIo, now: () => Date = () => new Date()): Promise<number> {
  let draft: TrustListDraft
  const location = values.config ?? values.dir
  const live = await liveNodeUrl(values)
  let source: string
  if (values.url !== undefined || live !== undefined) {
    const target = await resolveTarget({ ...values, ...live })
    draft = (await callOperator(target, 'GET', '/v1/operator/draft')) as TrustListDraft
    source = `the node at ${target.url}`
  } else {
    if (location === undefined) throw usageError('give --dir of the node directory, or --url and --token of a running node')
    const config = await loadNodeConfig(location)
    const store = SqliteStore.open(config.paths.store)
    try {
      draft = store.draft(config.country) ?? emptyDraft(config.trustList.quorum)
    } finally {
      store.close()
    }
    source = `the store in ${config.dir} (node stopped)`
  }
  const rows = signerRows(draft, now())
  if (values.json === true) {
    io.stdout(`${JSON.stringify(rows)}\n`)
    return 0
  }
  io.stdout(`${rows.length} signer(s), from ${source}\n${rows.length === 0 ? '' : formatRows(rows)}`)
  return 0
}

/** The URL the node running from DIR wrote into its lock (it may differ from node.json, e.g. port 0). */
async function liveNodeUrl(values: ListValues): Promise<{ url: string } | undefined> {
  const location = values.config ?? values.dir
  if (values.url !== undefined || location === undefined) return undefined
  const lock = await liveNodeLock((await loadNodeConfig(location)).dir)
  return lock?.holder === 'node' && lock.url !== undefined ? { url: lock.url } : undefined
}

function formatRows(rows: readonly SignerRow[]): string {
  const table = [
    ['KID', 'FORMAT', 'USAGE', 'VALID FROM', 'VALID UNTIL', 'STATE'],
    ...rows.map((row) => [
      row.kid,
      row.format ?? '-',
      row.usage?.join(',') ?? '-',
      row.validFrom ?? '-',
      row.validUntil ?? '-',
      row.state === 'revoked' ? `revoked ${row.revokedAt ?? ''} (${row.reason ?? 'unspecified'})` : row.state,
    ]),
  ]
  const widths = table[0]!.map((_, column) => Math.max(...table.map((line) => line[column]!.length)))
  return table.map((line) => `  ${line.map((cell, column) => (column === line.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  ')}\n`).join('')
}

export async function runVaccines(argv: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = argv
  if (sub !== 'set') throw usageError('usage: entente vaccines set ...')
  const { values } = parseArgs({
    args: rest,
    options: { ...targetOptions, file: { type: 'string' }, vaccine: { type: 'string', multiple: true }, json: { type: 'boolean', default: false } },
    strict: true,
  })
  const target = await resolveTarget(values)
  let request: unknown
  if (values.file !== undefined) {
    try {
      request = JSON.parse((await readLimited(values.file)).toString('utf8'))
    } catch (cause) {
      throw new EntenteError('ERR_HTTP_MALFORMED_JSON', `${values.file} is not JSON`, { cause })
    }
  } else if (values.vaccine !== undefined) {
    request = { vaccines: values.vaccine.map(parseVaccine) }
  } else {
    throw usageError('give --file FILE or --vaccine CODE:DOSES:VALIDITY_DAYS')
  }
  const draft = (await callOperator(target, 'PUT', '/v1/operator/vaccines', request)) as TrustListDraft
  io.stdout(values.json ? `${JSON.stringify(draft)}\n` : `Accepted vaccines set (${draft.vaccines.map((v) => v.product).join(', ')}). Publish to take effect.\n`)
  return 0
}

function parseVaccine(spec: string) {
  const [product, doses = '2', validity = '270', after] = spec.split(':')
  const numbers = [doses, validity, ...(after === undefined ? [] : [after])].map(Number)
  if (product === undefined || product === '' || numbers.some((n) => !Number.isInteger(n))) throw usageError(`--vaccine ${spec}: expected CODE[:DOSES[:VALIDITY_DAYS[:DAYS_AFTER]]]`)
  return { product, dosesForCompletion: numbers[0], validityDays: numbers[1], ...(after === undefined ? {} : { daysAfterLastDose: numbers[2] }) }
}

async function readLimited(file: string): Promise<Buffer> {
  const bytes = await readFile(file).catch((cause: unknown) => {
    throw new EntenteError('ERR_CONFIG_NOT_FOUND', `cannot read ${file}`, { cause })
  })
  if (bytes.byteLength > MAX_FILE) throw new EntenteError('ERR_INPUT_TOO_LARGE', `${file} is over ${MAX_FILE} bytes`)
  return bytes
}
