import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createPeerKeyFile, loadPeerKey, savePeerKey, generatePeerKey } from '../../src/gossip/peer-key.js'
import { EntenteError } from '../../src/model/errors.js'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'entente-peer-key-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

const code = async (promise: Promise<unknown>) => {
  try {
    await promise
  } catch (error) {
    return error instanceof EntenteError ? error.code : `not an EntenteError: ${String(error)}`
  }
  return 'resolved'
}

describe('peer key file', () => {
  it('round-trips an Ed25519 key through a 0600 file: same peer id after a restart', async () => {
    const file = path.join(dir, 'peer.key')
    const key = await createPeerKeyFile(file)
    expect(key.type).toBe('Ed25519')
    expect((await stat(file)).mode & 0o777).toBe(0o600)
    const loaded = await loadPeerKey(file)
    expect(peerIdFromPrivateKey(loaded).toString()).toBe(peerIdFromPrivateKey(key).toString())
  })

  it('refuses to overwrite an existing key', async () => {
    const file = path.join(dir, 'peer.key')
    await createPeerKeyFile(file)
    const before = await readFile(file)
    expect(await code(savePeerKey(file, await generatePeerKey()))).toBe('ERR_INIT_EXISTS')
    expect(await readFile(file)).toEqual(before)
  })

  it.skipIf(process.platform === 'win32')('refuses a key file others can read', async () => {
    const file = path.join(dir, 'peer.key')
    await createPeerKeyFile(file)
    await chmod(file, 0o640)
    expect(await code(loadPeerKey(file))).toBe('ERR_KEY_FILE_PERMISSIONS')
  })

  it('refuses a file that is no libp2p key, and a missing one', async () => {
    const file = path.join(dir, 'peer.key')
    await writeFile(file, 'not a key', { mode: 0o600 })
    expect(await code(loadPeerKey(file))).toBe('ERR_KEY_INVALID')
    expect(await code(loadPeerKey(path.join(dir, 'missing.key')))).toBe('ERR_CONFIG_NOT_FOUND')
  })
})
