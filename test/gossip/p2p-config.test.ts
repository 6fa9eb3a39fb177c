// node.json's p2p part: listen, announce, bootstrap, allowPrivate and limits with their defaults, and which listen
// addresses the libp2p host takes. Pure: no host is started.
import { generateKeyPair } from '@libp2p/crypto/keys'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { resolveNodeConfig } from '../../src/config/node-config.js'
import { DEFAULT_P2P_LIMITS } from '../../src/gossip/constants.js'
import { createGossipHost } from '../../src/gossip/gossip-host.js'

const resolve = (p2p?: Record<string, unknown>) => resolveNodeConfig({ version: 1, country: 'GR', ...(p2p === undefined ? {} : { p2p }) }, path.join('/srv/gr', 'node.json'))

describe('p2p config', () => {
  it('defaults: loopback listen (the demo\'s choice), no announce, no private dials, the documented limits', () => {
    expect(resolve().p2p).toEqual({ listen: ['/ip4/127.0.0.1/tcp/0'], announce: [], bootstrap: [], allowPrivate: false, limits: DEFAULT_P2P_LIMITS })
  })

  it('takes wildcard listen addresses, /dns4 and /dns6 announce addresses, allowPrivate and partial limits', () => {
    const p2p = {
      listen: ['/ip4/0.0.0.0/tcp/7200', '/ip6/::/tcp/7200'],
      announce: ['/dns4/node.gr.example/tcp/7200', '/dns6/node.gr.example/tcp/7200'],
      bootstrap: ['/ip4/198.18.0.3/tcp/7200/p2p/12D3KooWLRPJAA5o6Xv5jDgBGpgvJ1dnUvgAgTHaAXyjjFBMyk4d'],
      allowPrivate: true,
      limits: { maxConnections: 50, banMs: 60_000, ipColocationWeight: 0 },
    }
    expect(resolve(p2p).p2p).toEqual({ ...p2p, limits: { ...DEFAULT_P2P_LIMITS, maxConnections: 50, banMs: 60_000, ipColocationWeight: 0 } })
  })

  it.each([
    ['an unknown limit', { limits: { maxPeers: 5 } }],
    ['a positive colocation weight', { limits: { ipColocationWeight: 1 } }],
    ['a zero connection cap', { limits: { maxConnections: 0 } }],
    ['a non-boolean allowPrivate', { allowPrivate: 'yes' }],
  ])('refuses %s', (_name, p2p) => {
    expect(() => resolve(p2p)).toThrow(expect.objectContaining({ code: 'ERR_CONFIG_INVALID' }) as Error)
  })

  it('the host takes any TCP multiaddr to listen on, and nothing else', async () => {
    const privateKey = await generateKeyPair('Ed25519')
    for (const listen of ['/ip4/0.0.0.0/tcp/0', '/ip6/::/tcp/0', '/ip4/198.18.0.2/tcp/7200']) {
      // Created, never started: nothing binds.
      await expect(createGossipHost({ privateKey, listen: [listen], maxMessageBytes: 1024 })).resolves.toBeDefined()
    }
    for (const listen of ['/ip4/0.0.0.0/udp/0/quic-v1', '/unix/tmp/x.sock', 'nonsense']) {
      await expect(createGossipHost({ privateKey, listen: [listen], maxMessageBytes: 1024 })).rejects.toMatchObject({ code: 'ERR_CONFIG_INVALID' })
    }
    // Announce addresses go to identify; DNS names are fine, other transports are not.
    await expect(createGossipHost({ privateKey, listen: ['/ip4/0.0.0.0/tcp/0'], announce: ['/dns4/node.gr.example/tcp/7200'], maxMessageBytes: 1024 })).resolves.toBeDefined()
    await expect(createGossipHost({ privateKey, listen: ['/ip4/0.0.0.0/tcp/0'], announce: ['/dns4/node.gr.example/udp/7200/quic-v1'], maxMessageBytes: 1024 })).rejects.toMatchObject({
      code: 'ERR_CONFIG_INVALID',
    })
  })
})
