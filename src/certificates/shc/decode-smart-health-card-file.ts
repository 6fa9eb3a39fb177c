// Reads a ".smart-health-card" file's text ({"verifiableCredential": [JWS, …]}) into its compact JWSs.
// Pure: no I/O (the caller read the file); throws only EntenteError.
import { EntenteError } from '../../model/errors.js'

export function decodeSmartHealthCardFile(text: string, maxChars = 1_048_576): string[] {
  if (text.length > maxChars) throw new EntenteError('ERR_DECODE_TOO_LARGE', `file longer than ${maxChars} characters`)
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    throw new EntenteError('ERR_DECODE_SHC_FILE', 'file is not JSON', { cause: error })
  }
  const list = (value as { verifiableCredential?: unknown } | null)?.verifiableCredential
  if (!Array.isArray(list) || list.length === 0 || !list.every((x): x is string => typeof x === 'string')) {
    throw new EntenteError('ERR_DECODE_SHC_FILE', 'verifiableCredential must be a non-empty array of JWS strings')
  }
  return list
}
