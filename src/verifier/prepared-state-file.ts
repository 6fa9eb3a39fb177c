// The verifier's prepared state (BUNDLE.prepared): what prepareVerifierState kept of the bundle after verifying every
// signed document in it, written by `entente sync` beside the bundle it describes, so that loadVerifier starts from
// it instead of verifying 200 lists again (parse, schema, canonical form, signatures, quorum evidence) at every start.
// It is the verifier's own storage, trusted as its code is; the bundle beside it stays the evidence (loadVerifier's
// `reverify` re-derives everything from it). File I/O and a hash check only.
//
// Layout: one line of header JSON (the bundle it was prepared from: size, modification time, SHA-256; the size and
// SHA-256 of the body), the body (the prepared state as JSON, each DCC certificate replaced by its DER's length), then
// the DERs, back to back in signer order. 20,000 certificate strings are most of what parsing a bundle costs and most
// of the heap the collector copies; as bytes they are one read, and each certificate is a view of them. A DER needs no
// hash of its own: a verifier checks it against its signer's kid (the first 8 bytes of its SHA-256) on first use.
import { open, readFile, stat, unlink } from 'node:fs/promises'
import type { Signer } from '../certificates/trust-material.types.js'
import { fromBase64, sha256Hex } from '../model/encoding.js'
import type { HeldTrustListPayload, PreparedVerifierState } from './create-verifier.js'
import { MAX_VERIFIED_BUNDLE_BYTES } from './constants.js'
import { writeAtomically, type SyncRecord } from './state-file.js'

const TYPE = 'entente.verifier-prepared'
const VERSION = 1
/** A header line is ~300 bytes; more is no header of ours. */
const MAX_HEADER_BYTES = 4096

interface Header {
  readonly type: typeof TYPE
  readonly version: typeof VERSION
  readonly bundle: SyncRecord['bundle']
  /** Size and SHA-256 (hex) of the JSON body; the DERs follow it. */
  readonly bodyBytes: number
  readonly sha256: string
}

/** A signer in the body: a DCC certificate is the length of its DER in the blob (base64 when it is not strict base64). */
type CompactSigner = Signer | (Omit<Extract<Signer, { format: 'dcc' }>, 'certificate'> & { readonly certificate: number })

interface CompactList {
  readonly role: PreparedVerifierState['lists'][number]['role']
  readonly payload: Omit<HeldTrustListPayload, 'signers'> & { readonly signers: readonly CompactSigner[] }
}

export function preparedStatePath(bundleFile: string): string {
  return `${bundleFile}.prepared`
}

/** Writes the prepared state of the bundle file `bundle` describes (atomically). */
export async function writePreparedState(bundleFile: string, bundle: SyncRecord['bundle'], state: PreparedVerifierState): Promise<void> {
  const ders: Uint8Array[] = []
  const body = Buffer.from(JSON.stringify({ ...state, lists: state.lists.map((list) => compactList(list, ders)) }))
  const header: Header = { type: TYPE, version: VERSION, bundle: { bytes: bundle.bytes, mtimeMs: bundle.mtimeMs, sha256: bundle.sha256 }, bodyBytes: body.byteLength, sha256: sha256Hex(body) }
  await writeAtomically(preparedStatePath(bundleFile), Buffer.concat([Buffer.from(`${JSON.stringify(header)}\n`), body, ...ders]))
}

/** Removes a prepared state that no longer describes its bundle (nothing when there is none). */
export async function removePreparedState(bundleFile: string): Promise<void> {
  await unlink(preparedStatePath(bundleFile)).catch(() => undefined)
}

/** Whether the prepared state beside `bundleFile` was prepared from the bundle `bundle` describes (its header only). */
export async function preparedStateDescribes(bundleFile: string, bundle: SyncRecord['bundle']): Promise<boolean> {
  let handle
  try {
    handle = await open(preparedStatePath(bundleFile), 'r')
    const buffer = Buffer.alloc(MAX_HEADER_BYTES)
    const { bytesRead } = await handle.read(buffer, 0, MAX_HEADER_BYTES, 0)
    const header = headerOf(buffer.subarray(0, bytesRead))
    return header !== undefined && sameBundle(header.bundle, bundle)
  } catch {
    return false
  } finally {
    await handle?.close()
  }
}

/**
 * The prepared state beside `bundleFile` when it describes that file as it is now (same size and modification time
 * as when it was prepared) and its body is intact; undefined otherwise (none, stale, damaged, another version), and
 * the caller verifies the bundle itself.
 */
export async function readPreparedState(bundleFile: string): Promise<PreparedVerifierState | undefined> {
  try {
    const [info, preparedInfo] = await Promise.all([stat(bundleFile), stat(preparedStatePath(bundleFile))])
    if (preparedInfo.size > MAX_VERIFIED_BUNDLE_BYTES) return undefined
    const bytes = await readFile(preparedStatePath(bundleFile))
    const header = headerOf(bytes)
    if (header === undefined || header.bundle.bytes !== info.size || header.bundle.mtimeMs !== Math.round(info.mtimeMs)) return undefined
    const start = bytes.indexOf(10) + 1
    const body = bytes.subarray(start, start + header.bodyBytes)
    if (body.byteLength !== header.bodyBytes || sha256Hex(body) !== header.sha256) return undefined
    const state = JSON.parse(body.toString('utf8')) as Omit<PreparedVerifierState, 'lists'> & { lists: CompactList[] }
    const ders = { bytes: bytes.subarray(start + header.bodyBytes), at: 0 }
    const lists = state.lists.map((list) => expandList(list, ders))
    // Every byte after the body belongs to a certificate: a longer or shorter file is not the one written.
    if (ders.at !== ders.bytes.byteLength) return undefined
    return { ...state, lists }
  } catch {
    return undefined
  }
}

function headerOf(bytes: Uint8Array): Header | undefined {
  const end = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).indexOf(10)
  if (end === -1 || end > MAX_HEADER_BYTES) return undefined
  const header = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, end).toString('utf8')) as Partial<Header> | null
  if (header?.type !== TYPE || header.version !== VERSION || typeof header.sha256 !== 'string' || !Number.isSafeInteger(header.bodyBytes)) return undefined
  const bundle = header.bundle
  if (typeof bundle?.bytes !== 'number' || typeof bundle.mtimeMs !== 'number' || typeof bundle.sha256 !== 'string') return undefined
  return header as Header
}

function sameBundle(a: SyncRecord['bundle'], b: SyncRecord['bundle']): boolean {
  return a.bytes === b.bytes && a.mtimeMs === b.mtimeMs && a.sha256 === b.sha256
}

function compactList(list: PreparedVerifierState['lists'][number], ders: Uint8Array[]): CompactList {
  const signers = list.payload.signers.map((signer): CompactSigner => {
    if (signer.format !== 'dcc') return signer
    // Only strict base64 becomes bytes: anything else stays the text it was, refused on first use as before.
    const der = typeof signer.certificate === 'string' ? fromBase64(signer.certificate) : signer.certificate
    if (der === undefined) return signer
    ders.push(der)
    return { ...signer, certificate: der.byteLength }
  })
  return { role: list.role, payload: { ...list.payload, signers } }
}

/** The list with each DER length replaced by a view of its bytes, in place: the parsed objects are this read's own. */
function expandList(list: CompactList, ders: { readonly bytes: Uint8Array; at: number }): PreparedVerifierState['lists'][number] {
  for (const signer of list.payload.signers as unknown as { format: string; certificate: unknown }[]) {
    if (signer.format !== 'dcc' || typeof signer.certificate !== 'number') continue
    const length = signer.certificate
    if (!Number.isSafeInteger(length) || length < 0 || ders.at + length > ders.bytes.byteLength) throw new Error('certificates do not add up')
    signer.certificate = ders.bytes.subarray(ders.at, ders.at + length)
    ders.at += length
  }
  return list as PreparedVerifierState['lists'][number]
}
