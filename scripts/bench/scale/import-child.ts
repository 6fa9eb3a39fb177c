// Benchmark child process: the home operator's bulk import, as `curl --data-binary @FILE` would send it. Packs R
// random UCI records plus both hashes of one certificate id into the bulk format, then POSTs them to the node's
// import route with the operator token. Run apart so the node's process neither packs nor holds the records: its
// event loop is measured with only the node's own work in it. argv[2]: JSON job { url, token, country, count,
// revokedUci }. Prints one JSON line: packMs, uploadMs (request until answer: upload, import and publish), added.
import { randomBytes } from 'node:crypto'
import { BULK_MAGIC, BULK_RECORD_BYTES } from '../../../src/revocation/bulk-revocation-file.js'
import { dccRevocationHash } from '../../../src/revocation/parse-revocation-request.js'

const job = JSON.parse(process.argv[2] ?? '{}') as { url: string; token: string; country: string; count: number; revokedUci: string }
let t = performance.now()
const random = job.count - 2
const body = Buffer.allocUnsafe(BULK_MAGIC.byteLength + job.count * BULK_RECORD_BYTES)
body.set(BULK_MAGIC)
const hashes = randomBytes(random * 16)
for (let i = 0; i < random; i++) {
  const at = BULK_MAGIC.byteLength + i * BULK_RECORD_BYTES
  body[at] = 1
  hashes.copy(body, at + 1, i * 16, i * 16 + 16)
}
;(['UCI', 'COUNTRYCODEUCI'] as const).forEach((hashType, j) => {
  const at = BULK_MAGIC.byteLength + (random + j) * BULK_RECORD_BYTES
  body[at] = j + 1
  Buffer.from(dccRevocationHash(hashType, job.revokedUci, job.country), 'base64').copy(body, at + 1)
})
const packMs = performance.now() - t
t = performance.now()
const response = await fetch(new URL('v1/operator/certificate-revocations/import', job.url.endsWith('/') ? job.url : `${job.url}/`), {
  method: 'POST',
  headers: { authorization: `Bearer ${job.token}`, 'content-type': 'application/octet-stream' },
  body,
})
const answer = (await response.json()) as { added?: number; detail?: string }
if (!response.ok) throw new Error(`import answered ${response.status}: ${answer.detail ?? JSON.stringify(answer)}`)
process.stdout.write(`${JSON.stringify({ packMs, uploadMs: performance.now() - t, added: answer.added })}\n`)
