// Issues demo EU DCC vaccination certificates ("HC1:") with a demo DSC key: CBOR CWT, COSE_Sign1 ES256,
// zlib, base45. For the demo federation and tests only; real certificates come from national issuers.
import type { KeyObject} from 'node:crypto';
import { sign } from 'node:crypto'
import { deflateSync } from 'node:zlib'
import { encode as base45 } from '@digitalbazaar/base45'
import { Encoder, Tag } from 'cbor-x'
import { fromBase64 } from '../model/encoding.js'

export interface DemoVaccination {
  readonly country: string
  readonly familyName: string
  readonly givenName: string
  readonly dateOfBirth: string
  /** EU value set vaccine-medicinal-product code. */
  readonly product: string
  readonly manufacturer: string
  readonly dose: number
  readonly totalDoses: number
  /** YYYY-MM-DD of the last dose. */
  readonly date: string
  readonly certificateId: string
}

export function issueDemoDcc(input: {
  readonly privateKey: KeyObject
  /** Standard base64 kid of the DSC. */
  readonly kid: string
  readonly vaccination: DemoVaccination
  readonly issuedAt: Date
  readonly expiresAt: Date
}): string {
  const v = input.vaccination
  const hcert = new Map<string, unknown>([
    ['ver', '1.3.0'],
    ['nam', new Map([['fn', v.familyName], ['gn', v.givenName], ['fnt', icao(v.familyName)], ['gnt', icao(v.givenName)]])],
    ['dob', v.dateOfBirth],
    [
      'v',
      [
        new Map<string, unknown>([
          ['tg', '840539006'],
          ['vp', 'J07BX03'],
          ['mp', v.product],
          ['ma', v.manufacturer],
          ['dn', v.dose],
          ['sd', v.totalDoses],
          ['dt', v.date],
          ['co', v.country],
          ['is', `Ministry of Health ${v.country} (Entente demo)`],
          ['ci', v.certificateId],
        ]),
      ],
    ],
  ])
  const encoder = new Encoder({ mapsAsObjects: false, useRecords: false })
  const kid = fromBase64(input.kid)
  if (kid === undefined) throw new Error('kid must be base64')
  const protectedHeader = encoder.encode(new Map<number, unknown>([[1, -7], [4, Buffer.from(kid)]]))
  const payload = encoder.encode(
    new Map<number, unknown>([
      [1, v.country],
      [6, Math.floor(input.issuedAt.getTime() / 1000)],
      [4, Math.floor(input.expiresAt.getTime() / 1000)],
      [-260, new Map([[1, hcert]])],
    ]),
  )
  // COSE_Sign1 Sig_structure (RFC 9052 §4.4); ECDSA signatures are raw r||s, not DER.
  const toBeSigned = encoder.encode(['Signature1', protectedHeader, Buffer.alloc(0), payload])
  const signature = sign('sha256', toBeSigned, { key: input.privateKey, dsaEncoding: 'ieee-p1363' })
  const cose = encoder.encode(new Tag([protectedHeader, new Map(), payload, signature], 18))
  return `HC1:${base45(deflateSync(cose, { level: 9 }))}`
}

function icao(name: string): string {
  return name
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toUpperCase()
    .replace(/[^A-Z]+/g, '<')
}
