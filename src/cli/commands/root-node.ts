// The public root of the node in a directory, for `entente root show --dir`: from its private root key (online
// root) or its public half (offline root). Reads key files; never prints or returns private key material.
import { loadNodeConfig } from '../../config/node-config.js'
import { nodeRoot } from '../../config/node-root.js'
import { readRootKey } from '../../config/secrets.js'
import type { Root } from '../../model/schema.types.js'

export async function readNodeRoot(dir: string): Promise<{ root: Root; label: string }> {
  const config = await loadNodeConfig(dir)
  const held = await nodeRoot(config)
  const root: Root = held.kind === 'offline' ? held.root : await readRootKey(held.file).then((k) => ({ jwk: k.publicJwk, thumbprint: k.thumbprint }))
  return { root, label: `Root of the ${config.country} node in ${dir} (${held.kind} root, ${held.file})` }
}
