// Size caps applied before and during decoding, so hostile input is bounded. Pure constants.

export interface DecodeLimits {
  /** Maximum characters of a scanned payload (a version 40 QR code holds at most 4296 alphanumerics). */
  maxPayloadChars: number
  /** Maximum inflated bytes of a DCC COSE message or an SHC JWS payload (zip bombs stop here). */
  maxInflatedBytes: number
  /** Maximum number of SHC QR chunks. */
  maxShcChunks: number
}

export const defaultLimits: Readonly<DecodeLimits> = Object.freeze({
  maxPayloadChars: 65_536,
  maxInflatedBytes: 262_144,
  maxShcChunks: 99,
})

/** A single SHC QR code (version 22, low error correction) holds at most this many JWS characters. */
export const SHC_MAX_SINGLE_QR_JWS = 1195
