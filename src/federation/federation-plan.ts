// Reads the demo federation's plan (nodes/federation.json) and node templates (nodes/XX/node.json), validated.
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { EntenteError } from '../model/errors.js'
import { schemaValidators } from '../model/schemas.js'
import type { FederationPlan, NodeConfig } from '../model/schema.types.js'

export async function loadFederationPlan(nodesDir: string): Promise<{ plan: FederationPlan; templates: Map<string, NodeConfig> }> {
  const plan = schemaValidators().check('federation.v1', await readJsonFile(path.join(nodesDir, 'federation.json')), 'ERR_CONFIG_INVALID')
  const templates = new Map<string, NodeConfig>()
  for (const country of plan.countries) {
    const template = schemaValidators().check('node-config.v1', await readJsonFile(path.join(nodesDir, country, 'node.json')), 'ERR_CONFIG_INVALID')
    if (template.country !== country) throw new EntenteError('ERR_CONFIG_INVALID', `nodes/${country}/node.json is for ${template.country}`)
    if (template.operator !== undefined) throw new EntenteError('ERR_CONFIG_INVALID', `nodes/${country}/node.json must not hold an operator token hash`)
    templates.set(country, template)
  }
  for (const country of [...plan.bootstrap, ...plan.recognitions.flatMap((r) => [r.from, r.to]), ...plan.demo.certificates.flatMap((d) => [d.issuer, d.verifier])]) {
    if (!templates.has(country)) throw new EntenteError('ERR_CONFIG_INVALID', `federation.json names ${country}, which has no node in nodes/`)
  }
  return { plan, templates }
}

async function readJsonFile(file: string): Promise<unknown> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (cause) {
    throw new EntenteError('ERR_CONFIG_NOT_FOUND', `cannot read ${file}`, { cause })
  }
  try {
    return JSON.parse(text) as unknown
  } catch (cause) {
    throw new EntenteError('ERR_CONFIG_INVALID', `${file} is not valid JSON`, { cause })
  }
}
