// Composition root: one country's node from its config: store, operator service, HTTP API (and, later,
// gossip). The only place where the layers are wired together.
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createAdaptorServer } from '@hono/node-server'
import type { Hono } from 'hono'
import type { ResolvedNodeConfig } from './config/node-config.js'
import { readRootKey } from './config/secrets.js'
import { createApp } from './http/app.js'
import { nodeMetrics, type NodeMetrics } from './metrics/metrics.js'
import { EntenteError } from './model/errors.js'
import type { NodeAddress } from './model/schema.types.js'
import { OperatorService } from './operator/operator-service.js'
import { defaultValueSetsDir, loadVaccineValueSets, type VaccineValueSets } from './operator/value-sets.js'
import { SqliteStore } from './store/sqlite-store.js'

export interface NodeOptions {
  readonly now?: () => Date
  /** Directory of the EU DCC value sets (vaccine-medicinal-product.json). */
  readonly valueSetsDir?: string
  /** Override the configured HTTP port (0: any free port). */
  readonly port?: number
  readonly log?: (line: string) => void
}

export interface RunningNode {
  readonly config: ResolvedNodeConfig
  readonly url: string
  readonly app: Hono
  readonly store: SqliteStore
  readonly operator: OperatorService
  readonly metrics: NodeMetrics
  stop(): Promise<void>
}

/** Builds the node without listening: what tests drive through app.request. */
export function createNode(config: ResolvedNodeConfig, options: NodeOptions = {}) {
  const now = options.now ?? (() => new Date())
  const store = SqliteStore.open(config.paths.store)
  const metrics = nodeMetrics()
  let valueSets: Promise<VaccineValueSets> | undefined
  let publicUrl = config.http.publicUrl
  const operator = new OperatorService({
    store,
    country: config.country,
    now,
    validityDays: config.trustList.validityDays,
    quorum: config.trustList.quorum,
    maxTrustListBytes: config.limits.maxTrustListBytes,
    loadRootKey: () => readRootKey(config.paths.rootKey),
    loadValueSets: () => {
      // Loaded on first use and kept; a failed load is retried next time.
      const loading =
        valueSets ??
        loadVaccineValueSets(options.valueSetsDir ?? defaultValueSetsDir()).catch((error: unknown) => {
          valueSets = undefined
          throw error
        })
      valueSets = loading
      return loading
    },
    nodes: (): NodeAddress[] => (publicUrl === undefined ? [] : [{ multiaddrs: [], url: publicUrl }]),
    onPublished: (list) => {
      metrics.listsAccepted.inc({ source: 'operator' })
      options.log?.(`published ${list.country} seq ${list.seq}`)
    },
  })
  const app = createApp({ config, store, metrics, operator, now })
  return {
    config,
    store,
    metrics,
    operator,
    app,
    setPublicUrl: (url: string) => {
      publicUrl ??= url
    },
  }
}

export async function startNode(config: ResolvedNodeConfig, options: NodeOptions = {}): Promise<RunningNode> {
  const node = createNode(config, options)
  const server = createAdaptorServer({ fetch: node.app.fetch, hostname: config.http.host }) as Server
  // Slow clients must not hold sockets forever.
  server.requestTimeout = config.limits.requestTimeoutMs
  server.headersTimeout = Math.min(config.limits.requestTimeoutMs, 60_000)
  const port = options.port ?? config.http.port
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      node.store.close()
      reject(new EntenteError('ERR_HTTP_UNAVAILABLE', `cannot listen on ${config.http.host}:${port}: ${error.code ?? error.message}`, { cause: error }))
    })
    server.listen(port, config.http.host, () => resolve())
  })
  const address = server.address() as AddressInfo
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address
  const url = `http://${host}:${address.port}`
  node.setPublicUrl(url)
  options.log?.(`${config.country} node listening on ${url}`)
  let stopped: Promise<void> | undefined
  return {
    config,
    url,
    app: node.app,
    store: node.store,
    operator: node.operator,
    metrics: node.metrics,
    stop: () => {
      stopped ??= new Promise<void>((resolve) => {
        server.close(() => resolve())
        // Idle keep-alive sockets would otherwise hold close() open.
        server.closeIdleConnections()
      }).finally(() => node.store.close())
      return stopped
    },
  }
}
