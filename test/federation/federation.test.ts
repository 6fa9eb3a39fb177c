// `npm start` as a newcomer sees it: five node processes, seeded on the first run, a cross-border
// verification, a status table, a clean stop; the second run reuses the state.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { runFederation } from '../../src/federation/run-federation.js'
import { nodesOnFreePorts, projectRoot } from './demo-plan.js'

const root = mkdtempSync(path.join(tmpdir(), 'entente-federation-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

async function run(nodesDir: string, dataDir: string): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = ''
  let stderr = ''
  const code = await runFederation({
    nodesDir,
    dataDir,
    bin: path.join(projectRoot, 'bin', 'entente.js'),
    exitAfterDemo: true,
    io: { stdin: process.stdin, stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) },
  })
  return { code, stdout, stderr }
}

describe('entente federation up', () => {
  it('brings up five countries, verifies a certificate across borders, and reuses its state on the next run', async () => {
    const nodesDir = await nodesOnFreePorts(root)
    const dataDir = path.join(root, 'data')
    const first = await run(nodesDir, dataDir)
    expect(first.code).toBe(0)
    expect(first.stdout).toContain('Seeded 5 node(s)')
    expect(first.stdout).toContain('Every node holds every country’s latest list.')
    expect(first.stdout).toMatch(/IL issues a vaccination certificate .* verified offline in GR: ✔ valid\n/)
    expect(first.stdout).toMatch(/CN issues a vaccination certificate .* verified offline in GR: ✘ ERR_NOT_RECOGNIZED[^\n]*\n/)
    expect(first.stdout).not.toContain('expected')
    for (const country of ['GR', 'CY', 'IL', 'DE', 'CN']) expect(first.stdout).toMatch(new RegExp(`\\n${country} +\\d+ +5 +[1-4] +0 `))

    const second = await run(nodesDir, dataDir)
    expect(second.code).toBe(0)
    expect(second.stdout).not.toContain('Seeded')
    expect(second.stderr).not.toContain('created ')
    expect(second.stdout).toMatch(/IL issues a vaccination certificate .* verified offline in GR: ✔ valid\n/)
  }, 400_000)
})
