// The dial policy as pure functions: every address class, learned vs operator-configured addresses, and what a node
// publishes as its own addresses. No network.
import { multiaddr } from '@multiformats/multiaddr'
import { describe, expect, it } from 'vitest'
import { classifyMultiaddr, dialAddress, DialPolicy, isTcpMultiaddr, mayDialLearned, type AddressClass } from '../../src/gossip/dial-policy.js'
import { announcedAddresses } from '../../src/gossip/gossip-service.js'

const PEER = '12D3KooWLRPJAA5o6Xv5jDgBGpgvJ1dnUvgAgTHaAXyjjFBMyk4d'
const OTHER = '12D3KooWQYhTNQdmr3ArTeUHRYzFg94BKyTkoWBDWez9kSCVe2Xo'

const cases: readonly (readonly [string, AddressClass])[] = [
  ['/ip4/8.8.4.4/tcp/4001', 'global'],
  ['/ip4/193.92.1.1/tcp/4001', 'global'],
  ['/ip6/2a00:1450:4001:80b::200e/tcp/4001', 'global'],
  ['/dns4/node.gr.example/tcp/7200', 'dns'],
  ['/dns6/node.gr.example/tcp/7200', 'dns'],
  ['/ip4/127.0.0.1/tcp/4001', 'loopback'],
  ['/ip4/127.8.9.10/tcp/4001', 'loopback'],
  ['/ip6/::1/tcp/4001', 'loopback'],
  ['/ip6/::ffff:127.0.0.1/tcp/4001', 'loopback'],
  ['/dns4/localhost/tcp/4001', 'loopback'],
  ['/dns4/db.localhost/tcp/4001', 'loopback'],
  ['/ip4/10.1.2.3/tcp/4001', 'private'],
  ['/ip4/172.16.0.1/tcp/4001', 'private'],
  ['/ip4/172.31.255.255/tcp/4001', 'private'],
  ['/ip4/192.168.1.1/tcp/4001', 'private'],
  ['/ip4/100.64.0.1/tcp/4001', 'private'],
  ['/ip4/100.127.255.254/tcp/4001', 'private'],
  ['/ip4/198.18.0.5/tcp/4001', 'private'],
  ['/ip4/198.19.255.1/tcp/4001', 'private'],
  ['/ip6/fd12:3456:789a::1/tcp/4001', 'private'],
  ['/ip6/fc00::1/tcp/4001', 'private'],
  ['/ip6/::ffff:10.0.0.1/tcp/4001', 'private'],
  ['/dns4/printer.local/tcp/4001', 'private'],
  ['/dns4/intranet/tcp/4001', 'private'],
  ['/dns4/db.internal/tcp/4001', 'private'],
  ['/ip4/169.254.169.254/tcp/80', 'link-local'],
  ['/ip6/fe80::1/tcp/4001', 'link-local'],
  ['/ip4/224.0.0.1/tcp/4001', 'multicast'],
  ['/ip6/ff02::1/tcp/4001', 'multicast'],
  ['/ip4/0.0.0.0/tcp/4001', 'unspecified'],
  ['/ip6/::/tcp/4001', 'unspecified'],
  ['/ip4/192.0.2.1/tcp/4001', 'reserved'],
  ['/ip4/198.51.100.7/tcp/4001', 'reserved'],
  ['/ip4/203.0.113.7/tcp/4001', 'reserved'],
  ['/ip4/240.0.0.1/tcp/4001', 'reserved'],
  ['/ip4/255.255.255.255/tcp/4001', 'reserved'],
  ['/ip6/2001:db8::1/tcp/4001', 'reserved'],
  // 172.15 and 172.32 sit just outside 172.16/12; 100.63 and 100.128 just outside 100.64/10; 198.17/198.20 outside 198.18/15.
  ['/ip4/172.15.0.1/tcp/4001', 'global'],
  ['/ip4/172.32.0.1/tcp/4001', 'global'],
  ['/ip4/100.63.0.1/tcp/4001', 'global'],
  ['/ip4/100.128.0.1/tcp/4001', 'global'],
  ['/ip4/198.17.0.1/tcp/4001', 'global'],
  ['/ip4/198.20.0.1/tcp/4001', 'global'],
]

describe('address classes', () => {
  it.each(cases)('%s is %s', (text, kind) => {
    expect(classifyMultiaddr(multiaddr(text))).toBe(kind)
  })

  it.each(cases)('a learned %s (%s) is dialled only when global, or with allowPrivate when private', (text, kind) => {
    const ma = multiaddr(text)
    expect(mayDialLearned(ma, { allowPrivate: false })).toBe(kind === 'global' || kind === 'dns')
    expect(mayDialLearned(ma, { allowPrivate: true })).toBe(['global', 'dns', 'loopback', 'private', 'link-local'].includes(kind))
  })

  it('speaks TCP only: no UDP, QUIC, WebSockets or bare IPs', () => {
    expect(isTcpMultiaddr(multiaddr('/ip4/8.8.4.4/tcp/1'))).toBe(true)
    expect(isTcpMultiaddr(multiaddr(`/dns4/node.gr.example/tcp/1/p2p/${PEER}`))).toBe(true)
    expect(isTcpMultiaddr(multiaddr('/ip4/8.8.4.4/udp/1/quic-v1'))).toBe(false)
    expect(isTcpMultiaddr(multiaddr('/ip4/8.8.4.4/tcp/1/ws'))).toBe(false)
    expect(isTcpMultiaddr(multiaddr('/ip4/8.8.4.4'))).toBe(false)
    expect(mayDialLearned(multiaddr('/ip4/8.8.4.4/udp/1/quic-v1'), { allowPrivate: true })).toBe(false)
  })
})

describe('dial addresses', () => {
  it('appends the peer id, refuses another peer\'s, and applies the policy to learned addresses only', () => {
    expect(dialAddress('/ip4/8.8.4.4/tcp/1', PEER, { allowPrivate: false })?.toString()).toBe(`/ip4/8.8.4.4/tcp/1/p2p/${PEER}`)
    expect(dialAddress(`/ip4/8.8.4.4/tcp/1/p2p/${OTHER}`, PEER)).toBeUndefined()
    expect(dialAddress('not a multiaddr', PEER)).toBeUndefined()
    // A learned private address: refused; the same address from the operator (bootstrap): used.
    expect(dialAddress('/ip4/10.0.0.5/tcp/1', PEER, { allowPrivate: false })).toBeUndefined()
    expect(dialAddress('/ip4/10.0.0.5/tcp/1', PEER)?.toString()).toBe(`/ip4/10.0.0.5/tcp/1/p2p/${PEER}`)
  })

  it('the gater denies private addresses except those the operator configured, with or without /p2p/', () => {
    const policy = new DialPolicy({ allowPrivate: false })
    policy.allowOperatorAddress(multiaddr(`/ip4/127.0.0.1/tcp/7200/p2p/${PEER}`))
    expect(policy.denyDial(multiaddr(`/ip4/127.0.0.1/tcp/7200/p2p/${PEER}`))).toBe(false)
    expect(policy.denyDial(multiaddr('/ip4/127.0.0.1/tcp/7200'))).toBe(false)
    expect(policy.denyDial(multiaddr(`/ip4/127.0.0.1/tcp/7201/p2p/${PEER}`))).toBe(true)
    expect(policy.denyDial(multiaddr(`/ip4/192.168.0.10/tcp/7200/p2p/${OTHER}`))).toBe(true)
    expect(policy.denyDial(multiaddr(`/ip4/8.8.4.4/tcp/7200/p2p/${OTHER}`))).toBe(false)
    expect(new DialPolicy({ allowPrivate: true }).denyDial(multiaddr('/ip4/198.18.0.3/tcp/7200'))).toBe(false)
    expect(new DialPolicy({ allowPrivate: true }).denyDial(multiaddr('/ip4/224.0.0.1/tcp/7200'))).toBe(true)
  })
})

describe('own addresses in the nodes entry', () => {
  const bound = [`/ip4/127.0.0.1/tcp/7200/p2p/${PEER}`, `/ip4/198.18.0.2/tcp/7200/p2p/${PEER}`, `/ip4/10.9.0.4/tcp/7200/p2p/${PEER}`]

  it('announce wins, each address with the peer id', () => {
    expect(announcedAddresses(['/dns4/node.gr.example/tcp/7200', `/dns6/node.gr.example/tcp/7200/p2p/${PEER}`], ['/ip4/0.0.0.0/tcp/7200'], bound, PEER)).toEqual([
      `/dns4/node.gr.example/tcp/7200/p2p/${PEER}`,
      `/dns6/node.gr.example/tcp/7200/p2p/${PEER}`,
    ])
  })

  it('without announce: the bound addresses of the listen addresses that name a host; a wildcard publishes none', () => {
    expect(announcedAddresses([], ['/ip4/198.18.0.2/tcp/7200'], bound, PEER)).toEqual([`/ip4/198.18.0.2/tcp/7200/p2p/${PEER}`])
    expect(announcedAddresses([], ['/ip4/0.0.0.0/tcp/7200'], bound, PEER)).toEqual([])
    expect(announcedAddresses([], ['/ip4/127.0.0.1/tcp/0'], bound, PEER)).toEqual([`/ip4/127.0.0.1/tcp/7200/p2p/${PEER}`])
  })
})
