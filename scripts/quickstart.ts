// `npm start` until the demo federation exists: creates (once) a GR node under data/, publishes its next
// list and shows it verified. State persists in data/ across runs.
import { existsSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { main } from '../src/cli/main.js'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const dir = path.join(root, 'data', 'GR')
const out = path.join(dir, 'latest-list.json')
const steps: string[][] = [
  ...(existsSync(path.join(dir, 'node.json')) ? [] : [['init', '--country', 'GR', '--name', 'Hellenic Republic', '--dir', dir]]),
  ['publish', '--dir', dir, '--out', out],
  ['inspect', out],
]
for (const step of steps) {
  const code = await main(step)
  if (code !== 0) process.exit(code)
}
