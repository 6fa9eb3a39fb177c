// The `entente` command: dispatches to subcommands; every failure becomes one line `entente: CODE: message`.
import '../platform/use-node-platform.js'
import { processIo, reportError, type CliIo } from './io.js'

type Command = { readonly run: (argv: string[], io: CliIo) => Promise<number>; readonly help: string }

// A command's module (and what it imports) is loaded only when that command runs, or for the full --help: a
// verifier's `entente verify` does not pay for the node, the store or libp2p at every start.
const commands: Record<string, () => Promise<Command>> = {
  init: async () => import('./commands/init.js').then((m) => ({ run: m.runInit, help: m.initHelp })),
  publish: async () => import('./commands/publish.js').then((m) => ({ run: (argv, io) => m.runPublish(argv, io), help: m.publishHelp })),
  root: async () => {
    const [m, node] = await Promise.all([import('./commands/root.js'), import('./commands/root-node.js')])
    return { run: (argv, io) => m.runRoot(argv, io, node.readNodeRoot), help: m.rootHelp }
  },
  sign: async () => import('./commands/sign.js').then((m) => ({ run: (argv, io) => m.runSign(argv, io), help: m.signHelp })),
  inspect: async () => import('./commands/inspect.js').then((m) => ({ run: (argv, io) => m.runInspect(argv, io), help: m.inspectHelp })),
  node: async () => import('./commands/node.js').then((m) => ({ run: m.runNode, help: m.nodeHelp })),
  signer: async () => import('./commands/signer.js').then((m) => ({ run: m.runSigner, help: m.signerHelp })),
  vaccines: async () => import('./commands/signer.js').then((m) => ({ run: m.runVaccines, help: m.vaccinesHelp })),
  diplomat: async () => import('./commands/diplomat.js').then((m) => ({ run: m.runDiplomat, help: m.diplomatHelp })),
  verify: async () => import('./commands/verify.js').then((m) => ({ run: m.runVerify, help: m.verifyHelp })),
  sync: async () => import('./commands/sync.js').then((m) => ({ run: m.runSync, help: m.syncHelp })),
  revocation: async () => import('./commands/revocation.js').then((m) => ({ run: m.runRevocation, help: m.revocationHelp })),
  federation: async () => import('./commands/federation.js').then((m) => ({ run: m.runFederationCommand, help: m.federationHelp })),
  peer: async () => import('./commands/peer.js').then((m) => ({ run: m.runPeer, help: m.peerHelp })),
  quarantine: async () => import('./commands/quarantine.js').then((m) => ({ run: m.runQuarantine, help: m.quarantineHelp })),
  backup: async () => import('./commands/backup.js').then((m) => ({ run: m.runBackup, help: m.backupHelp })),
  restore: async () => import('./commands/restore.js').then((m) => ({ run: (argv, io) => m.runRestore(argv, io), help: m.restoreHelp })),
}

async function usage(): Promise<string> {
  const all = await Promise.all(Object.values(commands).map((load) => load()))
  return `Usage: entente <command> [options]\n\n${all.map((c) => c.help).join('\n\n')}\n`
}

export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  const [name, ...rest] = argv
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    io.stdout(await usage())
    if (name !== undefined) return 0
    io.stderr('entente: ERR_USAGE: no command given; hint: entente --help lists the commands\n')
    return 2
  }
  const load = Object.hasOwn(commands, name) ? commands[name] : undefined
  if (load === undefined) {
    io.stderr(`entente: ERR_USAGE: unknown command "${name}"; hint: entente --help lists the commands\n`)
    return 2
  }
  try {
    const command = await load()
    if (rest.includes('--help') || rest.includes('-h')) {
      io.stdout(`${command.help}\n`)
      return 0
    }
    return await command.run(rest, io)
  } catch (error) {
    return reportError(error, io)
  }
}
