// The verifier's files: the verified bundle (what `entente verify --bundle` and `createVerifier` read), the small
// sync record beside it (BUNDLE.sync.json), which a sync that brings nothing new reads and rewrites alone, and the
// revocation partitions, one content-addressed file each (BUNDLE.parts/). File I/O, shape and hash checks only: no
// network, and no signature is checked here (the bundle's lists are verified on load).
import { createHash, randomBytes } from 'node:crypto'
import { readFileSync, statSync } from 'node:fs'
import { mkdir, readdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { sha256Hex } from '../model/encoding.js'
import { EntenteError } from '../model/errors.js'
import type { SignedRevocationPartition, VerifiedBundle } from '../model/schema.types.js'
import { schemaValidators } from '../model/schemas.js'
import { DEFAULT_MAX_REVOCATION_PARTITION_BYTES } from '../revocation/constants.js'
import { payloadTextOf } from '../trust-list/decode-signed-document.js'
import { MAX_VERIFIED_BUNDLE_BYTES } from './constants.js'
import type { RevocationGap } from './revocation-completeness.js'

/** registry-schema/verified-bundle-sync.v1.schema.json */
export interface SyncRecord {
  readonly type: 'entente.verified-bundle-sync'
  readonly version: 1
  readonly home: string
  readonly pinnedRoot: string
  /** When the bundle file last changed. */
  readonly syncedAt: string
  /** When a sync last asked the sources. */
  readonly checkedAt: string
  /** The bundle file this record describes. */
  readonly bundle: { readonly bytes: number; readonly mtimeMs: number; readonly sha256: string }
  readonly seqs: VerifiedBundle['seqs']
  readonly revocationSeqs: NonNullable<VerifiedBundle['revocationSeqs']>
  readonly sources: VerifiedBundle['sources']
  readonly counts: { readonly lists: number; readonly unrecognized: number; readonly revocations: number; readonly alarms: number }
  readonly missingRevocations: readonly RevocationGap[]
}

/** The record's size cap: sources, seqs and gaps of at most 1000 countries. */
const MAX_RECORD_BYTES = 1024 * 1024

export function syncRecordPath(bundleFile: string): string {
  return `${bundleFile}.sync.json`
}

export interface ReadBundle {
  readonly state: VerifiedBundle
  readonly sha256: string
  readonly bytes: number
}

/** Reads a verified-bundle file (size-capped, schema-checked) with its hash; undefined when there is none yet. */
export async function readVerifiedBundleFile(file: string): Promise<ReadBundle | undefined> {
  let size: number
  try {
    size = (await stat(file)).size
  } catch {
    return undefined
  }
  if (size > MAX_VERIFIED_BUNDLE_BYTES) throw new EntenteError('ERR_INPUT_TOO_LARGE', `${file} is ${size} bytes, over the ${MAX_VERIFIED_BUNDLE_BYTES}-byte cap of a verified bundle`)
  let bytes: Buffer
  try {
    bytes = await readFile(file)
  } catch (cause) {
    throw new EntenteError('ERR_CONFIG_NOT_FOUND', `cannot read ${file}`, { cause })
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(bytes.toString('utf8'))
  } catch (cause) {
    throw new EntenteError('ERR_BUNDLE_INVALID', `${file} is not a verified bundle`, { cause, details: { notJson: true } })
  }
  try {
    const state = schemaValidators().check('verified-bundle.v1', parsed, 'ERR_BUNDLE_INVALID')
    return { state, sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.byteLength }
  } catch (cause) {
    throw new EntenteError('ERR_BUNDLE_INVALID', `${file} is not a verified bundle`, { cause })
  }
}

/**
 * The sync record of `bundleFile`, when there is one that still describes it (same size and modification time);
 * `stale` holds a record whose bundle changed since, for its rollback floors only.
 */
export async function readSyncRecord(bundleFile: string): Promise<{ record?: SyncRecord; stale?: SyncRecord }> {
  const file = syncRecordPath(bundleFile)
  let text: string
  try {
    if ((await stat(file)).size > MAX_RECORD_BYTES) return {}
    text = await readFile(file, 'utf8')
  } catch {
    return {}
  }
  let record: SyncRecord
  try {
    record = checkRecord(JSON.parse(text))
  } catch {
    // A damaged record only costs one full read of the bundle: the bundle carries its own bookkeeping.
    return {}
  }
  const bundle = await stat(bundleFile).catch(() => undefined)
  if (bundle === undefined || bundle.size !== record.bundle.bytes || Math.round(bundle.mtimeMs) !== record.bundle.mtimeMs) return { stale: record }
  return { record }
}

export async function writeSyncRecord(bundleFile: string, record: SyncRecord): Promise<void> {
  await writeAtomically(syncRecordPath(bundleFile), `${JSON.stringify(record)}\n`)
}

/** Writes the bundle atomically and returns what its sync record must name. */
export async function writeVerifiedBundleFile(file: string, state: VerifiedBundle): Promise<SyncRecord['bundle']> {
  const content = Buffer.from(`${JSON.stringify(state)}\n`)
  await writeAtomically(file, content)
  const written = await stat(file)
  return { bytes: content.byteLength, mtimeMs: Math.round(written.mtimeMs), sha256: createHash('sha256').update(content).digest('hex') }
}

export async function writeAtomically(file: string, content: string | Buffer): Promise<void> {
  // Temp file + rename: a crash leaves the old file or the new one, never half of one.
  const dir = path.dirname(path.resolve(file))
  const temp = path.join(dir, `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`)
  try {
    await mkdir(dir, { recursive: true })
    await writeFile(temp, content, { flag: 'wx', mode: 0o644 })
    await rename(temp, file)
  } catch (cause) {
    await unlink(temp).catch(() => undefined)
    throw new EntenteError('ERR_CONFIG_NOT_FOUND', `cannot write ${file}`, { cause })
  }
}

const COUNTRY = /^[A-Z]{2}$/
const HEX64 = /^[0-9a-f]{64}$/
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z$/

/** The record's shape (registry-schema/verified-bundle-sync.v1): anything else is no record at all. */
function checkRecord(value: unknown): SyncRecord {
  const fail = (what: string): never => {
    throw new EntenteError('ERR_BUNDLE_INVALID', `sync record: ${what}`)
  }
  if (typeof value !== 'object' || value === null) return fail('not an object')
  const r = value as Record<string, unknown>
  if (r.type !== 'entente.verified-bundle-sync' || r.version !== 1) fail('not a v1 sync record')
  if (typeof r.home !== 'string' || !COUNTRY.test(r.home)) fail('home')
  if (typeof r.pinnedRoot !== 'string' || r.pinnedRoot.length > 100) fail('pinnedRoot')
  for (const key of ['syncedAt', 'checkedAt']) if (typeof r[key] !== 'string' || !TIMESTAMP.test(r[key])) fail(key)
  const b = r.bundle as Record<string, unknown> | undefined
  if (typeof b !== 'object' || b === null || !Number.isSafeInteger(b.bytes) || typeof b.mtimeMs !== 'number' || typeof b.sha256 !== 'string' || !HEX64.test(b.sha256)) fail('bundle')
  for (const key of ['seqs', 'revocationSeqs']) {
    const seqs = r[key]
    if (typeof seqs !== 'object' || seqs === null || Array.isArray(seqs)) fail(key)
    if (Object.entries(seqs as object).some(([c, s]) => !COUNTRY.test(c) || !Number.isSafeInteger(s) || (s as number) < 1)) fail(key)
  }
  // Bookkeeping has the bundle's own shape: checked by the bundle's schema, on a stand-in bundle.
  const probe = { type: 'entente.verified-bundle', version: 1, home: r.home, pinnedRoot: r.pinnedRoot, syncedAt: r.syncedAt, lists: [], unrecognized: [], seqs: r.seqs, alarms: [], sources: r.sources }
  if (!schemaValidators().is('verified-bundle.v1', probe)) fail('sources')
  const counts = r.counts as Record<string, unknown> | undefined
  if (typeof counts !== 'object' || counts === null || !['lists', 'unrecognized', 'revocations', 'alarms'].every((k) => Number.isSafeInteger(counts[k]))) fail('counts')
  if (!Array.isArray(r.missingRevocations) || r.missingRevocations.length > 1000) fail('missingRevocations')
  for (const gap of r.missingRevocations as unknown[]) {
    const g = gap as Record<string, unknown>
    const position = (p: unknown) => typeof p === 'object' && p !== null && Number.isSafeInteger((p as { seq?: unknown }).seq) && HEX64.test(String((p as { hash?: unknown }).hash))
    if (typeof g !== 'object' || g === null || !COUNTRY.test(String(g.country)) || !position(g.needs) || (g.holds !== undefined && !position(g.holds)) || !['none', 'older', 'other-hash', 'partitions'].includes(String(g.kind))) fail('missingRevocations')
  }
  return value as SyncRecord
}

// Revocation partitions live beside the bundle, one content-addressed file each (BUNDLE.parts/<sha256>.part), so the
// bundle JSON holds only the small indexes: a sync writes only the partitions it newly accepted, and a load reads
// only the ones a verified index names. A file is the partition's canonical payload text, a newline, then one JSON
// line with its signatures: the hash check on load and sync is one SHA-256 of the bytes before the newline, with no
// JSON to unescape, and the signed document can still be rebuilt (readState, exports).

const PART_FILE = /^([0-9a-f]{64})\.part$/
const PART_TEMP = /^\.[0-9a-f]{64}\.part\.[0-9a-f]{12}\.tmp$/
/** A partition file: the largest partition plus its signatures. */
const MAX_PART_FILE_BYTES = DEFAULT_MAX_REVOCATION_PARTITION_BYTES + 64 * 1024

export function partitionDir(bundleFile: string): string {
  return `${bundleFile}.parts`
}

function partitionFile(bundleFile: string, hash: string): string {
  // Names come from verified indexes; anything else never becomes a path.
  if (!HEX64.test(hash)) throw new EntenteError('ERR_BUNDLE_INVALID', 'a revocation partition hash is not 64 hex digits')
  return path.join(partitionDir(bundleFile), `${hash}.part`)
}

/**
 * Writes a verified partition's file atomically, named by the hash of its payload text, unless `held` names that
 * hash already (content-addressed: the same name is the same bytes). Returns the hash and whether it wrote.
 */
export async function writePartitionFile(bundleFile: string, signed: SignedRevocationPartition, held: ReadonlySet<string> = new Set()): Promise<{ hash: string; written: boolean }> {
  const text = Buffer.from(payloadTextOf(signed))
  // Canonical JSON escapes every control character, so the payload text never holds the separating newline.
  if (text.includes(0x0a)) throw new EntenteError('ERR_REVOCATION_MALFORMED', 'a revocation partition payload is not canonical JSON')
  const hash = sha256Hex(text)
  if (held.has(hash)) return { hash, written: false }
  const trailer = JSON.stringify({ b64: !signed.payload.startsWith('{'), signatures: signed.signatures })
  await writeAtomically(partitionFile(bundleFile, hash), Buffer.concat([text, Buffer.from(`\n${trailer}\n`)]))
  return { hash, written: true }
}

/**
 * The payload text of a partition file as UTF-8 bytes, unchecked (createVerifier checks them against the hash its
 * verified index names, once); undefined when the file is missing or unreadable.
 */
export function readPartitionPayloadSync(bundleFile: string, hash: string): Buffer | undefined {
  if (!HEX64.test(hash)) return undefined
  const bytes = readCappedSync(partitionFile(bundleFile, hash))
  if (bytes === undefined) return undefined
  const end = bytes.indexOf(0x0a)
  return end < 0 ? undefined : bytes.subarray(0, end)
}

/** The whole signed partition a file holds (for readState and exports); undefined when missing or not intact. */
export function readPartitionFileSync(bundleFile: string, hash: string): SignedRevocationPartition | undefined {
  if (!HEX64.test(hash)) return undefined
  const bytes = readCappedSync(partitionFile(bundleFile, hash))
  if (bytes === undefined) return undefined
  const end = intactPayloadEnd(bytes, hash)
  if (end === undefined) return undefined
  try {
    const text = bytes.toString('utf8', 0, end)
    const trailer = JSON.parse(bytes.toString('utf8', end + 1)) as { b64?: unknown; signatures?: SignedRevocationPartition['signatures'] }
    if (!Array.isArray(trailer.signatures)) return undefined
    // Signatures are not checked here: the hash binds the payload to the verified index that names it.
    const signed: SignedRevocationPartition = { payload: trailer.b64 === true ? Buffer.from(text).toString('base64url') : text, signatures: trailer.signatures }
    return signed
  } catch {
    return undefined
  }
}

/**
 * Hashes of the partition files beside `bundleFile` whose bytes are what their names say (an edited file is not
 * held, so the next sync fetches it again). A file no newer than the sync record was there when the last sync ended,
 * which wrote it after verifying it or found it intact: only newer files (edited since, or left by a sync that
 * crashed) are read and hashed again, so a sync's cost does not grow with the partitions held. An edit that also
 * set the time back is still caught when a verifier opens the file: its hash is checked then, and the certificates
 * that need it refused. One file at a time is read: memory stays one partition.
 */
export async function heldPartitionHashes(bundleFile: string): Promise<Set<string>> {
  const held = new Set<string>()
  const checkedUpTo = await stat(syncRecordPath(bundleFile)).then(
    (info) => info.mtimeMs,
    () => Number.NEGATIVE_INFINITY,
  )
  const names = await listPartitionFiles(bundleFile)
  // Stats a few at a time: one by one, tens of thousands of round trips to the file system's thread pool add up.
  for (let at = 0; at < names.length; at += STAT_BATCH) {
    const batch = names.slice(at, at + STAT_BATCH)
    const infos = await Promise.all(batch.map((name) => stat(path.join(partitionDir(bundleFile), name)).catch(() => undefined)))
    for (const [i, name] of batch.entries()) {
      const info = infos[i]
      if (info === undefined || info.size > MAX_PART_FILE_BYTES) continue
      const hash = name.slice(0, 64)
      if (info.mtimeMs <= checkedUpTo) {
        held.add(hash)
        continue
      }
      let bytes: Buffer
      try {
        bytes = await readFile(path.join(partitionDir(bundleFile), name))
      } catch {
        continue
      }
      if (intactPayloadEnd(bytes, hash) !== undefined) held.add(hash)
    }
  }
  return held
}

const STAT_BATCH = 64

/**
 * Removes the partition files no held index names any more. Called only after the bundle naming the kept ones is
 * written: a crash before that leaves the old bundle with every file it names.
 */
export async function removeUnreferencedPartitions(bundleFile: string, keep: ReadonlySet<string>): Promise<number> {
  let removed = 0
  for (const name of await listPartitionFiles(bundleFile)) {
    if (keep.has(name.slice(0, 64))) continue
    await unlink(path.join(partitionDir(bundleFile), name)).then(
      () => removed++,
      () => undefined,
    )
  }
  // Temp files of a write that crashed before its rename; an hour old, so never one a running sync still writes.
  const names = await readdir(partitionDir(bundleFile)).catch(() => [] as string[])
  for (const name of names.filter((n) => PART_TEMP.test(n))) {
    const file = path.join(partitionDir(bundleFile), name)
    const info = await stat(file).catch(() => undefined)
    if (info !== undefined && Date.now() - info.mtimeMs > 3_600_000) await unlink(file).catch(() => undefined)
  }
  return removed
}

/** Where a partition file's payload text ends (its first newline), when that text has the hash the file is named by. */
function intactPayloadEnd(bytes: Buffer, hash: string): number | undefined {
  const end = bytes.indexOf(0x0a)
  return end >= 0 && sha256Hex(bytes.subarray(0, end)) === hash ? end : undefined
}

/** Hashes of the partition files beside `bundleFile` by their names alone (one directory listing; no bytes read). */
export async function namedPartitionFiles(bundleFile: string): Promise<Set<string>> {
  return new Set((await listPartitionFiles(bundleFile)).map((name) => name.slice(0, 64)))
}

async function listPartitionFiles(bundleFile: string): Promise<string[]> {
  try {
    return (await readdir(partitionDir(bundleFile))).filter((name) => PART_FILE.test(name))
  } catch {
    return []
  }
}

function readCappedSync(file: string): Buffer | undefined {
  try {
    if (statSync(file).size > MAX_PART_FILE_BYTES) return undefined
    return readFileSync(file)
  } catch {
    return undefined
  }
}
