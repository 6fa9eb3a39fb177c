// The home root as typed: the CLI's grouped fingerprint (any case and separators) or the thumbprint, same result.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { fingerprintGroups as cliGroups } from '../../src/trust-list/fingerprint.js'
import { fingerprintGroups, parseRootInput } from '../../src/web/fingerprint-input.js'
import { isEntenteError } from '../../src/model/errors.js'

const THUMBPRINT = 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs'

describe('parseRootInput and fingerprintGroups', () => {
  it('groups exactly as the CLI prints, and reads its own groups back', () => {
    expect(fingerprintGroups(THUMBPRINT)).toBe(cliGroups(THUMBPRINT))
    expect(parseRootInput(cliGroups(THUMBPRINT))).toBe(THUMBPRINT)
    expect(parseRootInput(cliGroups(THUMBPRINT).toLowerCase().replace(/ /g, ':'))).toBe(THUMBPRINT)
    expect(parseRootInput(`  ${THUMBPRINT}\n`)).toBe(THUMBPRINT)
  })

  it('round-trips any 32 bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (bytes) => {
        const thumbprint = Buffer.from(bytes).toString('base64url')
        expect(fingerprintGroups(thumbprint)).toBe(cliGroups(thumbprint))
        expect(parseRootInput(fingerprintGroups(thumbprint))).toBe(thumbprint)
      }),
    )
  })

  it('refuses anything else with ERR_KEY_INVALID, saying how many digits it got', () => {
    const short = cliGroups(THUMBPRINT).slice(0, -5)
    expect(() => parseRootInput(short)).toThrow(/has 60/)
    for (const bad of ['', 'hello', short, `${THUMBPRINT}x`, '<script>']) {
      try {
        parseRootInput(bad)
        expect.unreachable(bad)
      } catch (error) {
        expect(isEntenteError(error, 'ERR_KEY_INVALID')).toBe(true)
      }
    }
  })
})
