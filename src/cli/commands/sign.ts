// `entente sign`: on the offline machine, signs the next trust list or revocation list a node prepared, after
// showing what the root approves. Imports no network module (test/cli/sign-offline.test.ts scans its imports).
import { writeFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { readRootKey } from '../../config/secrets.js'
import { EntenteError } from '../../model/errors.js'
import { schemaValidators } from '../../model/schemas.js'
import type { RevocationListPayload, SignedRevocationList, SignedTrustList, TrustListPayload } from '../../model/schema.types.js'
import { signRevocationList } from '../../revocation/sign-revocation-list.js'
import { DEFAULT_MAX_TRUST_LIST_BYTES } from '../../trust-list/constants.js'
import { fingerprintGroups } from '../../trust-list/fingerprint.js'
import type { RootSigningKey } from '../../trust-list/root-key.js'
import { signTrustList } from '../../trust-list/sign-trust-list.js'
import { readInput, usageError, type CliIo } from '../io.js'

export const signHelp = `entente sign --draft NEXT.json --root-key ROOT.jwk [--next-root-key NEXT-ROOT.jwk] --out SIGNED.json [--json]
  On the offline machine: signs the unsigned next trust list or revocation list that entente publish --prepare
  wrote (the kind is read from its "type"), after printing what the root approves: country, seq, changes,
  governance, signers, recognitions, withdrawals. A root rotation prepared with --next-root-public is signed by
  both keys (--next-root-key). Refuses anything that is not a valid next document and never overwrites --out.
  Carry SIGNED.json back and upload it: entente publish --dir DIR --upload SIGNED.json`

export async function runSign(argv: string[], io: CliIo, now: () => Date = () => new Date()): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      draft: { type: 'string' },
      'root-key': { type: 'string' },
      'next-root-key': { type: 'string' },
      out: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
    strict: true,
  })
  if (values.draft === undefined) throw usageError('--draft FILE is required (written by entente publish --prepare)')
  if (values['root-key'] === undefined) throw usageError('--root-key FILE is required (the private root key)')
  if (values.out === undefined) throw usageError('--out FILE is required')
  // The prepared file is indented for reading (more bytes than the signed list it becomes): the cap leaves room for that;
  // the node applies the real cap to the signed list on upload.
  const draft = parseDraft(await readInput(values.draft, io, 2 * DEFAULT_MAX_TRUST_LIST_BYTES), values.draft)
  const rootKey = await readRootKey(values['root-key'])
  const nextRootKey = values['next-root-key'] === undefined ? undefined : await readRootKey(values['next-root-key'])

  let signed: SignedTrustList | SignedRevocationList
  let summary: Summary
  if (draft.type === 'entente.trust-list') {
    const payload = schemaValidators().check('trust-list.v1', draft, 'ERR_TRUST_LIST_SCHEMA')
    const keys = trustListKeys(payload, rootKey, nextRootKey)
    summary = trustListSummary(payload, now())
    signed = await signTrustList(payload, keys)
  } else {
    const payload = schemaValidators().check('revocation-list.v1', draft, 'ERR_REVOCATION_SCHEMA')
    if (nextRootKey !== undefined) throw usageError('a revocation list is signed by the current root only; drop --next-root-key')
    if (rootKey.thumbprint !== payload.rootThumbprint) {
      throw new EntenteError('ERR_REVOCATION_WRONG_ROOT', `the draft names the root ${payload.rootThumbprint}, but ${values['root-key']} is ${rootKey.thumbprint}`)
    }
    summary = revocationSummary(payload, now())
    signed = await signRevocationList(payload, rootKey)
  }
  // Never overwrite: a signed list is a commitment of the root, and two of one seq are an equivocation.
  await writeFile(values.out, `${JSON.stringify(signed)}\n`, { flag: 'wx' }).catch((cause: unknown) => {
    if ((cause as NodeJS.ErrnoException).code === 'EEXIST') throw new EntenteError('ERR_INIT_EXISTS', `${values.out} already exists; refusing to overwrite`, { cause })
    throw cause
  })
  if (values.json) io.stdout(`${JSON.stringify({ ...summary.facts, out: values.out })}\n`)
  else io.stdout(`${summary.lines.join('\n')}\nSigned: ${values.out}\nUpload it on the node: entente publish --dir DIR --upload ${values.out}\n`)
  return 0
}

type Draft = { readonly type: 'entente.trust-list' | 'entente.revocation-list' } & Record<string, unknown>

function parseDraft(text: string, file: string): Draft {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (cause) {
    throw new EntenteError('ERR_SIGN_DRAFT_INVALID', `${file} is not JSON`, { cause })
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new EntenteError('ERR_SIGN_DRAFT_INVALID', `${file} is not a prepared next list`)
  const record = value as Record<string, unknown>
  if ('signatures' in record) throw new EntenteError('ERR_SIGN_DRAFT_INVALID', `${file} is already signed; sign the unsigned payload from entente publish --prepare`)
  if (record.type !== 'entente.trust-list' && record.type !== 'entente.revocation-list') {
    throw new EntenteError('ERR_SIGN_DRAFT_INVALID', `${file} is neither a trust list nor a revocation list (type ${JSON.stringify(record.type)}); the operator draft is not signed, the prepared next list is`)
  }
  return record as Draft
}

/** Which keys sign: the current root, and for a rotation the previous root (handing over) and the next. */
function trustListKeys(payload: TrustListPayload, rootKey: RootSigningKey, nextRootKey: RootSigningKey | undefined): RootSigningKey[] {
  const previous = payload.previousRoot
  if (previous === undefined) {
    if (nextRootKey !== undefined) throw usageError('the draft is not a root rotation; prepare one with entente publish --prepare --next-root-public FILE')
    if (rootKey.thumbprint !== payload.root.thumbprint) {
      throw new EntenteError('ERR_TRUST_LIST_WRONG_ROOT', `the draft names the root ${payload.root.thumbprint}, but the root key is ${rootKey.thumbprint}`)
    }
    return [rootKey]
  }
  if (nextRootKey === undefined) throw usageError('the draft rotates the root: give --next-root-key with the new root key as well')
  if (rootKey.thumbprint !== previous.thumbprint) {
    throw new EntenteError('ERR_TRUST_LIST_WRONG_ROOT', `the draft hands over from the root ${previous.thumbprint}, but --root-key is ${rootKey.thumbprint}`)
  }
  if (nextRootKey.thumbprint !== payload.root.thumbprint) {
    throw new EntenteError('ERR_TRUST_LIST_WRONG_ROOT', `the draft hands over to the root ${payload.root.thumbprint}, but --next-root-key is ${nextRootKey.thumbprint}`)
  }
  return [rootKey, nextRootKey]
}

interface Summary {
  readonly lines: string[]
  readonly facts: Record<string, unknown>
}

function trustListSummary(payload: TrustListPayload, now: Date): Summary {
  const governance = payload.governance
  const revoked = new Set(payload.revokedSigners.map((r) => r.kid))
  const lines = [
    `Signing the ${payload.country} trust list seq ${payload.seq}`,
    `  prev          ${payload.prev ?? '(first list)'}`,
    `  valid         ${payload.issuedAt} .. ${payload.expiresAt}${expiryNote(payload.expiresAt, now)}`,
    `  root          ${payload.root.thumbprint}`,
    `                ${fingerprintGroups(payload.root.thumbprint)}`,
    ...(payload.previousRoot === undefined
      ? []
      : [`  ROOT ROTATION from ${payload.previousRoot.thumbprint}`, `                ${fingerprintGroups(payload.previousRoot.thumbprint)}`]),
    `  changes       ${payload.changes.length === 0 ? 'none' : payload.changes.join(', ')}`,
    `  governance    since seq ${governance.since}${governance.approvals === undefined ? '' : `, ${governance.approvals.length} approval(s)`}`,
    ...(governance.reset === true ? ['  !! GOVERNANCE RESET: diplomats replaced without their quorum (recovery); every node and verifier will flag it'] : []),
    `  diplomats     ${payload.diplomats.length}, quorum ${payload.quorum}`,
    `  signers       ${payload.signers.filter((s) => !revoked.has(s.kid)).length} active, ${payload.revokedSigners.length} revoked`,
    `  vaccines      ${payload.vaccines.length}`,
    `  recognitions  ${payload.recognitions.length === 0 ? 'none' : ''}`,
    ...payload.recognitions.map((r) => `    ${r.country} ${r.rootThumbprint} (${fingerprintGroups(r.rootThumbprint)})`),
    ...(payload.withdrawals === undefined || payload.withdrawals.length === 0 ? [] : [`  withdrawals   ${payload.withdrawals.map((w) => w.country).join(', ')}`]),
    `  revocations   ${payload.revocationList === undefined ? 'no revocation list named' : `list seq ${payload.revocationList.seq} (${payload.revocationList.hash})`}`,
  ]
  return {
    lines,
    facts: {
      type: payload.type,
      country: payload.country,
      seq: payload.seq,
      rootThumbprint: payload.root.thumbprint,
      rotation: payload.previousRoot !== undefined,
      changes: payload.changes,
      governanceReset: governance.reset === true,
      signers: payload.signers.length,
      recognitions: payload.recognitions.map((r) => ({ country: r.country, rootThumbprint: r.rootThumbprint })),
      withdrawals: (payload.withdrawals ?? []).map((w) => w.country),
      expiresAt: payload.expiresAt,
    },
  }
}

function revocationSummary(payload: RevocationListPayload, now: Date): Summary {
  return {
    lines: [
      `Signing the ${payload.country} revocation list seq ${payload.seq}`,
      `  prev          ${payload.prev ?? '(first list)'}`,
      `  valid         ${payload.issuedAt} .. ${payload.expiresAt}${expiryNote(payload.expiresAt, now)}`,
      `  root          ${payload.rootThumbprint}`,
      `                ${fingerprintGroups(payload.rootThumbprint)}`,
      `  revoked       ${payload.dcc.length} DCC hash(es), ${payload.shc.length} SHC rid(s)`,
    ],
    facts: { type: payload.type, country: payload.country, seq: payload.seq, rootThumbprint: payload.rootThumbprint, dcc: payload.dcc.length, shc: payload.shc.length, expiresAt: payload.expiresAt },
  }
}

// The offline machine's clock may be off; say so rather than refuse, the node checks again on upload.
function expiryNote(expiresAt: string, now: Date): string {
  return Date.parse(expiresAt) <= now.getTime() ? '  (already expired by this machine’s clock: the node will refuse it)' : ''
}
