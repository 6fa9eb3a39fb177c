// Built-in TLS: reads the PEM certificate chain and key named by http.tls and checks that they belong together.
// Never starts or changes a server itself; the composition root installs what this returns.
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { EntenteError } from '../model/errors.js'

export interface TlsFiles {
  readonly cert: string
  readonly key: string
}

export interface TlsCredentials {
  /** The PEM chain as read (leaf first), and the key: what a secure context takes. */
  readonly cert: string
  readonly key: string
  /** Of the leaf certificate, for the log line after a (re)load. */
  readonly subject: string
  readonly validTo: string
  readonly fingerprint256: string
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g

/**
 * Every failure is ERR_TLS_CERTIFICATE with one line naming the file and what is wrong with it. An expired leaf is
 * served all the same (its expiry is in the log line): refusing to start would not make clients trust it either.
 */
export async function loadTlsCredentials(files: TlsFiles): Promise<TlsCredentials> {
  const cert = await readPem(files.cert, 'certificate')
  const key = await readPem(files.key, 'key')
  const blocks = cert.match(PEM_CERTIFICATE) ?? []
  if (blocks.length === 0) throw tlsError(`${files.cert} holds no PEM certificate`)
  let chain: X509Certificate[]
  try {
    chain = blocks.map((block) => new X509Certificate(block))
  } catch (cause) {
    throw tlsError(`${files.cert} holds a certificate that does not parse`, cause)
  }
  let privateKey: KeyObject
  try {
    privateKey = createPrivateKey(key)
  } catch (cause) {
    throw tlsError(`${files.key} holds no usable private key (PEM, unencrypted)`, cause)
  }
  const leaf = chain[0] as X509Certificate
  if (!leaf.checkPrivateKey(privateKey)) throw tlsError(`the key in ${files.key} does not belong to the certificate in ${files.cert} (${oneLine(leaf.subject)})`)
  // Full chain, leaf first: each certificate must be issued by the next, or clients without the intermediate fail.
  for (let i = 0; i + 1 < chain.length; i += 1) {
    if (!(chain[i] as X509Certificate).checkIssued(chain[i + 1] as X509Certificate)) {
      throw tlsError(`${files.cert}: certificate ${i + 1} is not issued by certificate ${i + 2}; give the chain leaf first`)
    }
  }
  return { cert, key, subject: oneLine(leaf.subject), validTo: new Date(leaf.validTo).toISOString(), fingerprint256: leaf.fingerprint256 }
}

async function readPem(file: string, what: string): Promise<string> {
  try {
    return await readFile(file, 'utf8')
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code
    throw tlsError(`cannot read the TLS ${what} ${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (code ?? 'unreadable')}`, cause)
  }
}

function tlsError(message: string, cause?: unknown): EntenteError {
  return new EntenteError('ERR_TLS_CERTIFICATE', message, cause === undefined ? undefined : { cause })
}

/** X509Certificate.subject is one attribute per line. */
function oneLine(subject: string): string {
  return subject.split('\n').filter((part) => part !== '').join(', ')
}

/** The one log line after a certificate is installed. */
export function describeTls(tls: TlsCredentials): string {
  return `serving TLS certificate ${tls.subject} (expires ${tls.validTo}, sha256 ${tls.fingerprint256})`
}
