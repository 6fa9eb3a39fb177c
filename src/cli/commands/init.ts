// `entente init`: creates a country's node directory: root key (0600), operator token, node.json, empty store.
import path from 'node:path'
import { parseArgs } from 'node:util'
import { initNodeDir } from '../../config/init-node.js'
import { fingerprintGroups } from '../../trust-list/fingerprint.js'
import { usageError, type CliIo } from '../io.js'

export const initHelp = `entente init --country XX --dir DIR [--name NAME] [--port N] [--key-type ed25519|p256] [--json]
  Creates DIR with the country's root key (root-key.jwk, mode 0600), an operator token (shown once, kept
  in DIR/operator-token with mode 0600, only its hash in node.json), node.json and an empty store.
  Refuses to overwrite an existing node.`

export async function runInit(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      country: { type: 'string' },
      dir: { type: 'string' },
      name: { type: 'string' },
      port: { type: 'string' },
      'key-type': { type: 'string', default: 'ed25519' },
      json: { type: 'boolean', default: false },
    },
    strict: true,
  })
  const country = values.country?.toUpperCase()
  if (country === undefined || !/^[A-Z]{2}$/.test(country)) throw usageError('--country must be an ISO 3166-1 alpha-2 code')
  if (values.dir === undefined) throw usageError('--dir is required')
  const keyType = values['key-type']
  if (keyType !== 'ed25519' && keyType !== 'p256') throw usageError('--key-type must be ed25519 or p256')
  const port = values.port === undefined ? undefined : Number(values.port)
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) throw usageError('--port must be 0..65535')

  const dir = path.resolve(values.dir)
  const { config, rootKey, operatorToken: token, peerId } = await initNodeDir(
    dir,
    { version: 1, country, name: values.name ?? country, http: { host: '127.0.0.1', port: port ?? 7100 } },
    keyType,
  )

  if (values.json) {
    io.stdout(`${JSON.stringify({ country, dir, rootThumbprint: rootKey.thumbprint, operatorToken: token, peerId })}\n`)
  } else {
    io.stdout(
      [
        `Initialised ${country} in ${dir}`,
        `  root key       ${config.paths.rootKey} (${rootKey.alg}, mode 0600)`,
        `  root           ${rootKey.thumbprint}`,
        `  fingerprint    ${fingerprintGroups(rootKey.thumbprint)}`,
        `  config         ${config.file}`,
        `  store          ${config.paths.store}`,
        `  peer id        ${peerId} (key ${config.paths.peerKey}, mode 0600)`,
        `  operator token ${token}`,
        `                 (shown once; also in ${config.paths.operatorToken}, mode 0600)`,
        `Next: entente publish --dir ${values.dir}`,
        '',
      ].join('\n'),
    )
  }
  return 0
}
