// What a newcomer meets before the demo runs: `npm ci` installs no dependency whose engine range excludes the Node
// version package.json promises, and every file the README's and docs' commands write is ignored by git.
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { projectRoot } from './demo-plan.js'

const semver = createRequire(import.meta.url)('semver') as {
  minVersion(range: string): { version: string } | null
  satisfies(version: string, range: string): boolean
}

describe('project files', () => {
  it('every locked dependency runs on the oldest Node version package.json allows', () => {
    const pkg = JSON.parse(readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as { engines: { node: string } }
    const oldest = semver.minVersion(pkg.engines.node)?.version as string
    const lock = JSON.parse(readFileSync(path.join(projectRoot, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string; engines?: unknown }> }
    const excluding = Object.entries(lock.packages)
      .filter(([name, entry]) => name !== '' && typeof (entry.engines as { node?: unknown } | undefined)?.node === 'string')
      .filter(([, entry]) => !semver.satisfies(oldest, (entry.engines as { node: string }).node))
      .map(([name, entry]) => `${name}@${entry.version ?? '?'} needs Node ${(entry.engines as { node: string }).node}`)
    expect(excluding).toEqual([])
    // The README states the same requirement.
    expect(readFileSync(path.join(projectRoot, 'README.md'), 'utf8')).toContain(`Node.js ≥ ${pkg.engines.node.replace('>=', '')}`)
  })

  it.skipIf(!existsSync(path.join(projectRoot, '.git')))('every file the README and docs commands write is ignored by git', () => {
    const docs = ['README.md', ...['offline-root.md', 'operations.md'].map((f) => path.join('docs', f))]
    const written = new Set<string>(['data/federation/GR/node.json', 'test-output/x', 'gr-root.pub.jwk'])
    for (const doc of docs) {
      const text = readFileSync(path.join(projectRoot, doc), 'utf8')
      for (const block of text.matchAll(/```(?:sh|bash)?\n([\s\S]*?)```/g)) {
        // Relative outputs only: absolute ones (/var/backups/...) are outside the repository.
        for (const match of (block[1] ?? '').matchAll(/(?:--out|--dir|>)\s+([\w.][\w./-]*)/g)) {
          // Placeholders (DIR, NEW) name no file.
          if (match[1] !== undefined && !/^[A-Z_]+$/.test(match[1])) written.add(match[1])
        }
        // A sync also writes its record and revocation partitions beside the bundle.
        for (const match of (block[1] ?? '').matchAll(/entente sync\b[^\n]*--out\s+([\w.][\w./-]*)/g)) {
          if (match[1] !== undefined) written.add(`${match[1]}.sync.json`).add(`${match[1]}.parts/${'0'.repeat(64)}.part`)
        }
      }
    }
    expect(written.size).toBeGreaterThan(5)
    const notIgnored = [...written].filter((file) => {
      try {
        execFileSync('git', ['check-ignore', '-q', '--no-index', file], { cwd: projectRoot })
        return false
      } catch {
        return true
      }
    })
    expect(notIgnored).toEqual([])
  })
})
