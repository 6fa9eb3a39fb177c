// Gossip benchmark (`npm run bench:gossip`): N real libp2p nodes (TCP on 127.0.0.1, noise, yamux, gossipsub) in ONE
// process, sparse random connected topology. Measures how fast a published list reaches every node, how many nodes
// gossip alone leaves behind, that catch-up leaves none behind, and bytes per update. Not part of the test suite.
import '../../src/gossip/polyfills.js'
import { generateKeyPair } from '@libp2p/crypto/keys'
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

const SIZES = (process.env.BENCH_SIZES ?? '10,50,100').split(',').map(Number)
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
    onAccepted: (list) => node.arrivals.set(list.hash, performance.now()),
    libp2pMetrics: bytes.factory(),
    ...init,
  })
}

async function startNodes(n: number, bytes: ByteCounter): Promise<BenchNode[]> {
  const nodes = await Promise.all(
    Array.from({ length: n }, async () => {
      const base = { store: SqliteStore.open(':memory:'), arrivals: new Map<string, number>(), privateKey: await generateKeyPair('Ed25519') }
      const service = benchService(base, bytes)
      await service.start()
      return { ...base, service }
    }),
  )
  // Sparse random connected graph: node i links to a random earlier node (a spanning tree), then dials a few random others.
  const edges = new Set<string>()
  const link = async (a: number, b: number) => {
    const key = a < b ? `${a}-${b}` : `${b}-${a}`
    if (a === b || edges.has(key)) return
    edges.add(key)
    await (nodes[a] as BenchNode).service.connect((nodes[b] as BenchNode).service.multiaddrs()[0] as string)
  }
  const dials: Promise<void>[] = []
  for (let i = 1; i < n; i++) dials.push(link(i, Math.floor(Math.random() * i)))
  for (let i = 0; i < n; i++) for (let k = 1; k < DIALS_PER_NODE; k++) dials.push(link(i, Math.floor(Math.random() * n)))
  await Promise.all(dials)
  await until(() => nodes.every((node) => node.service.topicPeerCount() > 0), 30_000)
  return nodes
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

/** One publish from a random node: waits until gossip settles, then lets the nodes left behind catch up. */
async function publishOnce(nodes: BenchNode[], bytes: ByteCounter, country: string): Promise<Delivery> {
  const origin = nodes[Math.floor(Math.random() * nodes.length)] as BenchNode
  const { list, hash } = await countryList(country)
  // The origin's operator stores the list, then gossip publishes it (as node.ts will do).
  await acceptTrustList(origin.store, list, { now: NOW })
  const [gossip0, tcp0] = [bytes.gossip, bytes.tcp]
  const t0 = performance.now()
  await origin.service.publishList(list)
  const others = nodes.filter((node) => node !== origin)
  // Settled: every node has it, or nothing arrived for QUIET_MS.
  await until(() => {
    const last = Math.max(t0, ...others.map((node) => node.arrivals.get(hash) ?? 0))
    return others.every((node) => node.arrivals.has(hash)) || performance.now() - last > QUIET_MS
  }, MAX_WAIT_MS)
  const missing = others.filter((node) => !node.arrivals.has(hash))
  const ms = missing.length === 0 ? Math.max(...others.map((node) => (node.arrivals.get(hash) as number) - t0)) : undefined
  const [gossipBytes, tcpBytes] = [bytes.gossip - gossip0, bytes.tcp - tcp0]
  // Catch-up: the nodes left behind ask their peers (what the connect-time and periodic rounds do).
  const c0 = performance.now()
  await Promise.all(missing.map((node) => node.service.catchUpNow()))
  const catchUpMs = performance.now() - c0
  const lostAfterCatchUp = others.filter((node) => node.store.get(country, 1)?.hash !== hash).length
  return { ms, lostByGossip: missing.length, lostAfterCatchUp, catchUpMs, msgBytes: encodeListMessage(list).byteLength, gossipBytes, tcpBytes }
}

async function main(): Promise<void> {
  console.log(`gossip benchmark: one process, real libp2p nodes on 127.0.0.1 (TCP+noise+yamux+gossipsub), node ${process.version}`)
  console.log(`topology: random spanning tree + ${DIALS_PER_NODE - 1} random dials per node; ${PUBLISHES} publishes per size\n`)
  const rows: string[][] = [
    ['N', 'edges/node', 'median ms', 'max ms', 'lost by gossip', 'lost after catch-up', 'catch-up ms', 'msg bytes', 'gossip B/update', 'TCP B/update'],
  ]
  const cold: string[][] = [['N', 'lost by gossip', 'lost after catch-up', 'catch-up ms']]
  const offline: string[][] = [['N', 'down', 'live nodes lacking it', 'restarted nodes left behind', 'restart → caught up ms (max)']]
  for (const n of SIZES) {
    const bytes = new ByteCounter()
    const started = performance.now()
    const nodes = await startNodes(n, bytes)
    const setupMs = performance.now() - started
    // Cold: published the moment every node has a topic peer, before gossipsub built its meshes (a federation
    // starting up). This is where gossip alone loses messages.
    const first = await publishOnce(nodes, bytes, 'QA')
    cold.push([String(n), `${first.lostByGossip}/${n - 1}`, String(first.lostAfterCatchUp), first.catchUpMs.toFixed(0)])
    // Warm: meshes are built on heartbeats (once a second); then the measured publishes.
    await delay(3_000)
    const runs: Delivery[] = []
    for (let p = 0; p < PUBLISHES; p++) runs.push(await publishOnce(nodes, bytes, `X${String.fromCharCode(65 + p)}`))
    const times = runs.map((r) => r.ms).filter((ms): ms is number => ms !== undefined)
    const sum = (f: (r: Delivery) => number) => runs.reduce((total, r) => total + f(r), 0)
    const edgesPerNode = nodes.reduce((total, node) => total + node.service.peerCount(), 0) / n
    rows.push([
      String(n),
      edgesPerNode.toFixed(1),
      times.length === 0 ? '-' : median(times).toFixed(0),
      times.length === 0 ? '-' : Math.max(...times).toFixed(0),
      `${sum((r) => r.lostByGossip)}/${PUBLISHES * (n - 1)}`,
      String(sum((r) => r.lostAfterCatchUp)),
      Math.max(...runs.map((r) => r.catchUpMs)).toFixed(0),
      String(runs[0]?.msgBytes ?? 0),
      (sum((r) => r.gossipBytes) / PUBLISHES).toFixed(0),
      (sum((r) => r.tcpBytes) / PUBLISHES).toFixed(0),
    ])
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
    const r0 = performance.now()
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
    await Promise.all(nodes.map((node) => node.service.stop()))
    for (const node of nodes) node.store.close()
    console.log(`N=${n}: setup ${setupMs.toFixed(0)} ms, ${times.length}/${PUBLISHES} warm publishes reached every node by gossip alone`)
  }
  console.log('\nwarm publishes (meshes built):')
  printTable(rows)
  console.log('\ncold publish (right after connecting, before meshes):')
  printTable(cold)
  console.log('\nnodes offline during a publish, then restarted (connect-time catch-up):')
  printTable(offline)
  console.log(
    '\nmedian/max ms: publish → last node stored the verified list (publishes where gossip reached every node).' +
      '\nlost by gossip: node-deliveries missing once gossip settled (catch-up disabled), over all publishes.' +
      '\nlost after catch-up: nodes still lacking the list after the left-behind nodes ran one catch-up round.' +
      '\ngossip B/update: gossipsub stream bytes sent by all nodes per publish (incl. control/IHAVE traffic in the window);' +
      '\nTCP B/update: all encrypted bytes written to sockets by all nodes in the same window (incl. pings).',
  )
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

const timer = setTimeout(() => {
  console.error('benchmark exceeded 5 minutes; aborting')
  process.exit(1)
}, 5 * 60_000)
timer.unref()
main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error)
    process.exit(1)
  },
)
