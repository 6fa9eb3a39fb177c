// `entente verify`: reads trust (--dsc/--jwks) and certificates from files or stdin, verifies them offline with
// src/certificates and prints one line per certificate. All file reading happens here, never in the core.
import { readFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { calculateJwkThumbprint } from 'jose'
import { loadDccSchema } from '../../config/reference-data.js'
import type { Verifier } from '../../verifier/create-verifier.js'
import { loadVerifier, type LoadVerifierOptions } from '../../verifier/load-verifier.js'
import { compileDccSchema } from '../../certificates/dcc/validate-dcc-schema.js'
import { EntenteError, isEntenteError } from '../../model/errors.js'
import { reportError } from '../io.js'
import {
  parseDsc,
  parseShcCrl,
  prepareTrust,
  verifyCertificate,
  type PreparedTrust,
  type PublicJwk,
  type Signer,
  type TrustMaterial,
  type Usage,
  type Verdict,
} from '../../certificates/index.js'

export interface VerifyIo {
  stdin: NodeJS.ReadableStream
  stdout: (s: string) => void
  stderr: (s: string) => void
}

const ALL_USAGES: Usage[] = ['vaccination', 'test', 'recovery']
// Bounds what a single invocation reads into memory.
const MAX_INPUT_BYTES = 64 * 1024 * 1024

export const verifyHelp = `entente verify PAYLOAD|- --bundle BUNDLE [--grace SECONDS] [--at ISO-8601] [--json] [--show-holder]
entente verify PAYLOAD|- [--dsc FILE]... [--jwks FILE [--issuer URL] [--crl FILE]] [--at ISO-8601] [--json] [--show-holder] [--dcc-schema FILE]
entente verify --batch FILE|- (--bundle BUNDLE | [--dsc FILE]... [--jwks FILE]) [--json]
  Verifies offline and prints one line per certificate (VALID/INVALID, or a JSON verdict with --json); exit 0 when
  all are valid, 1 otherwise. --batch reads one certificate per line, in either form (mixed freely; blank lines
  are skipped):
    plain   the QR text itself: HC1:... or shc:/...
    JSON    {"payload": "HC1:...", "at": "ISO-8601", "dsc": "BASE64 DER" | [...], "jwks": {...}} (only payload
            is required; "at" overrides --at for that line; "dsc"/"jwks" add trust, not with --bundle)
  A line that cannot be read prints ERROR line N: CODE message (or {"line":N,"error":{...}}) and the rest go on.`

function parseGrace(value: string): number {
  const seconds = Number(value)
  if (!Number.isInteger(seconds) || seconds < 0) throw usageError('--grace must be a number of seconds')
  return seconds
}

function usageError(message: string): EntenteError {
  return new EntenteError('ERR_USAGE', message)
}

async function readInput(path: string, io: VerifyIo): Promise<string> {
  if (path === '-') {
    const chunks: Buffer[] = []
    let size = 0
    for await (const chunk of io.stdin) {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk
      size += buf.length
      if (size > MAX_INPUT_BYTES) throw new EntenteError('ERR_INPUT_TOO_LARGE', 'stdin is too large')
      chunks.push(buf)
    }
    return Buffer.concat(chunks).toString('utf8')
  }
  return (await readBytes(path)).toString('utf8')
}

async function readBytes(path: string): Promise<Buffer> {
  try {
    const bytes = await readFile(path)
    if (bytes.length > MAX_INPUT_BYTES) throw new EntenteError('ERR_INPUT_TOO_LARGE', `${path} is too large`)
    return bytes
  } catch (error) {
    if (isEntenteError(error)) throw error
    throw new EntenteError('ERR_CONFIG_NOT_FOUND', `cannot read ${path}: ${(error as Error).message}`, { cause: error })
  }
}

/** DER or PEM (one or more CERTIFICATE blocks) → base64 DER certificates. */
export function dscCertificates(bytes: Buffer, name: string): string[] {
  const text = bytes.toString('latin1')
  if (text.includes('-----BEGIN')) {
    const blocks = [...text.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g)].map((m) =>
      (m[1] ?? '').replace(/\s+/g, ''),
    )
    if (blocks.length === 0) throw new EntenteError('ERR_KEY_INVALID', `${name}: no CERTIFICATE block in PEM`)
    return blocks
  }
  return [bytes.toString('base64')]
}

/** A DSC as a trust entry, filed under its own subject country ('*' when it has none). */
export function dccSignerEntry(certificate: string, name: string): { country: string; signer: Signer } {
  try {
    const dsc = parseDsc(Buffer.from(certificate, 'base64'))
    return { country: dsc.country ?? '*', signer: { format: 'dcc', kid: dsc.kid, certificate, usage: ALL_USAGES } }
  } catch (error) {
    throw new EntenteError('ERR_KEY_INVALID', `${name}: not an X.509 certificate`, { cause: error })
  }
}

/** A JWKS (or a single JWK) as SHC trust entries, bound to `issuer` or, without it, to any issuer. */
export async function shcSignerEntries(jwks: unknown, issuer: string | undefined, name: string): Promise<Signer[]> {
  const keys = (jwks as { keys?: unknown } | null)?.keys ?? [jwks]
  if (!Array.isArray(keys) || keys.length === 0 || !keys.every((k) => typeof k === 'object' && k !== null)) {
    throw new EntenteError('ERR_KEY_INVALID', `${name}: not a JWKS`)
  }
  return Promise.all(
    (keys as PublicJwk[]).map(async (jwk) => {
      let kid = jwk.kid
      if (kid === undefined) {
        try {
          kid = await calculateJwkThumbprint(jwk)
        } catch (error) {
          throw new EntenteError('ERR_KEY_INVALID', `${name}: invalid JWK`, { cause: error })
        }
      }
      return { format: 'shc' as const, kid, issuer: issuer ?? '*', jwk, usage: ALL_USAGES }
    }),
  )
}

/** The verifier of a verified bundle as `entente sync` writes it (capped as the sync caps one decompressed bundle). */
async function loadBundleVerifier(file: string, options: LoadVerifierOptions): Promise<Verifier> {
  return loadVerifier(file, options).catch((error: unknown) => {
    if (isEntenteError(error, 'ERR_BUNDLE_INVALID') && error.details?.notJson === true) throw new EntenteError('ERR_BUNDLE_INVALID', `${file}: not JSON`, { cause: error })
    throw error
  })
}

function parseJson(text: string, name: string, code: 'ERR_KEY_INVALID' | 'ERR_BUNDLE_INVALID' | 'ERR_USAGE' = 'ERR_KEY_INVALID'): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch (error) {
    throw new EntenteError(code, `${name}: not JSON`, { cause: error })
  }
}

/**
 * One --batch line: a JSON object (it starts with "{") or the QR text itself. Plain lines are what a scanner
 * writes; JSON lines carry a per-line time or trust.
 */
function parseBatchLine(line: string, lineNo: number): BatchLine & { payload: string } {
  const text = line.trim()
  if (!text.startsWith('{')) return { payload: text }
  const entry = parseJson(text, `line ${lineNo}`, 'ERR_USAGE') as BatchLine | null
  if (typeof entry !== 'object' || entry === null || typeof entry.payload !== 'string') {
    throw usageError(`line ${lineNo}: "payload" must be a string`)
  }
  return entry as BatchLine & { payload: string }
}

function parseAt(value: string | undefined, fallback: Date): Date {
  if (value === undefined) return fallback
  // ISO 8601 only; a date-time without zone would silently be read as local time, so require one.
  if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2}))?$/.test(value)) {
    throw usageError(`--at ${value} is not an ISO 8601 date or date-time with zone`)
  }
  const at = new Date(value)
  if (Number.isNaN(at.getTime())) throw usageError(`--at ${value} is not a valid time`)
  return at
}

function addSigner(material: TrustMaterial, country: string, signer: Signer): void {
  ;(material.signers[country] ??= []).push(signer)
}

export function formatVerdict(verdict: Verdict): string {
  const subject = [verdict.format, verdict.issuer ?? verdict.issuerUrl, verdict.type].filter((x) => x !== undefined).join(' ')
  const holder = verdict.holder === undefined ? '' : ` holder="${verdict.holder.name}" dob=${verdict.holder.dateOfBirth ?? '?'}`
  if (verdict.valid) {
    const until = verdict.expiresAt === undefined ? '' : ` until ${verdict.expiresAt}`
    const warned = verdict.warnings.length === 0 ? '' : ` (${verdict.warnings.length} warning${verdict.warnings.length > 1 ? 's' : ''})`
    return `VALID ${subject} kid=${verdict.kid ?? '?'}${until}${holder}${warned}`
  }
  return `INVALID ${subject}: ${verdict.reasons.map((r) => `${r.code} ${r.message}`).join('; ')}${holder}`
}

interface BatchLine {
  payload?: unknown
  dsc?: unknown
  jwks?: unknown
  at?: unknown
}

export async function runVerify(argv: string[], io: VerifyIo): Promise<number> {
  let parsed
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        dsc: { type: 'string', multiple: true },
        jwks: { type: 'string', multiple: true },
        issuer: { type: 'string' },
        crl: { type: 'string', multiple: true },
        'dcc-schema': { type: 'string' },
        grace: { type: 'string' },
        bundle: { type: 'string' },
        at: { type: 'string' },
        json: { type: 'boolean', default: false },
        'show-holder': { type: 'boolean', default: false },
        batch: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    })
  } catch (error) {
    return reportError(error, io)
  }
  const { values, positionals } = parsed
  if (values.help) {
    io.stdout(`${verifyHelp}\n`)
    return 0
  }
  try {
    if (values.bundle !== undefined && (values.dsc !== undefined || values.jwks !== undefined || values.crl !== undefined)) {
      throw usageError('--bundle is the whole trust: do not combine it with --dsc, --jwks or --crl')
    }
    if (values.batch === undefined && positionals.length !== 1) throw usageError('give exactly one PAYLOAD (or - for stdin), or --batch FILE')
    if (values.batch !== undefined && positionals.length > 0) throw usageError('--batch takes no PAYLOAD')
    const showHolder = values['show-holder']
    const at = parseAt(values.at, new Date())

    // Trust given directly: these keys are the whole trust; no recognition or policy applies.
    const material: TrustMaterial = { signers: {}, revokedCertificates: [] }
    for (const file of values.dsc ?? []) {
      for (const certificate of dscCertificates(await readBytes(file), file)) {
        const { country, signer } = dccSignerEntry(certificate, file)
        addSigner(material, country, signer)
      }
    }
    for (const file of values.jwks ?? []) {
      const jwks = parseJson((await readBytes(file)).toString('utf8'), file)
      for (const signer of await shcSignerEntries(jwks, values.issuer, file)) addSigner(material, '*', signer)
    }
    for (const file of values.crl ?? []) {
      if (values.issuer === undefined) throw usageError('--crl needs --issuer (a CRL belongs to one issuer)')
      const parsedCrl = parseShcCrl(values.issuer, parseJson((await readBytes(file)).toString('utf8'), file))
      material.revokedCertificates?.push(...parsedCrl.revocations)
    }

    // Compiled once: the schema only turns deviations into warnings, so a missing schema file is no error.
    const schema = await loadDccSchema(values['dcc-schema'])
    if (schema === undefined && values['dcc-schema'] !== undefined) throw usageError(`cannot read the DCC schema ${values['dcc-schema']}`)
    const schemaOption = schema === undefined ? {} : { dccSchema: compileDccSchema(schema) }

    // With a synced bundle: the home country's recognitions, signers and rules, verified from its pinned root.
    const verifier =
      values.bundle === undefined
        ? undefined
        : // The state sync prepared beside the bundle (or the bundle, verified again); revocation partitions live in
          // their files beside it (BUNDLE.parts/), read when first needed.
          await loadBundleVerifier(values.bundle, {
            now: at,
            ...(values.grace === undefined ? {} : { graceSeconds: parseGrace(values.grace) }),
            ...schemaOption,
          })

    if (values.batch === undefined) {
      if (verifier !== undefined) {
        const text = positionals[0] === '-' ? (await readInput('-', io)).replace(/[\r\n]+$/, '') : (positionals[0] ?? '')
        const verdict = await verifier.verify(text, { now: at, showHolder })
        io.stdout(`${values.json ? JSON.stringify(verdict) : formatVerdict(verdict)}\n`)
        return verdict.valid ? 0 : 1
      }
      if (Object.keys(material.signers).length === 0) throw usageError('no trust given: use --bundle FILE, --dsc FILE or --jwks FILE')
      const trust = await prepareTrust(material, schemaOption)
      for (const problem of trust.problems) io.stderr(`warning: ignoring signer ${problem.kid}: ${problem.message}\n`)
      const text = positionals[0] === '-' ? (await readInput('-', io)).replace(/[\r\n]+$/, '') : (positionals[0] ?? '')
      const verdict = await verifyCertificate(text, trust, { now: at, showHolder })
      io.stdout(`${values.json ? JSON.stringify(verdict) : formatVerdict(verdict)}\n`)
      return verdict.valid ? 0 : 1
    }

    const lines = (await readInput(values.batch, io)).split(/\r?\n/)
    const baseTrust = await prepareTrust(material, schemaOption)
    // Lines often repeat the same keys: prepare each distinct trust once.
    const prepared = new Map<string, PreparedTrust>()
    let allValid = true
    for (const [index, line] of lines.entries()) {
      if (line.trim() === '') continue
      const lineNo = index + 1
      let output: string
      try {
        const entry = parseBatchLine(line, lineNo)
        let trust = baseTrust
        if (verifier !== undefined && (entry.dsc !== undefined || entry.jwks !== undefined)) {
          throw usageError(`line ${lineNo}: "dsc"/"jwks" cannot extend a --bundle's trust`)
        }
        if (entry.dsc !== undefined || entry.jwks !== undefined) {
          const cacheKey = JSON.stringify([entry.dsc, entry.jwks])
          let cached = prepared.get(cacheKey)
          if (cached === undefined) {
            const lineMaterial: TrustMaterial = { ...material, signers: structuredClone(material.signers) }
            if (entry.dsc !== undefined) {
              const list = Array.isArray(entry.dsc) ? (entry.dsc as unknown[]) : [entry.dsc]
              for (const dsc of list) {
                if (typeof dsc !== 'string') throw usageError(`line ${lineNo}: "dsc" must be base64 DER`)
                const { country, signer } = dccSignerEntry(dsc, `line ${lineNo}`)
                addSigner(lineMaterial, country, signer)
              }
            }
            if (entry.jwks !== undefined) {
              for (const signer of await shcSignerEntries(entry.jwks, values.issuer, `line ${lineNo}`)) addSigner(lineMaterial, '*', signer)
            }
            cached = await prepareTrust(lineMaterial, schemaOption)
            prepared.set(cacheKey, cached)
          }
          trust = cached
        }
        const now = parseAt(typeof entry.at === 'string' ? entry.at : undefined, at)
        const verdict = await (verifier === undefined ? verifyCertificate(entry.payload, trust, { now, showHolder }) : verifier.verify(entry.payload, { now, showHolder }))
        allValid &&= verdict.valid
        output = values.json ? JSON.stringify(verdict) : formatVerdict(verdict)
      } catch (error) {
        allValid = false
        const code = isEntenteError(error) ? error.code : 'ERR_USAGE'
        const message = error instanceof Error ? error.message : String(error)
        output = values.json ? JSON.stringify({ line: lineNo, error: { code, message } }) : `ERROR line ${lineNo}: ${code} ${message}`
      }
      io.stdout(`${output}\n`)
    }
    return allValid ? 0 : 1
  } catch (error) {
    return reportError(error, io)
  }
}
