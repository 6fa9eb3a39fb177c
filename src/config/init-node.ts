// Creates a node directory: root key (0600), libp2p peer key (0600), operator token (0600, only its hash in
// node.json), node.json and an empty store. Every secret is created exclusively: nothing is ever overwritten.
import { mkdir, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { createPeerKeyFile } from '../gossip/peer-key.js'
import { EntenteError } from '../model/errors.js'
import type { NodeConfig } from '../model/schema.types.js'
import { SqliteStore } from '../store/sqlite-store.js'
import { generateRootKey, type RootKeyType, type RootSigningKey } from '../trust-list/root-key.js'
import { NODE_CONFIG_FILE, resolveNodeConfig, type ResolvedNodeConfig } from './node-config.js'
import { generateOperatorToken, hashOperatorToken, writeSecretFile } from './secrets.js'

export interface InitializedNode {
  readonly config: ResolvedNodeConfig
  readonly rootKey: RootSigningKey
  readonly operatorToken: string
  readonly peerId: string
}

export async function initNodeDir(dir: string, template: Omit<NodeConfig, 'operator'>, keyType: RootKeyType = 'ed25519'): Promise<InitializedNode> {
  const configFile = path.join(path.resolve(dir), NODE_CONFIG_FILE)
  if (await exists(configFile)) throw new EntenteError('ERR_INIT_EXISTS', `${configFile} already exists; refusing to overwrite`)
  await mkdir(path.dirname(configFile), { recursive: true, mode: 0o700 })
  const token = generateOperatorToken()
  const { $schema: _schema, ...rest } = template
  const raw: NodeConfig = { ...rest, operator: { tokenSha256: hashOperatorToken(token) } }
  const config = resolveNodeConfig(raw, configFile)
  const rootKey = await generateRootKey(keyType)
  // Secrets first, each created exclusively: a half-finished init never overwrites a key.
  await writeSecretFile(config.paths.rootKey, `${JSON.stringify(rootKey.privateJwk, null, 2)}\n`)
  const peerKey = await createPeerKeyFile(config.paths.peerKey)
  await writeSecretFile(config.paths.operatorToken, `${token}\n`)
  SqliteStore.open(config.paths.store).close()
  await writeFile(configFile, `${JSON.stringify(raw, null, 2)}\n`, { flag: 'wx' })
  return { config, rootKey, operatorToken: token, peerId: peerIdFromPrivateKey(peerKey).toString() }
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  )
}
