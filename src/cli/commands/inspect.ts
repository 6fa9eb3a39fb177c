// `entente inspect`: verifies a signed trust list and prints it for people, or as JSON for machines.
import { parseArgs } from 'node:util'
import { EntenteError } from '../../model/errors.js'
import type { TrustListPayload } from '../../model/schema.types.js'
import { decodeTrustList } from '../../trust-list/decode-trust-list.js'
import { fingerprintGroups } from '../../trust-list/fingerprint.js'
import type { RootAnchor } from '../../trust-list/trust-list.types.js'
import { verifyTrustList } from '../../trust-list/verify-trust-list.js'
import { DEFAULT_MAX_TRUST_LIST_BYTES } from '../../trust-list/constants.js'
import { readInput, usageError, type CliIo } from '../io.js'

export const inspectHelp = `entente inspect FILE|- [--root THUMBPRINT] [--country XX] [--at ISO-8601] [--json]
  Verifies a signed trust list (signature, schema, canonical form, expiry; against --root if given,
  otherwise against the root it names) and prints it. Exits 1 if it does not verify.`

export async function runInspect(argv: string[], io: CliIo, now: () => Date = () => new Date()): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      root: { type: 'string' },
      country: { type: 'string' },
      at: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
    allowPositionals: true,
    strict: true,
  })
  const source = positionals[0]
  if (source === undefined || positionals.length > 1) throw usageError('give one FILE, or - for stdin')
  const at = values.at === undefined ? now() : new Date(values.at)
  if (Number.isNaN(at.getTime())) throw usageError('--at must be an ISO 8601 time')
  const anchor: RootAnchor | undefined = values.root === undefined ? undefined : { thumbprint: values.root }
  const text = await readInput(source, io, DEFAULT_MAX_TRUST_LIST_BYTES)
  try {
    const verified = await verifyTrustList(text, {
      now: at,
      ...(anchor === undefined ? {} : { anchor }),
      ...(values.country === undefined ? {} : { country: values.country.toUpperCase() }),
    })
    const signatures = decodeTrustList(verified.signed).signatures.map((s) => ({ kid: s.kid, alg: s.alg }))
    if (values.json) {
      io.stdout(`${JSON.stringify({ valid: true, hash: verified.hash, size: verified.size, signatures, payload: verified.payload })}\n`)
    } else {
      io.stdout(describe(verified.payload, verified.hash, signatures, at))
    }
    return 0
  } catch (error) {
    if (!(error instanceof EntenteError)) throw error
    if (values.json) {
      io.stdout(`${JSON.stringify({ valid: false, error: { code: error.code, message: error.message } })}\n`)
      return 1
    }
    throw error
  }
}

function describe(p: TrustListPayload, hash: string, signatures: { kid: string; alg: string }[], at: Date): string {
  const days = Math.floor((Date.parse(p.expiresAt) - at.getTime()) / 86_400_000)
  const lines = [
    `Trust list ${p.country} seq ${p.seq}  ✔ verified`,
    `  issued      ${p.issuedAt}`,
    `  expires     ${p.expiresAt} (in ${days} days)`,
    `  hash        ${hash}`,
    `  prev        ${p.prev ?? '(first list)'}`,
    `  root        ${p.root.thumbprint} (${p.root.jwk.crv})`,
    `  fingerprint ${fingerprintGroups(p.root.thumbprint)}`,
    ...(p.previousRoot === undefined ? [] : [`  rotated from ${p.previousRoot.thumbprint}`]),
    `  signed by   ${signatures.map((s) => `${s.kid} (${s.alg})`).join(', ')}`,
    `  signers (${p.signers.length})`,
    ...p.signers.map(
      (s) =>
        `    ${s.format.padEnd(4)}${s.kid.padEnd(45)}${s.usage.join(',').padEnd(26)}${s.validFrom.slice(0, 10)} → ${s.validUntil.slice(0, 10)}${s.format === 'shc' ? `  ${s.issuer}` : ''}`,
    ),
    `  revoked signers (${p.revokedSigners.length})`,
    ...p.revokedSigners.map((r) => `    ${r.kid.padEnd(45)}${r.revokedAt}  ${r.reason}`),
    `  accepted vaccines (${p.vaccines.length})`,
    ...p.vaccines.map(
      (v) => `    ${v.product.padEnd(20)}doses ${v.dosesForCompletion}  valid ${v.validityDays} days${v.daysAfterLastDose === undefined ? '' : `  from day ${v.daysAfterLastDose}`}`,
    ),
    `  recognitions (${p.recognitions.length}, quorum ${p.quorum})`,
    ...p.recognitions.map(
      (r) => `    ${r.country}  ${r.rootThumbprint}  ${r.scopes.join(',')}  approvals ${r.approvals.length}/${p.quorum}`,
    ),
    `  diplomats (${p.diplomats.length})`,
    ...p.diplomats.map((d) => `    ${d.name}  ${d.credentialId.slice(0, 16)}…  since ${d.addedAt}`),
    `  nodes (${p.nodes.length})`,
    ...p.nodes.map((n) => `    ${[n.url, n.peerId, ...n.multiaddrs].filter((x) => x !== undefined).join('  ')}`),
    '',
  ]
  return lines.join('\n')
}
