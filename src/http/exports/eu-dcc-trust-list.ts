// Builds the EU DCC gateway's `GET /trustList/DSC` array from the verified lists a node holds.
// Pure: no I/O; `now` is supplied by the caller. It never fabricates the gateway's upload signature.
import { createHash, createPublicKey, type KeyObject } from 'node:crypto'
import { parseDsc } from '../../certificates/dcc/parse-dsc.js'
import { isEntenteError } from '../../model/errors.js'
import { fromBase64 } from '../../model/encoding.js'
import type { DccSigner } from '../../model/schema.types.js'
import type { ExportHead, ExportTime } from './export-head.types.js'

/**
 * One entry as eu-digital-green-certificates/dgc-gateway serves it (`TrustListDto`, built by
 * `TrustListService.convert` from a `SignerInformationEntity`).
 */
export interface EuDccTrustListEntry {
  /** Standard base64 of the first 8 bytes of SHA-256 of the DER (dgc-lib `CertificateUtils.getCertKid`). */
  kid: string
  /** ISO 8601 UTC. The gateway puts the upload time here; Entente puts the issue time of the list that carries the DSC. */
  timestamp: string
  /** ISO 3166-1 alpha-2 code of the country whose signed list carries the DSC. */
  country: string
  certificateType: 'DSC'
  /** Lower-case hex SHA-256 of the DER, always 64 characters. */
  thumbprint: string
  /**
   * Always the empty string. In the gateway this is a CMS signature over the DSC by the country's upload
   * certificate (NB_UP). Entente has no upload certificates: a DSC is authentic because the country's root
   * signed the trust list that carries it (JWS, see `/v1/trust-lists/{country}`), and that signature covers
   * the whole list, not one entry, so nothing truthful fits here. Consumers that check NB_UP signatures
   * (dgc-lib's download connector) will drop these entries, which is the honest outcome.
   */
  signature: string
  /** Standard base64 of the DER certificate, without PEM armour. */
  rawData: string
}

/** A DSC that may be exported at `now`, parsed once for every export that needs it. */
export interface ExportableDsc {
  readonly country: string
  readonly signer: DccSigner
  readonly der: Uint8Array
  readonly kid: string
  readonly key: KeyObject
  /** The issue time of the list that carries the DSC. */
  readonly issuedAt: string
}

export function euDccTrustList(heads: readonly ExportHead[], options: ExportTime): EuDccTrustListEntry[] {
  return exportableDscs(heads, options.now).map((dsc) => ({
    kid: dsc.kid,
    timestamp: isoTime(dsc.issuedAt),
    country: dsc.country,
    certificateType: 'DSC',
    thumbprint: createHash('sha256').update(dsc.der).digest('hex'),
    signature: '',
    rawData: dsc.signer.certificate,
  }))
}

/**
 * The DSCs Entente itself would accept at `now`, ordered by kid then country (the gateway orders by kid).
 * Left out: revoked kids (whatever their revokedAt: a copied export cannot learn of a revocation later),
 * DSCs outside the intersection of the list's window and the X.509 validity, and entries whose
 * certificate does not parse or whose kid is not the hash of that certificate (a verifier of Entente
 * rejects those too, so no export may hand them to other verifiers).
 */
export function exportableDscs(heads: readonly ExportHead[], now: Date): ExportableDsc[] {
  const at = now.getTime()
  const out: ExportableDsc[] = []
  for (const head of heads) {
    const revoked = new Set(head.payload.revokedSigners.map((r) => r.kid))
    const seen = new Set<string>()
    for (const signer of head.payload.signers) {
      if (signer.format !== 'dcc' || revoked.has(signer.kid) || seen.has(signer.kid)) continue
      const der = fromBase64(signer.certificate)
      if (der === undefined) continue
      let dsc
      try {
        dsc = parseDsc(der)
      } catch (error) {
        if (isEntenteError(error)) continue
        throw error
      }
      if (dsc.kid !== signer.kid) continue
      const from = Math.max(Date.parse(signer.validFrom), dsc.notBefore.getTime())
      const until = Math.min(Date.parse(signer.validUntil), dsc.notAfter.getTime())
      // NaN (an unreadable date) fails both comparisons, so such an entry is left out.
      if (!(at >= from && at <= until)) continue
      seen.add(signer.kid)
      out.push({ country: head.country, signer, der, kid: dsc.kid, key: createPublicKey({ key: Buffer.from(dsc.key.spki), format: 'der', type: 'spki' }), issuedAt: head.issuedAt })
    }
  }
  return out.sort((a, b) => compare(a.kid, b.kid) || compare(a.country, b.country))
}

function isoTime(text: string): string {
  const time = Date.parse(text)
  return Number.isNaN(time) ? text : new Date(time).toISOString()
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
