// `entente publish`: signs and stores the node's next list from its draft; `--rotate-root` hands trust to a
// freshly generated root in a list signed by both keys.
import { rename, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { loadNodeConfig, type ResolvedNodeConfig } from '../../config/node-config.js'
import { readRootKey, writeSecretFile } from '../../config/secrets.js'
import { publishNextList } from '../../operator/publish-next-list.js'
import type { NodeAddress } from '../../model/schema.types.js'
import { SqliteStore } from '../../store/sqlite-store.js'
import type { StoredTrustList } from '../../store/store.types.js'
import { generateRootKey, type RootKeyType, type RootSigningKey } from '../../trust-list/root-key.js'
import { usageError, type CliIo } from '../io.js'
import { callOperator, resolveTarget, type OperatorTarget } from '../operator-client.js'

export const publishHelp = `entente publish --dir DIR [--validity-days N] [--rotate-root [--key-type ed25519|p256]] [--out FILE] [--json]
entente publish --url URL --token T [--validity-days N] [--json]
  Builds the next trust list from the node's state, signs it with the root key and stores it. When the
  node of DIR is running (or with --url), the node publishes it, so it also reaches its peers.
  --rotate-root  generates a new root key; the list is signed by the old and the new root.
  --out FILE     also writes the signed list (JWS JSON) to FILE.`

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
    },
    strict: true,
  })
  const location = values.config ?? values.dir
  if (location === undefined && values.url === undefined) throw usageError('--dir (or --config, or --url) is required')
  const validityDays = values['validity-days'] === undefined ? undefined : Number(values['validity-days'])
  if (validityDays !== undefined && (!Number.isInteger(validityDays) || validityDays < 1 || validityDays > 366)) {
    throw usageError('--validity-days must be 1..366')
  }
  const keyType = values['key-type']
  if (keyType !== 'ed25519' && keyType !== 'p256') throw usageError('--key-type must be ed25519 or p256')

  if (!values['rotate-root'] && values.out === undefined && !values.local) {
    const target = values.url !== undefined ? await resolveTarget(values) : await runningNode(values)
    if (target !== undefined) {
      const list = (await callOperator(target, 'POST', '/v1/operator/publish', validityDays === undefined ? {} : { validityDays })) as StoredTrustListSummary
      io.stdout(values.json ? `${JSON.stringify(list)}\n` : `Published ${list.country} seq ${list.seq} via the node at ${target.url}\n  hash     ${list.hash}\n  expires  ${list.expiresAt}\n`)
      return 0
    }
  }
  if (location === undefined) throw usageError('--rotate-root and --out need --dir')
  const config = await loadNodeConfig(location)
  const store = SqliteStore.open(config.paths.store)
  try {
    await recoverRotation(config, store)
    const rootKey = await readRootKey(config.paths.rootKey)
    const nextRootKey = values['rotate-root'] ? await prepareNextRoot(config, keyType) : undefined
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
    })
    if (nextRootKey !== undefined) await completeRotation(config, rootKey)
    if (values.out !== undefined) await writeFile(values.out, `${JSON.stringify(list.signed)}\n`)
    report(io, list, values.json, nextRootKey)
    return 0
  } finally {
    store.close()
  }
}

interface StoredTrustListSummary {
  country: string
  seq: number
  hash: string
  expiresAt: string
}

/** The node of --dir, if it is up and is that country's node; otherwise publish locally. */
async function runningNode(values: { dir?: string; config?: string }): Promise<OperatorTarget | undefined> {
  const location = values.config ?? values.dir
  if (location === undefined) return undefined
  const config = await loadNodeConfig(location)
  const url = config.http.publicUrl ?? `http://${config.http.host}:${config.http.port}`
  try {
    const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) })
    const health = (await response.json()) as { country?: string }
    if (health.country !== config.country) return undefined
  } catch {
    return undefined
  }
  return resolveTarget(values)
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
