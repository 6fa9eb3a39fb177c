// Secret files of a node (root key, operator token): created exclusively with 0600, refused when others can read them.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { open, readFile, stat } from 'node:fs/promises'
import type { JWK } from 'jose'
import { EntenteError } from '../model/errors.js'
import { rootKeyFromJwk, type RootSigningKey } from '../trust-list/root-key.js'

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

async function readSecretFile(file: string): Promise<string> {
  let info
  try {
    info = await stat(file)
  } catch (cause) {
    throw new EntenteError('ERR_CONFIG_NOT_FOUND', `secret file ${file} not found`, { cause })
  }
  // Like ssh: a key others can read is treated as leaked and not used.
  if (process.platform !== 'win32' && (info.mode & 0o077) !== 0) {
    throw new EntenteError(
      'ERR_KEY_FILE_PERMISSIONS',
      `${file} is readable by others (mode ${(info.mode & 0o777).toString(8)}); chmod 600 it`,
    )
  }
  if (info.size > MAX_KEY_FILE_BYTES) throw new EntenteError('ERR_KEY_INVALID', `${file} is too large for a key`)
  return readFile(file, 'utf8')
}

export async function readRootKey(file: string): Promise<RootSigningKey> {
  const text = await readSecretFile(file)
  let jwk: JWK
  try {
    jwk = JSON.parse(text) as JWK
  } catch (cause) {
    throw new EntenteError('ERR_KEY_INVALID', `${file} is not a JSON Web Key`, { cause })
  }
  return rootKeyFromJwk(jwk)
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
