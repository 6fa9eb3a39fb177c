// The CLI's view of the terminal, injectable so commands run in-process in tests.
import { readFile, stat } from 'node:fs/promises'
import { EntenteError } from '../model/errors.js'

export interface CliIo {
  readonly stdin: NodeJS.ReadableStream
  readonly stdout: (text: string) => void
  readonly stderr: (text: string) => void
}

export const processIo: CliIo = {
  stdin: process.stdin,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
}

/** Reads a file, or stdin for "-", refusing more than `maxBytes` without buffering the excess. */
export async function readInput(source: string, io: CliIo, maxBytes: number): Promise<string> {
  if (source !== '-') {
    const info = await stat(source).catch((cause: unknown) => {
      throw new EntenteError('ERR_CONFIG_NOT_FOUND', `cannot read ${source}`, { cause })
    })
    if (info.size > maxBytes) throw new EntenteError('ERR_INPUT_TOO_LARGE', `${source} is ${info.size} bytes; the limit is ${maxBytes} bytes`)
    return readFile(source, 'utf8')
  }
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of io.stdin) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk)
    size += buffer.byteLength
    if (size > maxBytes) throw new EntenteError('ERR_INPUT_TOO_LARGE', `input is over ${maxBytes} bytes (the limit)`)
    chunks.push(buffer)
  }
  return Buffer.concat(chunks).toString('utf8')
}

export function usageError(message: string): EntenteError {
  return new EntenteError('ERR_USAGE', message)
}

// Hints for codes whose cause an operator can usually fix the same way; an error's own details.hint wins.
const HINTS: Partial<Record<string, string>> = {
  ERR_BUNDLE_INVALID: 'the bundle may be truncated or not written by entente sync: run entente sync --out with a new file name to fetch it again',
  ERR_NODE_RUNNING: 'stop that node first; operator commands can reach it with --url URL --token T',
  ERR_KEY_FILE_PERMISSIONS: 'chmod 600 the key file',
}

/**
 * The one failure line: `entente: CODE: message[; hint: ...]`, exit 2 for usage errors and 1 otherwise. Never a
 * stack trace (a nested error's stack can sit inside a library's message): ENTENTE_DEBUG=1 adds it on stderr.
 */
export function reportError(error: unknown, io: Pick<CliIo, 'stderr'>, env: NodeJS.ProcessEnv = process.env): number {
  const { code, message, hint } = describeError(error)
  io.stderr(`entente: ${code}: ${message}${hint === undefined ? '' : `; hint: ${hint}`}\n`)
  if (env.ENTENTE_DEBUG === '1' && error instanceof Error && error.stack !== undefined) io.stderr(`${error.stack}\n`)
  return code === 'ERR_USAGE' ? 2 : 1
}

function describeError(error: unknown): { code: string; message: string; hint?: string } {
  const raw = error instanceof Error ? error.message : String(error)
  const code = (error as { code?: unknown } | null)?.code
  if (code === 'EADDRINUSE' || raw.includes('EADDRINUSE')) return addressInUse(error instanceof EntenteError ? error.code : 'ERR_HTTP_UNAVAILABLE', raw)
  if (error instanceof EntenteError) {
    const own = typeof error.details?.hint === 'string' ? error.details.hint : undefined
    return { code: error.code, message: oneLine(raw), ...hintFor(error.code, own) }
  }
  // parseArgs reports unknown or malformed options with ERR_PARSE_ARGS_* codes.
  if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) return { code: 'ERR_USAGE', message: oneLine(raw), hint: 'see entente COMMAND --help' }
  if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR' || code === 'ENOTDIR') return { code: 'ERR_CONFIG_NOT_FOUND', message: oneLine(raw) }
  return { code: 'ERR_INTERNAL', message: oneLine(raw), hint: 'run again with ENTENTE_DEBUG=1 for details' }
}

/** A busy port, however deep in a library's message it is reported: name the address and what to change. */
function addressInUse(code: string, raw: string): { code: string; message: string; hint: string } {
  const address = /EADDRINUSE[^\n]*?(\S+:\d+)\s*$/m.exec(raw)?.[1] ?? /(\S+:\d+):? EADDRINUSE/.exec(raw)?.[1] ?? 'the address'
  const what = raw.split(':')[0]?.trim() ?? ''
  const p2p = /\/tcp\/\d+/.test(raw)
  return {
    code,
    message: `${what === '' || what.startsWith('listen') || what.startsWith('cannot listen') ? 'cannot listen' : what}: ${address.replace(/^on /, '')} is already in use`,
    hint: `another process (perhaps another node) listens there: stop it or change ${p2p ? 'p2p.listen' : 'http.port (or --port)'} in node.json`,
  }
}

function hintFor(code: string, own: string | undefined): { hint?: string } {
  const hint = own ?? HINTS[code]
  return hint === undefined ? {} : { hint }
}

/** Library messages may span lines and embed stack frames: keep the text, drop the frames. */
function oneLine(message: string): string {
  return message
    .split(/\r?\n/)
    .filter((line) => !/^\s*at\s/.test(line))
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .join(' ')
}
