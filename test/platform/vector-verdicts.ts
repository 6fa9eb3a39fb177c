// Runs the shared conformance vectors through the verification core and reduces each verdict to what conformance
// is judged on. Runtime-neutral (no Node module, no file access): the same module runs in Node on either crypto
// platform and, bundled, inside Chromium, so the results can be compared field by field.
import { decodeBase45 } from '../../src/certificates/dcc/decode-base45.js'
import { inflateHc1, unprefixHc1 } from '../../src/certificates/dcc/decode-hc1.js'
import { dscKid } from '../../src/certificates/dcc/parse-dsc.js'
import { prepareTrust } from '../../src/certificates/prepare-trust.js'
import type { PublicJwk } from '../../src/certificates/trust-material.types.js'
import { verifyCertificate } from '../../src/certificates/verify-certificate.js'
import { sha256Hex } from '../../src/model/encoding.js'
import { isEntenteError } from '../../src/model/errors.js'

export type VectorCase =
  | { readonly kind: 'dcc'; readonly name: string; readonly payload: string; readonly now: string; readonly certificate: string }
  | { readonly kind: 'shc'; readonly name: string; readonly payload: string; readonly now: string; readonly issuer: string; readonly keys: readonly PublicJwk[] }

export interface VectorOutcome {
  readonly valid: boolean
  readonly reasons: readonly string[]
  readonly warnings: readonly string[]
  readonly issuer: string | undefined
  readonly type: string | undefined
  readonly holder: unknown
  /** DCC: SHA-256 of the inflated COSE (or the inflation's error code): the inflate path on its own. */
  readonly inflated?: string
}

function base64ToBytes(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0))
}

function inflatedDigest(payload: string): string {
  try {
    return sha256Hex(inflateHc1(decodeBase45(unprefixHc1(payload))))
  } catch (error) {
    return isEntenteError(error) ? error.code : 'unexpected'
  }
}

export async function vectorOutcomes(cases: readonly VectorCase[]): Promise<Record<string, VectorOutcome>> {
  const out: Record<string, VectorOutcome> = {}
  for (const c of cases) {
    const trust =
      c.kind === 'dcc'
        ? await prepareTrust({ signers: { '*': [{ format: 'dcc', kid: dscKid(base64ToBytes(c.certificate)), certificate: c.certificate, usage: ['vaccination', 'test', 'recovery'] }] } })
        : await prepareTrust({ signers: { US: c.keys.map((jwk) => ({ format: 'shc' as const, kid: jwk.kid ?? '', issuer: c.issuer, jwk, usage: ['vaccination' as const, 'test' as const, 'recovery' as const] })) } })
    const verdict = await verifyCertificate(c.payload, trust, { now: new Date(c.now), showHolder: true })
    out[c.name] = {
      valid: verdict.valid,
      reasons: verdict.reasons.map((r) => r.code),
      warnings: verdict.warnings.map((w) => w.code),
      issuer: verdict.issuer,
      type: verdict.type,
      holder: verdict.holder,
      ...(c.kind === 'dcc' ? { inflated: inflatedDigest(c.payload) } : {}),
    }
  }
  return out
}
