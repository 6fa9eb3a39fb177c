// Debian's Chromium, driven by playwright-core (its own browser download does not work everywhere): one place for
// the path and the flags every browser test launches it with.
import { existsSync } from 'node:fs'
import { chromium, type Browser } from 'playwright-core'

export const CHROMIUM = '/usr/bin/chromium'
export const hasChromium = existsSync(CHROMIUM)

/**
 * Headless, no sandbox (tests run as root), and none of Chromium's own background connections: they would reach
 * past loopback, where tests never go.
 */
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run']

export function launchChromium(extraArgs: readonly string[] = []): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: [...ARGS, ...extraArgs] })
}

/** Logged once by a browser test file that skips itself on a machine without Chromium. */
export function warnWithoutChromium(what: string): void {
  if (!hasChromium) console.warn(`${what} skipped: ${CHROMIUM} is absent (CI installs the Debian chromium package)`)
}
