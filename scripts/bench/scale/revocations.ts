// Benchmark fixture: the home country revokes R DCC hashes through its operator service (queue in requests of
// MAX_ENTRIES_PER_REQUEST, then publish) and later one more, as an operator would. Never used outside the benchmark.
import { randomBytes } from 'node:crypto'
import type { RunningNode } from '../../../src/node.js'
import { MAX_ENTRIES_PER_REQUEST } from '../../../src/revocation/parse-revocation-request.js'

/** One signed revocation list holds at most ~14,800 hashes (1 MiB) and the queue 20,000: larger sets are clamped. */
export const MAX_REVOCATIONS: number | undefined = 14_000

export interface PublishTiming {
  readonly queueMs: number
  readonly publishMs: number
  readonly published: number
}

/** Queues `count` random UCI hashes plus `revokedUci`, then publishes; returns how long each part took. */
export async function revokeAndPublish(node: RunningNode, count: number, revokedUci: string, log: (line: string) => void): Promise<PublishTiming> {
  let t = performance.now()
  await node.operator.revokeCertificates({ dcc: [{ uci: revokedUci }] })
  let queued = 2
  while (queued < count) {
    const n = Math.min(MAX_ENTRIES_PER_REQUEST, count - queued)
    const dcc = Array.from({ length: n }, () => ({ hashType: 'UCI', hash: randomBytes(16).toString('base64') }))
    await node.operator.revokeCertificates({ dcc })
    queued += n
    if (queued % 1_000_000 < n) log(`  revocations queued: ${queued}`)
  }
  const queueMs = performance.now() - t
  t = performance.now()
  await node.operator.publishRevocations()
  return { queueMs, publishMs: performance.now() - t, published: queued }
}

/** One more revoked certificate, published: what a delta of one entry costs. */
export async function revokeOneMore(node: RunningNode): Promise<PublishTiming> {
  let t = performance.now()
  await node.operator.revokeCertificates({ dcc: [{ hashType: 'UCI', hash: randomBytes(16).toString('base64') }] })
  const queueMs = performance.now() - t
  t = performance.now()
  await node.operator.publishRevocations()
  return { queueMs, publishMs: performance.now() - t, published: 1 }
}
