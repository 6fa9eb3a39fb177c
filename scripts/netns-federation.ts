// A federation across network namespaces on one machine, for operators to watch and for the multi-host test and
// the gossip benchmark to reuse: a bridge in its own namespace, one namespace per host with its own address from
// 198.18.0.0/15, a veth pair per host onto the bridge. Never touches the host's own interfaces: no address, route
// or NAT in the root namespace, so nothing inside the lab can reach anything outside it.
//
//   npx tsx scripts/netns-federation.ts up [--countries GR,CY,IL,DE,CN] [--data DIR] [--prefix entente]
//   npx tsx scripts/netns-federation.ts down [--prefix entente]
//   npx tsx scripts/netns-federation.ts agent      (internal: runs inside a namespace, driven over IPC)
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { KeyObject } from 'node:crypto'
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs, promisify } from 'node:util'

const run = promisify(execFile)
export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
export const ENTENTE_BIN = path.join(PROJECT_ROOT, 'bin', 'entente.js')
const SELF = fileURLToPath(import.meta.url)

/** Every lab host sits on this /24 of the benchmark range (RFC 2544), which no real network routes. */
export const LAB_NET = '198.18.0'
const HOST_NAME = /^[A-Z0-9]{2,4}$/

// ---------------------------------------------------------------------------------------------------------------
// Namespaces, bridge, links

/** Why the lab cannot run here (not root, no `ip netns`), or undefined when it can. */
export async function labUnavailable(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'network namespaces need root'
  try {
    await run('ip', ['netns', 'list'])
    await run('tc', ['-V'])
  } catch (error) {
    return `ip netns / tc unavailable (install iproute2): ${(error as Error).message.split('\n')[0] ?? ''}`
  }
  return undefined
}

export interface LabHost {
  /** 2–4 upper-case letters or digits: a country code, VF (verifier), OP (operator's host), B001… (benchmark). */
  readonly name: string
  readonly address: string
  readonly netns: string
  /** The host's end of the link, inside the bridge's namespace: the one cut or limited. */
  readonly bridgePort: string
}

/** A bridge namespace `PREFIX-br` and hosts `PREFIX-NAME`. Removing the namespaces removes every link with them. */
export class NetnsLab {
  readonly bridgeNetns: string
  readonly hosts = new Map<string, LabHost>()
  readonly #children = new Set<ChildProcess>()

  constructor(readonly prefix: string) {
    this.bridgeNetns = `${prefix}-br`
  }

  /** Removes what an earlier (crashed) run with this prefix left, then creates the bridge. */
  async create(): Promise<void> {
    await removeLab(this.prefix)
    await ip(['netns', 'add', this.bridgeNetns])
    await ip(['-n', this.bridgeNetns, 'link', 'set', 'lo', 'up'])
    await ip(['-n', this.bridgeNetns, 'link', 'add', 'br0', 'type', 'bridge'])
    await ip(['-n', this.bridgeNetns, 'link', 'set', 'br0', 'up'])
  }

  /** A namespace with lo up and eth0 = LAB_NET.octet/24 on the bridge; no default route, so 198.18.0.0/24 only. */
  async addHost(name: string, octet: number): Promise<LabHost> {
    if (!HOST_NAME.test(name)) throw new Error(`lab host name ${name} must be 2-4 of A-Z0-9`)
    const host: LabHost = { name, address: `${LAB_NET}.${octet}`, netns: `${this.prefix}-${name}`, bridgePort: `v${name}` }
    await ip(['netns', 'add', host.netns])
    await ip(['-n', host.netns, 'link', 'set', 'lo', 'up'])
    await ip(['-n', this.bridgeNetns, 'link', 'add', host.bridgePort, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', host.netns])
    await ip(['-n', this.bridgeNetns, 'link', 'set', host.bridgePort, 'master', 'br0'])
    await ip(['-n', this.bridgeNetns, 'link', 'set', host.bridgePort, 'up'])
    await ip(['-n', host.netns, 'addr', 'add', `${host.address}/24`, 'dev', 'eth0'])
    await ip(['-n', host.netns, 'link', 'set', 'eth0', 'up'])
    this.hosts.set(name, host)
    return host
  }

  host(name: string): LabHost {
    const host = this.hosts.get(name)
    if (host === undefined) throw new Error(`no lab host ${name}`)
    return host
  }

  /** Cuts the host off at the bridge (its own eth0 stays up, so it still reaches its own address). */
  async cut(name: string): Promise<void> {
    await ip(['-n', this.bridgeNetns, 'link', 'set', this.host(name).bridgePort, 'down'])
  }

  async heal(name: string): Promise<void> {
    await ip(['-n', this.bridgeNetns, 'link', 'set', this.host(name).bridgePort, 'up'])
  }

  /** Token-bucket limit on both directions of the host's link (e.g. '256kbit'). */
  async limit(name: string, rate: string): Promise<void> {
    const host = this.host(name)
    const tbf = ['root', 'tbf', 'rate', rate, 'burst', '16kbit', 'latency', '400ms']
    await run('tc', ['-n', this.bridgeNetns, 'qdisc', 'replace', 'dev', host.bridgePort, ...tbf])
    await run('tc', ['-n', host.netns, 'qdisc', 'replace', 'dev', 'eth0', ...tbf])
  }

  async unlimit(name: string): Promise<void> {
    const host = this.host(name)
    await run('tc', ['-n', this.bridgeNetns, 'qdisc', 'del', 'dev', host.bridgePort, 'root']).catch(() => undefined)
    await run('tc', ['-n', host.netns, 'qdisc', 'del', 'dev', 'eth0', 'root']).catch(() => undefined)
  }

  /** Runs a program inside the host's namespace; its lifetime is tied to the lab (killed by destroy). */
  spawnIn(name: string, argv: readonly string[], options: { env?: NodeJS.ProcessEnv; ipc?: boolean } = {}): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', this.host(name).netns, ...argv], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, ...options.env },
      stdio: options.ipc === true ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
    })
    this.#children.add(child)
    child.once('exit', () => this.#children.delete(child))
    return child
  }

  /** Runs a program inside the host's namespace to completion. */
  async execIn(name: string, argv: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
    const child = this.spawnIn(name, argv, { env })
    let stdout = ''
    let stderr = ''
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const code = await new Promise<number>((resolve) => child.once('close', (c) => resolve(c ?? 1)))
    return { code, stdout, stderr }
  }

  /** Stops every process it started (TERM, then KILL), then removes the namespaces with everything in them. */
  async destroy(): Promise<void> {
    await Promise.all([...this.#children].map((child) => stopChild(child)))
    await removeLab(this.prefix)
  }
}

/** Idempotent: kills every process left in `PREFIX-*` namespaces and deletes them (links and bridge go with them). */
export async function removeLab(prefix: string): Promise<string[]> {
  const { stdout } = await run('ip', ['netns', 'list']).catch(() => ({ stdout: '' }))
  const names = labNamespaces(prefix, stdout)
  for (const name of names) {
    const pids = (await run('ip', ['netns', 'pids', name]).catch(() => ({ stdout: '' }))).stdout.split('\n').filter((p) => /^\d+$/.test(p))
    for (const pid of pids) killQuietly(Number(pid), 'SIGKILL')
  }
  for (const name of names) await run('ip', ['netns', 'del', name]).catch(() => undefined)
  return names
}

/**
 * Labs named `BASE<pid>` (one per run, so runs on one machine never touch each other) whose process is gone: what a
 * killed run left behind. Removed; the labs of live runs stay.
 */
export async function removeStaleLabs(base: string): Promise<void> {
  const { stdout } = await run('ip', ['netns', 'list']).catch(() => ({ stdout: '' }))
  const pattern = new RegExp(`^(${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(\\d+))-`)
  const prefixes = new Set<string>()
  for (const line of stdout.split('\n')) {
    const match = pattern.exec(line)
    if (match?.[1] !== undefined && !alive(Number(match[2]))) prefixes.add(match[1])
  }
  for (const prefix of prefixes) await removeLab(prefix)
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** The lab's namespaces in `ip netns list` output: `PREFIX-br` and `PREFIX-HOST` only (another lab's prefix may extend this one). */
function labNamespaces(prefix: string, list: string): string[] {
  const pattern = new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-(br|[A-Z0-9]{2,4})$`)
  return list
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter((name) => pattern.test(name))
}

async function ip(args: string[]): Promise<void> {
  try {
    await run('ip', args)
  } catch (error) {
    throw new Error(`ip ${args.join(' ')}: ${(error as { stderr?: string }).stderr?.trim() ?? String(error)}`, { cause: error })
  }
}

function killQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal)
  } catch {
    // already gone
  }
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000)
    child.once('exit', () => {
      clearTimeout(timer)
      resolve()
    })
    child.kill('SIGTERM')
  })
}

// ---------------------------------------------------------------------------------------------------------------
// Test CA: every node serves HTTPS with a certificate for its lab address, issued by a CA made for this lab only.

export interface TestCa {
  readonly dir: string
  /** PEM of the CA certificate: what clients trust (NODE_EXTRA_CA_CERTS). */
  readonly caFile: string
  issue(name: string, address: string): Promise<{ cert: string; key: string }>
}

export async function createTestCa(dir: string): Promise<TestCa> {
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  const caKey = path.join(dir, 'ca.key')
  const caFile = path.join(dir, 'ca.pem')
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes']
  await run('openssl', ['req', '-x509', ...ec, '-keyout', caKey, '-out', caFile, '-days', '3', '-subj', '/CN=Entente lab test CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'])
  return {
    dir,
    caFile,
    async issue(name, address) {
      const key = path.join(dir, `${name}.key`)
      const csr = path.join(dir, `${name}.csr`)
      const cert = path.join(dir, `${name}.pem`)
      const ext = path.join(dir, `${name}.ext`)
      writeFileSync(ext, `subjectAltName=IP:${address}\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n`)
      await run('openssl', ['req', ...ec, '-keyout', key, '-out', csr, '-subj', `/CN=${address}`])
      await run('openssl', ['x509', '-req', '-in', csr, '-CA', caFile, '-CAkey', caKey, '-CAcreateserial', '-out', cert, '-days', '2', '-extfile', ext])
      return { cert, key }
    },
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Agent: one process inside a namespace that runs the entente CLI in-process (a CLI process costs seconds to
// start), fetches URLs, and counts TCP connections to a port, driven over the IPC channel.

type AgentCall = { op: 'cli'; argv: string[] } | { op: 'fetch'; url: string; method?: string; headers?: Record<string, string>; body?: string }
type AgentRequest = AgentCall & { id: number }

interface AgentReply {
  id: number
  ok: boolean
  value?: unknown
  error?: string
}

export interface CliResult {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

export class LabAgent {
  #next = 0
  readonly #pending = new Map<number, (reply: AgentReply) => void>()
  readonly ready: Promise<void>

  constructor(readonly child: ChildProcess) {
    this.ready = new Promise((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`lab agent exited with ${code}`)))
      child.on('message', (message: AgentReply | 'ready') => {
        if (message === 'ready') return resolve()
        this.#pending.get(message.id)?.(message)
        this.#pending.delete(message.id)
      })
    })
    // Awaited by the caller later; an agent that dies first must not be an unhandled rejection.
    this.ready.catch(() => undefined)
  }

  static start(lab: NetnsLab, name: string, env: NodeJS.ProcessEnv = {}): LabAgent {
    return new LabAgent(lab.spawnIn(name, [process.execPath, '--import', 'tsx', SELF, 'agent'], { env, ipc: true }))
  }

  #call(request: AgentCall, timeoutMs = 60_000): Promise<unknown> {
    const id = this.#next++
    if (!this.child.connected) return Promise.reject(new Error('lab agent: stopped'))
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id)
        reject(new Error(`lab agent: ${request.op} timed out`))
      }, timeoutMs)
      this.#pending.set(id, (reply) => {
        clearTimeout(timer)
        if (reply.ok) resolve(reply.value)
        else reject(new Error(reply.error))
      })
      this.child.send({ ...request, id })
    })
  }

  cli(argv: string[]): Promise<CliResult> {
    return this.#call({ op: 'cli', argv }) as Promise<CliResult>
  }

  async fetchJson<T>(url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; body: T }> {
    const { status, text } = (await this.#call({ op: 'fetch', url, ...init }, 15_000)) as { status: number; text: string }
    return { status, body: (text === '' ? undefined : JSON.parse(text)) as T }
  }

  async fetchText(url: string): Promise<{ status: number; text: string }> {
    return (await this.#call({ op: 'fetch', url }, 15_000)) as { status: number; text: string }
  }

  stop(): Promise<void> {
    return stopChild(this.child)
  }
}

async function runAgent(): Promise<void> {
  const { main } = await import('../src/cli/main.js')
  const { Readable } = await import('node:stream')
  const send = (reply: AgentReply) => process.send?.(reply)
  process.on('message', (request: AgentRequest) => {
    void (async () => {
      try {
        if (request.op === 'cli') {
          let stdout = ''
          let stderr = ''
          const code = await main(request.argv, { stdin: Readable.from([]), stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) })
          send({ id: request.id, ok: true, value: { code, stdout, stderr } })
        } else {
          const init: RequestInit = { method: request.method ?? 'GET', signal: AbortSignal.timeout(10_000) }
          if (request.headers !== undefined) init.headers = request.headers
          if (request.body !== undefined) init.body = request.body
          const response = await fetch(request.url, init)
          send({ id: request.id, ok: true, value: { status: response.status, text: await response.text() } })
        }
      } catch (error) {
        const cause = (error as { cause?: { code?: string } }).cause?.code
        send({ id: request.id, ok: false, error: `${(error as Error).message}${cause === undefined ? '' : ` (${cause})`}` })
      }
    })()
  })
  process.on('disconnect', () => process.exit(0))
  process.send?.('ready')
}

/**
 * A TCP listener inside a host's namespace that counts connection attempts and closes them: proof of whether a node
 * dialled an address (plain node, no tsx, so it is up at once).
 */
export async function startSink(lab: NetnsLab, name: string, host: string, port: number): Promise<{ count: () => number }> {
  const code = `const s=require('net').createServer(c=>{console.log('connection');c.destroy()});s.listen(${port},${JSON.stringify(host)},()=>console.log('listening'))`
  const child = lab.spawnIn(name, [process.execPath, '-e', code])
  let count = 0
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (c) => reject(new Error(`sink in ${name} exited with ${c}`)))
    child.stdout?.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) {
        if (line === 'listening') resolve()
        if (line === 'connection') count++
      }
    })
  })
  return { count: () => count }
}

/** For exit handlers, where nothing asynchronous runs any more: the same removal as removeLab, synchronously. */
export function removeLabSync(prefix: string): void {
  for (const name of labNamespaces(prefix, spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout ?? '')) {
    const pids = (spawnSync('ip', ['netns', 'pids', name], { encoding: 'utf8' }).stdout ?? '').split('\n').filter((p) => /^\d+$/.test(p))
    for (const pid of pids) killQuietly(Number(pid), 'SIGKILL')
    spawnSync('ip', ['netns', 'del', name])
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Countries: `entente init`, a node.json that names only lab addresses, `entente node start` inside the namespace.

export const HTTP_PORT = 7101
export const P2P_PORT = 7201

export interface LabCountry {
  readonly country: string
  readonly host: LabHost
  readonly dir: string
  readonly url: string
  readonly multiaddr: string
  readonly peerId: string
  readonly rootThumbprint: string
  readonly operatorToken: string
  process?: ChildProcess
  readonly log: string[]
}

/** `entente init` (in-process: it only writes files), then the lab's node.json: HTTPS and libp2p on the lab address. */
export async function initCountry(country: string, host: LabHost, dataDir: string, ca: TestCa): Promise<LabCountry> {
  const { main } = await import('../src/cli/main.js')
  const { Readable } = await import('node:stream')
  const dir = path.join(dataDir, country)
  let stdout = ''
  let stderr = ''
  const code = await main(['init', '--country', country, '--dir', dir, '--json'], { stdin: Readable.from([]), stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) })
  if (code !== 0) throw new Error(`entente init ${country}: ${stderr}`)
  const created = JSON.parse(stdout) as { rootThumbprint: string; operatorToken: string; peerId: string }
  const tls = await ca.issue(country, host.address)
  const url = `https://${host.address}:${HTTP_PORT}`
  const lab: LabCountry = {
    country,
    host,
    dir,
    url,
    multiaddr: `/ip4/${host.address}/tcp/${P2P_PORT}/p2p/${created.peerId}`,
    peerId: created.peerId,
    rootThumbprint: created.rootThumbprint,
    operatorToken: created.operatorToken,
    log: [],
  }
  configureCountry(lab, { http: { host: host.address, port: HTTP_PORT, publicUrl: url, tls } })
  return lab
}

export interface LabNodeConfig {
  http?: Record<string, unknown>
  p2p?: { listen?: string[]; announce?: string[]; bootstrap?: string[]; allowPrivate?: boolean }
}

/** Merges lab settings into the country's node.json (keeping what init wrote: operator token hash, paths). */
export function configureCountry(lab: LabCountry, patch: LabNodeConfig): void {
  const file = path.join(lab.dir, 'node.json')
  const config = JSON.parse(readFileSync(file, 'utf8')) as Record<string, Record<string, unknown> | undefined>
  config.http = { ...config.http, ...patch.http }
  config.p2p = { listen: [`/ip4/${lab.host.address}/tcp/${P2P_PORT}`], ...config.p2p, ...patch.p2p }
  writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`)
}

/** `entente node start` inside the country's namespace; resolves once /health answers over HTTPS. */
export async function startCountry(lab: NetnsLab, country: LabCountry, agent: LabAgent, env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<void> {
  const child = lab.spawnIn(country.host.name, [process.execPath, ENTENTE_BIN, 'node', 'start', '--dir', country.dir], { env })
  country.process = child
  const relay = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) if (line.trim() !== '') country.log.push(line)
  }
  child.stdout?.on('data', relay)
  child.stderr?.on('data', relay)
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the ${country.country} node exited with ${child.exitCode}: ${country.log.slice(-5).join(' | ')}`)
    const health = await agent.fetchText(`${country.url}/health`).catch(() => undefined)
    if (health?.status === 200) return
    if (Date.now() > deadline) throw new Error(`the ${country.country} node did not answer at ${country.url}: ${country.log.slice(-5).join(' | ')}`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

/** The operator's side, through the CLI against the node's public HTTPS URL. */
export async function operatorCli(agent: LabAgent, country: LabCountry, argv: string[]): Promise<CliResult> {
  const result = await agent.cli([...argv, '--url', country.url, '--token', country.operatorToken])
  if (result.code !== 0) throw new Error(`entente ${argv.join(' ')} (${country.country}): ${result.stderr.trim()}`)
  return result
}

/** A demo Document Signer Certificate for the country (PEM for `entente signer add`) and its signing key. */
export async function demoSigner(country: LabCountry): Promise<{ pem: string; kid: string; privateKey: KeyObject }> {
  const { createDemoDsc } = await import('../src/demo/demo-signer.js')
  const now = Date.now()
  const dsc = await createDemoDsc({ country: country.country, notBefore: new Date(now - 86_400_000), notAfter: new Date(now + 365 * 86_400_000) })
  const pem = path.join(country.dir, 'demo-dsc.pem')
  const body = Buffer.from(dsc.der).toString('base64').replace(/(.{64})/g, '$1\n')
  writeFileSync(pem, `-----BEGIN CERTIFICATE-----\n${body.trimEnd()}\n-----END CERTIFICATE-----\n`)
  return { pem, kid: dsc.signer.kid, privateKey: KeyObject.from(dsc.privateKey) }
}

/** country → seq of its held head, as one node serves it. */
export async function heldHeads(agent: LabAgent, country: LabCountry): Promise<Map<string, { seq: number; hash: string }>> {
  const { body } = await agent.fetchJson<{ lists: { country: string; seq: number; hash: string }[] }>(`${country.url}/v1/trust-lists`)
  return new Map(body.lists.map((l) => [l.country, { seq: l.seq, hash: l.hash }]))
}

/** Each country's own head, as each country's node serves it. */
export async function ownHeads(agent: LabAgent, countries: readonly LabCountry[]): Promise<Map<string, { seq: number; hash: string }>> {
  const heads = new Map<string, { seq: number; hash: string }>()
  for (const c of countries) {
    const own = (await heldHeads(agent, c)).get(c.country)
    if (own !== undefined) heads.set(c.country, own)
  }
  return heads
}

/** True when every node holds exactly `expected` for every country. */
export async function everyNodeHolds(agent: LabAgent, countries: readonly LabCountry[], expected: ReadonlyMap<string, { hash: string }>): Promise<boolean> {
  for (const c of countries) {
    const held = await heldHeads(agent, c).catch(() => undefined)
    if (held === undefined) return false
    for (const [country, head] of expected) if (held.get(country)?.hash !== head.hash) return false
  }
  return true
}

// ---------------------------------------------------------------------------------------------------------------
// The operator's command: up (until Ctrl-C, then down) and down.

const DEFAULT_COUNTRIES = ['GR', 'CY', 'IL', 'DE', 'CN']

async function up(prefix: string, countries: string[], dataDir: string): Promise<void> {
  const lab = new NetnsLab(prefix)
  // One removal, however many signals arrive (npx and a terminal may both pass Ctrl-C on): each waits for it.
  let removing: Promise<void> | undefined
  const teardown = () =>
    (removing ??= (async () => {
      console.log('\nremoving the lab (processes, namespaces, bridge)…')
      await lab.destroy()
    })())
  // Always removed: on Ctrl-C, on kill, on any failure below, and synchronously if the process exits some other way.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => void teardown().then(() => process.exit(130)))
  }
  process.once('exit', () => removeLabSync(prefix))
  try {
    await lab.create()
    const ca = await createTestCa(path.join(dataDir, 'ca'))
    const env = { NODE_EXTRA_CA_CERTS: ca.caFile }
    const op = await lab.addHost('OP', 2)
    const members: LabCountry[] = []
    for (const [i, country] of countries.entries()) members.push(await initCountry(country, await lab.addHost(country, 11 + i), dataDir, ca))
    // Every node bootstraps from the others' lab addresses: the only way they find each other.
    for (const m of members) configureCountry(m, { p2p: { bootstrap: members.filter((o) => o !== m).map((o) => o.multiaddr) } })
    console.log(`lab ${prefix}: bridge in netns ${lab.bridgeNetns}; operator host ${op.address} (${op.netns}); CA ${ca.caFile}`)
    const agent = LabAgent.start(lab, 'OP', env)
    await agent.ready
    await Promise.all(members.map((m) => startCountry(lab, m, agent, env)))
    for (const m of members) {
      console.log(`  ${m.country}  ${m.host.netns}  ${m.url}  ${m.multiaddr}`)
      const signer = await demoSigner(m)
      await operatorCli(agent, m, ['signer', 'add', '--dsc', signer.pem])
      await operatorCli(agent, m, ['vaccines', 'set', '--vaccine', 'EU/1/20/1528:2:270:14'])
      for (const other of members) if (other !== m) await operatorCli(agent, m, ['peer', 'pin', other.country, other.rootThumbprint])
      await operatorCli(agent, m, ['publish'])
    }
    const deadline = Date.now() + 60_000
    let converged = false
    while (!converged && Date.now() < deadline) {
      converged = await everyNodeHolds(agent, members, await ownHeads(agent, members))
      if (!converged) await new Promise((resolve) => setTimeout(resolve, 500))
    }
    console.log(converged ? '\nevery node holds every country’s head.' : '\nnot converged after 60 s.')
    console.log(
      [
        '\nWatch or disturb it (from another shell):',
        `  ip netns exec ${op.netns} curl -s --cacert ${ca.caFile} ${members[0]?.url ?? ''}/v1/trust-lists`,
        `  ip -n ${lab.bridgeNetns} link set v${members[1]?.country ?? 'CY'} down     # cut a host off; "up" heals it`,
        `  tc -n ${lab.bridgeNetns} qdisc add dev v${members[2]?.country ?? 'IL'} root tbf rate 256kbit burst 16kbit latency 400ms`,
        `  NODE_EXTRA_CA_CERTS=${ca.caFile} ip netns exec ${members[0]?.host.netns ?? ''} node bin/entente.js publish --dir ${members[0]?.dir ?? ''}`,
        `Node logs: ${dataDir}/XX.log. Ctrl-C removes everything.`,
      ].join('\n'),
    )
    const status = setInterval(() => {
      for (const m of members) writeFileSync(path.join(dataDir, `${m.country}.log`), `${m.log.join('\n')}\n`)
      void Promise.all(members.map(async (m) => [m.country, await heldHeads(agent, m).catch(() => new Map())] as const)).then((rows) =>
        console.log(`${new Date().toISOString().slice(11, 19)}  ${rows.map(([c, held]) => `${c}: ${[...held].map(([k, h]) => `${k}${(h as { seq: number }).seq}`).join(' ')}`).join('  |  ')}`),
      )
    }, 10_000)
    await new Promise<void>(() => undefined)
    clearInterval(status)
  } catch (error) {
    console.error(error instanceof Error ? error.message : error)
    await teardown()
    process.exit(1)
  }
}

async function cli(argv: string[]): Promise<void> {
  const [command, ...rest] = argv
  const { values } = parseArgs({
    args: rest,
    options: { prefix: { type: 'string', default: 'entente' }, countries: { type: 'string', default: DEFAULT_COUNTRIES.join(',') }, data: { type: 'string' } },
    strict: true,
  })
  if (command === 'agent') return runAgent()
  const reason = await labUnavailable()
  if (reason !== undefined) {
    console.error(`netns-federation: ${reason}`)
    process.exit(1)
  }
  if (command === 'down') {
    const removed = await removeLab(values.prefix)
    console.log(removed.length === 0 ? `nothing of lab ${values.prefix} left` : `removed ${removed.join(', ')}`)
    return
  }
  if (command === 'up') {
    const countries = values.countries.split(',').map((c) => c.trim().toUpperCase())
    const dataDir = path.resolve(values.data ?? mkdtempSync(path.join(tmpdir(), 'entente-netns-')))
    return up(values.prefix, countries, dataDir)
  }
  console.error('usage: tsx scripts/netns-federation.ts up [--countries GR,CY,IL,DE,CN] [--data DIR] [--prefix entente] | down [--prefix entente]')
  process.exit(2)
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === SELF) {
  cli(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error)
    process.exit(1)
  })
}
