#!/usr/bin/env node
// Entry shim: registers tsx so the CLI runs from TypeScript sources without a build step.
import { register } from 'tsx/esm/api'

register()
const { main } = await import('../src/cli/main.ts')
process.exitCode = await main(process.argv.slice(2))
