// Paths into the shared public test vectors (never copied into the project).
import { readFileSync } from 'node:fs'
import path from 'node:path'

export const vectorsDir = process.env.ENTENTE_VECTORS ?? path.resolve(import.meta.dirname, '../../../shared/vectors')

export function vectorPath(...parts: string[]): string {
  return path.join(vectorsDir, ...parts)
}

export interface DccVector {
  readonly PREFIX: string
  readonly TESTCTX: { readonly CERTIFICATE: string; readonly VALIDATIONCLOCK: string }
}

export function dccVector(...parts: string[]): DccVector {
  return JSON.parse(readFileSync(vectorPath('dcc', ...parts), 'utf8')) as DccVector
}
