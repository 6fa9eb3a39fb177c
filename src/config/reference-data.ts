// Where the public reference data lives (EU DCC schema and value sets): read by path at run time, never
// copied into the project. ENTENTE_VECTORS overrides the default ../shared/vectors beside the checkout.
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

export function referenceDataDir(): string {
  return process.env.ENTENTE_VECTORS ?? path.resolve(projectRoot, '../shared/vectors')
}

/** The EU DCC combined JSON schema, or undefined where it is not installed (schema warnings are then skipped). */
export async function loadDccSchema(file = process.env.ENTENTE_DCC_SCHEMA ?? path.join(referenceDataDir(), 'schema', 'DCC.combined-schema.json')): Promise<object | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as object
  } catch {
    return undefined
  }
}
