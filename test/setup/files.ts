// Per test file: os.tmpdir() (and every child process's) points at a folder of its own under the run's parent,
// removed with everything registered in test/helpers/temp.ts when the file ends, whether its tests passed or not.
import { mkdirSync, rmSync } from 'node:fs'
import path from 'node:path'
import { afterAll } from 'vitest'
import { releaseAll } from '../helpers/temp.js'
// Tests run the core on the native platform, as the Node entry points do; the web platform's own tests switch.
import '../../src/platform/use-node-platform.js'

const parent = process.env.ENTENTE_TEST_TMP
if (parent === undefined) throw new Error('ENTENTE_TEST_TMP is not set: run the tests through vitest.config.ts')
const fileDir = path.join(parent, `file-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`)
mkdirSync(fileDir, { recursive: true })
// os.tmpdir() reads TMPDIR on each call, so mkdtempSync(path.join(tmpdir(), …)) lands here.
process.env.TMPDIR = fileDir

// Registered before the file's own hooks, so (hooks run as a stack) it runs after them: processes are stopped first.
afterAll(async () => {
  const errors = await releaseAll()
  rmSync(fileDir, { recursive: true, force: true, maxRetries: 5 })
  if (errors.length > 0) throw new AggregateError(errors, 'releasing test resources failed')
})
