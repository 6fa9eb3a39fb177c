// The `entente` command: dispatches to subcommands; every failure becomes one line `entente: CODE: message`.
import { diplomatHelp, runDiplomat } from './commands/diplomat.js'
import { initHelp, runInit } from './commands/init.js'
import { inspectHelp, runInspect } from './commands/inspect.js'
import { nodeHelp, runNode } from './commands/node.js'
import { publishHelp, runPublish } from './commands/publish.js'
import { rootHelp, runRoot } from './commands/root.js'
import { readNodeRoot } from './commands/root-node.js'
import { runSign, signHelp } from './commands/sign.js'
import { runVerify, verifyHelp } from './commands/verify.js'
import { runSync, syncHelp } from './commands/sync.js'
import { revocationHelp, runRevocation } from './commands/revocation.js'
import { federationHelp, runFederationCommand } from './commands/federation.js'
import { runSigner, runVaccines, signerHelp, vaccinesHelp } from './commands/signer.js'
import { peerHelp, runPeer } from './commands/peer.js'
import { quarantineHelp, runQuarantine } from './commands/quarantine.js'
import { backupHelp, runBackup } from './commands/backup.js'
import { restoreHelp, runRestore } from './commands/restore.js'
import { processIo, reportError, type CliIo } from './io.js'

type Command = { readonly run: (argv: string[], io: CliIo) => Promise<number>; readonly help: string }

const commands: Record<string, Command> = {
  init: { run: runInit, help: initHelp },
  publish: { run: (argv, io) => runPublish(argv, io), help: publishHelp },
  root: { run: (argv, io) => runRoot(argv, io, readNodeRoot), help: rootHelp },
  sign: { run: (argv, io) => runSign(argv, io), help: signHelp },
  inspect: { run: (argv, io) => runInspect(argv, io), help: inspectHelp },
  node: { run: runNode, help: nodeHelp },
  signer: { run: runSigner, help: signerHelp },
  vaccines: { run: runVaccines, help: vaccinesHelp },
  diplomat: { run: runDiplomat, help: diplomatHelp },
  verify: { run: runVerify, help: verifyHelp },
  sync: { run: runSync, help: syncHelp },
  revocation: { run: runRevocation, help: revocationHelp },
  federation: { run: runFederationCommand, help: federationHelp },
  peer: { run: runPeer, help: peerHelp },
  quarantine: { run: runQuarantine, help: quarantineHelp },
  backup: { run: runBackup, help: backupHelp },
  restore: { run: (argv, io) => runRestore(argv, io), help: restoreHelp },
}

function usage(): string {
  return `Usage: entente <command> [options]\n\n${Object.values(commands)
    .map((c) => c.help)
    .join('\n\n')}\n`
}

export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  const [name, ...rest] = argv
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    io.stdout(usage())
    if (name !== undefined) return 0
    io.stderr('entente: ERR_USAGE: no command given; hint: entente --help lists the commands\n')
    return 2
  }
  const command = commands[name]
  if (command === undefined) {
    io.stderr(`entente: ERR_USAGE: unknown command "${name}"; hint: entente --help lists the commands\n`)
    return 2
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout(`${command.help}\n`)
    return 0
  }
  try {
    return await command.run(rest, io)
  } catch (error) {
    return reportError(error, io)
  }
}
