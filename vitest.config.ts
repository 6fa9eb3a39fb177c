import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // One temporary parent per run, checked empty at the end; one folder per test file, removed when it ends.
    globalSetup: ['test/setup/run.ts'],
    setupFiles: ['test/setup/files.ts'],
  },
})
