// The offline-root ceremony end to end with real files and a real SQLite store: root create on the "offline
// machine", init with only the public root, prepare, sign, upload; rotation by both keys; revocation lists; refusals.
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { loadNodeConfig } from '../../src/config/node-config.js'
import type { RevocationListPayload, TrustListPayload } from '../../src/model/schema.types.js'
import { startNode } from '../../src/node.js'
import { SqliteStore } from '../../src/store/sqlite-store.js'
import { decodeTrustList } from '../../src/trust-list/decode-trust-list.js'
import { verifyTrustList } from '../../src/trust-list/verify-trust-list.js'
import { cli } from '../helpers/cli.js'

const root = mkdtempSync(path.join(tmpdir(), 'entente-offline-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))
let n = 0
const fresh = (name: string) => path.join(root, `${name}-${n++}`)

function errorCode(result: { code: number; stderr: string }): string | undefined {
  return /^entente: (ERR_[A-Z_]+):/.exec(result.stderr)?.[1]
}

async function createRoot(dir: string, name = 'root') {
  const result = await cli(['root', 'create', '--out', path.join(dir, `${name}.jwk`), '--json'])
  expect(result.stderr).toBe('')
  const parsed = JSON.parse(result.stdout) as { rootThumbprint: string; privateKey: string; publicKey: string }
  return parsed
}

async function offlineNode(country = 'GR') {
  const offline = fresh('offline-machine')
  mkdirSync(offline, { recursive: true })
  const key = await createRoot(offline)
  const dir = fresh('node')
  const init = await cli(['init', '--country', country, '--dir', dir, '--offline-root', '--root-public', key.publicKey, '--json', '--port', '0'])
  expect(init.stderr).toBe('')
  return { offline, key, dir, init: JSON.parse(init.stdout) as { rootThumbprint: string; offlineRoot: boolean } }
}

/** prepare → sign → upload, returning each step's result. */
async function ceremony(dir: string, offline: string, rootKey: string, extra: { prepare?: string[]; sign?: string[] } = {}) {
  const next = path.join(offline, `next-${n++}.json`)
  const signed = path.join(offline, `signed-${n++}.json`)
  const prepared = await cli(['publish', '--dir', dir, '--prepare', '--out', next, ...(extra.prepare ?? [])])
  const sign = await cli(['sign', '--draft', next, '--root-key', rootKey, '--out', signed, ...(extra.sign ?? [])])
  const upload = sign.code === 0 ? await cli(['publish', '--dir', dir, '--upload', signed, '--json']) : undefined
  return { next, signed, prepared, sign, upload }
}

describe('entente root create', () => {
  it('writes the private key 0600 and the public half, never overwriting either', async () => {
    const dir = fresh('machine')
    mkdirSync(dir)
    const key = await createRoot(dir)
    expect(statSync(key.privateKey).mode & 0o777).toBe(0o600)
    const pub = JSON.parse(readFileSync(key.publicKey, 'utf8')) as Record<string, unknown>
    expect(pub.d).toBeUndefined()
    const shown = await cli(['root', 'show', key.publicKey, '--json'])
    expect(JSON.parse(shown.stdout)).toMatchObject({ rootThumbprint: key.rootThumbprint, private: false })
    const again = await cli(['root', 'create', '--out', key.privateKey])
    expect(errorCode(again)).toBe('ERR_INIT_EXISTS')
  })
})

describe('entente init --offline-root', () => {
  it('keeps only the public root on the node and anchors the own country with it', async () => {
    const { dir, key, init } = await offlineNode()
    expect(init).toMatchObject({ rootThumbprint: key.rootThumbprint, offlineRoot: true })
    expect(existsSync(path.join(dir, 'root-key.jwk'))).toBe(false)
    expect(JSON.parse(readFileSync(path.join(dir, 'root-public.jwk'), 'utf8'))).not.toHaveProperty('d')
  })

  it('refuses a private key where the public root belongs, before creating anything', async () => {
    const offline = fresh('machine')
    mkdirSync(offline)
    const key = await createRoot(offline)
    const dir = fresh('node')
    const result = await cli(['init', '--country', 'GR', '--dir', dir, '--offline-root', '--root-public', key.privateKey])
    expect(errorCode(result)).toBe('ERR_KEY_PRIVATE_MATERIAL')
    expect(existsSync(dir)).toBe(false)
    expect(errorCode(await cli(['init', '--country', 'GR', '--dir', dir, '--offline-root']))).toBe('ERR_USAGE')
  })

  it('refuses to sign with a public key file', async () => {
    const { dir, offline, key } = await offlineNode()
    const steps = await ceremony(dir, offline, key.publicKey)
    expect(steps.prepared.code).toBe(0)
    expect(errorCode(steps.sign)).toBe('ERR_KEY_NOT_PRIVATE')
  })

  it('refuses to publish, rotate or start while a private root key lies beside the offline root', async () => {
    const { dir, key } = await offlineNode()
    const publish = await cli(['publish', '--dir', dir])
    expect(errorCode(publish)).toBe('ERR_OFFLINE_ROOT')
    expect(publish.stderr).toContain('--prepare')
    expect(errorCode(await cli(['publish', '--dir', dir, '--rotate-root']))).toBe('ERR_OFFLINE_ROOT')
    copyFileSync(key.privateKey, path.join(dir, 'root-key.jwk'))
    chmodSync(path.join(dir, 'root-key.jwk'), 0o600)
    await expect(startNode(await loadNodeConfig(dir), { port: 0 })).rejects.toMatchObject({ code: 'ERR_KEY_PRIVATE_MATERIAL' })
    // The failed start released the directory again.
    expect(existsSync(path.join(dir, 'node.lock'))).toBe(false)
  })
})

describe('prepare, sign offline, upload', () => {
  it('chains lists signed on the offline machine; the node verifies each like any peer would', async () => {
    const { dir, offline, key } = await offlineNode()
    const first = await ceremony(dir, offline, key.privateKey)
    expect(first.sign.stdout).toContain('Signing the GR trust list seq 1')
    expect(first.sign.stdout).toContain(key.rootThumbprint)
    expect(JSON.parse(first.upload!.stdout)).toMatchObject({ country: 'GR', seq: 1, rootThumbprint: key.rootThumbprint })
    const second = await ceremony(dir, offline, key.privateKey)
    expect(JSON.parse(second.upload!.stdout)).toMatchObject({ seq: 2 })
    const signed = JSON.parse(readFileSync(second.signed, 'utf8')) as Parameters<typeof verifyTrustList>[0]
    const verified = await verifyTrustList(signed, { now: new Date(), anchor: { thumbprint: key.rootThumbprint } })
    expect(verified.payload.prev).toBe(decodeTrustList(JSON.parse(readFileSync(first.signed, 'utf8')) as Parameters<typeof decodeTrustList>[0]).hash)
    // Uploading the same list again is a duplicate, not a new list.
    expect(errorCode(await cli(['publish', '--dir', dir, '--upload', second.signed]))).toBe('ERR_TRUST_LIST_DUPLICATE')
  })

  it('a list prepared from an older head is refused as a conflict and never recorded as an equivocation', async () => {
    const { dir, offline, key } = await offlineNode()
    await ceremony(dir, offline, key.privateKey)
    // Two preparations of seq 2 (different validity, so different bytes), both signed by the root.
    const a = await ceremony(dir, offline, key.privateKey, { prepare: ['--validity-days', '10'] })
    expect(a.upload!.code).toBe(0)
    const nextB = path.join(offline, 'b.json')
    const signedB = path.join(offline, 'b-signed.json')
    const prepared = JSON.parse(readFileSync(a.next, 'utf8')) as TrustListPayload
    const expiresAt = new Date(Date.parse(prepared.issuedAt) + 11 * 86_400_000).toISOString().replace('.000Z', 'Z')
    writeFileSync(nextB, JSON.stringify({ ...prepared, expiresAt }))
    expect((await cli(['sign', '--draft', nextB, '--root-key', key.privateKey, '--out', signedB])).code).toBe(0)
    const late = await cli(['publish', '--dir', dir, '--upload', signedB])
    expect(errorCode(late)).toBe('ERR_STORE_CONFLICT')
    const store = SqliteStore.open((await loadNodeConfig(dir)).paths.store)
    try {
      expect(store.equivocations()).toEqual([])
      expect(store.head('GR')?.seq).toBe(2)
    } finally {
      store.close()
    }
  })

  it('sign refuses what is not a valid next document, and a root that is not the one named', async () => {
    const { dir, offline, key } = await offlineNode()
    const steps = await ceremony(dir, offline, key.privateKey)
    const bad = path.join(offline, 'bad.json')
    const out = path.join(offline, 'never.json')
    const payload = JSON.parse(readFileSync(steps.next, 'utf8')) as TrustListPayload
    writeFileSync(bad, JSON.stringify({ ...payload, quorum: 'two' }))
    expect(errorCode(await cli(['sign', '--draft', bad, '--root-key', key.privateKey, '--out', out]))).toBe('ERR_TRUST_LIST_SCHEMA')
    writeFileSync(bad, JSON.stringify({ signers: [], revokedSigners: [], vaccines: [], recognitions: [], diplomats: [], quorum: 2 }))
    expect(errorCode(await cli(['sign', '--draft', bad, '--root-key', key.privateKey, '--out', out]))).toBe('ERR_SIGN_DRAFT_INVALID')
    writeFileSync(bad, readFileSync(steps.signed))
    expect(errorCode(await cli(['sign', '--draft', bad, '--root-key', key.privateKey, '--out', out]))).toBe('ERR_SIGN_DRAFT_INVALID')
    const other = await createRoot(offline, 'other')
    expect(errorCode(await cli(['sign', '--draft', steps.next, '--root-key', other.privateKey, '--out', out]))).toBe('ERR_TRUST_LIST_WRONG_ROOT')
    expect(existsSync(out)).toBe(false)
    // The signed output is never overwritten.
    expect(errorCode(await cli(['sign', '--draft', steps.next, '--root-key', key.privateKey, '--out', steps.signed]))).toBe('ERR_INIT_EXISTS')
  })

  it('rotates the root offline: the handover is signed by both keys, later lists by the new root only', async () => {
    const { dir, offline, key } = await offlineNode()
    await ceremony(dir, offline, key.privateKey)
    const next = await createRoot(offline, 'next-root')
    const onlyOld = await ceremony(dir, offline, key.privateKey, { prepare: ['--next-root-public', next.publicKey] })
    expect(errorCode(onlyOld.sign)).toBe('ERR_USAGE')
    const signed = path.join(offline, 'rotation.json')
    const both = await cli(['sign', '--draft', onlyOld.next, '--root-key', key.privateKey, '--next-root-key', next.privateKey, '--out', signed])
    expect(both.stdout).toContain('ROOT ROTATION')
    const upload = await cli(['publish', '--dir', dir, '--upload', signed, '--json'])
    expect(JSON.parse(upload.stdout)).toMatchObject({ seq: 2, rootThumbprint: next.rootThumbprint })
    expect(errorCode((await ceremony(dir, offline, key.privateKey)).sign)).toBe('ERR_TRUST_LIST_WRONG_ROOT')
    const after = await ceremony(dir, offline, next.privateKey)
    expect(JSON.parse(after.upload!.stdout)).toMatchObject({ seq: 3, rootThumbprint: next.rootThumbprint })
    // The node refuses a next root given with its private half.
    expect(errorCode(await cli(['publish', '--dir', dir, '--prepare', '--out', path.join(offline, 'x.json'), '--next-root-public', next.privateKey]))).toBe('ERR_KEY_PRIVATE_MATERIAL')
  })
})

describe('an offline-root node running', () => {
  it('refuses operator publishes with ERR_OFFLINE_ROOT, prepares through the node, and gossips uploads of both kinds', async () => {
    const { dir, offline, key } = await offlineNode()
    const node = await startNode(await loadNodeConfig(dir), { port: 0 })
    try {
      const token = readFileSync(path.join(dir, 'operator-token'), 'utf8').trim()
      const publish = await fetch(`${node.url}/v1/operator/publish`, { method: 'POST', headers: { authorization: `Bearer ${token}` } })
      expect(publish.status).toBe(409)
      expect(((await publish.json()) as { code: string }).code).toBe('ERR_OFFLINE_ROOT')

      const published = vi.spyOn(node.gossip, 'publishList')
      const first = await ceremony(dir, offline, key.privateKey)
      expect(first.prepared.stdout).toContain('seq 1')
      expect(first.upload!.stderr).toBe('')
      expect(published).toHaveBeenCalledTimes(1)
      // The prepared list names the node's address: it was built by the running node, not from the directory.
      expect((JSON.parse(readFileSync(first.next, 'utf8')) as TrustListPayload).nodes[0]?.url).toBe(node.url)

      expect((await cli(['revocation', 'add', '--dir', dir, '--url', node.url, '--uci', 'URN:UVCI:01:GR:OFFLINE1'])).code).toBe(0)
      const nextRl = path.join(offline, 'next-rl.json')
      const signedRl = path.join(offline, 'rl.json')
      expect((await cli(['publish', '--dir', dir, '--prepare', '--revocations', '--out', nextRl])).code).toBe(0)
      expect((JSON.parse(readFileSync(nextRl, 'utf8')) as RevocationListPayload).dcc.length).toBeGreaterThan(0)
      const sign = await cli(['sign', '--draft', nextRl, '--root-key', key.privateKey, '--out', signedRl])
      expect(sign.stdout).toContain('Signing the GR revocation list seq 1')
      const gossipedRl = vi.spyOn(node.gossip, 'publishRevocationList')
      const upload = await cli(['publish', '--dir', dir, '--upload', signedRl])
      expect(upload.stdout).toContain(`via the node at ${node.url}`)
      expect(gossipedRl).toHaveBeenCalledTimes(1)
      expect(node.revocations.head('GR')?.seq).toBe(1)
      // The next trust list names the uploaded revocation list.
      const second = await ceremony(dir, offline, key.privateKey)
      expect((JSON.parse(readFileSync(second.next, 'utf8')) as TrustListPayload).revocationList).toEqual({ seq: 1, hash: node.revocations.head('GR')?.hash })
      expect(second.upload!.code).toBe(0)
    } finally {
      await node.stop()
    }
  })
})
