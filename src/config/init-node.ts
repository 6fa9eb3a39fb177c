// Creates a node directory: root key (0600) or, for an offline root, only the root's public half; libp2p peer key
// (0600), operator token (0600, only its hash in node.json), node.json and an empty store. Every file is created
// exclusively: nothing is ever overwritten.
import { mkdir, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { createPeerKeyFile } from '../gossip/peer-key.js'
import { EntenteError } from '../model/errors.js'
import type { NodeConfig, Root } from '../model/schema.types.js'
import { SqliteStore } from '../store/sqlite-store.js'
import { generateRootKey, rootOf, type RootKeyType } from '../trust-list/root-key.js'
import { NODE_CONFIG_FILE, resolveNodeConfig, type ResolvedNodeConfig } from './node-config.js'
import { rootPublicFile } from './node-root.js'
import { generateOperatorToken, hashOperatorToken, writeSecretFile } from './secrets.js'

export interface InitializedNode {
  readonly config: ResolvedNodeConfig
  readonly root: Root & { readonly alg: 'ES256' | 'EdDSA' }
  /** The file holding the root: the private key (online root) or only its public half (offline root). */
  readonly rootFile: string
  readonly offlineRoot: boolean
  readonly operatorToken: string
  readonly peerId: string
}

/** `keyType` generates an online root on the node; a `Root` given instead makes an offline-root node holding only it. */
export async function initNodeDir(dir: string, template: Omit<NodeConfig, 'operator'>, rootSource: RootKeyType | Root = 'ed25519'): Promise<InitializedNode> {
  const configFile = path.join(path.resolve(dir), NODE_CONFIG_FILE)
  if (await exists(configFile)) throw new EntenteError('ERR_INIT_EXISTS', `${configFile} already exists; refusing to overwrite`)
  await mkdir(path.dirname(configFile), { recursive: true, mode: 0o700 })
  const token = generateOperatorToken()
  const { $schema: _schema, ...rest } = template
  const raw: NodeConfig = { ...rest, operator: { tokenSha256: hashOperatorToken(token) } }
  const config = resolveNodeConfig(raw, configFile)
  let root: InitializedNode['root']
  let rootFile: string
  // Secrets first, each created exclusively: a half-finished init never overwrites a key.
  if (typeof rootSource === 'string') {
    const rootKey = await generateRootKey(rootSource)
    await writeSecretFile(config.paths.rootKey, `${JSON.stringify(rootKey.privateJwk, null, 2)}\n`)
    root = { ...rootOf(rootKey), alg: rootKey.alg }
    rootFile = config.paths.rootKey
  } else {
    if (await exists(config.paths.rootKey)) throw new EntenteError('ERR_INIT_EXISTS', `${config.paths.rootKey} already exists; an offline-root node holds no root key`)
    rootFile = rootPublicFile(config)
    // Public: readable by anyone, but created exclusively like every other file here.
    await writeFile(rootFile, `${JSON.stringify(rootSource.jwk, null, 2)}\n`, { flag: 'wx', mode: 0o644 }).catch((cause: unknown) => {
      if ((cause as NodeJS.ErrnoException).code === 'EEXIST') throw new EntenteError('ERR_INIT_EXISTS', `${rootFile} already exists; refusing to overwrite`, { cause })
      throw cause
    })
    root = { ...rootSource, alg: rootSource.jwk.kty === 'EC' ? 'ES256' : 'EdDSA' }
  }
  const peerKey = await createPeerKeyFile(config.paths.peerKey)
  await writeSecretFile(config.paths.operatorToken, `${token}\n`)
  SqliteStore.open(config.paths.store).close()
  await writeFile(configFile, `${JSON.stringify(raw, null, 2)}\n`, { flag: 'wx' })
  return { config, root, rootFile, offlineRoot: typeof rootSource !== 'string', operatorToken: token, peerId: peerIdFromPrivateKey(peerKey).toString() }
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  )
}
