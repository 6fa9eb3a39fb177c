// Secret files of a node (root key, operator token): created exclusively with 0600, refused when others can read them;
// and public root key files, which must hold no private member.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { open, readFile, stat } from 'node:fs/promises'
import type { JWK } from 'jose'
import { EntenteError } from '../model/errors.js'
import type { Root } from '../model/schema.types.js'
import { publicRootJwk, rootKeyFromJwk, rootThumbprint, type RootSigningKey } from '../trust-list/root-key.js'

const MAX_KEY_FILE_BYTES = 16 * 1024

/** Creates `file` with mode 0600; fails with ERR_INIT_EXISTS rather than overwrite anything. */
export async function writeSecretFile(file: string, content: string): Promise<void> {
  let handle
  try {
    handle = await open(file, 'wx', 0o600)
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new EntenteError('ERR_INIT_EXISTS', `${file} already exists; refusing to overwrite`, { cause })
    }
    throw cause
  }
  try {
    await handle.writeFile(content)
    await handle.sync()
  } finally {
    await handle.close()
  }
}

/**
 * Reads a secret file, refusing it when others can read it. Mode and size come from the open handle, so the file
 * checked is the file read. `inspect` sees the content first: a public key in the wrong place is named as such.
 */
async function readSecretFile(file: string, inspect?: (text: string) => void): Promise<string> {
  let handle
  try {
    handle = await open(file, 'r')
  } catch (cause) {
    throw new EntenteError('ERR_CONFIG_NOT_FOUND', `secret file ${file} not found`, { cause })
  }
  try {
    const info = await handle.stat()
    if (info.size > MAX_KEY_FILE_BYTES) throw new EntenteError('ERR_KEY_INVALID', `${file} is too large for a key`)
    const text = await handle.readFile('utf8')
    inspect?.(text)
    // Like ssh: a key others can read is treated as leaked and not used.
    if (process.platform !== 'win32' && (info.mode & 0o077) !== 0) {
      throw new EntenteError('ERR_KEY_FILE_PERMISSIONS', `${file} is readable by others (mode ${(info.mode & 0o777).toString(8)}); chmod 600 it`)
    }
    return text
  } finally {
    await handle.close()
  }
}

export async function readRootKey(file: string): Promise<RootSigningKey> {
  const text = await readSecretFile(file, (content) => {
    if (!hasPrivateMembers(parseJwk(content, file))) {
      throw new EntenteError('ERR_KEY_NOT_PRIVATE', `${file} holds only a public key; signing needs the private root key file`)
    }
  })
  return rootKeyFromJwk(parseJwk(text, file))
}

/** A public root key file (an offline-root node's anchor): refuses private members, so no secret lands on a node. */
export async function readRootPublicKey(file: string): Promise<Root> {
  let text: string
  try {
    const info = await stat(file)
    if (info.size > MAX_KEY_FILE_BYTES) throw new EntenteError('ERR_KEY_INVALID', `${file} is too large for a key`)
    text = await readFile(file, 'utf8')
  } catch (cause) {
    if (cause instanceof EntenteError) throw cause
    throw new EntenteError('ERR_CONFIG_NOT_FOUND', `public root key ${file} not found`, { cause })
  }
  return rootPublicFromJwk(parseJwk(text, file), file)
}

/** The public root a JWK names; `source` names it in errors. Private members are refused, never stripped. */
export async function rootPublicFromJwk(jwk: unknown, source: string): Promise<Root> {
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) throw new EntenteError('ERR_KEY_INVALID', `${source} is not a JSON Web Key`)
  // Stripping `d` silently would hide that a secret was copied somewhere it must not be.
  if (hasPrivateMembers(jwk)) {
    throw new EntenteError('ERR_KEY_PRIVATE_MATERIAL', `${source} holds a private key; give only its public half (entente root create writes both)`)
  }
  const publicJwk = publicRootJwk(jwk)
  return { jwk: publicJwk, thumbprint: await rootThumbprint(publicJwk) }
}

function parseJwk(text: string, file: string): JWK {
  try {
    const jwk = JSON.parse(text) as unknown
    if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) throw new TypeError('not an object')
    return jwk
  } catch (cause) {
    throw new EntenteError('ERR_KEY_INVALID', `${file} is not a JSON Web Key`, { cause })
  }
}

function hasPrivateMembers(jwk: JWK): boolean {
  return ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'].some((member) => (jwk as Record<string, unknown>)[member] !== undefined)
}

export async function readOperatorToken(file: string): Promise<string> {
  return (await readSecretFile(file)).trim()
}

export function generateOperatorToken(): string {
  return `ent_${randomBytes(32).toString('base64url')}`
}

export function hashOperatorToken(token: string): string {
  return createHash('sha256').update(token).digest('hex')
}

/** Constant-time check of a presented token against the stored hash. */
export function operatorTokenMatches(presented: string, expectedSha256: string): boolean {
  const a = createHash('sha256').update(presented).digest()
  const b = Buffer.from(expectedSha256, 'hex')
  return a.length === b.length && timingSafeEqual(a, b)
}
