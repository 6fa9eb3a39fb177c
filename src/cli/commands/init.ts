// `entente init`: creates a country's node directory: root key (0600) or, with an offline root, only the root's
// public half; operator token, node.json, empty store.
import path from 'node:path'
import { parseArgs } from 'node:util'
import { readRootPublicKey } from '../../config/secrets.js'
import { EntenteError } from '../../model/errors.js'
import { fingerprintGroups } from '../../trust-list/fingerprint.js'
import { usageError, type CliIo } from '../io.js'

export const initHelp = `entente init --country XX --dir DIR [--name NAME] [--port N] [--key-type ed25519|p256] [--public-url URL]
             [--bootstrap MULTIADDR]... [--json]
entente init --country XX --dir DIR --offline-root --root-public ROOT.pub.jwk [--name NAME] [--port N] [--public-url URL]
             [--bootstrap MULTIADDR]... [--json]
  Creates DIR with an operator token (shown once, kept in DIR/operator-token with mode 0600, only its hash in
  node.json), node.json and an empty store, and the country's root:
  (default)       a root key generated on the node (root-key.jwk, mode 0600): for demos and tests.
  --offline-root  the node holds only the public root (DIR/root-public.jwk) made by entente root create on an
                  offline machine; lists are prepared on the node, signed offline with entente sign and uploaded.
                  The recommended setup for production. Refuses a file holding a private key.
  --public-url URL      where others reach this node (https://node.gr.example): http.publicUrl, used in its lists,
                        links and as the default WebAuthn origin.
  --bootstrap MULTIADDR a federation peer to dial at start (repeatable): a TCP multiaddr ending in /p2p/<peer id>,
                        e.g. /dns4/node.cy.example/tcp/7201/p2p/12D3KooW…; written to p2p.bootstrap.
  Refuses to overwrite an existing node.`

export async function runInit(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      country: { type: 'string' },
      dir: { type: 'string' },
      name: { type: 'string' },
      port: { type: 'string' },
      'key-type': { type: 'string' },
      'offline-root': { type: 'boolean', default: false },
      'root-public': { type: 'string' },
      'public-url': { type: 'string' },
      bootstrap: { type: 'string', multiple: true },
      json: { type: 'boolean', default: false },
    },
    strict: true,
  })
  const country = values.country?.toUpperCase()
  if (country === undefined || !/^[A-Z]{2}$/.test(country)) throw usageError('--country must be an ISO 3166-1 alpha-2 code')
  if (values.dir === undefined) throw usageError('--dir is required')
  const offline = values['offline-root']
  if (offline && values['root-public'] === undefined) throw usageError('--offline-root needs --root-public FILE (the public half written by entente root create)')
  if (!offline && values['root-public'] !== undefined) throw usageError('--root-public is for --offline-root nodes')
  if (offline && values['key-type'] !== undefined) throw usageError('--key-type is chosen with entente root create on the offline machine')
  const keyType = values['key-type'] ?? 'ed25519'
  if (keyType !== 'ed25519' && keyType !== 'p256') throw usageError('--key-type must be ed25519 or p256')
  const port = values.port === undefined ? undefined : Number(values.port)
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) throw usageError('--port must be 0..65535')

  const publicUrl = values['public-url'] === undefined ? undefined : checkPublicUrl(values['public-url'])
  const bootstrap = await Promise.all((values.bootstrap ?? []).map(checkBootstrap))

  // Read (and refused if it holds a private key) before anything is created.
  const publicRoot = values['root-public'] === undefined ? undefined : await readRootPublicKey(values['root-public'])
  const dir = path.resolve(values.dir)
  // Loaded here, not at the top, like libp2p's modules below: they would slow every other command's start.
  const { initNodeDir } = await import('../../config/init-node.js')
  const created = await initNodeDir(
    dir,
    {
      version: 1,
      country,
      name: values.name ?? country,
      http: { host: '127.0.0.1', port: port ?? 7100, ...(publicUrl === undefined ? {} : { publicUrl }) },
      ...(bootstrap.length === 0 ? {} : { p2p: { bootstrap } }),
    },
    publicRoot ?? keyType,
  )
  const { config, root, operatorToken: token, peerId } = created

  if (values.json) {
    io.stdout(`${JSON.stringify({ country, dir, rootThumbprint: root.thumbprint, offlineRoot: created.offlineRoot, rootFile: created.rootFile, operatorToken: token, peerId })}\n`)
  } else {
    io.stdout(
      [
        `Initialised ${country} in ${dir}`,
        created.offlineRoot
          ? `  root           offline: only the public half is here, ${created.rootFile} (${root.alg})`
          : `  root key       ${created.rootFile} (${root.alg}, mode 0600)`,
        `  root           ${root.thumbprint}`,
        `  fingerprint    ${fingerprintGroups(root.thumbprint)}`,
        `  config         ${config.file}`,
        `  store          ${config.paths.store}`,
        `  peer id        ${peerId} (key ${config.paths.peerKey}, mode 0600)`,
        `  operator token ${token}`,
        `                 (shown once; also in ${config.paths.operatorToken}, mode 0600)`,
        created.offlineRoot
          ? `Next: compare the fingerprint with the one entente root create printed; then entente publish --dir ${values.dir} --prepare --out next.json`
          : `Next: entente publish --dir ${values.dir}`,
        '',
      ].join('\n'),
    )
  }
  return 0
}

/** Checked before anything is created; the same rules node.json's http.publicUrl follows. */
function checkPublicUrl(raw: string): string {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new EntenteError('ERR_CONFIG_INVALID', `--public-url is not a URL: ${raw}`, { details: { hint: 'give the origin others reach the node at, e.g. https://node.gr.example' } })
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username !== '' || url.password !== '' || /[?#]/.test(raw)) {
    throw new EntenteError('ERR_CONFIG_INVALID', `--public-url must be an http(s) URL without credentials, query or fragment: ${raw}`)
  }
  return raw.replace(/\/+$/, '')
}

/** A peer this node can dial: a TCP multiaddr (ip4, ip6 or dns) naming the peer's id, so the peer is authenticated. */
async function checkBootstrap(raw: string): Promise<string> {
  const [{ peerIdFromString }, { isTcpMultiaddr, parseMultiaddr, peerIdOf }] = await Promise.all([import('@libp2p/peer-id'), import('../../gossip/dial-policy.js')])
  const ma = parseMultiaddr(raw)
  const id = ma === undefined ? undefined : peerIdOf(ma)
  let valid = ma !== undefined && id !== undefined && isTcpMultiaddr(ma)
  try {
    if (id !== undefined) peerIdFromString(id)
  } catch {
    valid = false
  }
  if (!valid) {
    throw new EntenteError('ERR_CONFIG_INVALID', `--bootstrap must be a TCP multiaddr ending in /p2p/<peer id>: ${raw}`, {
      details: { hint: 'ask the peer\'s operator for it (entente node start prints it; e.g. /dns4/node.cy.example/tcp/7201/p2p/12D3KooW…)' },
    })
  }
  return raw
}
