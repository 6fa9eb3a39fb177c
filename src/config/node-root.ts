// Which root a node directory holds: the private root key (online root) or only its public half (offline root,
// signed elsewhere). Reads key files; never writes, never signs.
import { stat } from 'node:fs/promises'
import path from 'node:path'
import { EntenteError } from '../model/errors.js'
import type { Root } from '../model/schema.types.js'
import type { RootSigningKey } from '../trust-list/root-key.js'
import type { ResolvedNodeConfig } from './node-config.js'
import { readRootKey, readRootPublicKey } from './secrets.js'

/** The public root of an offline-root node, beside node.json; its presence is what makes the node offline-root. */
export const ROOT_PUBLIC_FILE = 'root-public.jwk'

export type NodeRoot =
  | { readonly kind: 'online'; readonly file: string }
  | { readonly kind: 'offline'; readonly file: string; readonly root: Root }

export function rootPublicFile(config: Pick<ResolvedNodeConfig, 'dir'>): string {
  return path.join(config.dir, ROOT_PUBLIC_FILE)
}

export async function nodeRoot(config: Pick<ResolvedNodeConfig, 'dir' | 'paths'>): Promise<NodeRoot> {
  const publicFile = rootPublicFile(config)
  if (!(await exists(publicFile))) return { kind: 'online', file: config.paths.rootKey }
  // A private root beside an offline root means the secret was copied onto the server: refuse rather than use it.
  if (await exists(config.paths.rootKey)) {
    throw new EntenteError(
      'ERR_KEY_PRIVATE_MATERIAL',
      `${config.paths.rootKey} holds a private root key, but this node has an offline root (${publicFile}); move the key back to the offline machine`,
    )
  }
  return { kind: 'offline', file: publicFile, root: await readRootPublicKey(publicFile) }
}

/** The signing key of an online-root node; an offline-root node refuses with the ceremony to follow instead. */
export async function loadNodeRootKey(config: Pick<ResolvedNodeConfig, 'dir' | 'paths'>): Promise<RootSigningKey> {
  const root = await nodeRoot(config)
  if (root.kind === 'offline') throw offlineRootError(config.dir)
  return readRootKey(root.file)
}

export function offlineRootError(dir: string): EntenteError {
  return new EntenteError(
    'ERR_OFFLINE_ROOT',
    `this node holds no root key (offline root): run entente publish --dir ${dir} --prepare --out next.json, sign it on the offline machine with entente sign --draft next.json --root-key ROOT --out list.json, then entente publish --dir ${dir} --upload list.json`,
  )
}

/** The node's own public root from either key file (undefined when the online key cannot be read). */
export async function ownRoot(config: Pick<ResolvedNodeConfig, 'dir' | 'paths'>): Promise<Root | undefined> {
  const root = await nodeRoot(config)
  if (root.kind === 'offline') return root.root
  return readRootKey(root.file).then(
    (key) => ({ jwk: key.publicJwk, thumbprint: key.thumbprint }),
    () => undefined,
  )
}

/** What an operator service needs of the root: the signing key (refused for an offline root) and the public root. */
export function rootAccess(config: Pick<ResolvedNodeConfig, 'dir' | 'paths'>): { loadRootKey: () => Promise<RootSigningKey>; loadOwnRoot: () => Promise<Root | undefined> } {
  return { loadRootKey: () => loadNodeRootKey(config), loadOwnRoot: () => ownRoot(config) }
}

/** Thumbprint of the node's own root, from either key file: the anchor of its own country before any list is held. */
export async function ownRootThumbprint(config: Pick<ResolvedNodeConfig, 'dir' | 'paths'>): Promise<string | undefined> {
  const root = await nodeRoot(config)
  if (root.kind === 'offline') return root.root.thumbprint
  return readRootKey(root.file).then(
    (key) => key.thumbprint,
    () => undefined,
  )
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  )
}
