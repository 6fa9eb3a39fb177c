// `entente root create|show`: makes a country's root key on the offline machine (private half 0600, public half to
// carry to the node) and shows the public root of a key file or a node directory (for the fingerprint check and a
// verifier's --root). Never prints private key material. No network module.
import { writeFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import type { JWK } from 'jose'
import { readRootKey, rootPublicFromJwk, writeSecretFile } from '../../config/secrets.js'
import { EntenteError } from '../../model/errors.js'
import type { Root } from '../../model/schema.types.js'
import { fingerprintGroups } from '../../trust-list/fingerprint.js'
import { generateRootKey } from '../../trust-list/root-key.js'
import { readInput, usageError, type CliIo } from '../io.js'

export const rootHelp = `entente root create --out ROOT.jwk [--public-out ROOT.pub.jwk] [--key-type ed25519|p256] [--json]
entente root show (FILE | --dir DIR) [--thumbprint | --jwk | --json]
  create  On the offline machine: writes the private root key (mode 0600, never overwritten) and its public half
          (default: the --out name with .pub.jwk), and prints the thumbprint and fingerprint to compare later.
  show    Prints the public root of a key file (public or private) or of the node in DIR (online or offline
          root): its thumbprint and fingerprint. --thumbprint prints only the thumbprint, --jwk only the public
          JWK: what a verifier pins with entente sync --root, and what other countries compare out of band.`

/** The public root of the node in a directory. Injected: reading node.json loads network code (address checks),
 * which this module, run on the offline machine, never does. */
export type NodeRootReader = (dir: string) => Promise<{ root: Root; label: string }>

export async function runRoot(argv: string[], io: CliIo, readNodeRoot?: NodeRootReader): Promise<number> {
  const [sub, ...rest] = argv
  if (sub === 'create') return create(rest, io)
  if (sub === 'show') return show(rest, io, readNodeRoot)
  throw usageError('usage: entente root create --out ROOT.jwk | entente root show (FILE | --dir DIR)')
}

async function create(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { out: { type: 'string' }, 'public-out': { type: 'string' }, 'key-type': { type: 'string', default: 'ed25519' }, json: { type: 'boolean', default: false } },
    strict: true,
  })
  if (values.out === undefined) throw usageError('--out FILE is required (the private root key, mode 0600)')
  const keyType = values['key-type']
  if (keyType !== 'ed25519' && keyType !== 'p256') throw usageError('--key-type must be ed25519 or p256')
  const publicOut = values['public-out'] ?? values.out.replace(/(\.jwk|\.json)?$/, '.pub.jwk')
  if (publicOut === values.out) throw usageError('--public-out must differ from --out')
  const key = await generateRootKey(keyType)
  await writeSecretFile(values.out, `${JSON.stringify(key.privateJwk, null, 2)}\n`)
  await writeFile(publicOut, `${JSON.stringify(key.publicJwk, null, 2)}\n`, { flag: 'wx', mode: 0o644 }).catch((cause: unknown) => {
    if ((cause as NodeJS.ErrnoException).code === 'EEXIST') throw new EntenteError('ERR_INIT_EXISTS', `${publicOut} already exists; refusing to overwrite`, { cause })
    throw cause
  })
  if (values.json) {
    io.stdout(`${JSON.stringify({ rootThumbprint: key.thumbprint, alg: key.alg, privateKey: values.out, publicKey: publicOut })}\n`)
    return 0
  }
  io.stdout(
    [
      `Created a root key (${key.alg})`,
      `  private key  ${values.out} (mode 0600: keep it on this offline machine and its backups)`,
      `  public key   ${publicOut} (carry it to the node: entente init --offline-root --root-public ${publicOut})`,
      `  thumbprint   ${key.thumbprint}`,
      `  fingerprint  ${fingerprintGroups(key.thumbprint)}`,
      '',
    ].join('\n'),
  )
  return 0
}

async function show(argv: string[], io: CliIo, readNodeRoot: NodeRootReader | undefined): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      dir: { type: 'string' },
      json: { type: 'boolean', default: false },
      jwk: { type: 'boolean', default: false },
      thumbprint: { type: 'boolean', default: false },
    },
    allowPositionals: true,
    strict: true,
  })
  const [file] = positionals
  if ((file === undefined) === (values.dir === undefined) || positionals.length > 1) throw usageError('usage: entente root show FILE | entente root show --dir DIR')
  if ([values.json, values.jwk, values.thumbprint].filter(Boolean).length > 1) throw usageError('give at most one of --json, --jwk, --thumbprint')
  let shown: { root: Root; isPrivate?: boolean; label: string }
  if (file !== undefined) shown = await fromKeyFile(file, io)
  else if (readNodeRoot !== undefined) shown = await readNodeRoot(values.dir ?? '')
  else throw usageError('--dir is not available here: give the root key FILE')
  const { root, isPrivate = false, label } = shown
  if (values.thumbprint) io.stdout(`${root.thumbprint}\n`)
  else if (values.jwk) io.stdout(`${JSON.stringify(root.jwk, null, 2)}\n`)
  else if (values.json) io.stdout(`${JSON.stringify({ rootThumbprint: root.thumbprint, private: isPrivate, jwk: root.jwk })}\n`)
  else io.stdout(`${label}\n  thumbprint   ${root.thumbprint}\n  fingerprint  ${fingerprintGroups(root.thumbprint)}\n`)
  return 0
}

async function fromKeyFile(file: string, io: CliIo): Promise<{ root: Root; isPrivate: boolean; label: string }> {
  let jwk: JWK
  try {
    jwk = JSON.parse(await readInput(file, io, 16 * 1024)) as JWK
  } catch (cause) {
    if (cause instanceof EntenteError) throw cause
    throw new EntenteError('ERR_KEY_INVALID', `${file} is not a JSON Web Key`, { cause })
  }
  // A private key file is checked like one (mode 0600) before its public half is shown.
  const isPrivate = typeof jwk === 'object' && jwk !== null && typeof jwk.d === 'string'
  const root: Root = isPrivate ? await readRootKey(file).then((k) => ({ jwk: k.publicJwk, thumbprint: k.thumbprint })) : await rootPublicFromJwk(jwk, file)
  return { root, isPrivate, label: `${isPrivate ? 'Private' : 'Public'} root key ${file}` }
}
