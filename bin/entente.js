#!/usr/bin/env node
// Entry shim: registers tsx so the CLI runs from TypeScript sources without a build step. Whatever escapes the
// command (an error thrown from a library's event handler) still ends as the one `entente: CODE: message` line.
import { register } from 'tsx/esm/api'

register()
const { main } = await import('../src/cli/main.ts')
const { processIo, reportError } = await import('../src/cli/io.ts')
const fatal = (error) => {
  process.exitCode = reportError(error, processIo)
  // Nothing after a fatal error is trusted to finish: leave with the code the line promised.
  process.exit()
}
process.on('uncaughtException', fatal)
process.on('unhandledRejection', fatal)
process.exitCode = await main(process.argv.slice(2))
