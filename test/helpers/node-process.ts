// `entente node start` as a real child process, with its output collected; killed when the test file ends.
import { spawn, type ChildProcess } from 'node:child_process'
import path from 'node:path'
import { onFileEnd } from './temp.js'

const bin = path.resolve(import.meta.dirname, '../../bin/entente.js')

export interface NodeProcess {
  readonly child: ChildProcess
  /** stdout and stderr together, as a terminal shows them. */
  output(): string
  stderr(): string
  readonly exited: Promise<number | null>
}

export function startNodeProcess(dir: string, options: { args?: readonly string[]; env?: NodeJS.ProcessEnv } = {}): NodeProcess {
  const child = spawn(process.execPath, [bin, 'node', 'start', '--dir', dir, ...(options.args ?? [])], {
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  onFileEnd(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  })
  let output = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString()
    stderr += chunk.toString()
  })
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  return { child, output: () => output, stderr: () => stderr, exited }
}
