// HTTP client of a node's operator API (the CLI and the demo launcher use it): bearer token in, problem
// JSON out as an EntenteError with the node's own code.
import { EntenteError, type EntenteErrorCode } from '../model/errors.js'

export interface OperatorTarget {
  /** The node's HTTP URL. */
  readonly url: string
  readonly token: string
}

export async function callOperator(target: OperatorTarget, method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<unknown> {
  let response: Response
  try {
    response = await fetch(`${target.url.replace(/\/$/, '')}${path}`, {
      method,
      headers: { authorization: `Bearer ${target.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(30_000),
    })
  } catch (cause) {
    throw new EntenteError('ERR_HTTP_UNAVAILABLE', `cannot reach the node at ${target.url} (is it running?)`, { cause })
  }
  return readAnswer(response)
}

/** POSTs raw bytes (application/octet-stream), for a bulk import that may run for minutes. */
export async function postOperatorBytes(target: OperatorTarget, path: string, bytes: Uint8Array, timeoutMs = 30 * 60_000): Promise<unknown> {
  let response: Response
  try {
    response = await fetch(`${target.url.replace(/\/$/, '')}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${target.token}`, 'content-type': 'application/octet-stream' },
      body: bytes as Uint8Array<ArrayBuffer>,
      signal: AbortSignal.timeout(timeoutMs),
    })
  } catch (cause) {
    throw new EntenteError('ERR_HTTP_UNAVAILABLE', `cannot reach the node at ${target.url} (is it running?)`, { cause })
  }
  return readAnswer(response)
}

/** The parsed JSON body of a successful response; a problem response becomes its coded EntenteError. */
export async function readAnswer(response: Response): Promise<unknown> {
  const text = await response.text()
  let parsed: unknown
  try {
    parsed = text.length === 0 ? undefined : (JSON.parse(text) as unknown)
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
