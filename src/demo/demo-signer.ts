// Demo and test PKI: a self-signed EU DCC Document Signer Certificate (P-256, EU key-usage OIDs) and an
// SHC issuer key. For demos and fixtures only; real signers come from a country's own PKI.
import 'reflect-metadata'
import { webcrypto } from 'node:crypto'
import * as x509 from '@peculiar/x509'
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose'
import { sha256, toBase64 } from '../model/encoding.js'
import type { DccSigner, ShcSigner, Usage } from '../model/schema.types.js'

const EKU: Record<Usage, string> = {
  test: '1.3.6.1.4.1.1847.2021.1.1',
  vaccination: '1.3.6.1.4.1.1847.2021.1.2',
  recovery: '1.3.6.1.4.1.1847.2021.1.3',
}

export interface DemoDsc {
  readonly signer: DccSigner
  readonly der: Uint8Array
  readonly privateKey: CryptoKey
}

export async function createDemoDsc(options: {
  country: string
  commonName?: string
  usage?: Usage[]
  notBefore: Date
  notAfter: Date
}): Promise<DemoDsc> {
  const usage = options.usage ?? ['vaccination', 'test', 'recovery']
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const
  const keys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']))
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: Buffer.from(webcrypto.getRandomValues(new Uint8Array(8))).toString('hex'),
      name: `C=${options.country}, O=Entente demo, CN=${options.commonName ?? `DSC ${options.country}`}`,
      notBefore: options.notBefore,
      notAfter: options.notAfter,
      signingAlgorithm: alg,
      keys,
      extensions: [
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension(usage.map((u) => EKU[u])),
      ],
    },
    webcrypto as unknown as Crypto,
  )
  const der = new Uint8Array(cert.rawData)
  return {
    der,
    privateKey: keys.privateKey,
    signer: {
      format: 'dcc',
      kid: toBase64(sha256(der).subarray(0, 8)),
      certificate: toBase64(der),
      usage,
      validFrom: isoSeconds(options.notBefore),
      validUntil: isoSeconds(options.notAfter),
    },
  }
}

export interface DemoShcIssuer {
  readonly signer: ShcSigner
  readonly privateJwk: JWK
}

export async function createDemoShcIssuer(options: { issuer: string; notBefore: Date; notAfter: Date; usage?: Usage[] }): Promise<DemoShcIssuer> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true })
  const pub = await exportJWK(publicKey)
  const kid = await calculateJwkThumbprint(pub, 'sha256')
  const jwk = { kty: 'EC' as const, crv: 'P-256' as const, x: pub.x as string, y: pub.y as string, use: 'sig' as const, alg: 'ES256' as const, kid }
  return {
    privateJwk: { ...(await exportJWK(privateKey)), kid, use: 'sig', alg: 'ES256' },
    signer: {
      format: 'shc',
      kid,
      issuer: options.issuer,
      jwk,
      usage: options.usage ?? ['vaccination'],
      validFrom: isoSeconds(options.notBefore),
      validUntil: isoSeconds(options.notAfter),
    },
  }
}

function isoSeconds(date: Date): string {
  return new Date(Math.floor(date.getTime() / 1000) * 1000).toISOString().replace('.000Z', 'Z')
}
