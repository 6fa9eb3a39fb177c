// `entente signer add|revoke` and `entente vaccines set`: operator actions against a running node's API.
import { readFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { EntenteError } from '../../model/errors.js'
import type { TrustListDraft } from '../../model/schema.types.js'
import { callOperator, resolveTarget, targetOptions } from '../operator-client.js'
import { usageError, type CliIo } from '../io.js'

export const signerHelp = `entente signer add (--dsc FILE | --jwk FILE --issuer URL) [--usage vaccination,test,recovery] (--dir DIR | --url URL --token T)
entente signer revoke --kid KID [--reason key-compromise|superseded|cessation-of-operation|unspecified] (--dir DIR | --url URL --token T)
  Adds an EU DCC Document Signer Certificate (PEM or DER) or an SHC issuer key to the node's draft, or
  revokes one; takes effect with the next publish.`

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
  const target = await resolveTarget(values)
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
    io.stdout(values.json ? `${JSON.stringify(draft)}\n` : `Added signer; the draft now has ${draft.signers.length} signer(s). Publish to take effect.\n`)
    return 0
  }
  if (sub === 'revoke') {
    if (values.kid === undefined) throw usageError('--kid is required')
    draft = (await callOperator(target, 'POST', '/v1/operator/revocations', { kid: values.kid, ...(values.reason === undefined ? {} : { reason: values.reason }) })) as TrustListDraft
    io.stdout(values.json ? `${JSON.stringify(draft)}\n` : `Revoked ${values.kid}. Publish to take effect.\n`)
    return 0
  }
  throw usageError('usage: entente signer add|revoke ...')
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
