// Benchmark fixture: real X.509 Document Signer Certificates for N countries x S signers, each DSC issued by its
// country's CSCA (EC P-256), with the EU DCC key usages; most keys EC P-256, one in RSA_EVERY RSA-2048. Generating
// 20,000 takes a while, so they are cached under the OS temp dir between runs (one file per country; delete the
// folder or pass --fresh-dscs to regenerate). Never used outside the benchmark.
import 'reflect-metadata'
import { createPrivateKey, generateKeyPairSync, webcrypto, type KeyObject } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import * as x509 from '@peculiar/x509'

const crypto = webcrypto as unknown as Crypto
const EC = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const
/** One DSC in RSA_EVERY is RSA (countries that run RSA-PSS signers exist; their DER is ~1.7x larger). */
export const RSA_EVERY = 20
/** RSA keygen costs ~100 ms: RSA DSCs share a small pool of keys (each certificate, and so each kid, still differs). */
const RSA_POOL = 8
const EKU = ['1.3.6.1.4.1.1847.2021.1.1', '1.3.6.1.4.1.1847.2021.1.2', '1.3.6.1.4.1.1847.2021.1.3']
const CACHE_VERSION = 'v1'

export interface BenchDsc {
  /** The certificate, DER. */
  readonly der: Buffer
  /** PKCS#8 DER of the DSC's private key (EC ones only: the bench signs certificates with those). */
  readonly pkcs8?: Buffer
  readonly keyType: 'ec' | 'rsa'
}

export const cacheRoot = (): string => path.join(tmpdir(), 'entente-bench-scale-cache', CACHE_VERSION)

/** DSCs valid from 30 days ago for 3 years, so a cache stays usable for a long time. */
const NOT_BEFORE = new Date(Date.UTC(new Date().getUTCFullYear(), 0, 1) - 30 * 86_400_000)
const NOT_AFTER = new Date(NOT_BEFORE.getTime() + 3 * 365 * 86_400_000)

let rsaPool: KeyObject[] | undefined

/** The first `count` DSCs of `country`: from the cache when it holds enough, else generated (and the cache extended). */
export async function countryDscs(country: string, count: number, options: { fresh?: boolean } = {}): Promise<BenchDsc[]> {
  const file = path.join(cacheRoot(), `${country}.json`)
  let cached: { csca: string; dscs: { der: string; pkcs8?: string; keyType: 'ec' | 'rsa' }[] } | undefined
  if (options.fresh !== true && existsSync(file)) cached = JSON.parse(readFileSync(file, 'utf8')) as typeof cached
  const dscs: BenchDsc[] = (cached?.dscs ?? []).map((d) => ({
    der: Buffer.from(d.der, 'base64'),
    keyType: d.keyType,
    ...(d.pkcs8 === undefined ? {} : { pkcs8: Buffer.from(d.pkcs8, 'base64') }),
  }))
  if (dscs.length >= count) return dscs.slice(0, count)
  const csca = cached === undefined ? await createCsca(country) : await importCsca(Buffer.from(cached.csca, 'base64'), country)
  for (let i = dscs.length; i < count; i++) dscs.push(await createDsc(country, i, csca))
  mkdirSync(path.dirname(file), { recursive: true })
  const temp = `${file}.${process.pid}.tmp`
  writeFileSync(
    temp,
    JSON.stringify({
      csca: csca.pkcs8.toString('base64'),
      dscs: dscs.map((d) => ({ der: d.der.toString('base64'), keyType: d.keyType, ...(d.pkcs8 === undefined ? {} : { pkcs8: d.pkcs8.toString('base64') }) })),
    }),
  )
  renameSync(temp, file)
  return dscs
}

interface Csca {
  readonly name: string
  readonly keys: CryptoKeyPair
  readonly pkcs8: Buffer
}

async function createCsca(country: string): Promise<Csca> {
  const keys = (await crypto.subtle.generateKey(EC, true, ['sign', 'verify']))
  const pkcs8 = Buffer.from(await crypto.subtle.exportKey('pkcs8', keys.privateKey))
  return { name: cscaName(country), keys, pkcs8 }
}

async function importCsca(pkcs8: Buffer, country: string): Promise<Csca> {
  const privateKey = await crypto.subtle.importKey('pkcs8', new Uint8Array(pkcs8), EC, true, ['sign'])
  const jwk = await crypto.subtle.exportKey('jwk', privateKey)
  const publicKey = await crypto.subtle.importKey('jwk', { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y }, EC, true, ['verify'])
  return { name: cscaName(country), keys: { privateKey, publicKey }, pkcs8 }
}

const cscaName = (country: string) => `C=${country}, O=Ministry of Health ${country}, CN=CSCA ${country} Health`

async function createDsc(country: string, index: number, csca: Csca): Promise<BenchDsc> {
  const rsa = index % RSA_EVERY === RSA_EVERY - 1
  let publicKey: CryptoKey
  let pkcs8: Buffer | undefined
  if (rsa) {
    rsaPool ??= Array.from({ length: RSA_POOL }, () => generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey)
    const spki = (rsaPool[index % RSA_POOL] as KeyObject).export({ format: 'der', type: 'spki' })
    publicKey = await crypto.subtle.importKey('spki', spki, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, true, ['verify'])
  } else {
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    pkcs8 = pair.privateKey.export({ format: 'der', type: 'pkcs8' })
    publicKey = await crypto.subtle.importKey('spki', pair.publicKey.export({ format: 'der', type: 'spki' }), EC, true, ['verify'])
  }
  const cert = await x509.X509CertificateGenerator.create(
    {
      serialNumber: Buffer.from(crypto.getRandomValues(new Uint8Array(12))).toString('hex').replace(/^[89a-f]/, '1'),
      issuer: csca.name,
      subject: `C=${country}, O=Ministry of Health ${country}, OU=eHealth, CN=DSC ${country} ${String(index + 1).padStart(4, '0')}`,
      notBefore: NOT_BEFORE,
      notAfter: NOT_AFTER,
      signingAlgorithm: EC,
      publicKey,
      signingKey: csca.keys.privateKey,
      extensions: [
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension(EKU),
        await x509.AuthorityKeyIdentifierExtension.create(csca.keys.publicKey, false, crypto),
        await x509.SubjectKeyIdentifierExtension.create(publicKey, false, crypto),
      ],
    },
    crypto,
  )
  return { der: Buffer.from(cert.rawData), keyType: rsa ? 'rsa' : 'ec', ...(pkcs8 === undefined ? {} : { pkcs8 }) }
}

/** The private key of an EC DSC, for signing certificates. */
export function dscPrivateKey(dsc: BenchDsc): KeyObject {
  if (dsc.pkcs8 === undefined) throw new Error('only EC DSCs keep their private key')
  return createPrivateKey({ key: dsc.pkcs8, format: 'der', type: 'pkcs8' })
}
