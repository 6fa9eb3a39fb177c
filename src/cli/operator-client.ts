// Where the CLI's operator commands send their requests: a running node's URL and operator token.
// The token comes from --token, --token-file, ENTENTE_OPERATOR_TOKEN, or the node directory's token file.
import { loadNodeConfig, nodeBaseUrl } from '../config/node-config.js'
import { readOperatorToken } from '../config/secrets.js'
import type { OperatorTarget } from '../operator/operator-client.js'
import { usageError } from './io.js'

export { callOperator, type OperatorTarget } from '../operator/operator-client.js'

export const targetOptions = {
  dir: { type: 'string' },
  config: { type: 'string' },
  url: { type: 'string' },
  token: { type: 'string' },
  'token-file': { type: 'string' },
} as const

export async function resolveTarget(values: { dir?: string; config?: string; url?: string; token?: string; 'token-file'?: string }): Promise<OperatorTarget> {
  const location = values.config ?? values.dir
  const config = location === undefined ? undefined : await loadNodeConfig(location)
  const url = values.url ?? (config === undefined ? undefined : nodeBaseUrl(config))
  if (url === undefined) throw usageError('give --url of the node, or --dir of its directory')
  const token =
    values.token ??
    (values['token-file'] !== undefined ? await readOperatorToken(values['token-file']) : undefined) ??
    process.env.ENTENTE_OPERATOR_TOKEN ??
    (config === undefined ? undefined : await readOperatorToken(config.paths.operatorToken))
  if (token === undefined) throw usageError('give --token, --token-file, ENTENTE_OPERATOR_TOKEN or --dir')
  return { url: url.replace(/\/$/, ''), token }
}
