// A node's configuration: node.json validated against registry-schema and merged over defaults.
// Parsing is pure; loadNodeConfig reads the file.
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { EntenteError } from '../model/errors.js'
import { schemaValidators } from '../model/schemas.js'
import type { NodeConfig } from '../model/schema.types.js'
import { DEFAULT_MAX_TRUST_LIST_BYTES, DEFAULT_VALIDITY_DAYS } from '../trust-list/constants.js'

export const NODE_CONFIG_FILE = 'node.json'
const MAX_CONFIG_BYTES = 256 * 1024

export const DEFAULT_LIMITS = {
  maxTrustListBytes: DEFAULT_MAX_TRUST_LIST_BYTES,
  maxBodyBytes: 2 * 1024 * 1024,
  maxGossipMessageBytes: DEFAULT_MAX_TRUST_LIST_BYTES + 64 * 1024,
  requestTimeoutMs: 10_000,
  // Admission caps: 250 countries × 4 alarms stays within the bundle's 1000 alarms; 64 lists or 16 MiB per country
  // bound what one foreign root can make a node keep and serve.
  maxCountries: 250,
  maxHistoryPerCountry: 64,
  maxBytesPerCountry: 16 * 1024 * 1024,
  maxAlarmsPerCountry: 4,
  maxQuarantinePerPeer: 8,
  maxQuarantine: 32,
} as const

/** The config with every default filled in and every path absolute. */
export interface ResolvedNodeConfig {
  readonly file: string
  readonly dir: string
  readonly country: string
  readonly name: string
  readonly http: { readonly host: string; readonly port: number; readonly publicUrl: string | undefined }
  readonly p2p: { readonly listen: readonly string[]; readonly bootstrap: readonly string[] }
  readonly paths: { readonly store: string; readonly rootKey: string; readonly peerKey: string; readonly operatorToken: string }
  readonly operatorTokenSha256: string | undefined
  readonly trustList: { readonly validityDays: number; readonly quorum: number }
  readonly limits: { readonly [K in keyof typeof DEFAULT_LIMITS]: number }
  readonly webauthn: NodeConfig['webauthn']
  readonly raw: NodeConfig
}

export function resolveNodeConfig(raw: unknown, file: string): ResolvedNodeConfig {
  const config = schemaValidators().check('node-config.v1', raw, 'ERR_CONFIG_INVALID')
  const dir = path.dirname(path.resolve(file))
  const at = (p: string | undefined, fallback: string): string => path.resolve(dir, p ?? fallback)
  return {
    file: path.resolve(file),
    dir,
    country: config.country,
    name: config.name ?? config.country,
    http: {
      host: config.http?.host ?? '127.0.0.1',
      port: config.http?.port ?? 7100,
      publicUrl: config.http?.publicUrl,
    },
    p2p: { listen: config.p2p?.listen ?? ['/ip4/127.0.0.1/tcp/0'], bootstrap: config.p2p?.bootstrap ?? [] },
    paths: {
      store: at(config.paths?.store, 'entente.sqlite'),
      rootKey: at(config.paths?.rootKey, 'root-key.jwk'),
      peerKey: at(config.paths?.peerKey, 'peer-key.json'),
      operatorToken: at(undefined, 'operator-token'),
    },
    operatorTokenSha256: config.operator?.tokenSha256,
    trustList: {
      validityDays: config.trustList?.validityDays ?? DEFAULT_VALIDITY_DAYS,
      quorum: config.trustList?.quorum ?? 2,
    },
    limits: { ...DEFAULT_LIMITS, ...config.limits },
    webauthn: config.webauthn,
    raw: config,
  }
}

/** `location` is a node directory (holding node.json) or the config file itself. */
export async function loadNodeConfig(location: string): Promise<ResolvedNodeConfig> {
  const file = location.endsWith('.json') ? location : path.join(location, NODE_CONFIG_FILE)
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (cause) {
    throw new EntenteError('ERR_CONFIG_NOT_FOUND', `no node config at ${file} (run entente init first)`, { cause })
  }
  if (Buffer.byteLength(text) > MAX_CONFIG_BYTES) throw new EntenteError('ERR_CONFIG_INVALID', `${file} is too large`)
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (cause) {
    throw new EntenteError('ERR_CONFIG_INVALID', `${file} is not valid JSON`, { cause })
  }
  return resolveNodeConfig(raw, file)
}
