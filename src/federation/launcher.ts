// `entente federation up`: a demo federation on one host (on loopback: the demo's choice, made in nodes/*/node.json).
// Each country's node runs in its own process with its own SQLite file under the data directory; keys are generated
// on first run and reused after.
import { spawn, type ChildProcess } from 'node:child_process'
import { createPrivateKey, webcrypto } from 'node:crypto'
import { readFile, stat, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import path from 'node:path'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { initNodeDir } from '../config/init-node.js'
import { loadNodeConfig, type ResolvedNodeConfig } from '../config/node-config.js'
import { liveNodeLock, type NodeLockInfo } from '../config/node-lock.js'
import { ownRootThumbprint } from '../config/node-root.js'
import { readOperatorToken, writeSecretFile } from '../config/secrets.js'
import { createDemoDsc } from '../demo/demo-signer.js'
import { loadPeerKey } from '../gossip/peer-key.js'
import { EntenteError } from '../model/errors.js'
import type { FederationPlan, NodeConfig } from '../model/schema.types.js'
import { callOperator, type OperatorTarget } from '../operator/operator-client.js'
import { loadFederationPlan } from './federation-plan.js'

export interface FederationMember {
  readonly country: string
  readonly dir: string
  readonly config: ResolvedNodeConfig
  readonly url: string
  readonly target: OperatorTarget
  readonly peerId: string
  process?: ChildProcess
  /** The child's last stderr lines, to say why it died. */
  lastStderr?: string[]
}

export interface DemoDscFile {
  readonly kid: string
  readonly certificate: string
  readonly privateKeyPkcs8: string
}

export interface LaunchOptions {
  readonly nodesDir: string
  readonly dataDir: string
  readonly bin: string
  readonly log: (line: string) => void
  readonly env?: NodeJS.ProcessEnv
  /** How long a live node may take to answer (default ENTENTE_START_LIMIT_MS, else 120 s). */
  readonly startLimitMs?: number
  /** How often a progress line is printed while waiting (10 s). */
  readonly progressEveryMs?: number
}

/** Creates (first run) or reuses each member's directory, and points every node at the bootstrap nodes. */
export async function prepareFederation(options: LaunchOptions): Promise<{ plan: FederationPlan; members: FederationMember[] }> {
  const { plan, templates } = await loadFederationPlan(options.nodesDir)
  const members: FederationMember[] = []
  for (const country of plan.countries) {
    const dir = path.join(options.dataDir, country)
    const template = templates.get(country) as NodeConfig
    if (!(await exists(path.join(dir, 'node.json')))) {
      const created = await initNodeDir(dir, template)
      options.log(`created ${country}: root ${created.root.thumbprint}, peer ${created.peerId}`)
    }
    const config = await loadNodeConfig(dir)
    const peerId = peerIdFromPrivateKey(await loadPeerKey(config.paths.peerKey)).toString()
    const url = config.http.publicUrl ?? `http://${config.http.host}:${config.http.port}`
    members.push({ country, dir, config, url, peerId, target: { url, token: await readOperatorToken(config.paths.operatorToken) } })
  }
  // Peer ids exist only after the first run, so the bootstrap addresses are written into each data copy.
  const bootstrap = plan.bootstrap.map((country) => {
    const member = members.find((m) => m.country === country) as FederationMember
    const listen = member.config.p2p.listen[0]
    if (listen === undefined || listen.endsWith('/tcp/0')) throw new EntenteError('ERR_CONFIG_INVALID', `bootstrap node ${country} needs a fixed p2p listen port`)
    return { country, address: `${listen}/p2p/${member.peerId}` }
  })
  for (const member of members) {
    // The demo's choice: every node listens on loopback, so the addresses its peers learn from lists are loopback
    // ones, which a node dials only with allowPrivate (bootstrap addresses are dialled regardless).
    const p2p = { ...member.config.raw.p2p, allowPrivate: true, bootstrap: bootstrap.filter((b) => b.country !== member.country).map((b) => b.address) }
    const raw = { ...member.config.raw, p2p }
    await writeFile(member.config.file, `${JSON.stringify(raw, null, 2)}\n`)
  }
  return { plan, members }
}

export async function startMembers(members: FederationMember[], options: LaunchOptions): Promise<void> {
  for (const member of members) {
    const child = spawn(process.execPath, [options.bin, 'node', 'start', '--dir', member.dir], {
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    member.process = child
    member.lastStderr = []
    const prefix = `[${member.country}] `
    const relay = (stderr: boolean) => (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) {
        if (line.trim() === '') continue
        options.log(prefix + line)
        if (stderr) member.lastStderr = [...(member.lastStderr ?? []), line.trim()].slice(-STDERR_KEPT)
      }
    }
    child.stdout?.on('data', relay(false))
    child.stderr?.on('data', relay(true))
  }
  await Promise.all(members.map((member) => waitHealthy(member, options)))
}

/** How long a live node process may take to answer /health: generous, since a loaded machine compiles slowly. */
export const DEFAULT_START_LIMIT_MS = 120_000
const STDERR_KEPT = 5

export function startLimitFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.ENTENTE_START_LIMIT_MS
  if (raw === undefined || raw === '') return DEFAULT_START_LIMIT_MS
  const ms = Number(raw)
  if (!Number.isFinite(ms) || ms <= 0) throw new EntenteError('ERR_CONFIG_INVALID', `ENTENTE_START_LIMIT_MS must be a positive number of milliseconds, not ${raw}`)
  return ms
}

/** A dead child's last error in one line: its `entente: ERR_...` line if it printed one, else its last stderr lines. */
export function lastError(lines: readonly string[]): string {
  const coded = lines.findLast((line) => /^entente: ERR_[A-Z0-9_]+:/.test(line))
  if (coded !== undefined) return coded
  return lines.length === 0 ? 'it printed nothing on stderr' : lines.join(' | ')
}

async function waitHealthy(member: FederationMember, options: LaunchOptions): Promise<void> {
  // Waited for while the process lives (an exit is reported at once), up to an overall limit, with a progress line
  // now and then so a slow start on a loaded machine is not mistaken for a hang.
  const limitMs = options.startLimitMs ?? startLimitFromEnv()
  const progressMs = options.progressEveryMs ?? 10_000
  const started = Date.now()
  let nextProgress = started + progressMs
  const child = member.process
  for (;;) {
    if (child !== undefined && (child.exitCode !== null || child.signalCode !== null)) {
      // Let the pipes deliver what the child wrote just before it died.
      await new Promise((resolve) => setTimeout(resolve, 100))
      const how = child.exitCode !== null ? `exited with ${child.exitCode}` : `was killed by ${child.signalCode}`
      throw new EntenteError('ERR_HTTP_UNAVAILABLE', `the ${member.country} node ${how}: ${lastError(member.lastStderr ?? [])}`)
    }
    const health = await fetchHealth(member.url)
    if (health !== undefined) {
      // Only the node this launcher started counts: another process on the port (an older demo, another program)
      // answers with another peer id, or none.
      if (health.peerId === member.peerId) return
      throw new EntenteError(
        'ERR_HTTP_UNAVAILABLE',
        `${member.url} answers as ${health.peerId === undefined ? 'a node without a peer id' : `peer ${health.peerId}`}, not as the ${member.country} node started from ${member.dir} (peer ${member.peerId}): another process holds its port`,
      )
    }
    const elapsed = Date.now() - started
    if (elapsed > limitMs) {
      throw new EntenteError(
        'ERR_HTTP_UNAVAILABLE',
        `the ${member.country} node (pid ${child?.pid ?? '?'}) did not answer at ${member.url} within ${Math.round(limitMs / 1000)} s; on a loaded machine raise the limit with --start-limit SECONDS`,
      )
    }
    if (Date.now() >= nextProgress) {
      options.log(`waiting for ${member.country} (pid ${child?.pid ?? '?'}, ${Math.round(elapsed / 1000)} s)…`)
      nextProgress += progressMs
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

async function fetchHealth(url: string): Promise<{ peerId?: string } | undefined> {
  try {
    const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) })
    if (!response.ok) return undefined
    return (await response.json()) as { peerId?: string }
  } catch {
    return undefined
  }
}

/**
 * A federation already running from `dataDir`: the members whose directory lock a live node holds. Read before
 * anything is written, so a second launch never touches the running one.
 */
export async function runningMembers(dataDir: string, countries: readonly string[]): Promise<{ country: string; lock: NodeLockInfo }[]> {
  const running: { country: string; lock: NodeLockInfo }[] = []
  for (const country of countries) {
    const lock = await liveNodeLock(path.join(dataDir, country))
    if (lock !== undefined) running.push({ country, lock })
  }
  return running
}

/** Every HTTP and libp2p TCP port the members listen on, tried before any node starts so a busy one is named. */
export async function checkPortsFree(members: readonly FederationMember[]): Promise<void> {
  for (const member of members) {
    const wanted: { host: string; port: number; what: string }[] = []
    if (member.config.http.port !== 0) wanted.push({ host: member.config.http.host, port: member.config.http.port, what: 'HTTP' })
    for (const address of member.config.p2p.listen) {
      const match = /^\/(ip4|ip6)\/([^/]+)\/tcp\/(\d+)/.exec(address)
      if (match?.[2] !== undefined && match[3] !== undefined && match[3] !== '0') wanted.push({ host: match[2], port: Number(match[3]), what: 'libp2p' })
    }
    for (const { host, port, what } of wanted) {
      const problem = await tryBind(host, port)
      if (problem !== undefined) {
        throw new EntenteError(
          'ERR_PORT_IN_USE',
          `port ${port} (${member.country} ${what} on ${host}) is ${problem === 'EADDRINUSE' ? 'in use by another process' : `not available (${problem})`}; stop that process or move the port in ${member.config.file}`,
        )
      }
    }
  }
}

function tryBind(host: string, port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message))
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(undefined)))
  })
}

export async function stopMembers(members: FederationMember[]): Promise<void> {
  await Promise.all(
    members.map(
      (member) =>
        new Promise<void>((resolve) => {
          const child = member.process
          if (child === undefined || child.exitCode !== null) return resolve()
          const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
          child.once('exit', () => {
            clearTimeout(timer)
            resolve()
          })
          child.kill('SIGTERM')
        }),
    ),
  )
}

/**
 * Nodes take no country on first contact: as operators of a real federation exchange root fingerprints out of band,
 * every member pins the roots of the others (idempotent, so a second run changes nothing). Returns the pins made.
 */
export async function pinFederationRoots(members: readonly FederationMember[], log: (line: string) => void): Promise<number> {
  const roots = new Map<string, string>()
  for (const member of members) {
    const root = await ownRootThumbprint(member.config)
    if (root === undefined) throw new EntenteError('ERR_CONFIG_NOT_FOUND', `${member.country} has no root to pin`)
    roots.set(member.country, root)
  }
  const held = async (member: FederationMember) =>
    ((await callOperator(member.target, 'GET', '/v1/operator/pins')) as { pins: { country: string; rootThumbprint: string }[] }).pins
  let pinned = 0
  for (const member of members) {
    const pins = await held(member)
    for (const [country, rootThumbprint] of roots) {
      if (country === member.country || pins.some((p) => p.country === country && p.rootThumbprint === rootThumbprint)) continue
      await callOperator(member.target, 'PUT', `/v1/operator/pins/${country}`, { rootThumbprint })
      pinned++
    }
  }
  if (pinned > 0) log(`pinned ${pinned} root(s): every node anchors the other members' roots (${[...roots].map(([c, r]) => `${c} ${r.slice(0, 8)}…`).join(', ')})`)
  return pinned
}

/** The member's demo DSC (created once, kept with mode 0600): the key that signs its demo certificates. */
export async function demoDsc(member: FederationMember, now: Date): Promise<DemoDscFile & { created: boolean }> {
  const file = path.join(member.dir, 'demo-dsc.json')
  if (await exists(file)) return { ...(JSON.parse(await readFile(file, 'utf8')) as DemoDscFile), created: false }
  const dsc = await createDemoDsc({
    country: member.country,
    commonName: `Entente demo DSC ${member.country}`,
    notBefore: new Date(now.getTime() - 86_400_000),
    notAfter: new Date(now.getTime() + 2 * 365 * 86_400_000),
  })
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', dsc.privateKey)).toString('base64')
  const saved: DemoDscFile = { kid: dsc.signer.kid, certificate: dsc.signer.certificate, privateKeyPkcs8: pkcs8 }
  await writeSecretFile(file, `${JSON.stringify(saved, null, 2)}\n`)
  return { ...saved, created: true }
}

export function demoDscKey(dsc: DemoDscFile) {
  return createPrivateKey({ key: Buffer.from(dsc.privateKeyPkcs8, 'base64'), format: 'der', type: 'pkcs8' })
}

/** First run: every country onboards its demo DSC, sets the accepted vaccines and publishes. */
export async function seedMember(member: FederationMember, plan: FederationPlan, now: Date): Promise<boolean> {
  const dsc = await demoDsc(member, now)
  const draft = (await callOperator(member.target, 'GET', '/v1/operator/draft')) as { signers: { kid: string }[] }
  if (draft.signers.some((s) => s.kid === dsc.kid)) return false
  await callOperator(member.target, 'POST', '/v1/operator/signers', { format: 'dcc', certificate: dsc.certificate })
  await callOperator(member.target, 'PUT', '/v1/operator/vaccines', { vaccines: plan.vaccines })
  await callOperator(member.target, 'POST', '/v1/operator/publish', {})
  return true
}

export interface MemberStatus {
  readonly country: string
  readonly url: string
  readonly seq: number | undefined
  readonly countries: number
  readonly peers: number | undefined
  readonly lastUpdate: string | undefined
  readonly alarms: number
}

export async function memberStatus(member: FederationMember): Promise<MemberStatus> {
  const health = (await (await fetch(`${member.url}/health`, { signal: AbortSignal.timeout(2000) })).json()) as { peers?: number; alarms?: number }
  const index = (await (await fetch(`${member.url}/v1/trust-lists`, { signal: AbortSignal.timeout(2000) })).json()) as {
    lists: { country: string; seq: number; receivedAt: string }[]
  }
  const own = index.lists.find((l) => l.country === member.country)
  const lastUpdate = index.lists.map((l) => l.receivedAt).sort().at(-1)
  return { country: member.country, url: member.url, seq: own?.seq, countries: index.lists.length, peers: health.peers, lastUpdate, alarms: health.alarms ?? 0 }
}

export function statusTable(rows: readonly MemberStatus[]): string {
  const header = ['country', 'seq', 'lists held', 'peers', 'alarms', 'last update', 'URL']
  const body = rows.map((r) => [r.country, String(r.seq ?? '-'), String(r.countries), String(r.peers ?? '-'), String(r.alarms), r.lastUpdate?.replace('T', ' ').slice(0, 19) ?? '-', r.url])
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] ?? '').length)))
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd()
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n')
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  )
}
