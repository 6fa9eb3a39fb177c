// `entente federation up` (= npm start): the demo federation on one host, from nodes/ (which bind loopback by choice).
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { usageError, type CliIo } from '../io.js'

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')

export const federationHelp = `entente federation up [--nodes DIR] [--data DIR] [--start-limit SECONDS] [--exit-after-demo]
  Starts one node process per country in nodes/ (GR, CY, IL, DE, CN), each with its own SQLite file under
  data/federation/, keys generated on first run and reused after. Seeds demo signers, vaccines and the
  recognitions of nodes/federation.json (approved by demo diplomats' passkeys), issues a demo certificate in
  one country and verifies it offline from another country's synced bundle, then shows a status table.
  Ctrl-C stops every node cleanly.
  Checks first that no federation runs from the data directory and that every demo port is free. Each node
  is waited for while its process lives, up to --start-limit seconds (default 120, or ENTENTE_START_LIMIT_MS);
  raise it on a loaded machine.`

export async function runFederationCommand(argv: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = argv
  if (sub !== 'up') throw usageError('usage: entente federation up')
  const { values } = parseArgs({
    args: rest,
    options: {
      nodes: { type: 'string', default: path.join(projectRoot, 'nodes') },
      data: { type: 'string', default: path.join(projectRoot, 'data', 'federation') },
      'start-limit': { type: 'string' },
      'exit-after-demo': { type: 'boolean', default: false },
    },
    strict: true,
  })
  const limit = values['start-limit']
  const seconds = limit === undefined ? undefined : Number(limit)
  if (seconds !== undefined && (!Number.isFinite(seconds) || seconds <= 0)) throw usageError(`--start-limit takes a positive number of seconds, not ${limit}`)
  // Loaded here, not at the top: the launcher would slow every other command's start.
  const { runFederation } = await import('../../federation/run-federation.js')
  return runFederation({
    nodesDir: path.resolve(values.nodes),
    dataDir: path.resolve(values.data),
    bin: path.join(projectRoot, 'bin', 'entente.js'),
    io,
    exitAfterDemo: values['exit-after-demo'],
    ...(seconds === undefined ? {} : { startLimitMs: seconds * 1000 }),
  })
}
