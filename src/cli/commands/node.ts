// `entente node start`: runs a country's node until SIGINT/SIGTERM, then shuts down cleanly.
import { parseArgs } from 'node:util'
import { loadNodeConfig } from '../../config/node-config.js'
import { describeTls } from '../../http/tls.js'
import { isEntenteError } from '../../model/errors.js'
import { usageError, type CliIo } from '../io.js'

export const nodeHelp = `entente node start --dir DIR | --config FILE [--port N]
  Starts the country's node from its config and SQLite store (HTTP on http.host, 127.0.0.1 by default; HTTPS with
  http.tls). Ctrl-C or SIGTERM stops it cleanly; SIGHUP re-reads the TLS certificate and key.`

export async function runNode(argv: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = argv
  if (sub !== 'start') throw usageError('usage: entente node start --dir DIR')
  const { values } = parseArgs({
    args: rest,
    options: { dir: { type: 'string' }, config: { type: 'string' }, port: { type: 'string' } },
    strict: true,
  })
  const location = values.config ?? values.dir
  if (location === undefined) throw usageError('--dir (or --config) is required')
  const port = values.port === undefined ? undefined : Number(values.port)
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) throw usageError('--port must be 0..65535')
  const config = await loadNodeConfig(location)
  // Loaded here, not at the top: the node runtime (libp2p, HTTP server) would slow every other command's start.
  const { startNode } = await import('../../node.js')
  const node = await startNode(config, { ...(port === undefined ? {} : { port }), log: (line) => io.stderr(`${line}\n`) })
  io.stdout(`${config.country} node on ${node.url} (store ${config.paths.store})\n`)
  // SIGHUP: a renewed certificate is served without a restart; a bad pair is logged and the old one kept.
  const onHup = () => {
    node.reloadTls().then(
      (tls) => io.stderr(tls === undefined ? 'SIGHUP: no http.tls configured, nothing to reload\n' : `SIGHUP: ${describeTls(tls)}\n`),
      (error: unknown) => io.stderr(`SIGHUP: kept the previous certificate: ${isEntenteError(error) ? `${error.code}: ${error.message}` : String(error)}\n`),
    )
  }
  process.on('SIGHUP', onHup)
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      io.stderr(`${signal}: stopping\n`)
      process.off('SIGINT', onInt)
      process.off('SIGTERM', onTerm)
      resolve()
    }
    const onInt = () => stop('SIGINT')
    const onTerm = () => stop('SIGTERM')
    process.on('SIGINT', onInt)
    process.on('SIGTERM', onTerm)
  }).finally(() => process.off('SIGHUP', onHup))
  await node.stop()
  io.stderr('stopped\n')
  return 0
}
