// Gossip benchmark (`npm run bench:gossip`): N real libp2p nodes (TCP on 127.0.0.1, noise, yamux, gossipsub) in ONE
// process, sparse random connected topology. Measures how fast a published list reaches every node, how many nodes
// gossip alone leaves behind, that catch-up leaves none behind, and bytes per update. Not part of the test suite.
// With --netns (root): the same measurement with every node a separate process in its own network namespace (one
// address each from 198.18.0.0/24 on a bridge, built by scripts/netns-federation.ts), reported next to loopback.
// Setup dials run a few at a time and are retried; a dial that still fails is reported as a figure, never a crash.
// Node: the native crypto platform, as the library's and the CLI's entry points install it.
import '../../src/platform/use-node-platform.js'
import '../../src/gossip/polyfills.js'
import type { ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import type { Metrics, MultiaddrConnection, PrivateKey, Stream } from '@libp2p/interface'
import { GossipService, type GossipServiceInit } from '../../src/gossip/gossip-service.js'
import { encodeListMessage } from '../../src/gossip/topics.js'
import { nodeMetrics } from '../../src/metrics/metrics.js'
import { acceptTrustList } from '../../src/store/accept-trust-list.js'
import { SqliteStore } from '../../src/store/sqlite-store.js'
import { buildTrustList, emptyDraft } from '../../src/trust-list/build-trust-list.js'
import { hashTrustList } from '../../src/trust-list/hash-trust-list.js'
import { generateRootKey, rootOf } from '../../src/trust-list/root-key.js'
import { signTrustList } from '../../src/trust-list/sign-trust-list.js'
import type { SignedTrustList } from '../../src/model/schema.types.js'
import { labUnavailable, NetnsLab, removeLabSync, removeStaleLabs } from '../netns-federation.js'

const NETNS = process.argv.includes('--netns')
const SIZES = (process.env.BENCH_SIZES ?? '10,50,100').split(',').map(Number)
/** Setup dials in flight at once: a hundred simultaneous noise handshakes time out on a small, busy machine. */
const DIAL_CONCURRENCY = 8
const DIAL_ATTEMPTS = 3
/** Benchmark processes start this many at a time in namespaces (each compiles the sources on start). */
const SPAWN_CONCURRENCY = 4
/** One lab per run (the pid), so two runs on one machine never remove each other's namespaces. */
const NETNS_PREFIX = `entente-b${process.pid}`
const P2P_PORT = 7201
const PUBLISHES = Number(process.env.BENCH_PUBLISHES ?? 5)
/** Each node dials this many random others (plus one link that keeps the graph connected). */
const DIALS_PER_NODE = 3
/** Gossip has settled when no node received the list for this long (3 gossipsub heartbeats: IHAVE/IWANT done). */
const QUIET_MS = 3_000
const MAX_WAIT_MS = 15_000
const NOW = new Date()

/** Counts bytes written to raw TCP connections and to gossipsub streams, by wrapping `send` (reading would steal data). */
class ByteCounter {
  tcp = 0
  gossip = 0
  factory(): (components: unknown) => Metrics {
    const noop: unknown = new Proxy(() => noop, { get: (_t, prop) => (prop === 'then' ? undefined : noop), apply: () => noop })
    return () =>
      new Proxy(
        {
          trackMultiaddrConnection: (maConn: MultiaddrConnection) => this.#wrap(maConn, (n) => (this.tcp += n)),
          trackProtocolStream: (stream: Stream) => {
            if (stream.protocol?.startsWith('/meshsub/') === true) this.#wrap(stream, (n) => (this.gossip += n))
          },
        },
        { get: (target, prop) => (prop in target ? target[prop as keyof typeof target] : noop) },
      ) as unknown as Metrics
  }
  #wrap(stream: { send: Stream['send'] }, add: (n: number) => void): void {
    const send = stream.send.bind(stream)
    stream.send = (data) => {
      add(data.byteLength)
      return send(data)
    }
  }
}

interface BenchNode {
  service: GossipService
  store: SqliteStore
  arrivals: Map<string, number>
  privateKey: PrivateKey
}

function benchService(node: Omit<BenchNode, 'service'>, bytes: ByteCounter, init: Partial<GossipServiceInit> = {}): GossipService {
  return new GossipService({
    privateKey: node.privateKey,
    store: node.store,
    now: () => NOW,
    maxMessageBytes: 1024 * 1024,
    metrics: nodeMetrics(),
    // Gossip alone: no periodic or connect-time catch-up; the catch-up phase triggers it by hand.
    catchUpIntervalMs: 0,
    catchUpOnConnect: false,
    // The benchmark measures gossip, not admission: every self-signed country is let in.
    admission: { judge: () => ({ admit: true }), quarantine: () => undefined, afterAccepted: () => undefined, alarmRoom: () => true, wouldAdmit: () => 'yes' },
    onAccepted: (list) => node.arrivals.set(list.hash, clock()),
    libp2pMetrics: bytes.factory(),
    ...init,
  })
}

async function startNodes(n: number, bytes: ByteCounter): Promise<{ nodes: BenchNode[]; dials: DialStats }> {
  const nodes = await Promise.all(
    Array.from({ length: n }, async () => {
      const base = { store: SqliteStore.open(':memory:'), arrivals: new Map<string, number>(), privateKey: await generateKeyPair('Ed25519') }
      const service = benchService(base, bytes)
      await service.start()
      return { ...base, service }
    }),
  )
  const dials = await dialTopology(topology(n), (a, b) => (nodes[a] as BenchNode).service.connect((nodes[b] as BenchNode).service.multiaddrs()[0] as string))
  await until(() => nodes.every((node) => node.service.topicPeerCount() > 0), 30_000)
  return { nodes, dials }
}

interface DialStats {
  edges: number
  retried: number
  failed: number
  /** Why the last attempt of each failed dial failed (error name), with counts. */
  readonly reasons: Map<string, number>
}

/** Sparse random connected graph: node i links to a random earlier node (a spanning tree), then to a few random others. */
function topology(n: number): [number, number][] {
  const edges = new Map<string, [number, number]>()
  const add = (a: number, b: number) => {
    if (a !== b) edges.set(a < b ? `${a}-${b}` : `${b}-${a}`, [a, b])
  }
  for (let i = 1; i < n; i++) add(i, Math.floor(Math.random() * i))
  for (let i = 0; i < n; i++) for (let k = 1; k < DIALS_PER_NODE; k++) add(i, Math.floor(Math.random() * n))
  return [...edges.values()]
}

/** At most DIAL_CONCURRENCY dials run at once; each is tried DIAL_ATTEMPTS times before it counts as failed. */
async function dialTopology(edges: readonly [number, number][], dial: (a: number, b: number) => Promise<unknown>): Promise<DialStats> {
  const stats: DialStats = { edges: edges.length, retried: 0, failed: 0, reasons: new Map() }
  await inPool(edges, DIAL_CONCURRENCY, async ([a, b]) => {
    for (let attempt = 1; ; attempt++) {
      try {
        await dial(a, b)
        if (attempt > 1) stats.retried++
        return
      } catch (error) {
        if (attempt >= DIAL_ATTEMPTS) {
          stats.failed++
          const reason = errorName(error)
          stats.reasons.set(reason, (stats.reasons.get(reason) ?? 0) + 1)
          return
        }
        await delay(200 * attempt + Math.random() * 200)
      }
    }
  })
  return stats
}

async function inPool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await work(items[next++] as T)
    }),
  )
}

function errorName(error: unknown): string {
  if (error instanceof Error) return (error as { code?: string }).code ?? error.name
  return String(error)
}

/** What one publish needs from a set of nodes, in this process or in namespaces. */
interface Swarm {
  readonly size: number
  /** Stores the list at node i and publishes it; the time (epoch ms) the publish started. */
  publish(i: number, list: SignedTrustList): Promise<number>
  /** Epoch ms at which node i stored the list with this hash, if it did. */
  arrival(i: number, hash: string): number | undefined
  catchUp(i: number): Promise<void>
  /** Gossipsub bytes and TCP bytes sent so far by all nodes, when counted. */
  bytes(): { gossip: number; tcp: number } | undefined
}

interface Delivery {
  /** ms from publish to the last node, when gossip reached every node. */
  readonly ms: number | undefined
  readonly lostByGossip: number
  readonly lostAfterCatchUp: number
  readonly catchUpMs: number
  readonly msgBytes: number
  readonly gossipBytes: number
  readonly tcpBytes: number
}

const clock = () => performance.timeOrigin + performance.now()

/** One publish from a random node: waits until gossip settles, then lets the nodes left behind catch up. */
async function publishOnce(swarm: Swarm, country: string): Promise<Delivery> {
  const origin = Math.floor(Math.random() * swarm.size)
  const { list, hash } = await countryList(country)
  const others = Array.from({ length: swarm.size }, (_, i) => i).filter((i) => i !== origin)
  const before = swarm.bytes()
  const t0 = await swarm.publish(origin, list)
  // Settled: every node has it, or nothing arrived for QUIET_MS.
  await until(() => {
    const last = Math.max(t0, ...others.map((i) => swarm.arrival(i, hash) ?? 0))
    return others.every((i) => swarm.arrival(i, hash) !== undefined) || clock() - last > QUIET_MS
  }, MAX_WAIT_MS)
  const missing = others.filter((i) => swarm.arrival(i, hash) === undefined)
  const ms = missing.length === 0 ? Math.max(...others.map((i) => (swarm.arrival(i, hash) as number) - t0)) : undefined
  const after = swarm.bytes()
  // Catch-up: the nodes left behind ask their peers (what the connect-time and periodic rounds do).
  const c0 = performance.now()
  await Promise.all(missing.map((i) => swarm.catchUp(i).catch(() => undefined)))
  const catchUpMs = performance.now() - c0
  const lostAfterCatchUp = others.filter((i) => swarm.arrival(i, hash) === undefined).length
  return {
    ms,
    lostByGossip: missing.length,
    lostAfterCatchUp,
    catchUpMs,
    msgBytes: encodeListMessage(list).byteLength,
    gossipBytes: before === undefined || after === undefined ? 0 : after.gossip - before.gossip,
    tcpBytes: before === undefined || after === undefined ? 0 : after.tcp - before.tcp,
  }
}

function loopbackSwarm(nodes: BenchNode[], counter: ByteCounter): Swarm {
  return {
    size: nodes.length,
    async publish(i, list) {
      const node = nodes[i] as BenchNode
      // The origin's operator stores the list, then gossip publishes it (as node.ts does).
      await acceptTrustList(node.store, list, { now: NOW })
      const t0 = clock()
      await node.service.publishList(list)
      return t0
    },
    arrival: (i, hash) => nodes[i]?.arrivals.get(hash),
    catchUp: (i) => (nodes[i] as BenchNode).service.catchUpNow(),
    bytes: () => ({ gossip: counter.gossip, tcp: counter.tcp }),
  }
}

interface Measured {
  readonly setupMs: number
  readonly dials: DialStats
  readonly cold: Delivery
  readonly warm: Delivery[]
}

/** Cold publish, then (meshes built) the measured warm publishes. */
async function measure(swarm: Swarm): Promise<Pick<Measured, 'cold' | 'warm'>> {
  // Cold: published the moment every node has a topic peer, before gossipsub built its meshes (a federation
  // starting up). This is where gossip alone loses messages.
  const cold = await publishOnce(swarm, 'QA')
  // Warm: meshes are built on heartbeats (once a second); then the measured publishes.
  await delay(3_000)
  const warm: Delivery[] = []
  for (let p = 0; p < PUBLISHES; p++) warm.push(await publishOnce(swarm, `X${String.fromCharCode(65 + p)}`))
  return { cold, warm }
}

async function main(): Promise<void> {
  const lab = NETNS ? await labUnavailable() : undefined
  if (lab !== undefined) throw new Error(`--netns: ${lab}`)
  console.log(`gossip benchmark: real libp2p nodes (TCP+noise+yamux+gossipsub), node ${process.version}`)
  console.log(`loopback: one process, every node on 127.0.0.1${NETNS ? '; netns: one process per node, each in its own network namespace with its own 198.18.0.0/24 address on a bridge' : ''}`)
  console.log(`topology: random spanning tree + ${DIALS_PER_NODE - 1} random dials per node (${DIAL_CONCURRENCY} dials at a time, ${DIAL_ATTEMPTS} attempts); ${PUBLISHES} publishes per size\n`)
  const setup: string[][] = [['N', 'where', 'setup ms', 'links', 'dials retried', 'dials failed', 'failure reasons']]
  const rows: string[][] = [
    ['N', 'where', 'edges/node', 'median ms', 'max ms', 'lost by gossip', 'lost after catch-up', 'catch-up ms', 'msg bytes', 'gossip B/update', 'TCP B/update'],
  ]
  const cold: string[][] = [['N', 'where', 'lost by gossip', 'lost after catch-up', 'catch-up ms']]
  const offline: string[][] = [['N', 'down', 'live nodes lacking it', 'restarted nodes left behind', 'restart → caught up ms (max)']]
  const report = (n: number, where: string, m: Measured, edgesPerNode: number) => {
    const times = m.warm.map((r) => r.ms).filter((ms): ms is number => ms !== undefined)
    const sum = (f: (r: Delivery) => number) => m.warm.reduce((total, r) => total + f(r), 0)
    setup.push([String(n), where, m.setupMs.toFixed(0), String(m.dials.edges), String(m.dials.retried), String(m.dials.failed), [...m.dials.reasons].map(([k, v]) => `${k}×${v}`).join(' ') || '-'])
    cold.push([String(n), where, `${m.cold.lostByGossip}/${n - 1}`, String(m.cold.lostAfterCatchUp), m.cold.catchUpMs.toFixed(0)])
    rows.push([
      String(n),
      where,
      edgesPerNode.toFixed(1),
      times.length === 0 ? '-' : median(times).toFixed(0),
      times.length === 0 ? '-' : Math.max(...times).toFixed(0),
      `${sum((r) => r.lostByGossip)}/${PUBLISHES * (n - 1)}`,
      String(sum((r) => r.lostAfterCatchUp)),
      Math.max(...m.warm.map((r) => r.catchUpMs)).toFixed(0),
      String(m.warm[0]?.msgBytes ?? 0),
      where === 'loopback' ? (sum((r) => r.gossipBytes) / PUBLISHES).toFixed(0) : '-',
      where === 'loopback' ? (sum((r) => r.tcpBytes) / PUBLISHES).toFixed(0) : '-',
    ])
    console.log(`N=${n} ${where}: setup ${m.setupMs.toFixed(0)} ms, ${m.dials.failed} of ${m.dials.edges} dials failed, ${times.length}/${PUBLISHES} warm publishes reached every node by gossip alone`)
  }
  for (const n of SIZES) {
    try {
      await loopbackSize(n, report, offline)
    } catch (error) {
      // One size failing (a machine out of sockets, say) is a result too; the other sizes still run.
      console.log(`N=${n} loopback: failed: ${errorName(error)}: ${(error as Error).message ?? ''}`)
      rows.push([String(n), 'loopback', `failed: ${errorName(error)}`])
    }
    if (!NETNS) continue
    try {
      await netnsSize(n, report)
    } catch (error) {
      console.log(`N=${n} netns: failed: ${errorName(error)}: ${(error as Error).message ?? ''}`)
      rows.push([String(n), 'netns', `failed: ${errorName(error)}`])
    }
  }
  console.log('\nsetup (start every node, dial the topology):')
  printTable(setup)
  console.log('\nwarm publishes (meshes built):')
  printTable(rows)
  console.log('\ncold publish (right after connecting, before meshes):')
  printTable(cold)
  console.log('\nnodes offline during a publish, then restarted (connect-time catch-up; loopback):')
  printTable(offline)
  console.log(
    '\nmedian/max ms: publish → last node stored the verified list (publishes where gossip reached every node).' +
      '\nlost by gossip: node-deliveries missing once gossip settled (catch-up disabled), over all publishes.' +
      '\nlost after catch-up: nodes still lacking the list after the left-behind nodes ran one catch-up round.' +
      '\ngossip B/update: gossipsub stream bytes sent by all nodes per publish (incl. control/IHAVE traffic in the window);' +
      '\nTCP B/update: all encrypted bytes written to sockets by all nodes in the same window (incl. pings); loopback only.' +
      '\ndials failed: links of the topology still not made after every attempt (the graph may then be split; catch-up' +
      '\ncannot reach a node with no link, so it shows in "lost after catch-up").',
  )
}

async function loopbackSize(n: number, report: (n: number, where: string, m: Measured, edgesPerNode: number) => void, offline: string[][]): Promise<void> {
  const bytes = new ByteCounter()
  const started = performance.now()
  const { nodes, dials } = await startNodes(n, bytes)
  try {
    const setupMs = performance.now() - started
    const swarm = loopbackSwarm(nodes, bytes)
    const measured = await measure(swarm)
    report(n, 'loopback', { setupMs, dials, ...measured }, nodes.reduce((total, node) => total + node.service.peerCount(), 0) / n)
    // Offline: 10 % of the nodes are down while a list is published; they restart (same key and store, connect-time
    // catch-up on, two random live bootstrap peers) and must catch up.
    const down = nodes.slice(0, Math.max(1, Math.floor(n / 10)))
    const live = nodes.slice(down.length)
    await Promise.all(down.map((node) => node.service.stop()))
    const { list, hash } = await countryList('ZZ')
    const origin = live[0] as BenchNode
    await acceptTrustList(origin.store, list, { now: NOW })
    await origin.service.publishList(list)
    await until(() => live.every((node) => node === origin || node.arrivals.has(hash)), MAX_WAIT_MS)
    const r0 = clock()
    await Promise.all(
      down.map(async (node) => {
        const bootstrap = [0, 1].map(() => (live[Math.floor(Math.random() * live.length)] as BenchNode).service.multiaddrs()[0] as string)
        node.service = benchService(node, bytes, { catchUpOnConnect: true, bootstrap })
        await node.service.start()
      }),
    )
    await until(() => down.every((node) => node.arrivals.has(hash)), MAX_WAIT_MS)
    const recovered = down.filter((node) => node.arrivals.has(hash)).length
    offline.push([
      String(n),
      String(down.length),
      `${live.filter((node) => node !== origin && !node.arrivals.has(hash)).length}`,
      `${down.length - recovered}`,
      recovered === down.length ? Math.max(...down.map((node) => (node.arrivals.get(hash) as number) - r0)).toFixed(0) : '-',
    ])
  } finally {
    await Promise.all(nodes.map((node) => node.service.stop().catch(() => undefined)))
    for (const node of nodes) node.store.close()
  }
}

// ---------------------------------------------------------------------------------------------------------------
// --netns: each node a process in its own namespace, driven over IPC.

type ChildRequest =
  | { op: 'start'; key: string; listen: string; bootstrap: string[] }
  | { op: 'connect'; address: string }
  | { op: 'publish'; list: SignedTrustList }
  | { op: 'catchUp' }
  | { op: 'topicPeers' }
  | { op: 'peers' }
type ChildMessage = { id: number; ok: boolean; value?: unknown; error?: string } | { arrival: string; at: number } | 'ready'

class NetnsNode {
  readonly arrivals = new Map<string, number>()
  readonly #pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>()
  #next = 0
  readonly ready: Promise<void>
  address = ''

  constructor(readonly child: ChildProcess) {
    this.ready = new Promise((resolve, reject) => {
      child.once('exit', (code, signal) => {
        reject(new Error(`benchmark node exited with ${code ?? signal}`))
        for (const pending of this.#pending.values()) pending.reject(new Error(`benchmark node exited with ${code ?? signal}`))
      })
      child.on('message', (message: ChildMessage) => {
        if (message === 'ready') return resolve()
        if ('arrival' in message) {
          if (!this.arrivals.has(message.arrival)) this.arrivals.set(message.arrival, message.at)
          return
        }
        const pending = this.#pending.get(message.id)
        this.#pending.delete(message.id)
        if (message.ok) pending?.resolve(message.value)
        else pending?.reject(Object.assign(new Error(message.error), { code: message.error?.split(':')[0] }))
      })
    })
    // Awaited later (a few nodes start at a time); a node that dies before then must not be an unhandled rejection.
    this.ready.catch(() => undefined)
  }

  call(request: ChildRequest, timeoutMs = 30_000): Promise<unknown> {
    if (!this.child.connected) return Promise.reject(new Error('benchmark node is gone'))
    const id = this.#next++
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id)
        reject(Object.assign(new Error(`${request.op} timed out`), { code: 'TimeoutError' }))
      }, timeoutMs)
      this.#pending.set(id, {
        resolve: (value) => (clearTimeout(timer), resolve(value)),
        reject: (error) => (clearTimeout(timer), reject(error)),
      })
      this.child.send({ ...request, id })
    })
  }
}

async function netnsSize(n: number, report: (n: number, where: string, m: Measured, edgesPerNode: number) => void): Promise<void> {
  if (n > 250) throw new Error('the lab has one /24: at most 250 namespaced nodes')
  const lab = new NetnsLab(NETNS_PREFIX)
  // Ctrl-C, the time budget or a crash: the namespaces and every node process in them go all the same.
  const onExit = () => removeLabSync(NETNS_PREFIX)
  const onSignal = () => process.exit(130)
  process.once('exit', onExit)
  process.once('SIGINT', onSignal)
  try {
    const started = performance.now()
    await removeStaleLabs('entente-b')
    await lab.create()
    const nodes: NetnsNode[] = []
    // Keys first: each node's links are also its configured bootstrap peers (as a deployment names them), which the
    // node re-dials when a link drops; the benchmark still makes the first dials itself, a few at a time.
    const keys = await Promise.all(Array.from({ length: n }, () => generateKeyPair('Ed25519')))
    const addresses = keys.map((key, i) => `/ip4/198.18.0.${10 + i}/tcp/${P2P_PORT}/p2p/${peerIdFromPrivateKey(key).toString()}`)
    const edges = topology(n)
    for (let i = 0; i < n; i++) {
      const host = await lab.addHost(`B${String(i).padStart(3, '0')}`, 10 + i)
      nodes.push(new NetnsNode(lab.spawnIn(host.name, [process.execPath, '--import', 'tsx', SELF, '--netns-child'], { ipc: true })))
    }
    await inPool(nodes, SPAWN_CONCURRENCY, async (node) => {
      await node.ready
      const i = nodes.indexOf(node)
      const key = Buffer.from(privateKeyToProtobuf(keys[i] as PrivateKey)).toString('base64')
      const bootstrap = edges.filter(([a]) => a === i).map(([, b]) => addresses[b] as string)
      node.address = (await node.call({ op: 'start', key, bootstrap, listen: `/ip4/${lab.host(`B${String(i).padStart(3, '0')}`).address}/tcp/${P2P_PORT}` }, 60_000)) as string
    })
    const dials = await dialTopology(edges, (a, b) => (nodes[a] as NetnsNode).call({ op: 'connect', address: addresses[b] as string }))
    const deadline = performance.now() + 30_000
    while (performance.now() < deadline) {
      const counts = (await Promise.all(nodes.map((node) => node.call({ op: 'topicPeers' }).catch(() => 0)))) as number[]
      if (counts.every((c) => c > 0)) break
      await delay(250)
    }
    const setupMs = performance.now() - started
    const swarm: Swarm = {
      size: n,
      publish: async (i, list) => (await (nodes[i] as NetnsNode).call({ op: 'publish', list })) as number,
      arrival: (i, hash) => nodes[i]?.arrivals.get(hash),
      catchUp: async (i) => void (await (nodes[i] as NetnsNode).call({ op: 'catchUp' })),
      bytes: () => undefined,
    }
    const measured = await measure(swarm)
    const peers = (await Promise.all(nodes.map((node) => node.call({ op: 'peers' }).catch(() => 0)))) as number[]
    report(n, 'netns', { setupMs, dials, ...measured }, peers.reduce((a, b) => a + b, 0) / n)
  } finally {
    process.off('SIGINT', onSignal)
    await lab.destroy()
    process.off('exit', onExit)
  }
}

/** The --netns-child side: one gossip node in this process's namespace, commanded by the benchmark over IPC. */
async function runNetnsChild(): Promise<void> {
  const base = { store: SqliteStore.open(':memory:'), arrivals: new Map<string, number>(), privateKey: await generateKeyPair('Ed25519') }
  let service: GossipService | undefined
  const send = (message: ChildMessage) => process.send?.(message)
  process.on('message', (request: ChildRequest & { id: number }) => {
    void (async () => {
      try {
        let value: unknown
        if (request.op === 'start') {
          const node = { ...base, privateKey: privateKeyFromProtobuf(Buffer.from(request.key, 'base64')) }
          service = benchService(node, new ByteCounter(), { listen: [request.listen], bootstrap: request.bootstrap, onAccepted: (list) => send({ arrival: list.hash, at: clock() }) })
          await service.start()
          value = service.multiaddrs()[0]
        } else if (service === undefined) {
          throw new Error('not started')
        } else if (request.op === 'connect') {
          await service.connect(request.address)
        } else if (request.op === 'publish') {
          await acceptTrustList(base.store, request.list, { now: NOW })
          value = clock()
          await service.publishList(request.list)
        } else if (request.op === 'catchUp') {
          await service.catchUpNow()
        } else if (request.op === 'topicPeers') {
          value = service.topicPeerCount()
        } else {
          value = service.peerCount()
        }
        send({ id: request.id, ok: true, value })
      } catch (error) {
        send({ id: request.id, ok: false, error: `${errorName(error)}: ${(error as Error).message ?? ''}` })
      }
    })()
  })
  process.on('disconnect', () => {
    void (service?.stop() ?? Promise.resolve()).finally(() => process.exit(0))
  })
  send('ready')
}

async function countryList(country: string) {
  const root = await generateRootKey('ed25519')
  const payload = buildTrustList({ country, root: rootOf(root), draft: emptyDraft(1), now: NOW, validityDays: 30 })
  return { list: await signTrustList(payload, [root]), hash: hashTrustList(payload) }
}

async function until(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs
  while (!condition() && performance.now() < deadline) await delay(5)
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}

function printTable(rows: string[][]): void {
  const widths = (rows[0] as string[]).map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length)))
  for (const row of rows) console.log(row.map((cell, i) => cell.padStart(widths[i] as number)).join('  '))
}

const SELF = fileURLToPath(import.meta.url)

if (process.argv.includes('--netns-child')) {
  runNetnsChild().catch((error: unknown) => {
    console.error(`benchmark node: ${errorName(error)}`)
    process.exit(1)
  })
} else {
  // Loopback sizes take about a minute each at most; namespaced ones add process start-up (a few seconds per node).
  const budgetMs = (5 + (NETNS ? SIZES.reduce((total, n) => total + n, 0) * 0.1 : 0)) * 60_000
  const timer = setTimeout(() => {
    console.error(`benchmark exceeded ${(budgetMs / 60_000).toFixed(0)} minutes; aborting`)
    process.exit(1)
  }, budgetMs)
  timer.unref()
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(`gossip benchmark: ${errorName(error)}: ${(error as Error).message ?? String(error)}`)
      process.exit(1)
    },
  )
}
