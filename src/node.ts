// Composition root: one country's node from its config: store, operator service, HTTP API (and, later,
// gossip). The only place where the layers are wired together.
import './platform/use-node-platform.js'
import type { Server } from 'node:http'
import https from 'node:https'
import type { AddressInfo } from 'node:net'
import { createAdaptorServer } from '@hono/node-server'
import type { Hono } from 'hono'
import type { ResolvedNodeConfig } from './config/node-config.js'
import { acquireNodeLock, type NodeLock } from './config/node-lock.js'
import { nodeRoot, ownRootThumbprint, rootAccess } from './config/node-root.js'
import { createDiplomatService, type DiplomatService } from './diplomats/diplomat-service.js'
import { createApp } from './http/app.js'
import { mountDiplomats } from './http/diplomats/routes.js'
import { clientAddress } from './http/rate-limit.js'
import { enforceRequestDeadlines } from './http/request-deadlines.js'
import { isBulkImport } from './http/revocation-routes.js'
import { describeTls, loadTlsCredentials, type TlsCredentials } from './http/tls.js'
import { nodeMetrics, type NodeMetrics } from './metrics/metrics.js'
import { EntenteError, isEntenteError } from './model/errors.js'
import { GossipService, announcedAddresses, createPeerKeyFile, loadPeerKey } from './gossip/index.js'
import type { NodeAddress } from './model/schema.types.js'
import { OperatorService } from './operator/operator-service.js'
import { defaultValueSetsDir, loadVaccineValueSets, type VaccineValueSets } from './operator/value-sets.js'
import { SqliteStore } from './store/sqlite-store.js'
import { Admission } from './admission/admission.js'
import { RevocationRepository } from './store/revocation-repository.js'

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
  readonly gossip: GossipService
  readonly revocations: RevocationRepository
  readonly admission: Admission
  /**
   * Re-reads http.tls and serves the new pair to new connections (SIGHUP). Throws ERR_TLS_CERTIFICATE and keeps the
   * old pair when the files are missing, unreadable or do not match; undefined on a plain-HTTP node.
   */
  reloadTls(): Promise<TlsCredentials | undefined>
  stop(): Promise<void>
}

/** Builds the node without listening: what tests drive through app.request. */
export function createNode(config: ResolvedNodeConfig, options: NodeOptions = {}) {
  const now = options.now ?? (() => new Date())
  const store = SqliteStore.open(config.paths.store)
  // Certificate revocation lists live in the same file (migration 3).
  const revocations = new RevocationRepository(store.database)
  const metrics = nodeMetrics()
  let valueSets: Promise<VaccineValueSets> | undefined
  // The EU vaccine value set, for the operator's edits and the diplomat pages' product names. Loaded on first use and
  // kept; a failed load is retried next time.
  const loadValueSets = (): Promise<VaccineValueSets> => {
    const loading =
      valueSets ??
      loadVaccineValueSets(options.valueSetsDir ?? defaultValueSetsDir()).catch((error: unknown) => {
        valueSets = undefined
        throw error
      })
    valueSets = loading
    return loading
  }
  let publicUrl = config.http.publicUrl
  // Set by startNode once the libp2p host runs; app.request tests run without it.
  const links: { gossip?: GossipService } = {}
  // Admission: which countries this node holds (own root, operator pins, recognitions by admitted countries).
  const admission = new Admission({
    store,
    country: config.country,
    limits: config.limits,
    metrics,
    now,
    ...(options.log === undefined ? {} : { log: options.log }),
    // A newly anchored country (a pin, a recognition) is pulled from peers now, not at the next publish or round.
    onAnchored: () => {
      links.gossip?.catchUpNow().catch((error: unknown) => options.log?.(`catch-up after a new anchor failed: ${String(error)}`))
    },
  })
  // The own root (key file or offline root): read once; until then the own held chain anchors the own country.
  void ownRootThumbprint(config).then(
    (thumbprint) => thumbprint !== undefined && admission.setOwnRoot(thumbprint),
    () => undefined,
  )
  // Set once the diplomat service exists (it needs the operator service): a governance reset installs its pending set.
  const governance: { pending?: () => ReturnType<DiplomatService['pendingGovernanceSet']> } = {}
  const operator = new OperatorService({
    store,
    country: config.country,
    now,
    pendingGovernance: () => governance.pending?.(),
    validityDays: config.trustList.validityDays,
    quorum: config.trustList.quorum,
    maxTrustListBytes: config.limits.maxTrustListBytes,
    // An offline-root node refuses with ERR_OFFLINE_ROOT, naming the prepare, sign and upload steps.
    ...rootAccess(config),
    loadValueSets,
    // Published in every list so peers (and verifiers) find this node: its libp2p identity and its URL.
    nodes: (): NodeAddress[] => {
      const gossip = links.gossip
      if (gossip === undefined && publicUrl === undefined) return []
      // p2p.announce (public addresses, DNS names) when set; else what the host listens on, wildcards left out.
      const p2p = gossip === undefined ? { multiaddrs: [] } : { peerId: gossip.peerId.toString(), multiaddrs: announcedAddresses(config.p2p.announce, config.p2p.listen, gossip.multiaddrs(), gossip.peerId.toString()) }
      return [{ ...p2p, ...(publicUrl === undefined ? {} : { url: publicUrl }) }]
    },
    onPublished: (list) => {
      metrics.listsAccepted.inc({ source: 'operator' })
      // Our own recognitions may have changed what is anchored.
      admission.afterAccepted(list.country)
      options.log?.(`published ${list.country} seq ${list.seq}`)
      links.gossip?.publishList(list.signed).catch((error: unknown) => options.log?.(`gossip publish failed: ${String(error)}`))
    },
    revocations,
    onRevocationsPublished: (list) => {
      options.log?.(`published the ${list.country} revocation list seq ${list.seq}`)
      links.gossip?.publishRevocationList(list.signed).catch((error: unknown) => options.log?.(`gossip publish failed: ${String(error)}`))
    },
    onRevocationIndexPublished: ({ index, partitions }) => {
      options.log?.(`published the ${index.country} revocation index seq ${index.seq} (${partitions.length} changed partitions)`)
      // Read back from the store one at a time as gossip sends them: a first publish of 10 million hashes has ~250 MB.
      const stored = function* () {
        for (const p of partitions) {
          const held = revocations.partitions.partition(p.hash)
          if (held !== undefined) yield held.signed
        }
      }
      links.gossip?.publishRevocationIndex(index.signed, stored()).catch((error: unknown) => options.log?.(`gossip publish failed: ${String(error)}`))
    },
    revocationLimits: { maxRevocationEntries: config.limits.maxRevocationEntries, maxRevocationsPerPublish: config.limits.maxRevocationsPerPublish, maxRevocationListEntries: config.limits.maxRevocationListEntries },
  })
  // Diplomats: passkey invites, sessions and quorum approvals; their tables live in the same SQLite file.
  const diplomats = createDiplomatService({ store, operator, config, now, nodeUrl: () => publicUrl, configuredQuorum: config.trustList.quorum })
  governance.pending = () => diplomats.pendingGovernanceSet()
  const app = createApp({ config, store, revocations, metrics, operator, now, admission, health: () => (links.gossip === undefined ? {} : { peers: links.gossip.peerCount(), peerId: links.gossip.peerId.toString() }), mount: (a) => mountDiplomats(a, diplomats, { operatorTokenSha256: config.operatorTokenSha256, clientAddress: clientAddress(config.http.trustProxy), vaccineNames: async () => (await loadValueSets()).products }) })
  return {
    config,
    store,
    revocations,
    metrics,
    operator,
    diplomats,
    app,
    links,
    admission,
    setPublicUrl: (url: string) => {
      publicUrl ??= url
    },
  }
}

export async function startNode(config: ResolvedNodeConfig, options: NodeOptions = {}): Promise<RunningNode> {
  // One writer per directory: a second node, or a local publish, would race this node's own publishes.
  const lock: NodeLock = await acquireNodeLock(config.dir, 'node')
  let node: ReturnType<typeof createNode>
  let tls: TlsCredentials | undefined
  try {
    // Refuses a private root key lying beside an offline root before anything opens.
    await nodeRoot(config)
    // A bad certificate or key fails the start with ERR_TLS_CERTIFICATE before anything listens.
    tls = config.http.tls === undefined ? undefined : await loadTlsCredentials(config.http.tls)
    node = createNode(config, options)
  } catch (error) {
    await lock.release()
    throw error
  }
  const now = options.now ?? (() => new Date())
  let gossip: GossipService
  try {
    // With an offline root the node holds only the public root from init: it anchors the own country all the same.
    const ownRoot = await ownRootThumbprint(config)
    node.admission.setOwnRoot(ownRoot)
    // Whatever lost its anchor while the node was down (or was taken on first contact by older versions) goes.
    node.admission.reconcile()
    gossip = new GossipService({
      admission: node.admission,
      privateKey: await loadOrCreatePeerKey(config.paths.peerKey),
      listen: config.p2p.listen,
      announce: config.p2p.announce,
      bootstrap: config.p2p.bootstrap,
      allowPrivate: config.p2p.allowPrivate,
      limits: config.p2p.limits,
      store: node.store,
      now,
      maxMessageBytes: Math.min(config.limits.maxGossipMessageBytes, config.limits.maxTrustListBytes),
      metrics: node.metrics,
      revocations: node.revocations,
      ...(options.log === undefined ? {} : { log: options.log }),
    })
    await gossip.start()
  } catch (error) {
    node.store.close()
    await lock.release()
    throw error
  }
  node.links.gossip = gossip
  // Built-in TLS, or plain HTTP (loopback, or behind a reverse proxy that terminates TLS).
  // Header deadlines checked every second (Node's default, 30 s, let a slow client keep a socket 40 s past them).
  const checking = { connectionsCheckingInterval: 1000 }
  const server = (
    tls === undefined
      ? createAdaptorServer({ fetch: node.app.fetch, hostname: config.http.host, serverOptions: checking })
      : createAdaptorServer({
          fetch: node.app.fetch,
          hostname: config.http.host,
          createServer: https.createServer,
          serverOptions: { ...checking, cert: tls.cert, key: tls.key, minVersion: 'TLSv1.2' },
        })
  ) as Server
  // Slow clients must not hold sockets forever: each request arrives whole within the request timeout, a bulk
  // revocation import (hundreds of MB) keeps arriving at 64 KiB a minute or more; headers within the timeout too.
  enforceRequestDeadlines(server, {
    timeoutMs: config.limits.requestTimeoutMs,
    streaming: { matches: isBulkImport, windowMs: Math.max(config.limits.requestTimeoutMs, 60_000), minBytes: 64 * 1024 },
  })
  server.headersTimeout = Math.min(config.limits.requestTimeoutMs, 60_000)
  const port = options.port ?? config.http.port
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) => {
        reject(new EntenteError('ERR_HTTP_UNAVAILABLE', `cannot listen on ${config.http.host}:${port}: ${error.code ?? error.message}`, { cause: error }))
      })
      server.listen(port, config.http.host, () => resolve())
    })
  } catch (error) {
    await gossip.stop()
    node.store.close()
    await lock.release()
    throw error
  }
  const address = server.address() as AddressInfo
  // A wildcard bind (0.0.0.0, ::) is reached locally on loopback; what others use is http.publicUrl.
  const wildcard = address.address === '0.0.0.0' || address.address === '::'
  const local = address.address === '0.0.0.0' ? '127.0.0.1' : address.address === '::' ? '::1' : address.address
  const url = `${tls === undefined ? 'http' : 'https'}://${address.family === 'IPv6' ? `[${local}]` : local}:${address.port}`
  // Without http.publicUrl a node advertises the address it is bound to, never a loopback stand-in for a wildcard.
  if (!wildcard) node.setPublicUrl(url)
  // The CLI finds the running node through its lock, even when it listens on another port than node.json says.
  await lock.setUrl(url)
  options.log?.(`${config.country} node listening on ${url}, peer ${gossip.peerId.toString()} on ${gossip.multiaddrs().join(' ')}`)
  if (tls !== undefined) options.log?.(describeTls(tls))
  let stopped: Promise<void> | undefined
  return {
    config,
    url,
    app: node.app,
    store: node.store,
    operator: node.operator,
    metrics: node.metrics,
    gossip,
    revocations: node.revocations,
    admission: node.admission,
    reloadTls: async () => {
      if (config.http.tls === undefined) return undefined
      const next = await loadTlsCredentials(config.http.tls)
      // Existing connections keep their session; new handshakes get the new pair.
      ;(server as unknown as https.Server).setSecureContext({ cert: next.cert, key: next.key })
      return next
    },
    stop: () => {
      stopped ??= new Promise<void>((resolve) => {
        server.close(() => resolve())
        // Idle keep-alive sockets would otherwise hold close() open.
        server.closeIdleConnections()
      })
        // Gossip first: it waits for lists in flight, which the store must still accept.
        .then(() => gossip.stop())
        .finally(() => node.store.close())
        .finally(() => lock.release())
      return stopped
    },
  }
}

/** Nodes initialised before peer keys existed get one on first start. */
async function loadOrCreatePeerKey(file: string) {
  try {
    return await loadPeerKey(file)
  } catch (error) {
    if (isEntenteError(error, 'ERR_CONFIG_NOT_FOUND')) return createPeerKeyFile(file)
    throw error
  }
}
