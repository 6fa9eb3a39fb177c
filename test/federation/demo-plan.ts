// The real nodes/ plan copied to a temporary folder with every node moved to free loopback ports, so a test never
// collides with a running demo.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import type { FederationPlan, NodeConfig } from '../../src/model/schema.types.js'
import { freePort } from '../helpers/free-port.js'

export const projectRoot = path.resolve(import.meta.dirname, '../..')

export async function nodesOnFreePorts(root: string): Promise<string> {
  const nodesDir = path.join(root, 'nodes')
  const plan = JSON.parse(readFileSync(path.join(projectRoot, 'nodes', 'federation.json'), 'utf8')) as FederationPlan
  mkdirSync(nodesDir, { recursive: true })
  writeFileSync(path.join(nodesDir, 'federation.json'), JSON.stringify({ ...plan, $schema: undefined }))
  for (const country of plan.countries) {
    const config = JSON.parse(readFileSync(path.join(projectRoot, 'nodes', country, 'node.json'), 'utf8')) as NodeConfig
    const [http, p2p] = [await freePort(), await freePort()]
    mkdirSync(path.join(nodesDir, country))
    const moved: NodeConfig = {
      ...config,
      $schema: undefined,
      http: { ...config.http, port: http, publicUrl: `http://127.0.0.1:${http}` },
      p2p: { listen: [`/ip4/127.0.0.1/tcp/${p2p}`] },
      ...(config.webauthn === undefined ? {} : { webauthn: { ...config.webauthn, origin: `http://localhost:${http}` } }),
    }
    writeFileSync(path.join(nodesDir, country, 'node.json'), JSON.stringify(moved))
  }
  return nodesDir
}

/** The port a node of the copied plan listens on. */
export function planPort(nodesDir: string, country: string, which: 'http' | 'p2p'): number {
  const config = JSON.parse(readFileSync(path.join(nodesDir, country, 'node.json'), 'utf8')) as NodeConfig
  if (which === 'http') return config.http?.port ?? 0
  return Number(/\/tcp\/(\d+)/.exec(config.p2p?.listen?.[0] ?? '')?.[1])
}
