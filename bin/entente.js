#!/usr/bin/env node
// Entry shim: runs the compiled CLI (dist/cli/entente.js) or, in a checkout, the TypeScript sources through tsx, so
// an edit to src/ is never hidden behind an out-of-date build. Whatever escapes the command (an error thrown from a
// library's event handler) still ends as the one `entente: CODE: message` line.
//   ENTENTE_RUN=dist    the compiled CLI (`npm run build` first); the default of an installed package (no src/)
//   ENTENTE_RUN=source  the sources through tsx (needs the dev dependencies); the default in a checkout
import { existsSync } from 'node:fs'
import path from 'node:path'

const root = path.join(import.meta.dirname, '..')
const mode = process.env.ENTENTE_RUN || (existsSync(path.join(root, 'src', 'cli', 'main.ts')) ? 'source' : 'dist')
let cli
if (mode === 'source') {
  const { register } = await import('tsx/esm/api')
  register()
  const [{ main }, { processIo, reportError }] = await Promise.all([import('../src/cli/main.ts'), import('../src/cli/io.ts')])
  cli = { main, processIo, reportError }
} else if (mode === 'dist') {
  if (!existsSync(path.join(root, 'dist', 'cli', 'entente.js'))) {
    process.stderr.write('entente: ERR_USAGE: dist/ is not built; hint: npm run build, or leave ENTENTE_RUN unset in a checkout\n')
    process.exit(2)
  }
  cli = await import('../dist/cli/entente.js')
} else {
  process.stderr.write(`entente: ERR_USAGE: ENTENTE_RUN must be dist or source, not "${mode}"\n`)
  process.exit(2)
}
const fatal = (error) => {
  process.exitCode = cli.reportError(error, cli.processIo)
  // Nothing after a fatal error is trusted to finish: leave with the code the line promised.
  process.exit()
}
process.on('uncaughtException', fatal)
process.on('unhandledRejection', fatal)
process.exitCode = await cli.main(process.argv.slice(2))
