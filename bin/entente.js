#!/usr/bin/env node
// Entry shim: runs the CLI compiled in dist/ or, in a checkout, the TypeScript sources through tsx, so an edit to
// src/ is never hidden behind an out-of-date build. Whatever escapes the command (an error thrown from a library's
// event handler) still ends as the one `entente: CODE: message` line.
//   ENTENTE_RUN=dist    the compiled CLI (`npm run build` first); the default of an installed package (no src/)
//   ENTENTE_RUN=source  the sources through tsx (needs the dev dependencies); the default in a checkout
import { existsSync } from 'node:fs'
import path from 'node:path'

const inCheckout = existsSync(path.join(import.meta.dirname, '..', 'src', 'cli', 'main.ts'))
const mode = process.env.ENTENTE_RUN || (inCheckout ? 'source' : 'dist')
let dir
if (mode === 'source') {
  const { register } = await import('tsx/esm/api')
  register()
  dir = '../src/cli/'
} else if (mode === 'dist') {
  dir = '../dist/cli/'
  if (!existsSync(path.join(import.meta.dirname, '..', 'dist', 'cli', 'main.js'))) {
    process.stderr.write('entente: ERR_USAGE: ENTENTE_RUN=dist but dist/ is not built; hint: npm run build\n')
    process.exit(2)
  }
} else {
  process.stderr.write(`entente: ERR_USAGE: ENTENTE_RUN must be dist or source, not "${mode}"\n`)
  process.exit(2)
}
const ext = mode === 'source' ? 'ts' : 'js'
const { main } = await import(`${dir}main.${ext}`)
const { processIo, reportError } = await import(`${dir}io.${ext}`)
const fatal = (error) => {
  process.exitCode = reportError(error, processIo)
  // Nothing after a fatal error is trusted to finish: leave with the code the line promised.
  process.exit()
}
process.on('uncaughtException', fatal)
process.on('unhandledRejection', fatal)
process.exitCode = await main(process.argv.slice(2))
