// Benchmark fixture: the home country revokes R DCC hashes through its operator service (one bulk import, or the queue
// in requests of MAX_ENTRIES_PER_REQUEST, then publish) and later one more through the queue, as an operator would;
// foreign countries revoke theirs as their own nodes would (partitions and index built and signed with their roots,
// in a process of their own) and the home node takes them in through the admission functions its gossip and
// catch-up intake call.
// Never used outside the benchmark.
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createReadStream, rmSync } from 'node:fs'
import path from 'node:path'
import { createInterface } from 'node:readline'
import { promisify } from 'node:util'
import { gzipSync } from 'node:zlib'
import type { RunningNode } from '../../../src/node.js'
import { MAX_ENTRIES_PER_REQUEST } from '../../../src/revocation/parse-revocation-request.js'
import { acceptRevocationIndex, acceptRevocationPartition } from '../../../src/store/accept-revocation-index.js'
import { acceptForeign, nextForeignList, type ForeignCountry } from './federation.js'

const releaseChild = path.resolve(import.meta.dirname, 'foreign-release.ts')
const importChild = path.resolve(import.meta.dirname, 'import-child.ts')

/** Runs a benchmark child script (tsx) with one JSON job as its argument; returns the JSON of its last output line. */
async function childJob<T>(script: string, job: object): Promise<T> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', script, JSON.stringify(job)], { maxBuffer: 1 << 20, timeout: 30 * 60_000 })
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as T
}

/** No clamp: a publish is never refused for size (partitions split; a large queue is published in batches). */
export const MAX_REVOCATIONS: number | undefined = undefined

/**
 * What a verifier must hold of `country`'s revocations, in bytes gzip-compressed (the same measure for every route,
 * whether it compresses or not): the revocation index and every partition it names when the node serves them, else
 * the single revocation list.
 */
export async function revocationDataBytes(node: RunningNode, country: string): Promise<{ bytes: number; documents: number }> {
  const body = async (route: string) => {
    const response = await node.app.request(route)
    return response.status === 200 ? Buffer.from(await response.arrayBuffer()) : undefined
  }
  const index = await body(`/v1/revocations/${country}/index`)
  if (index !== undefined) {
    const { payload } = JSON.parse(index.toString('utf8')) as { payload: string }
    // An unencoded payload (RFC 7797) is the JSON text itself; the older form is base64url.
    const text = payload.startsWith('{') ? payload : Buffer.from(payload, 'base64url').toString('utf8')
    const partitions = (JSON.parse(text) as { partitions: { hash: string }[] }).partitions
    let bytes = gzipSync(index).byteLength
    for (const p of partitions) bytes += gzipSync((await body(`/v1/revocations/${country}/partitions/${p.hash}`)) ?? '').byteLength
    return { bytes, documents: 1 + partitions.length }
  }
  return { bytes: gzipSync((await body(`/v1/revocation-lists/${country}`)) ?? '').byteLength, documents: 1 }
}

export interface PublishTiming {
  readonly queueMs: number
  readonly publishMs: number
  readonly published: number
  /** Publishes it took (a large queue goes out in batches). */
  readonly publishes: number
}

/** Publishes until the queue is empty; returns how many publishes that took. */
async function publishAll(node: RunningNode, log: (line: string) => void): Promise<number> {
  for (let publishes = 1; ; publishes++) {
    const result = (await node.operator.publishRevocations()) as { queued?: number; partitions?: number }
    if (result.queued === undefined || result.queued === 0) return publishes
    log(`  published batch ${publishes} (${result.partitions ?? '?'} partitions signed), ${result.queued} entries still queued`)
  }
}

/**
 * Queues `count` random UCI hashes plus `revokedUci` (stopping early once `budgetMs` is spent: the benchmark stays
 * bounded however slow the queue is), then publishes them; returns how long each part took.
 */
export async function revokeAndPublish(node: RunningNode, count: number, revokedUci: string, budgetMs: number, log: (line: string) => void): Promise<PublishTiming> {
  let t = performance.now()
  await node.operator.revokeCertificates({ dcc: [{ uci: revokedUci }] })
  let queued = 2
  let reported = performance.now()
  while (queued < count && performance.now() - t < budgetMs) {
    const n = Math.min(MAX_ENTRIES_PER_REQUEST, count - queued)
    const dcc = Array.from({ length: n }, () => ({ hashType: 'UCI', hash: randomBytes(16).toString('base64') }))
    await node.operator.revokeCertificates({ dcc })
    // Operator requests arrive from the network, each its own turn of the event loop: without this the loop would
    // chain them in microtasks and the node's timers (and the benchmark's hold probe) would never run.
    await new Promise((resolve) => setImmediate(resolve))
    queued += n
    if (performance.now() - reported > 30_000) {
      reported = performance.now()
      log(`  revocations queued: ${queued.toLocaleString('en')} (${((reported - t) / 1000).toFixed(0)} s)`)
    }
  }
  const queueMs = performance.now() - t
  t = performance.now()
  const publishes = await publishAll(node, log)
  return { queueMs, publishMs: performance.now() - t, published: queued, publishes }
}

/**
 * Imports `count` random UCI hashes plus both hashes of `revokedUci` (as `{uci}` revokes it) in one bulk import, which
 * publishes them, uploaded to the node's HTTP route by a process of its own (scale/import-child.ts): `queueMs` is
 * the time to pack the records there, `publishMs` the request until its answer (upload, import and publish).
 */
export async function importAndPublish(node: RunningNode, token: string, country: string, count: number, revokedUci: string): Promise<PublishTiming> {
  const result = await childJob<{ packMs: number; uploadMs: number; added: number }>(importChild, { url: node.url, token, country, count, revokedUci })
  return { queueMs: result.packMs, publishMs: result.uploadMs, published: result.added, publishes: 1 }
}

/** One more revoked certificate, published: what a delta of one entry costs. */
export async function revokeOneMore(node: RunningNode): Promise<PublishTiming> {
  let t = performance.now()
  await node.operator.revokeCertificates({ dcc: [{ hashType: 'UCI', hash: randomBytes(16).toString('base64') }] })
  const queueMs = performance.now() - t
  t = performance.now()
  const publishes = await publishAll(node, () => undefined)
  return { queueMs, publishMs: performance.now() - t, published: 1, publishes }
}

export interface ForeignRevocationTiming {
  /** The foreign country's own work: build and sign every partition and the index. */
  readonly buildMs: number
  /** The home node's work: admit the index and every partition (verified, stored). */
  readonly admitMs: number
  readonly partitions: number
  readonly count: number
}

/**
 * `f` revokes `count` random UCI hashes plus the UCI hash of `revokedUci` in its first partitioned release, built and
 * signed in a process of its own (scale/foreign-release.ts, as its own node would); its next trust list names the
 * index, and the node admits that list, then the index, then every partition one by one, read from the release file
 * as they would arrive from peers, each its own turn of the event loop. `onBuilt` runs between the country's work
 * and the node's.
 */
export async function revokeForeign(node: RunningNode, f: ForeignCountry, count: number, revokedUci: string, dir: string, onBuilt?: () => void): Promise<ForeignRevocationTiming> {
  let t = performance.now()
  const out = path.join(dir, `revocations-${f.country}.jsonl`)
  const built = await childJob<{ seq: number; hash: string; partitions: number }>(releaseChild, { country: f.country, root: f.root, count, revokedUci, out })
  f.revocationList = { seq: built.seq, hash: built.hash }
  const list = await nextForeignList(f)
  const buildMs = performance.now() - t
  onBuilt?.()
  t = performance.now()
  const stores = { trust: node.store, revocations: node.revocations }
  await acceptForeign(node, list)
  const lines = createInterface({ input: createReadStream(out), crlfDelay: Infinity })
  let partitions = 0
  for await (const line of lines) {
    const document: unknown = JSON.parse(line)
    if (partitions++ === 0) {
      const admitted = await acceptRevocationIndex(stores, document as never, { now: new Date() })
      if (admitted.status !== 'accepted') throw new Error(`${f.country} revocation index not accepted: ${admitted.status}`)
      continue
    }
    await acceptRevocationPartition(stores, document as never, { now: new Date() })
    await new Promise((resolve) => setImmediate(resolve))
  }
  const admitMs = performance.now() - t
  rmSync(out, { force: true })
  return { buildMs, admitMs, partitions: partitions - 1, count }
}
