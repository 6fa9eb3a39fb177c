// Trust-list content of real sizes for size tests and the trust-list size benchmark: DSC entries cut from real
// certificates (distinct copies differ in their signature bytes, so each has its own kid), and recognitions with a
// quorum of real WebAuthn approvals. Sizes are real; the copies are not valid certificates (nothing here parses them).
import { createHash } from 'node:crypto'
import type { DccSigner, Diplomat, Recognition } from '../../src/model/schema.types.js'
import { generateRootKey } from '../../src/trust-list/root-key.js'
import { recognitionEntry } from '../../src/trust-list/verify-recognitions.js'
import { dccVector } from './vectors.js'
import { SoftAuthenticator } from './webauthn.js'

/** The largest DSC among the public DCC test vectors (ES, 2,083 bytes of DER, EC key under an RSA-4096 CSCA). */
export const LARGEST_VECTOR_DSC = ['ES', '2DCode', 'raw', '1102.json'] as const
/** A typical one (EC P-256, 534 bytes: the median of the vectors' EC DSCs is 534). */
export const TYPICAL_VECTOR_DSC = ['LV', '2DCode', 'raw', '1.json'] as const

export function vectorDer(parts: readonly string[]): Buffer {
  return Buffer.from(dccVector(...parts).TESTCTX.CERTIFICATE, 'base64')
}

/** `count` signer entries, each a distinct copy of `der` (same length), as onboarding would write them. */
export function dscEntries(der: Uint8Array, count: number): DccSigner[] {
  const entries: DccSigner[] = []
  for (let i = 0; i < count; i++) {
    const copy = Buffer.from(der)
    // The last 4 bytes are inside the certificate's signature value: changing them keeps the DER shape and size.
    copy.writeUInt32BE(i, copy.length - 4)
    entries.push({
      format: 'dcc',
      kid: createHash('sha256').update(copy).digest().subarray(0, 8).toString('base64'),
      certificate: copy.toString('base64'),
      usage: ['vaccination', 'test', 'recovery'],
      validFrom: '2026-01-01T00:00:00Z',
      validUntil: '2028-01-01T00:00:00Z',
    })
  }
  return entries
}

/** Two-letter codes AA..: `count` distinct countries other than `except`. */
export function countryCodes(count: number, except: string): string[] {
  const codes: string[] = []
  for (let a = 65; a <= 90 && codes.length < count; a++) {
    for (let b = 65; b <= 90 && codes.length < count; b++) {
      const code = String.fromCharCode(a, b)
      if (code !== except) codes.push(code)
    }
  }
  return codes
}

/** `diplomats` passkeys and `count` recognitions, each approved by `quorum` of them (real assertions, ES256). */
export async function recognitionsWithEvidence(options: {
  home: string
  count: number
  quorum: number
  diplomats: number
  head: { seq: number; hash: string }
}): Promise<{ diplomats: Diplomat[]; recognitions: Recognition[] }> {
  const authenticators = Array.from({ length: options.diplomats }, () => SoftAuthenticator.create('ES256'))
  const diplomats = authenticators.map((a, i) => a.diplomat({ name: `Diplomat ${i + 1}` }))
  // Root thumbprints are all the same size; one key per recognized country is not needed for size.
  const root = await generateRootKey('p256')
  const recognitions: Recognition[] = countryCodes(options.count, options.home).map((country) => {
    const entry = recognitionEntry({ country, rootThumbprint: root.thumbprint, scopes: ['vaccination', 'test', 'recovery'] })
    const approvals = authenticators
      .slice(0, options.quorum)
      .map((a, i) => a.approve({ country: options.home, entry, head: options.head, diplomat: diplomats[i]! }))
    return { ...entry, approvals }
  })
  return { diplomats, recognitions }
}
