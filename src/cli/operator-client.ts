// HTTP client for the operator API of a running node: the CLI's signer/vaccines/publish commands use it.
// The token comes from --token, --token-file, ENTENTE_OPERATOR_TOKEN, or the node directory's token file.
import { loadNodeConfig } from '../config/node-config.js'
import { readOperatorToken } from '../config/secrets.js'
import { EntenteError, type EntenteErrorCode } from '../model/errors.js'
import { usageError } from './io.js'

export interface OperatorTarget {
  readonly url: string
  readonly token: string
}

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
  const url = values.url ?? (config === undefined ? undefined : (config.http.publicUrl ?? `http://${config.http.host}:${config.http.port}`))
  if (url === undefined) throw usageError('give --url of the node, or --dir of its directory')
  const token =
    values.token ??
    (values['token-file'] !== undefined ? await readOperatorToken(values['token-file']) : undefined) ??
    process.env.ENTENTE_OPERATOR_TOKEN ??
    (config === undefined ? undefined : await readOperatorToken(config.paths.operatorToken))
  if (token === undefined) throw usageError('give --token, --token-file, ENTENTE_OPERATOR_TOKEN or --dir')
  return { url: url.replace(/\/$/, ''), token }
}

export async function callOperator(target: OperatorTarget, method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown): Promise<unknown> {
  let response: Response
  try {
    response = await fetch(`${target.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${target.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(30_000),
    })
  } catch (cause) {
    throw new EntenteError('ERR_HTTP_UNAVAILABLE', `cannot reach the node at ${target.url} (is it running?)`, { cause })
  }
  const text = await response.text()
  let parsed: unknown
  try {
    parsed = text.length === 0 ? undefined : JSON.parse(text)
  } catch {
    parsed = undefined
  }
  if (!response.ok) {
    const problem = parsed as { code?: string; detail?: string } | undefined
    const code = (problem?.code?.startsWith('ERR_') === true ? problem.code : 'ERR_HTTP_UNAVAILABLE') as EntenteErrorCode
    throw new EntenteError(code, problem?.detail ?? `the node answered ${response.status}`)
  }
  return parsed
}
