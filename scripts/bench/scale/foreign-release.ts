// Benchmark child process: one foreign country's node publishing its first partitioned revocations. Builds R random
// UCI hashes (plus the UCI hash of the given certificate id), signs every partition and the index with the
// country's root, and writes them to a file, one signed document per line (the index first). Run apart so the home
// node's process, which admits them, keeps a heap of its own size, as a real node receiving them from peers would.
// argv[2]: JSON job { country, root (RootSigningKey), count, revokedUci, out }. Prints one JSON line: the index's
// chain position and the partition count.
import '../../../src/platform/use-node-platform.js'
import { randomBytes } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { once } from 'node:events'
import { buildRevocationRelease, hashRevocationDocument, signRevocationIndex, signRevocationPartition, sortPackedHashes } from '../../../src/revocation/index.js'
import { dccRevocationHash } from '../../../src/revocation/parse-revocation-request.js'
import type { RootSigningKey } from '../../../src/trust-list/root-key.js'

const job = JSON.parse(process.argv[2] ?? '{}') as { country: string; root: RootSigningKey; count: number; revokedUci: string; out: string }
const packed = randomBytes(16 * job.count)
Buffer.from(dccRevocationHash('UCI', job.revokedUci, job.country), 'base64').copy(packed, 0)
const empty = new Uint8Array(0)
const release = buildRevocationRelease({
  country: job.country,
  rootThumbprint: job.root.thumbprint,
  set: { dcc: { UCI: sortPackedHashes(packed), COUNTRYCODEUCI: empty, SIGNATURE: empty }, shc: [] },
  now: new Date(),
})
const file = createWriteStream(job.out)
const write = async (line: string) => {
  if (!file.write(`${line}\n`)) await once(file, 'drain')
}
await write(JSON.stringify(await signRevocationIndex(release.index, job.root)))
for (const p of release.partitions) await write(JSON.stringify(await signRevocationPartition(p, job.root)))
file.end()
await once(file, 'finish')
process.stdout.write(`${JSON.stringify({ seq: release.index.seq, hash: hashRevocationDocument(release.index), partitions: release.partitions.length })}\n`)
