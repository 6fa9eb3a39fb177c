// The node's libp2p identity: an Ed25519 private key in a file of its own, created exclusively with mode 0600
// and refused when others can read it. Never overwrites a key (a new key is a new peer id for the federation).
import { open } from 'node:fs/promises'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import { EntenteError } from '../model/errors.js'

/** An Ed25519 key in protobuf is 68 bytes; anything much larger is not a peer key. */
const MAX_PEER_KEY_FILE_BYTES = 4096

export async function generatePeerKey(): Promise<PrivateKey> {
  return generateKeyPair('Ed25519')
}

/** Writes `key` in libp2p's protobuf form to a new file with mode 0600; ERR_INIT_EXISTS if the file exists. */
export async function savePeerKey(file: string, key: PrivateKey): Promise<void> {
  let handle
  try {
    // 'wx': exclusive create, so a second `entente init` cannot replace the node's identity.
    handle = await open(file, 'wx', 0o600)
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new EntenteError('ERR_INIT_EXISTS', `${file} already exists; refusing to overwrite the peer key`, { cause })
    }
    throw cause
  }
  try {
    await handle.writeFile(privateKeyToProtobuf(key))
    await handle.sync()
  } finally {
    await handle.close()
  }
}

/** Generates a key and saves it; returns the key. */
export async function createPeerKeyFile(file: string): Promise<PrivateKey> {
  const key = await generatePeerKey()
  await savePeerKey(file, key)
  return key
}

/** Reads the key; ERR_KEY_FILE_PERMISSIONS when group or others have any access, ERR_KEY_INVALID when it is no key. */
export async function loadPeerKey(file: string): Promise<PrivateKey> {
  let handle
  try {
    handle = await open(file, 'r')
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new EntenteError('ERR_CONFIG_NOT_FOUND', `peer key ${file} not found`, { cause })
    }
    throw cause
  }
  try {
    // fstat on the open handle: the mode we check is the mode of the bytes we read.
    const info = await handle.stat()
    if (process.platform !== 'win32' && (info.mode & 0o077) !== 0) {
      throw new EntenteError(
        'ERR_KEY_FILE_PERMISSIONS',
        `${file} is accessible by others (mode ${(info.mode & 0o777).toString(8)}); chmod 600 it`,
      )
    }
    if (info.size > MAX_PEER_KEY_FILE_BYTES) throw new EntenteError('ERR_KEY_INVALID', `${file} is too large for a peer key`)
    const bytes = new Uint8Array(await handle.readFile())
    let key: PrivateKey
    try {
      key = privateKeyFromProtobuf(bytes)
    } catch (cause) {
      throw new EntenteError('ERR_KEY_INVALID', `${file} is not a libp2p private key`, { cause })
    }
    if (key.type !== 'Ed25519') throw new EntenteError('ERR_KEY_INVALID', `${file} holds a ${key.type} key, expected Ed25519`)
    return key
  } finally {
    await handle.close()
  }
}
