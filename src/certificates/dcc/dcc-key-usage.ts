// Whether a DSC's extended key usage allows a DCC type (hcert §A.4). Pure.
import type { CertificateType } from '../verdict.types.js'

// Both the registered arc and the misspelt 1.3.6.1.4.1.0.1847… that many real DSCs carry.
const EKU_OIDS: Record<'test' | 'vaccination' | 'recovery', readonly string[]> = {
  test: ['1.3.6.1.4.1.1847.2021.1.1', '1.3.6.1.4.1.0.1847.2021.1.1'],
  vaccination: ['1.3.6.1.4.1.1847.2021.1.2', '1.3.6.1.4.1.0.1847.2021.1.2'],
  recovery: ['1.3.6.1.4.1.1847.2021.1.3', '1.3.6.1.4.1.0.1847.2021.1.3'],
}

/**
 * A DSC without EKU may sign every type; a DSC with an EKU extension must list the type's OID.
 * (The permissive reading "only DCC OIDs restrict" disagrees with vector IS/3, so it is not used.)
 */
export function dscAllowsType(extendedKeyUsage: readonly string[] | undefined, type: CertificateType): boolean {
  if (extendedKeyUsage === undefined) return true
  if (type === 'other') return false
  return EKU_OIDS[type].some((oid) => extendedKeyUsage.includes(oid))
}
