// Codes of certificate revocation lists: decoding, signature, chain and freshness, and the operator's entries.
export type RevocationErrorCode =
  | 'ERR_REVOCATION_MALFORMED'
  | 'ERR_REVOCATION_TOO_LARGE'
  | 'ERR_REVOCATION_SCHEMA'
  | 'ERR_REVOCATION_NOT_CANONICAL'
  | 'ERR_REVOCATION_SIGNATURE'
  | 'ERR_REVOCATION_WRONG_ROOT'
  | 'ERR_REVOCATION_COUNTRY_MISMATCH'
  | 'ERR_REVOCATION_ROLLBACK'
  | 'ERR_REVOCATION_DUPLICATE'
  | 'ERR_REVOCATION_EQUIVOCATION'
  | 'ERR_REVOCATION_CHAIN'
  | 'ERR_REVOCATION_EXPIRED'
  | 'ERR_REVOCATION_NOT_YET_VALID'
  | 'ERR_REVOCATION_ENTRY'
  /** A partition that the verified index does not name with exactly this hash and seq (forged, replayed or retired). */
  | 'ERR_REVOCATION_PARTITION_UNLISTED'
