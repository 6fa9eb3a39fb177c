// `entente sync`: the verifier's periodic step, the only one that uses the network.
import { readFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { rootPublicFromJwk } from '../../config/secrets.js'
import { EntenteError, isEntenteError } from '../../model/errors.js'
import { describeRevocationGap } from '../../verifier/revocation-completeness.js'
import { syncBundle, type SourceReport } from '../../verifier/sync-client.js'
import { usageError, type CliIo } from '../io.js'

export const syncHelp = `entente sync --from URL|FILE [--from ...] --home XX --root THUMBPRINT|ROOT.pub.jwk --out BUNDLE [--json]
       [--max-bytes N] [--max-decompressed-bytes N] [--max-partitions N]
  --root pins the home country's public root: its thumbprint or public JWK file, as the home operator prints them
  with entente root show --dir DIR --thumbprint (or --jwk). A private key file is refused.
  Fetches the federation's lists from any node or plain file mirror and keeps what verifies from the pinned
  home root: the home list by its chain, foreign lists only where home recognizes them, revocation lists
  under their country's root. Writes BUNDLE atomically, with a small record beside it (BUNDLE.sync.json) and the
  revocation partitions in BUNDLE.parts/ (one file per partition; copy it with BUNDLE); later
  syncs are incremental (ETag, ?since=): one that brings nothing new rewrites only the record, a change to one
  country fetches only that list, and none rolls back, whichever source it uses. One response may take
  --max-bytes on the wire (default 64 MiB) and --max-decompressed-bytes once decoded (default 256 MiB); a source
  over either is reported with the cap it broke. Revocation partitions are fetched (several at a time), verified
  and written one by one, at most --max-partitions per source and sync (default 200,000: a federation's 100
  million revoked hashes are ~41,000); the rest waits for the next sync. A source serving stale or invalid lists is reported, not trusted
  (exit 1 when no source was fresh). A trust list names its country's current revocation list: a source that
  omits it or serves an older one is reported stale with a warning naming the country, and until some source
  gives it, that country's certificates are refused (ERR_REVOCATIONS_MISSING); name several --from sources.
  Progress goes to stderr; --json prints one JSON report and nothing else.
  Then, offline: entente verify --bundle BUNDLE PAYLOAD.`

export async function runSync(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      from: { type: 'string', multiple: true },
      home: { type: 'string' },
      root: { type: 'string' },
      out: { type: 'string' },
      json: { type: 'boolean', default: false },
      'max-bytes': { type: 'string' },
      'max-decompressed-bytes': { type: 'string' },
      'max-partitions': { type: 'string' },
    },
    strict: true,
  })
  const home = values.home?.toUpperCase()
  if (home === undefined || !/^[A-Z]{2}$/.test(home)) throw usageError('--home must be the verifier’s country (ISO 3166-1 alpha-2)')
  if (values.from === undefined || values.from.length === 0) throw usageError('give at least one --from URL or mirror file')
  if (values.out === undefined) throw usageError('--out BUNDLE is required')
  const maxBundleBytes = byteCount(values['max-bytes'], '--max-bytes')
  const maxDecompressedBytes = byteCount(values['max-decompressed-bytes'], '--max-decompressed-bytes')
  const maxPartitions = count(values['max-partitions'], '--max-partitions')
  const anchor = values.root === undefined ? undefined : { thumbprint: await pinnedThumbprint(values.root) }
  const progress = values.json ? undefined : (line: string) => io.stderr(`  ${line}\n`)
  const out = values.out
  const { summary, sources, missingRevocations } = await syncBundle({
    sources: values.from,
    home,
    ...(maxBundleBytes === undefined ? {} : { maxBundleBytes }),
    ...(maxDecompressedBytes === undefined ? {} : { maxDecompressedBytes }),
    ...(maxPartitions === undefined ? {} : { maxPartitions }),
    ...(anchor === undefined ? {} : { anchor }),
    out,
    now: () => new Date(),
    ...(progress === undefined ? {} : { progress }),
  }).catch((error: unknown) => {
    // The previous bundle is where later syncs start from: a damaged one needs a fresh sync, never a repair.
    if (isEntenteError(error, 'ERR_BUNDLE_INVALID') && error.message.startsWith(out)) {
      throw new EntenteError('ERR_BUNDLE_INVALID', `${error.message} (truncated or damaged)`, {
        cause: error,
        details: { hint: `move ${out} aside (or give another --out) and sync again: a new bundle is verified from the pinned root` },
      })
    }
    if (isEntenteError(error, 'ERR_SYNC_NO_VALID_SOURCE')) throw explainNoSource(error, home)
    throw error
  })
  const ok = sources.some((s) => s.status === 'fresh' || s.status === 'not-modified')
  if (values.json) {
    const report = {
      out: values.out,
      home,
      pinnedRoot: summary.pinnedRoot,
      seqs: summary.seqs,
      revocationSeqs: summary.revocationSeqs,
      unrecognized: summary.counts.unrecognized,
      alarms: summary.counts.alarms,
      missingRevocations,
      sources: sources.map(({ merge, ...rest }) => ({ ...rest, ...(merge === undefined ? {} : { accepted: merge.accepted, stale: merge.stale, rejected: merge.rejected }) })),
    }
    io.stdout(`${JSON.stringify(report)}\n`)
  } else {
    const trusted = summary.counts.lists
    const bytes = sources.reduce((n, s) => n + s.bytes, 0)
    io.stdout(
      `Synced ${values.out}: home ${home}, ${trusted} trusted countr${trusted === 1 ? 'y' : 'ies'}, ${summary.counts.unrecognized} unrecognized, ` +
        `${summary.counts.revocations} revocation list(s), ${summary.counts.alarms} alarm(s); ${bytes} bytes received\n`,
    )
    for (const s of sources.filter((r) => r.status !== 'fresh' && r.status !== 'not-modified')) io.stdout(`  ${s.status.toUpperCase()} ${s.source}${s.error === undefined ? '' : `: ${s.error.code} ${s.error.message}`}\n`)
    for (const gap of missingRevocations) io.stdout(`  WARNING ${describeRevocationGap(gap)}\n`)
  }
  return ok ? 0 : 1
}

/** A positive whole number of bytes, or undefined when the flag is absent. */
function byteCount(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  if (!/^[1-9]\d{0,15}$/.test(value) || !Number.isSafeInteger(n)) throw usageError(`${flag} must be a positive number of bytes`)
  return n
}

function count(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined
  if (!/^[1-9]\d{0,8}$/.test(value)) throw usageError(`${flag} must be a positive whole number`)
  return Number(value)
}

const SIZE_CAPS = new Set(['ERR_SYNC_WIRE_TOO_LARGE', 'ERR_SYNC_DECOMPRESSED_TOO_LARGE', 'ERR_INPUT_TOO_LARGE'])

/** Names each source's failure on the one error line, with what usually fixes it; a broken size cap is the cause itself. */
function explainNoSource(error: EntenteError, home: string): EntenteError {
  const reports = (error.details?.sources ?? []) as readonly SourceReport[]
  const why = reports.map((r) => `${r.source}: ${r.error?.code ?? r.status}`).join(', ')
  // Every source over a cap: say which cap, with its own code, instead of "no valid source".
  const capped = reports.map((r) => r.error).filter((e) => e !== undefined && SIZE_CAPS.has(e.code))
  if (capped.length > 0 && capped.length === reports.length) {
    const first = capped[0] as { code: string; message: string }
    const flag = first.code === 'ERR_SYNC_WIRE_TOO_LARGE' ? '--max-bytes' : '--max-decompressed-bytes'
    return new EntenteError(first.code as 'ERR_SYNC_WIRE_TOO_LARGE', first.message, {
      cause: error,
      details: { ...error.details, hint: `raise ${flag} if the federation is really this large; otherwise a source sent more than a bundle should hold` },
    })
  }
  const damaged = reports.some((r) => r.error?.code === 'ERR_HTTP_MALFORMED_JSON' || r.error?.code === 'ERR_BUNDLE_INVALID')
  const hint = damaged
    ? 'a source sent no complete bundle (a truncated or damaged mirror file?): fetch it again or name another --from'
    : `check the --from addresses and that --root is ${home}'s root (entente root show --dir DIR --thumbprint on the ${home} node)`
  return new EntenteError('ERR_SYNC_NO_VALID_SOURCE', `${error.message}${why === '' ? '' : ` (${why})`}`, { cause: error, details: { ...error.details, hint } })
}

/**
 * --root is a thumbprint, or a file holding the root's public JWK. A private key is refused: a verifier needs
 * only the public root, and a root key copied onto a verifier's machine has already left its safe place.
 */
async function pinnedThumbprint(value: string): Promise<string> {
  if (/^[A-Za-z0-9_-]{43}$/.test(value)) return value
  let jwk: unknown
  try {
    jwk = JSON.parse(await readFile(value, 'utf8')) as unknown
  } catch (cause) {
    throw new EntenteError('ERR_KEY_INVALID', `--root ${value} is neither a root thumbprint (43 characters) nor a JWK file`, {
      cause,
      details: { hint: 'entente root show --dir DIR --thumbprint prints a node\'s root thumbprint' },
    })
  }
  try {
    return (await rootPublicFromJwk(jwk, `--root ${value}`)).thumbprint
  } catch (error) {
    if (!isEntenteError(error, 'ERR_KEY_PRIVATE_MATERIAL')) throw error
    throw new EntenteError('ERR_KEY_PRIVATE_MATERIAL', `--root ${value} holds a PRIVATE root key; a verifier pins only the public root`, {
      cause: error,
      details: { hint: `give the thumbprint (entente root show ${value} --thumbprint) and keep the private key off this machine` },
    })
  }
}
