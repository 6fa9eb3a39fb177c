// A node's configuration: node.json validated against registry-schema and merged over defaults.
// Parsing is pure; loadNodeConfig reads the file.
import { readFile } from 'node:fs/promises'
import { isIP } from 'node:net'
import path from 'node:path'
import { EntenteError } from '../model/errors.js'
import { schemaValidators } from '../model/schemas.js'
import type { NodeConfig } from '../model/schema.types.js'
import { DEFAULT_MAX_TRUST_LIST_BYTES, DEFAULT_VALIDITY_DAYS } from '../trust-list/constants.js'
import { DEFAULT_P2P_LIMITS, type P2pLimits } from '../gossip/constants.js'

export const NODE_CONFIG_FILE = 'node.json'
const MAX_CONFIG_BYTES = 256 * 1024

export const DEFAULT_LIMITS = {
  maxTrustListBytes: DEFAULT_MAX_TRUST_LIST_BYTES,
  // Operator requests other than signed-list uploads (which may always be maxTrustListBytes plus the envelope).
  maxBodyBytes: 2 * 1024 * 1024,
  maxGossipMessageBytes: DEFAULT_MAX_TRUST_LIST_BYTES + 64 * 1024,
  requestTimeoutMs: 10_000,
  // Admission caps: 250 countries × 4 alarms stays within the bundle's 1000 alarms; 64 lists or 8 lists of the
  // largest size per country bound what one foreign root can make a node keep and serve (seq 1, handovers and the
  // head are never pruned, so the byte cap must hold several of the largest lists or a big country gets stuck).
  maxCountries: 250,
  maxHistoryPerCountry: 64,
  maxBytesPerCountry: 8 * DEFAULT_MAX_TRUST_LIST_BYTES,
  maxAlarmsPerCountry: 4,
  maxQuarantinePerPeer: 8,
  maxQuarantine: 32,
  // Partitioned certificate revocations, apart from the trust-list caps above (which never count them): 20 million
  // entries (published plus queued) per own country, taken in by publishes of at most a million queue rows each.
  maxRevocationEntries: 20_000_000,
  maxRevocationsPerPublish: 1_000_000,
  // Up to this many entries of each kind a country publishes single revocation lists; beyond, partitioned indexes.
  maxRevocationListEntries: 10_000,
} as const

/** The config with every default filled in and every path absolute. */
export interface ResolvedNodeConfig {
  readonly file: string
  readonly dir: string
  readonly country: string
  readonly name: string
  readonly http: {
    readonly host: string
    readonly port: number
    /** Normalised without a trailing slash: `${publicUrl}/diplomats/…` is a link. */
    readonly publicUrl: string | undefined
    /** Absolute paths of the PEM certificate chain and key; absent: plain HTTP. */
    readonly tls: { readonly cert: string; readonly key: string } | undefined
    /** Proxy addresses whose X-Forwarded-For names the client (none by default). */
    readonly trustProxy: readonly string[]
  }
  readonly p2p: {
    readonly listen: readonly string[]
    /** Published in the own list's `nodes` entry; empty: the listen addresses that are no wildcard. */
    readonly announce: readonly string[]
    readonly bootstrap: readonly string[]
    /** Dial private/loopback/link-local addresses learned from lists (bootstrap is always dialled). */
    readonly allowPrivate: boolean
    readonly limits: P2pLimits
  }
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
      host: httpHost(config.http?.host ?? '127.0.0.1'),
      port: config.http?.port ?? 7100,
      publicUrl: config.http?.publicUrl === undefined ? undefined : publicUrlOf(config.http.publicUrl),
      tls: config.http?.tls === undefined ? undefined : { cert: at(config.http.tls.cert, ''), key: at(config.http.tls.key, '') },
      trustProxy: (config.http?.trustProxy ?? []).map(proxyAddress),
    },
    p2p: {
      listen: config.p2p?.listen ?? ['/ip4/127.0.0.1/tcp/0'],
      announce: config.p2p?.announce ?? [],
      bootstrap: config.p2p?.bootstrap ?? [],
      allowPrivate: config.p2p?.allowPrivate ?? false,
      limits: { ...DEFAULT_P2P_LIMITS, ...config.p2p?.limits },
    },
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
    webauthn: config.webauthn === undefined ? undefined : relyingPartyConfig(config.webauthn),
    raw: config,
  }
}

const DNS_NAME = /^(?=.{1,253}$)(?!-)[A-Za-z0-9-]{1,63}(?<!-)(?:\.(?!-)[A-Za-z0-9-]{1,63}(?<!-))*\.?$/

/** Any IPv4 or IPv6 address (0.0.0.0 and :: bind every interface) or a DNS name: the operator decides where to listen. */
function httpHost(host: string): string {
  // An IPv6 address may come bracketed as in a URL; node:net wants it bare.
  const bare = /^\[(.+)\]$/.exec(host)?.[1] ?? host
  if (isIP(bare.replace(/%[A-Za-z0-9._-]+$/, '')) !== 0 || DNS_NAME.test(bare)) return bare
  throw new EntenteError('ERR_CONFIG_INVALID', `http.host must be an IP address or a host name, not ${JSON.stringify(host)}`)
}

function publicUrlOf(raw: string): string {
  let url: URL
  try {
    url = new URL(raw)
  } catch (cause) {
    throw new EntenteError('ERR_CONFIG_INVALID', `http.publicUrl is not a URL: ${raw}`, { cause })
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
    throw new EntenteError('ERR_CONFIG_INVALID', `http.publicUrl must be an http(s) URL without credentials, query or fragment: ${raw}`)
  }
  return url.href.replace(/\/+$/, '')
}

function proxyAddress(address: string): string {
  if (isIP(address) === 0) throw new EntenteError('ERR_CONFIG_INVALID', `http.trustProxy takes IP addresses, not ${JSON.stringify(address)}`)
  return address
}

/** WebAuthn's own rule: the rpId is the origin's host or a parent domain of it; otherwise no passkey would ever work. */
function relyingPartyConfig(webauthn: NonNullable<NodeConfig['webauthn']>): NodeConfig['webauthn'] {
  let host: string
  try {
    host = new URL(webauthn.origin).hostname
  } catch (cause) {
    throw new EntenteError('ERR_CONFIG_INVALID', `webauthn.origin is not a URL: ${webauthn.origin}`, { cause })
  }
  if (host !== webauthn.rpId && !host.endsWith(`.${webauthn.rpId}`)) {
    throw new EntenteError('ERR_CONFIG_INVALID', `webauthn.rpId ${webauthn.rpId} is neither the host of webauthn.origin (${host}) nor a parent domain of it`)
  }
  return webauthn
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

/**
 * Where this node is reached: `http.publicUrl`, or else its configured address (a wildcard bind address is reached
 * on loopback; an IPv6 address in brackets). The scheme follows `http.tls`.
 */
export function nodeBaseUrl(config: Pick<ResolvedNodeConfig, 'http'>): string {
  if (config.http.publicUrl !== undefined) return config.http.publicUrl
  const scheme = config.http.tls === undefined ? 'http' : 'https'
  const host = config.http.host === '0.0.0.0' ? '127.0.0.1' : config.http.host === '::' ? '::1' : config.http.host
  return `${scheme}://${isIP(host) === 6 ? `[${host}]` : host}:${config.http.port}`
}
