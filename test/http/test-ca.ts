// A test certificate authority made in the test: a CA and leaf certificates for 127.0.0.1, ::1 and localhost,
// really signed with @peculiar/x509, written as PEM the way an operator's files look (leaf first, then the CA).
import 'reflect-metadata'
import { X509Certificate, webcrypto } from 'node:crypto'
import * as x509 from '@peculiar/x509'

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const
const crypto = webcrypto as unknown as Crypto

export interface TestCa {
  readonly pem: string
  issue(commonName: string): Promise<TestLeaf>
}

export interface TestLeaf {
  /** Leaf then CA: a full chain. */
  readonly chainPem: string
  readonly keyPem: string
  /** As node:tls reports it (upper-case hex pairs separated by colons). */
  readonly fingerprint256: string
}

export async function createTestCa(name = 'Entente test CA'): Promise<TestCa> {
  const keys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])
  const ca = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: '01',
      name: `CN=${name}`,
      notBefore: new Date(Date.now() - 3_600_000),
      notAfter: new Date(Date.now() + 86_400_000),
      signingAlgorithm: ALG,
      keys,
      extensions: [new x509.BasicConstraintsExtension(true, 0, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true)],
    },
    crypto,
  )
  const pem = ca.toString('pem')
  let serial = 1
  return {
    pem,
    issue: async (commonName) => {
      serial += 1
      const leafKeys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])
      const leaf = await x509.X509CertificateGenerator.create(
        {
          serialNumber: serial.toString(16).padStart(2, '0'),
          subject: `CN=${commonName}`,
          issuer: ca.subject,
          notBefore: new Date(Date.now() - 3_600_000),
          notAfter: new Date(Date.now() + 86_400_000),
          signingAlgorithm: ALG,
          publicKey: leafKeys.publicKey,
          signingKey: keys.privateKey,
          extensions: [
            new x509.SubjectAlternativeNameExtension([
              { type: 'ip', value: '127.0.0.1' },
              { type: 'ip', value: '::1' },
              { type: 'dns', value: 'localhost' },
            ]),
            new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
          ],
        },
        crypto,
      )
      const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', leafKeys.privateKey)).toString('base64')
      const keyPem = `-----BEGIN PRIVATE KEY-----\n${pkcs8.replace(/(.{64})/g, '$1\n')}\n-----END PRIVATE KEY-----\n`
      const fingerprint256 = new X509Certificate(leaf.toString('pem')).fingerprint256
      return { chainPem: `${leaf.toString('pem')}\n${pem}\n`, keyPem, fingerprint256 }
    },
  }
}
