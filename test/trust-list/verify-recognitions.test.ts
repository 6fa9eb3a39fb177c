// Attacks on recognition evidence: each test builds real WebAuthn assertions with a software authenticator and
// bends exactly one thing, so each one fails if the check it targets is removed.
import { beforeAll, describe, expect, it } from 'vitest'
import type { Approval, Diplomat, Recognition, TrustListPayload } from '../../src/model/schema.types.js'
import { generateRootKey, rootOf } from '../../src/trust-list/root-key.js'
import { verifyTrustList } from '../../src/trust-list/verify-trust-list.js'
import {
  approvalChallenge,
  recognitionEntry,
  verifyRecognitions,
  type RecognitionEntry,
  type RecognitionEvidence,
} from '../../src/trust-list/verify-recognitions.js'
import { T0, TestCountry } from '../helpers/country.js'
import { blocking } from '../helpers/event-loop.js'
import { FLAGS, SoftAuthenticator } from '../helpers/webauthn.js'

const HOME = 'GR'
let alice: SoftAuthenticator
let bob: SoftAuthenticator
let carol: SoftAuthenticator
let mallory: SoftAuthenticator
let diplomats: Diplomat[]
let cy: RecognitionEntry
let il: RecognitionEntry
let ROOT: RecognitionEvidence['root']

const by = (who: SoftAuthenticator): Diplomat => diplomats.find((d) => d.credentialId === who.credentialId) ?? who.diplomat()

// The chain position the evidence of a standalone list (seq 5, governance since 1) is bound to.
const HEAD = { seq: 4, hash: 'a'.repeat(64) }

function approve(
  who: SoftAuthenticator,
  entry: RecognitionEntry,
  options: Parameters<SoftAuthenticator['approve']>[1] & { action?: 'recognize' | 'withdraw'; nonce?: string; country?: string; head?: { seq: number; hash: string } } = {},
): Approval {
  const { action, nonce, country, head, ...bend } = options
  return who.approve(
    { country: country ?? HOME, entry, head: head ?? HEAD, diplomat: by(who), ...(action === undefined ? {} : { action }), ...(nonce === undefined ? {} : { nonce }) },
    bend,
  )
}

function list(recognitions: Recognition[], extra: Partial<RecognitionEvidence> = {}): RecognitionEvidence {
  return { country: HOME, seq: 5, root: ROOT, recognitions, diplomats, quorum: 2, governance: { since: 1 }, changes: [], ...extra }
}

async function rejects(payload: RecognitionEvidence, code: string): Promise<void> {
  await expect(verifyRecognitions(payload)).rejects.toThrow(expect.objectContaining({ code }))
}

beforeAll(async () => {
  alice = SoftAuthenticator.create('ES256')
  bob = SoftAuthenticator.create('ES256')
  carol = SoftAuthenticator.create('EdDSA')
  mallory = SoftAuthenticator.create('ES256')
  diplomats = [alice.diplomat({ name: 'Alice' }), bob.diplomat({ name: 'Bob' }), carol.diplomat({ name: 'Carol' })]
  ROOT = rootOf(await generateRootKey('ed25519'))
  const cyRoot = await generateRootKey('p256')
  const ilRoot = await generateRootKey('ed25519')
  cy = { country: 'CY', rootThumbprint: cyRoot.thumbprint, scopes: ['vaccination', 'test'], vaccines: ['EU/1/20/1528'] }
  il = { country: 'IL', rootThumbprint: ilRoot.thumbprint, scopes: ['vaccination'] }
})

describe('approvalChallenge', () => {
  it('is base64url SHA-256 and binds action, country, entry, chain position and nonce', () => {
    const base = { action: 'recognize' as const, country: HOME, entry: cy, head: HEAD, nonce: 'AAAAAAAAAAAAAAAAAAAAAA' }
    const challenge = approvalChallenge(base)
    expect(challenge).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(approvalChallenge({ ...base })).toBe(challenge)
    // Key order in the entry does not matter (RFC 8785), and evidence fields are not part of it.
    expect(approvalChallenge({ ...base, entry: { vaccines: cy.vaccines, scopes: cy.scopes, rootThumbprint: cy.rootThumbprint, country: 'CY' } })).toBe(challenge)
    expect(approvalChallenge({ ...base, entry: { ...cy, approvals: [] } as RecognitionEntry })).toBe(challenge)
    expect(approvalChallenge({ ...base, action: 'withdraw' })).not.toBe(challenge)
    expect(approvalChallenge({ ...base, country: 'CY' })).not.toBe(challenge)
    expect(approvalChallenge({ ...base, nonce: 'BBBBBBBBBBBBBBBBBBBBBB' })).not.toBe(challenge)
    expect(approvalChallenge({ ...base, entry: { ...cy, scopes: ['vaccination'] } })).not.toBe(challenge)
    expect(approvalChallenge({ ...base, head: { seq: 3, hash: HEAD.hash } })).not.toBe(challenge)
    expect(approvalChallenge({ ...base, head: { seq: 4, hash: 'b'.repeat(64) } })).not.toBe(challenge)
  })
})

describe('verifyRecognitions accepts real evidence', () => {
  it('a quorum of distinct diplomats, with ES256, EdDSA and RS256 passkeys', async () => {
    const rsa = SoftAuthenticator.create('RS256')
    const withRsa = [...diplomats, rsa.diplomat({ name: 'Rhea' })]
    const recognitions = [
      { ...cy, approvals: [approve(alice, cy), approve(carol, cy)] },
      { ...il, approvals: [approve(bob, il), rsa.approve({ country: HOME, entry: il, head: HEAD, diplomat: withRsa[3] as Diplomat })] },
    ]
    await expect(verifyRecognitions(list(recognitions, { diplomats: withRsa }))).resolves.toBeDefined()
  })

  it('withdrawals with their own quorum of withdraw approvals', async () => {
    const withdrawals = [{ ...cy, approvals: [approve(alice, cy, { action: 'withdraw' }), approve(bob, cy, { action: 'withdraw' })] }]
    await expect(verifyRecognitions(list([], { withdrawals }))).resolves.toBeDefined()
  })

  it('no recognitions need no evidence', async () => {
    await expect(verifyRecognitions(list([], { diplomats: [] }))).resolves.toBeDefined()
  })
})

describe('verifyRecognitions against a head', () => {
  it('carries 300 unchanged recognitions without holding the event loop over 50 ms', async () => {
    // A federation's next list repeats its recognitions with their evidence: each is compared with the head's.
    const codes = Array.from({ length: 300 }, (_, i) => String.fromCharCode(65 + Math.floor(i / 26), 65 + (i % 26)) + String(i))
    const recognitions = codes.map((country) => {
      const entry: RecognitionEntry = { country, rootThumbprint: il.rootThumbprint, scopes: ['vaccination', 'test', 'recovery'] }
      return { ...entry, approvals: [approve(alice, entry), approve(bob, entry)] }
    })
    const floors = Object.fromEntries(codes.map((country) => [country, HEAD.seq]))
    const head = { payload: list(recognitions, { seq: 5, floors }) as TrustListPayload, hash: 'b'.repeat(64) }
    let report: Awaited<ReturnType<typeof verifyRecognitions>> | undefined
    const hold = await blocking(async () => (report = await verifyRecognitions(list(recognitions, { seq: 6, floors }), head)))
    expect(hold.maxBlockMs, JSON.stringify(hold)).toBeLessThan(50)
    expect(report).toEqual({ governanceReset: false, carriedFromEarlierEpoch: [] })
  })
})

describe('verifyRecognitions rejects attacks', () => {
  it('forged signature: one flipped bit', async () => {
    const good = approve(bob, cy)
    const signature = Buffer.from(good.signature, 'base64url')
    signature[signature.length - 1] = (signature[signature.length - 1] ?? 0) ^ 0x01
    await rejects(list([{ ...cy, approvals: [approve(alice, cy), { ...good, signature: signature.toString('base64url') }] }]), 'ERR_RECOGNITION_SIGNATURE')
  })

  it("forged signature: another key claims a diplomat's credential", async () => {
    const forged = { ...mallory.approve({ country: HOME, entry: cy, head: HEAD, diplomat: by(bob) }), credentialId: bob.credentialId }
    await rejects(list([{ ...cy, approvals: [approve(alice, cy), forged] }]), 'ERR_RECOGNITION_SIGNATURE')
  })

  it('approval of a different entry (narrower scopes) is not approval of this one', async () => {
    const other = { ...cy, scopes: ['vaccination' as const] }
    await rejects(list([{ ...cy, approvals: [approve(alice, cy), approve(bob, cy, { signedEntry: other })] }]), 'ERR_RECOGNITION_WRONG_ENTRY')
  })

  it('a withdraw approval does not count as a recognize approval', async () => {
    await rejects(list([{ ...cy, approvals: [approve(alice, cy), approve(bob, cy, { action: 'withdraw' })] }]), 'ERR_RECOGNITION_WRONG_ENTRY')
  })

  it("an approval made for another country's list does not count here", async () => {
    await rejects(list([{ ...cy, approvals: [approve(alice, cy), approve(bob, cy, { country: 'DE' })] }]), 'ERR_RECOGNITION_WRONG_ENTRY')
  })

  it('duplicate diplomat: one passkey approving twice is one approval', async () => {
    await rejects(list([{ ...cy, approvals: [approve(alice, cy), approve(alice, cy)] }]), 'ERR_RECOGNITION_DUPLICATE_DIPLOMAT')
  })

  it('duplicate diplomat: the same key listed under two credential ids', async () => {
    const twin = { ...by(alice), credentialId: 'dHdpbi1jcmVkZW50aWFs', name: 'Alice again' }
    await rejects(list([], { diplomats: [...diplomats, twin] }), 'ERR_RECOGNITION_MALFORMED')
  })

  it('replayed assertion: copied from one recognition into another', async () => {
    const fromCy = approve(bob, cy)
    await rejects(list([{ ...cy, approvals: [approve(alice, cy), fromCy] }, { ...il, approvals: [approve(carol, il), fromCy] }]), 'ERR_RECOGNITION_REPLAY')
  })

  it('replayed nonce: the same nonce twice, even over different entries', async () => {
    const nonce = 'c2FtZS1ub25jZS10d2ljZQ'
    const recognitions = [
      { ...cy, approvals: [approve(alice, cy, { nonce }), approve(bob, cy)] },
      { ...il, approvals: [approve(alice, il, { nonce }), approve(carol, il)] },
    ]
    await rejects(list(recognitions), 'ERR_RECOGNITION_REPLAY')
  })

  it('replayed nonce: between a recognition and a withdrawal', async () => {
    const nonce = 'cmVjb2duaXplLXdpdGhkcmF3'
    await rejects(
      list([{ ...cy, approvals: [approve(alice, cy, { nonce }), approve(bob, cy)] }], {
        withdrawals: [{ ...il, approvals: [approve(alice, il, { action: 'withdraw', nonce }), approve(bob, il, { action: 'withdraw' })] }],
      }),
      'ERR_RECOGNITION_REPLAY',
    )
  })

  it('under quorum', async () => {
    await rejects(list([{ ...cy, approvals: [approve(alice, cy)] }]), 'ERR_RECOGNITION_UNDER_QUORUM')
    await rejects(list([{ ...cy, approvals: [] }], { quorum: 1, diplomats: [by(alice)] }), 'ERR_RECOGNITION_UNDER_QUORUM')
    await rejects(list([{ ...cy, approvals: [approve(alice, cy), approve(bob, cy)] }], { quorum: 3 }), 'ERR_RECOGNITION_UNDER_QUORUM')
  })

  it('under quorum in a withdrawal', async () => {
    await rejects(list([], { withdrawals: [{ ...cy, approvals: [approve(alice, cy, { action: 'withdraw' })] }] }), 'ERR_RECOGNITION_UNDER_QUORUM')
  })

  it('unknown credential: a passkey that is not a diplomat of this list', async () => {
    const outsider = mallory.approve({ country: HOME, entry: cy, head: HEAD, diplomat: mallory.diplomat() })
    await rejects(list([{ ...cy, approvals: [approve(alice, cy), outsider] }]), 'ERR_RECOGNITION_UNKNOWN_CREDENTIAL')
  })

  it('missing user verification (UP only)', async () => {
    await rejects(list([{ ...cy, approvals: [approve(alice, cy), approve(bob, cy, { flags: FLAGS.UP })] }]), 'ERR_RECOGNITION_USER_VERIFICATION')
  })

  it('missing user presence (UV only)', async () => {
    await rejects(list([{ ...cy, approvals: [approve(alice, cy), approve(bob, cy, { flags: FLAGS.UV })] }]), 'ERR_RECOGNITION_USER_VERIFICATION')
  })

  it('wrong origin: an assertion phished on another site', async () => {
    await rejects(list([{ ...cy, approvals: [approve(alice, cy), approve(bob, cy, { origin: 'https://gr-diplomats.evil.example' })] }]), 'ERR_RECOGNITION_ORIGIN')
  })

  it('cross-origin iframe assertion', async () => {
    await rejects(list([{ ...cy, approvals: [approve(alice, cy), approve(bob, cy, { crossOrigin: true })] }]), 'ERR_RECOGNITION_ORIGIN')
  })

  it('wrong rpId', async () => {
    await rejects(list([{ ...cy, approvals: [approve(alice, cy), approve(bob, cy, { rpId: 'evil.example' })] }]), 'ERR_RECOGNITION_RP_ID')
  })

  it('a registration clientData (webauthn.create) is not an assertion', async () => {
    await rejects(list([{ ...cy, approvals: [approve(alice, cy), approve(bob, cy, { type: 'webauthn.create' })] }]), 'ERR_RECOGNITION_MALFORMED')
  })

  it('two recognitions of one country', async () => {
    await rejects(list([{ ...cy, approvals: [approve(alice, cy), approve(bob, cy)] }, { ...cy, approvals: [approve(alice, cy), approve(carol, cy)] }]), 'ERR_RECOGNITION_MALFORMED')
  })

  it('undecodable evidence', async () => {
    const good = approve(bob, cy)
    await rejects(list([{ ...cy, approvals: [approve(alice, cy), { ...good, clientDataJSON: 'not base64url!' }] }]), 'ERR_RECOGNITION_MALFORMED')
    await rejects(list([{ ...cy, approvals: [approve(alice, cy), { ...good, authenticatorData: 'AAAA' }] }]), 'ERR_RECOGNITION_MALFORMED')
  })

  it('recognitionEntry drops the evidence and keeps vaccines only when present', () => {
    expect(recognitionEntry({ ...il, approvals: [] })).toEqual(il)
    expect(Object.keys(recognitionEntry({ ...cy, approvals: [] })).sort()).toEqual(['country', 'rootThumbprint', 'scopes', 'vaccines'])
  })
})

describe('verifyTrustList step 7.5', () => {
  it('accepts a signed list whose recognition carries quorum evidence, and rejects one without', async () => {
    const gr = await TestCountry.create(HOME)
    gr.draft = { ...gr.draft, diplomats, quorum: 2 }
    const first = await gr.next()
    const at = { head: { seq: first.payload.seq, hash: first.hash } }
    gr.draft = { ...gr.draft, recognitions: [{ ...cy, approvals: [approve(alice, cy, at), approve(carol, cy, at)] }] }
    const good = await gr.next()
    await expect(verifyTrustList(good.signed, { now: T0 })).resolves.toMatchObject({ payload: { recognitions: [{ country: 'CY' }] } })
    await expect(verifyTrustList(good.signed, { now: T0, head: first })).resolves.toMatchObject({ payload: { seq: 2 } })

    // The root signs it, but a root signature alone never grants trust.
    const bad = await gr.next({ edit: (p) => void (p.recognitions = [{ ...cy, approvals: [approve(alice, cy, at)] }]) })
    await expect(verifyTrustList(bad.signed, { now: T0 })).rejects.toMatchObject({ code: 'ERR_RECOGNITION_UNDER_QUORUM' })
  })
})
