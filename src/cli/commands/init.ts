// `entente init`: creates a country's node directory: root key (0600), operator token, node.json, empty store.
import { mkdir, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { NODE_CONFIG_FILE, resolveNodeConfig } from '../../config/node-config.js'
import { generateOperatorToken, hashOperatorToken, writeSecretFile } from '../../config/secrets.js'
import { EntenteError } from '../../model/errors.js'
import type { NodeConfig } from '../../model/schema.types.js'
import { SqliteStore } from '../../store/sqlite-store.js'
import { fingerprintGroups } from '../../trust-list/fingerprint.js'
import { generateRootKey } from '../../trust-list/root-key.js'
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
  const configFile = path.join(dir, NODE_CONFIG_FILE)
  if (await exists(configFile)) throw new EntenteError('ERR_INIT_EXISTS', `${configFile} already exists; refusing to overwrite`)
  await mkdir(dir, { recursive: true, mode: 0o700 })

  const token = generateOperatorToken()
  const raw: NodeConfig = {
    version: 1,
    country,
    name: values.name ?? country,
    http: { host: '127.0.0.1', port: port ?? 7100 },
    operator: { tokenSha256: hashOperatorToken(token) },
  }
  const config = resolveNodeConfig(raw, configFile)
  const rootKey = await generateRootKey(keyType)
  // Secrets first, each created exclusively: a half-finished init never overwrites a key.
  await writeSecretFile(config.paths.rootKey, `${JSON.stringify(rootKey.privateJwk, null, 2)}\n`)
  await writeSecretFile(config.paths.operatorToken, `${token}\n`)
  SqliteStore.open(config.paths.store).close()
  await writeFile(configFile, `${JSON.stringify(raw, null, 2)}\n`, { flag: 'wx' })

  if (values.json) {
    io.stdout(`${JSON.stringify({ country, dir, rootThumbprint: rootKey.thumbprint, operatorToken: token })}\n`)
  } else {
    io.stdout(
      [
        `Initialised ${country} in ${dir}`,
        `  root key       ${config.paths.rootKey} (${rootKey.alg}, mode 0600)`,
        `  root           ${rootKey.thumbprint}`,
        `  fingerprint    ${fingerprintGroups(rootKey.thumbprint)}`,
        `  config         ${configFile}`,
        `  store          ${config.paths.store}`,
        `  operator token ${token}`,
        `                 (shown once; also in ${config.paths.operatorToken}, mode 0600)`,
        `Next: entente publish --dir ${values.dir}`,
        '',
      ].join('\n'),
    )
  }
  return 0
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  )
}
