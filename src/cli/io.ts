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
    if (info.size > maxBytes) throw new EntenteError('ERR_INPUT_TOO_LARGE', `${source} is over ${maxBytes} bytes`)
    return readFile(source, 'utf8')
  }
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of io.stdin) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk)
    size += buffer.byteLength
    if (size > maxBytes) throw new EntenteError('ERR_INPUT_TOO_LARGE', `input is over ${maxBytes} bytes`)
    chunks.push(buffer)
  }
  return Buffer.concat(chunks).toString('utf8')
}

export function usageError(message: string): EntenteError {
  return new EntenteError('ERR_USAGE', message)
}
