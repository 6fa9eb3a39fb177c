// Temporary folders and other resources a test file creates, released when the file ends (also when a test fails).
// Every test file gets its own folder under the run's parent (test/setup/files.ts); os.tmpdir() points there.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'

type Disposer = () => void | Promise<void>
const disposers: Disposer[] = []

/** Registers a release step; steps run in reverse order after the file's own afterAll hooks. */
export function onFileEnd(dispose: Disposer): void {
  disposers.push(dispose)
}

/** A fresh folder inside this file's temporary folder, removed when the file ends. */
export function tempDir(prefix = 'entente-'): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix))
  onFileEnd(() => rmSync(dir, { recursive: true, force: true, maxRetries: 5 }))
  return dir
}

/** Runs and forgets every registered release step; errors are collected so one failure does not skip the rest. */
export async function releaseAll(): Promise<unknown[]> {
  const errors: unknown[] = []
  while (disposers.length > 0) {
    const dispose = disposers.pop() as Disposer
    try {
      await dispose()
    } catch (error) {
      errors.push(error)
    }
  }
  return errors
}
