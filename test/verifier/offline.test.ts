// Provably offline: verification (the CLI in-process and the library) runs with every network path of Node
// replaced by a function that throws and counts, and makes zero attempts. A static walk of the import graph of
// create-verifier.ts and verify-bundle.ts shows they import no network module at all.
import dns from 'node:dns'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import https from 'node:https'
import { syncBuiltinESMExports } from 'node:module'
import net from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import tls from 'node:tls'
import { beforeAll, describe, expect, it } from 'vitest'
import type { VerifiedBundle } from '../../src/model/schema.types.js'
import { dccRevocationHash } from '../../src/revocation/parse-revocation-request.js'
import { createVerifier } from '../../src/index.js'
import { emptyVerifiedBundle, mergeBundle } from '../../src/verifier/verify-bundle.js'
import { cli } from '../helpers/cli.js'
import { NOW, VerifierCountry, bundleOf } from './fixtures.js'

let bundleFile: string
let state: VerifiedBundle
let certificates: { valid: string; foreign: string; revoked: string; unrecognized: string }

beforeAll(async () => {
  const [gr, cy, xx] = await Promise.all(['GR', 'CY', 'XX'].map((c) => VerifierCountry.create(c)))
  if (gr === undefined || cy === undefined || xx === undefined) throw new Error('fixtures')
  await gr.recognize(cy, ['vaccination'])
  const revocations = await cy.publishRevocations({ dcc: [{ hashType: 'UCI', hash: dccRevocationHash('UCI', 'URN:UVCI:01:CY:GONE', 'CY') }], shc: [] })
  ;({ state } = await mergeBundle(emptyVerifiedBundle('GR', gr.thumbprint, NOW), bundleOf([await gr.publish(), await cy.publish(), await xx.publish()], { revocations: [revocations] }), {
    now: NOW,
    home: 'GR',
    anchor: { thumbprint: gr.thumbprint },
  }))
  bundleFile = path.join(mkdtempSync(path.join(tmpdir(), 'entente-offline-')), 'bundle.json')
  writeFileSync(bundleFile, JSON.stringify(state))
  certificates = { valid: gr.issue(), foreign: cy.issue(), revoked: cy.issue({ uci: 'URN:UVCI:01:CY:GONE' }), unrecognized: xx.issue() }
})

/** Replaces every way Node reaches the network with a function that throws and counts; restores on dispose. */
function networkTrap(): { attempts: string[]; restore: () => void } {
  const attempts: string[] = []
  const saved: [object, string, unknown][] = []
  const trap = (target: object, key: string, name: string) => {
    saved.push([target, key, (target as Record<string, unknown>)[key]])
    ;(target as Record<string, unknown>)[key] = () => {
      attempts.push(name)
      throw new Error(`network use in an offline test: ${name}`)
    }
  }
  trap(globalThis, 'fetch', 'fetch')
  trap(net.Socket.prototype, 'connect', 'net.Socket#connect')
  trap(net, 'connect', 'net.connect')
  trap(net, 'createConnection', 'net.createConnection')
  trap(http, 'request', 'http.request')
  trap(http, 'get', 'http.get')
  trap(https, 'request', 'https.request')
  trap(https, 'get', 'https.get')
  trap(dns, 'lookup', 'dns.lookup')
  trap(dns, 'resolve', 'dns.resolve')
  trap(dns.promises, 'lookup', 'dns.promises.lookup')
  trap(tls, 'connect', 'tls.connect')
  // ESM named imports of builtins (import { connect } from 'node:net') see the patched functions only after this.
  syncBuiltinESMExports()
  return {
    attempts,
    restore: () => {
      for (const [target, key, value] of saved.reverse()) (target as Record<string, unknown>)[key] = value
      syncBuiltinESMExports()
    },
  }
}

describe('verification is offline', () => {
  it('the trap is live: each network path throws and is counted', () => {
    const { attempts, restore } = networkTrap()
    try {
      expect(() => fetch('http://127.0.0.1:9/')).toThrow(/offline test/)
      expect(() => net.connect(9, '127.0.0.1')).toThrow(/offline test/)
      expect(() => new net.Socket().connect(9, '127.0.0.1')).toThrow(/offline test/)
      expect(() => http.get('http://127.0.0.1:9/')).toThrow(/offline test/)
      expect(() => dns.lookup('example.org', () => undefined)).toThrow(/offline test/)
      expect(() => tls.connect(443, 'example.org')).toThrow(/offline test/)
      expect(attempts).toHaveLength(6)
    } finally {
      restore()
    }
  })

  it('entente verify --bundle and createVerifier make zero network attempts', async () => {
    const { attempts, restore } = networkTrap()
    try {
      const at = ['--at', NOW.toISOString()]
      const valid = await cli(['verify', '--bundle', bundleFile, ...at, certificates.valid])
      expect(valid.stdout).toMatch(/^VALID dcc GR vaccination/)
      expect(valid.code).toBe(0)
      const foreign = await cli(['verify', '--bundle', bundleFile, ...at, '--json', certificates.foreign])
      expect(JSON.parse(foreign.stdout)).toMatchObject({ valid: true, issuer: 'CY' })
      const revoked = await cli(['verify', '--bundle', bundleFile, ...at, certificates.revoked])
      expect(revoked.stdout).toMatch(/^INVALID .*ERR_CERT_REVOKED/)
      expect(revoked.code).toBe(1)
      const unrecognized = await cli(['verify', '--bundle', bundleFile, ...at, certificates.unrecognized])
      expect(unrecognized.stdout).toMatch(/^INVALID dcc XX .*ERR_NOT_RECOGNIZED/)

      // The library, from the package entry point.
      const verifier = await createVerifier(JSON.parse(readFileSync(bundleFile, 'utf8')), { now: NOW })
      expect((await verifier.verify(certificates.valid)).valid).toBe(true)
      expect((await verifier.verify(certificates.revoked)).reasons.map((r) => r.code)).toEqual(['ERR_CERT_REVOKED'])
      expect((await verifier.verify(certificates.unrecognized)).reasons.map((r) => r.code)).toEqual(['ERR_NOT_RECOGNIZED'])
      expect(attempts).toEqual([])
    } finally {
      restore()
    }
  })
})

// ---- static: the import graph of the verification core ------------------------------------------------------

const SRC = path.resolve(import.meta.dirname, '../../src')
const NETWORK_MODULES = new Set(['net', 'http', 'https', 'http2', 'tls', 'dns', 'dgram', 'child_process', 'worker_threads', 'cluster', 'inspector'])
const NETWORK_PACKAGES = [/^undici/, /^node-fetch/, /^ws$/, /^libp2p/, /^@libp2p\//, /^@chainsafe\//, /^@multiformats\//, /^hono/, /^@hono\//, /^better-sqlite3/, /^axios/]
// What the core may use: runtime-neutral crypto and encodings, no I/O, and no Node module at all (it runs in browsers).
const ALLOWED_PACKAGES = new Set(['jose', 'ajv', 'ajv-formats', 'cbor-x', '@peculiar/asn1-schema', '@peculiar/asn1-x509', '@peculiar/asn1-rsa', '@digitalbazaar/base45', 'pako', '@noble/hashes'])
const BUILTINS = new Set([...NETWORK_MODULES, 'crypto', 'zlib', 'util', 'buffer', 'fs', 'path', 'os', 'stream', 'url', 'assert'])

function specifiers(text: string): string[] {
  const found: string[] = []
  // import ... from '...', export ... from '...', import '...', import('...'); `import type` moves no code.
  for (const match of text.matchAll(/^\s*(import|export)\s+(type\s+)?(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]/gm)) {
    if (match[2] === undefined && match[3] !== undefined) found.push(match[3])
  }
  for (const match of text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) if (match[1] !== undefined) found.push(match[1])
  for (const match of text.matchAll(/\brequire\(\s*['"]([^'"]+)['"]\s*\)/g)) if (match[1] !== undefined) found.push(match[1])
  return found
}

function walk(entries: string[]): { files: Set<string>; builtins: Set<string>; packages: Set<string>; fetchCalls: string[] } {
  const files = new Set<string>()
  const builtins = new Set<string>()
  const packages = new Set<string>()
  const fetchCalls: string[] = []
  const queue = [...entries]
  while (queue.length > 0) {
    const file = queue.pop() as string
    if (files.has(file)) continue
    files.add(file)
    const text = readFileSync(file, 'utf8')
    if (/\bfetch\s*\(|globalThis\.fetch|\bXMLHttpRequest\b|\bWebSocket\b/.test(text.replace(/\/\/.*$/gm, ''))) fetchCalls.push(path.relative(SRC, file))
    for (const spec of specifiers(text)) {
      if (spec.startsWith('.')) {
        const resolved = path.resolve(path.dirname(file), spec.replace(/\.js$/, '.ts'))
        if (!resolved.endsWith('.json')) queue.push(resolved)
      } else if (spec.startsWith('node:') || BUILTINS.has(spec.split('/')[0] ?? '')) {
        builtins.add(spec.replace(/^node:/, '').split('/')[0] ?? spec)
      } else {
        const parts = spec.split('/')
        packages.add(spec.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? spec))
      }
    }
  }
  return { files, builtins, packages, fetchCalls }
}

describe('the verification core imports no network module, and no Node module at all', () => {
  it('create-verifier.ts and verify-bundle.ts, with everything they import', () => {
    const graph = walk([path.join(SRC, 'verifier/create-verifier.ts'), path.join(SRC, 'verifier/verify-bundle.ts'), path.join(SRC, 'certificates/verify-certificate.ts')])
    // The walk really covers the core: trust lists, revocation lists, certificates, recognitions.
    const relative = [...graph.files].map((f) => path.relative(SRC, f))
    expect(relative).toEqual(expect.arrayContaining(['trust-list/verify-trust-list.ts', 'revocation/verify-revocation-list.ts', 'certificates/verify-certificate.ts', 'trust-list/verify-recognitions.ts']))
    expect(relative.length).toBeGreaterThan(30)
    expect(relative.filter((f) => /sync-client|gossip|http\/|store\//.test(f))).toEqual([])
    expect(relative).toContain('platform/web-crypto-platform.ts')
    expect(relative.filter((f) => f.includes('node-crypto-platform'))).toEqual([])
    expect([...graph.builtins]).toEqual([])
    expect([...graph.packages].filter((p) => NETWORK_PACKAGES.some((re) => re.test(p)) || !ALLOWED_PACKAGES.has(p))).toEqual([])
    expect(graph.fetchCalls).toEqual([])
  })

  it('the walk would catch one', () => {
    expect(specifiers("import { connect } from 'node:net'\nimport type { X } from 'undici'\nconst m = await import('./x.js')")).toEqual(['node:net', './x.js'])
    const sync = walk([path.join(SRC, 'verifier/sync-client.ts')])
    expect(sync.fetchCalls).toContain('verifier/sync-client.ts')
    expect(sync.builtins).toContain('fs')
    expect(walk([path.join(SRC, 'platform/node-crypto-platform.ts')]).builtins).toEqual(new Set(['crypto', 'zlib']))
  })
})
