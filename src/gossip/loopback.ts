// Which multiaddrs this build listens on and dials: loopback TCP only. Pure: parses strings, no I/O.
//
// Deliberate restriction of this build: the machines it runs on allow network traffic to 127.0.0.1 only, so the
// gossip layer refuses to listen on or dial anything else, even when a (validly signed) trust list names other
// addresses. Lifting it means replacing isLoopbackTcp with a policy (e.g. public unicast only) and reviewing
// the connection manager's allow list in gossip-host.ts.
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'

/** Multiaddr component names (from the multiformats registry). */
const IP4 = 'ip4'
const IP6 = 'ip6'
const TCP = 'tcp'
const P2P = 'p2p'

/** True for /ip4/127.x.x.x/tcp/N or /ip6/::1/tcp/N, optionally followed by /p2p/<id>. */
export function isLoopbackTcp(ma: Multiaddr): boolean {
  const [ip, tcp, ...rest] = ma.getComponents()
  if (ip === undefined || tcp === undefined || tcp.name !== TCP) return false
  if (rest.length > 1 || (rest.length === 1 && rest[0]?.name !== P2P)) return false
  if (ip.name === IP4) return ip.value?.startsWith('127.') === true
  if (ip.name === IP6) return ip.value === '::1' || ip.value === '0:0:0:0:0:0:0:1'
  return false
}

/** The peer id a multiaddr names with /p2p/, if any. */
export function peerIdOf(ma: Multiaddr): string | undefined {
  return ma.getComponents().find((c) => c.name === P2P)?.value
}

export function parseMultiaddr(text: string): Multiaddr | undefined {
  try {
    return multiaddr(text)
  } catch {
    return undefined
  }
}

/**
 * A dialable loopback address for `peerId`: the address with /p2p/<peerId> appended when missing. Undefined when
 * the text is no multiaddr, not loopback TCP, or names another peer.
 */
export function loopbackDialAddress(text: string, peerId: string): Multiaddr | undefined {
  const ma = parseMultiaddr(text)
  if (ma === undefined || !isLoopbackTcp(ma)) return undefined
  const named = peerIdOf(ma)
  if (named === undefined) return ma.encapsulate(`/${P2P}/${peerId}`)
  return named === peerId ? ma : undefined
}
