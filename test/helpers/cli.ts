// Runs the CLI in-process with captured output.
import { Readable } from 'node:stream'
import { main } from '../../src/cli/main.js'

export interface CliResult {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

export async function cli(argv: string[], stdin = ''): Promise<CliResult> {
  let stdout = ''
  let stderr = ''
  const code = await main(argv, {
    stdin: Readable.from([Buffer.from(stdin)]),
    stdout: (s) => (stdout += s),
    stderr: (s) => (stderr += s),
  })
  return { code, stdout, stderr }
}
