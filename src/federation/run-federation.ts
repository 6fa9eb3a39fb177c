// Orchestrates the demo federation: prepare and start the nodes, seed them on first run, wait until every
// node holds every country's list, show a cross-border verification, print the status, stop on Ctrl-C.
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { fingerprintGroups } from '../trust-list/fingerprint.js'
import type { CliIo } from '../cli/io.js'
import { readRootKey } from '../config/secrets.js'
import { issueDemoDcc } from '../demo/issue-dcc.js'
import { loadDccSchema } from '../config/reference-data.js'
import type { FederationPlan } from '../model/schema.types.js'
import { createVerifier } from '../verifier/create-verifier.js'
import { readState, syncBundle } from '../verifier/sync-client.js'
import { EntenteError } from '../model/errors.js'
import { loadFederationPlan } from './federation-plan.js'
import { checkPortsFree, demoDsc, demoDscKey, memberStatus, pinFederationRoots, prepareFederation, runningMembers, seedMember, startMembers, statusTable, stopMembers, type FederationMember } from './launcher.js'
import { seedRecognitions } from './seed-recognitions.js'

export interface RunFederationOptions {
  readonly nodesDir: string
  readonly dataDir: string
  readonly bin: string
  readonly io: CliIo
  /** Stop after the demo instead of running until Ctrl-C (for tests and CI). */
  readonly exitAfterDemo?: boolean
  /** How long each node may take to answer /health (default ENTENTE_START_LIMIT_MS, else 120 s). */
  readonly startLimitMs?: number
}

export async function runFederation(options: RunFederationOptions): Promise<number> {
  const { io } = options
  const log = (line: string) => io.stderr(`${line}\n`)
  const launch = { nodesDir: options.nodesDir, dataDir: options.dataDir, bin: options.bin, log, ...(options.startLimitMs === undefined ? {} : { startLimitMs: options.startLimitMs }) }
  // Before anything is written: a running federation's directories are left exactly as they are.
  const running = await runningMembers(options.dataDir, (await loadFederationPlan(options.nodesDir)).plan.countries)
  if (running.length > 0) {
    const where = running.map(({ country, lock }) => `${country} ${lock.url ?? '(starting)'} pid ${lock.pid}`).join(', ')
    throw new EntenteError('ERR_NODE_RUNNING', `the federation is already running from ${options.dataDir}: ${where}`, {
      details: { hint: `open those URLs, or stop it (Ctrl-C where it was started, or kill ${running[0]?.lock.pid ?? ''}) before starting it again` },
    })
  }
  const { plan, members } = await prepareFederation(launch)
  await checkPortsFree(members)
  io.stdout(`Starting ${members.length} nodes (${members.map((m) => m.country).join(', ')}), state in ${options.dataDir}\n`)
  let stopping: Promise<void> | undefined
  const stop = () => (stopping ??= stopMembers(members))
  const onSignal = () => {
    io.stdout('\nStopping the federation…\n')
    void stop().then(() => process.exit(0))
  }
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  try {
    await startMembers(members, launch)
    // Before anything is published: the nodes hold only countries whose roots they anchor.
    await pinFederationRoots(members, log)
    const now = new Date()
    let seeded = 0
    for (const member of members) if (await seedMember(member, plan, now)) seeded++
    if (seeded > 0) io.stdout(`Seeded ${seeded} node(s): demo DSC, accepted vaccines, first list\n`)
    const approved = await seedRecognitions(members, plan, log)
    if (approved > 0) io.stdout(`Diplomats approved ${approved} recognition(s) with passkeys; lists republished\n`)
    const converged = await waitConverged(members, 60_000)
    io.stdout(converged ? 'Every node holds every country’s latest list.\n' : 'Warning: the nodes did not converge within 60 s (see the table).\n')
    const certificates = await demoVerifications(members, plan, options, io)
    const home = members[0] as FederationMember
    const homeRoot = (await readRootKey(home.config.paths.rootKey)).thumbprint
    io.stdout(`\n${statusTable(await Promise.all(members.map(memberStatus)))}\n\n`)
    io.stdout(
      [
        'Try:',
        `  curl ${home.url}/v1/bundle | head -c 300`,
        // --root=VALUE: a thumbprint may start with '-', which would read as an option.
        `  npx entente sync --from ${home.url} --home ${home.country} --root=${homeRoot} --out bundle.json`,
        ...certificates.map((file) => `  npx entente verify --bundle bundle.json - < ${path.relative(process.cwd(), file)}`),
        `  diplomat pages: ${members.map((m) => (m.config.webauthn?.origin ?? m.url) + '/diplomats').join('  ')}`,
        `  web verifier: ${home.url}/verify/ (home root fingerprint ${fingerprintGroups(homeRoot)})`,
        '',
      ].join('\n'),
    )
    if (options.exitAfterDemo === true) {
      await stop()
      return 0
    }
    io.stdout('Running. Press Ctrl-C to stop every node.\n')
    await new Promise<void>(() => undefined)
    return 0
  } catch (error) {
    await stop()
    throw error
  } finally {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
  }
}

async function waitConverged(members: FederationMember[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const indexes = await Promise.all(
      members.map(async (m) => {
        try {
          return ((await (await fetch(`${m.url}/v1/trust-lists`, { signal: AbortSignal.timeout(2000) })).json()) as { lists: { country: string; seq: number }[] }).lists
        } catch {
          return []
        }
      }),
    )
    const own = new Map(members.map((m, i) => [m.country, indexes[i]?.find((l) => l.country === m.country)?.seq]))
    const done = indexes.every((lists) => members.every((m) => lists.some((l) => l.country === m.country && l.seq === own.get(m.country))))
    if (done) return true
    if (Date.now() > deadline) return false
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

/** Issues and verifies the plan's demo certificates; returns the files they were written to. */
async function demoVerifications(members: FederationMember[], plan: FederationPlan, options: RunFederationOptions, io: CliIo): Promise<string[]> {
  const dccSchema = await loadDccSchema()
  const files: string[] = []
  for (const demo of plan.demo.certificates) {
    const issuer = members.find((m) => m.country === demo.issuer) as FederationMember
    const verifier = members.find((m) => m.country === demo.verifier) as FederationMember
    const dsc = await demoDsc(issuer, new Date())
    const now = new Date()
    const lastDose = new Date(now.getTime() - 30 * 86_400_000).toISOString().slice(0, 10)
    const certificate = issueDemoDcc({
      privateKey: demoDscKey(dsc),
      kid: dsc.kid,
      issuedAt: now,
      expiresAt: new Date(now.getTime() + 365 * 86_400_000),
      vaccination: {
        country: issuer.country,
        familyName: 'Demo',
        givenName: 'Traveller',
        dateOfBirth: '1980-01-01',
        product: demo.product,
        manufacturer: 'ORG-100030215',
        dose: 2,
        totalDoses: 2,
        date: lastDose,
        certificateId: `URN:UVCI:01:${issuer.country}:ENTENTE${Date.now()}#0`,
      },
    })
    // The verifier's side: one sync from its own node, pinned to its home root; then fully offline.
    const out = path.join(options.dataDir, `verifier-${verifier.country}.json`)
    const root = await readRootKey(verifier.config.paths.rootKey)
    await syncBundle({ sources: [verifier.url], home: verifier.country, anchor: { thumbprint: root.thumbprint }, out, now: () => new Date() })
    const v = await createVerifier(await readState(out), dccSchema === undefined ? {} : { dccSchema })
    const verdict = await v.verify(certificate)
    const file = path.join(options.dataDir, `demo-certificate-${issuer.country}.txt`)
    await writeFile(file, `${certificate}\n`)
    files.push(file)
    const mark = verdict.valid ? '✔ valid' : `✘ ${verdict.reasons.map((r) => r.code).join(', ')}`
    const expected = demo.expect === 'valid' ? verdict.valid : !verdict.valid && verdict.reasons.some((r) => r.code.startsWith('ERR_NOT_RECOGNIZED'))
    io.stdout(
      `${issuer.country} issues a vaccination certificate (${demo.product}, ${certificate.length} chars) → verified offline in ${verifier.country}: ${mark}${expected ? '' : `   (expected ${demo.expect})`}\n`,
    )
  }
  return files
}
