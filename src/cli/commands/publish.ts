// `entente publish`: the node's next list. Online root: signs and stores it (through the running node when there
// is one). Offline root: --prepare writes the unsigned next list to carry to the offline machine, --upload brings
// the signed one back. Never writes the store of a running node: the directory lock sends the CLI through it.
import { rename, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { acquireNodeLock, liveNodeLock } from '../../config/node-lock.js'
import { loadNodeConfig, type ResolvedNodeConfig } from '../../config/node-config.js'
import { nodeRoot, offlineRootError, rootAccess } from '../../config/node-root.js'
import { readRootKey, readRootPublicKey, writeSecretFile } from '../../config/secrets.js'
import { EntenteError } from '../../model/errors.js'
import type { NodeAddress, RevocationListPayload, Root, TrustListPayload } from '../../model/schema.types.js'
import { OperatorService } from '../../operator/operator-service.js'
import { publishNextList } from '../../operator/publish-next-list.js'
import { DEFAULT_REVOCATION_VALIDITY_DAYS } from '../../revocation/constants.js'
import { RevocationRepository } from '../../store/revocation-repository.js'
import { SqliteStore } from '../../store/sqlite-store.js'
import type { StoredTrustList } from '../../store/store.types.js'
import { DEFAULT_MAX_TRUST_LIST_BYTES, UPLOAD_ENVELOPE_BYTES } from '../../trust-list/constants.js'
import { payloadTextOf } from '../../trust-list/decode-signed-document.js'
import { generateRootKey, type RootKeyType, type RootSigningKey } from '../../trust-list/root-key.js'
import { readInput, usageError, type CliIo } from '../io.js'
import { callOperator, resolveTarget, type OperatorTarget } from '../operator-client.js'

export const publishHelp = `entente publish --dir DIR [--validity-days N] [--out FILE] [--json]
entente publish --dir DIR --prepare [--revocations] [--next-root-public NEXT.pub.jwk [--reset-governance]] --out NEXT.json
entente publish --dir DIR --upload SIGNED.json
entente publish --dir DIR --local [--out FILE] | --rotate-root [--key-type ed25519|p256]
  (or --url URL --token T instead of --dir for a node elsewhere)
  Builds the next trust list from the node's state (head + draft, with the diplomats' approvals) and publishes it.
  When the node of DIR runs, everything goes through it, so the list also reaches its peers.
  Online root (the key is in DIR): signs with it and stores the list.
    --out FILE        also writes the signed list (JWS JSON) to FILE.
    --local           publishes into DIR's store directly; refused while the node of DIR runs.
    --rotate-root     generates a new root key; the list is signed by the old and the new root (node stopped).
  Offline root (entente init --offline-root): the node cannot sign.
    --prepare         writes the unsigned next list (--revocations: the next revocation list) to --out, to carry
                      to the offline machine and sign with entente sign. --next-root-public prepares a root
                      rotation to that root; --reset-governance (with a rotation only) is the recovery below quorum.
    --upload FILE     verifies the signed trust list or revocation list and stores it; the node gossips it.`

interface PublishValues {
  dir?: string
  config?: string
  'validity-days'?: string
  'rotate-root'?: boolean
  'key-type'?: string
  out?: string
  json?: boolean
  url?: string
  token?: string
  'token-file'?: string
  local?: boolean
  prepare?: boolean
  revocations?: boolean
  'next-root-public'?: string
  'reset-governance'?: boolean
  upload?: string
}

export async function runPublish(argv: string[], io: CliIo, now: () => Date = () => new Date()): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      dir: { type: 'string' },
      config: { type: 'string' },
      'validity-days': { type: 'string' },
      'rotate-root': { type: 'boolean', default: false },
      'key-type': { type: 'string', default: 'ed25519' },
      out: { type: 'string' },
      json: { type: 'boolean', default: false },
      url: { type: 'string' },
      token: { type: 'string' },
      'token-file': { type: 'string' },
      local: { type: 'boolean', default: false },
      prepare: { type: 'boolean', default: false },
      revocations: { type: 'boolean', default: false },
      'next-root-public': { type: 'string' },
      'reset-governance': { type: 'boolean', default: false },
      upload: { type: 'string' },
    },
    strict: true,
  }) as { values: PublishValues }
  const location = values.config ?? values.dir
  if (location === undefined && values.url === undefined) throw usageError('--dir (or --config, or --url) is required')
  const validityDays = values['validity-days'] === undefined ? undefined : Number(values['validity-days'])
  if (validityDays !== undefined && (!Number.isInteger(validityDays) || validityDays < 1 || validityDays > 366)) {
    throw usageError('--validity-days must be 1..366')
  }
  const modes = [values.prepare, values.upload !== undefined, values['rotate-root'], values.local].filter(Boolean).length
  if (modes > 1) throw usageError('--prepare, --upload, --rotate-root and --local exclude each other')
  if ((values.revocations === true || values['next-root-public'] !== undefined) && values.prepare !== true) throw usageError('--revocations and --next-root-public go with --prepare')
  if (values['reset-governance'] === true && values['next-root-public'] === undefined) throw usageError('--reset-governance needs a root rotation (--next-root-public)')
  const config = location === undefined ? undefined : await loadNodeConfig(location)

  if (values.prepare === true) return prepare(values, config, io, now, validityDays)
  if (values.upload !== undefined) return upload(values, values.upload, config, io, now)
  if (config !== undefined && (await nodeRoot(config)).kind === 'offline') {
    if (values['rotate-root'] === true) throw new EntenteError('ERR_OFFLINE_ROOT', 'this node has an offline root: create the next root offline (entente root create), then prepare the rotation with --prepare --next-root-public')
    throw offlineRootError(location ?? '')
  }
  if (values['rotate-root'] === true || values.local === true) {
    if (config === undefined) throw usageError('--rotate-root and --local need --dir')
    return publishLocally(values, config, io, now, validityDays)
  }
  const target = await runningNode(values, config)
  if (target === undefined) return publishLocally(values, config as ResolvedNodeConfig, io, now, validityDays)
  const list = (await callOperator(target, 'POST', '/v1/operator/publish', validityDays === undefined ? {} : { validityDays })) as StoredTrustListSummary
  // --out next to a running node: the file is the very list the node stored and gossiped.
  if (values.out !== undefined) await writeFile(values.out, `${JSON.stringify(await fetchSigned(target, `/v1/trust-lists/${list.country}/${list.seq}`))}\n`)
  io.stdout(values.json ? `${JSON.stringify(list)}\n` : `Published ${list.country} seq ${list.seq} via the node at ${target.url}\n  hash     ${list.hash}\n  expires  ${list.expiresAt}\n`)
  return 0
}

interface StoredTrustListSummary {
  country: string
  seq: number
  hash: string
  expiresAt: string
}

/** The node to go through: --url, or the live node holding DIR's lock (at the URL it wrote there). */
async function runningNode(values: PublishValues, config: ResolvedNodeConfig | undefined): Promise<OperatorTarget | undefined> {
  if (values.url !== undefined) return resolveTarget(values)
  if (config === undefined) return undefined
  const lock = await liveNodeLock(config.dir)
  if (lock === undefined) return undefined
  if (lock.holder !== 'node') throw new EntenteError('ERR_NODE_RUNNING', `${config.dir} is in use by entente ${lock.holder} (pid ${lock.pid}); try again when it is done`)
  return resolveTarget({ ...values, ...(lock.url === undefined ? {} : { url: lock.url }) })
}

/** Runs `action` on DIR's store while holding its lock: refused (ERR_NODE_RUNNING) while the node runs. */
async function withLocalStore<T>(config: ResolvedNodeConfig, action: (store: SqliteStore) => Promise<T>): Promise<T> {
  const lock = await acquireNodeLock(config.dir, 'publish')
  try {
    const store = SqliteStore.open(config.paths.store)
    try {
      return await action(store)
    } finally {
      store.close()
    }
  } finally {
    await lock.release()
  }
}

/** An operator service over DIR's store, for the offline-root steps done while the node is stopped. */
function localOperator(config: ResolvedNodeConfig, store: SqliteStore, now: () => Date): OperatorService {
  return new OperatorService({
    store,
    country: config.country,
    now,
    validityDays: config.trustList.validityDays,
    quorum: config.trustList.quorum,
    maxTrustListBytes: config.limits.maxTrustListBytes,
    ...rootAccess(config),
    loadValueSets: () => Promise.reject(new EntenteError('ERR_VALUESETS_UNAVAILABLE', 'not needed to publish')),
    nodes: () => nodeAddresses(config),
    revocations: new RevocationRepository(store.database),
  })
}

async function prepare(values: PublishValues, config: ResolvedNodeConfig | undefined, io: CliIo, now: () => Date, validityDays: number | undefined): Promise<number> {
  if (values.out === undefined) throw usageError('--prepare needs --out FILE')
  const nextRoot: Root | undefined = values['next-root-public'] === undefined ? undefined : await readRootPublicKey(values['next-root-public'])
  const options = {
    ...(validityDays === undefined ? {} : { validityDays }),
    ...(nextRoot === undefined ? {} : { nextRoot }),
    ...(values['reset-governance'] === true ? { resetGovernance: true } : {}),
  }
  const target = await runningNode(values, config)
  let payload: TrustListPayload | RevocationListPayload
  if (target !== undefined) {
    const route = values.revocations === true ? '/v1/operator/next-revocation-list' : '/v1/operator/next-list'
    payload = (await callOperator(target, 'POST', route, values.revocations === true ? (validityDays === undefined ? {} : { validityDays }) : { ...options, ...(nextRoot === undefined ? {} : { nextRoot: nextRoot.jwk }) })) as TrustListPayload | RevocationListPayload
  } else {
    if (config === undefined) throw usageError('--prepare needs --dir or --url')
    payload = await withLocalStore<TrustListPayload | RevocationListPayload>(config, (store) => {
      const operator = localOperator(config, store, now)
      return values.revocations === true ? operator.nextRevocationList({ validityDays: validityDays ?? DEFAULT_REVOCATION_VALIDITY_DAYS }) : operator.nextList(options)
    })
  }
  // Unsigned: nothing secret, and a newer preparation simply replaces an older one.
  await writeFile(values.out, `${JSON.stringify(payload, null, 2)}\n`)
  const what = payload.type === 'entente.trust-list' ? 'trust list' : 'revocation list'
  const changes = payload.type === 'entente.trust-list' ? `, changes: ${payload.changes.length === 0 ? 'none' : payload.changes.join(', ')}` : ''
  if (values.json) io.stdout(`${JSON.stringify({ type: payload.type, country: payload.country, seq: payload.seq, out: values.out })}\n`)
  else {
    io.stdout(
      [
        `Prepared the ${payload.country} ${what} seq ${payload.seq}${changes} (unsigned) in ${values.out}`,
        `Carry it to the offline machine and sign it there:`,
        `  entente sign --draft ${path.basename(values.out)} --root-key ROOT.jwk${nextRoot === undefined ? '' : ' --next-root-key NEXT-ROOT.jwk'} --out signed.json`,
        `then bring signed.json back: entente publish --dir DIR --upload signed.json`,
        '',
      ].join('\n'),
    )
  }
  return 0
}

async function upload(values: PublishValues, file: string, config: ResolvedNodeConfig | undefined, io: CliIo, now: () => Date): Promise<number> {
  const text = await readInput(file, io, DEFAULT_MAX_TRUST_LIST_BYTES + UPLOAD_ENVELOPE_BYTES)
  let signed: { payload?: unknown }
  try {
    signed = JSON.parse(text) as { payload?: unknown }
  } catch (cause) {
    throw new EntenteError('ERR_TRUST_LIST_MALFORMED', `${file} is not JSON`, { cause })
  }
  const kind = documentType(signed)
  const target = await runningNode(values, config)
  let summary: { country: string; seq: number; hash: string; expiresAt: string }
  if (target !== undefined) {
    summary = (await callOperator(target, 'POST', kind === 'entente.revocation-list' ? '/v1/operator/revocation-lists' : '/v1/operator/trust-lists', signed)) as typeof summary
  } else {
    if (config === undefined) throw usageError('--upload needs --dir or --url')
    summary = await withLocalStore(config, (store) => {
      const operator = localOperator(config, store, now)
      return kind === 'entente.revocation-list' ? operator.acceptSignedRevocations(signed as never) : operator.acceptSigned(signed as never)
    })
  }
  const what = kind === 'entente.revocation-list' ? 'revocation list' : 'trust list'
  const where = target === undefined ? ' into the store (the node gossips it when it starts)' : ` via the node at ${target.url}`
  io.stdout(values.json ? `${JSON.stringify(summary)}\n` : `Uploaded the ${summary.country} ${what} seq ${summary.seq}${where}\n  hash     ${summary.hash}\n  expires  ${summary.expiresAt}\n`)
  return 0
}

/** The kind of a signed document, from its payload's `type`; the node verifies everything else. */
function documentType(signed: { payload?: unknown }): 'entente.trust-list' | 'entente.revocation-list' {
  if (typeof signed !== 'object' || signed === null || typeof signed.payload !== 'string') {
    throw new EntenteError('ERR_TRUST_LIST_MALFORMED', 'the upload is not a signed list (JWS JSON with a payload); sign the prepared file with entente sign first')
  }
  let type: unknown
  try {
    type = (JSON.parse(payloadTextOf({ payload: signed.payload })) as { type?: unknown }).type
  } catch (cause) {
    throw new EntenteError('ERR_TRUST_LIST_MALFORMED', 'the upload payload is neither JSON text nor base64url JSON', { cause })
  }
  if (type === 'entente.trust-list' || type === 'entente.revocation-list') return type
  throw new EntenteError('ERR_TRUST_LIST_MALFORMED', `the upload is neither a trust list nor a revocation list (type ${JSON.stringify(type)})`)
}

async function fetchSigned(target: OperatorTarget, route: string): Promise<unknown> {
  const response = await fetch(`${target.url}${route}`, { signal: AbortSignal.timeout(10_000) })
  if (!response.ok) throw new EntenteError('ERR_HTTP_UNAVAILABLE', `the node answered ${response.status} for ${route}`)
  return response.json()
}

/** Signs and stores in DIR's own store under its lock: refused while the node runs (it would race our append). */
async function publishLocally(values: PublishValues, config: ResolvedNodeConfig, io: CliIo, now: () => Date, validityDays: number | undefined): Promise<number> {
  const keyType = values['key-type']
  if (keyType !== 'ed25519' && keyType !== 'p256') throw usageError('--key-type must be ed25519 or p256')
  return withLocalStore(config, async (store) => {
    await recoverRotation(config, store)
    const rootKey = await readRootKey(config.paths.rootKey)
    const nextRootKey = values['rotate-root'] === true ? await prepareNextRoot(config, keyType) : undefined
    const revocationHead = new RevocationRepository(store.database).head(config.country)
    const list = await publishNextList({
      store,
      country: config.country,
      rootKey,
      ...(nextRootKey === undefined ? {} : { nextRootKey }),
      now: now(),
      validityDays: validityDays ?? config.trustList.validityDays,
      quorum: config.trustList.quorum,
      nodes: nodeAddresses(config),
      maxBytes: config.limits.maxTrustListBytes,
      ...(revocationHead === undefined ? {} : { revocationList: { seq: revocationHead.seq, hash: revocationHead.hash } }),
    })
    if (nextRootKey !== undefined) await completeRotation(config, rootKey)
    if (values.out !== undefined) await writeFile(values.out, `${JSON.stringify(list.signed)}\n`)
    report(io, list, values.json === true, nextRootKey)
    return 0
  })
}

function nextKeyFile(config: ResolvedNodeConfig): string {
  return config.paths.rootKey.replace(/(\.jwk)?$/, '.next.jwk')
}

async function prepareNextRoot(config: ResolvedNodeConfig, keyType: RootKeyType): Promise<RootSigningKey> {
  const next = await generateRootKey(keyType)
  // The new key is on disk before anything is signed with it: a crash can never publish a root we lost.
  await writeSecretFile(nextKeyFile(config), `${JSON.stringify(next.privateJwk, null, 2)}\n`)
  return next
}

async function completeRotation(config: ResolvedNodeConfig, oldRoot: RootSigningKey): Promise<void> {
  const retired = path.join(path.dirname(config.paths.rootKey), `root-key.${oldRoot.thumbprint}.retired.jwk`)
  await rename(config.paths.rootKey, retired)
  await rename(nextKeyFile(config), config.paths.rootKey)
}

function nodeAddresses(config: ResolvedNodeConfig): NodeAddress[] {
  const url = config.http.publicUrl
  return url === undefined ? [] : [{ multiaddrs: [], url }]
}

function report(io: CliIo, list: StoredTrustList, json: boolean, rotated: RootSigningKey | undefined): void {
  if (json) {
    io.stdout(`${JSON.stringify({ country: list.country, seq: list.seq, hash: list.hash, expiresAt: list.expiresAt, rootThumbprint: list.rootThumbprint, rotated: rotated !== undefined })}\n`)
    return
  }
  io.stdout(
    [
      `Published ${list.country} seq ${list.seq}${rotated === undefined ? '' : ' (root rotated)'}`,
      `  hash     ${list.hash}`,
      `  root     ${list.rootThumbprint}`,
      `  expires  ${list.expiresAt}`,
      `  size     ${list.size} bytes`,
      '',
    ].join('\n'),
  )
}

/** A crash between publishing a rotation and swapping key files leaves root-key.next.jwk behind: finish or discard it. */
async function recoverRotation(config: ResolvedNodeConfig, store: SqliteStore): Promise<void> {
  const nextFile = nextKeyFile(config)
  const pending = await stat(nextFile).then(
    () => true,
    () => false,
  )
  if (!pending) return
  const next = await readRootKey(nextFile)
  if (store.head(config.country)?.rootThumbprint === next.thumbprint) {
    await completeRotation(config, await readRootKey(config.paths.rootKey))
  } else {
    // Never published: the old root is still in charge; keep the unused key aside rather than delete a secret.
    await rename(nextFile, `${nextFile}.unused-${Date.now()}`)
  }
}
