// Which multiaddrs a node listens on and dials. Pure: parses and classifies strings, no I/O, no name resolution.
//
// Operator-configured addresses (listen, bootstrap, an explicit connect) are always used as given. Addresses learned
// from the `nodes` entries of verified lists are dialled only when they are global unicast, unless `allowPrivate`:
// a foreign list must not make a node connect into its operator's own network. The same rule runs in the libp2p
// connection gater (gossip-host.ts), so libp2p's own address book (identify) cannot bypass it.
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'

/**
 * What an address is, for the dial policy. 'private' covers RFC 1918, 100.64.0.0/10 (CGNAT), fc00::/7 (ULA) and
 * 198.18.0.0/15 (RFC 2544 benchmarking: not global unicast; multi-host tests place network namespaces there, so they
 * set allowPrivate like any private deployment). 'reserved' is everything else that is not global unicast
 * (documentation ranges, 240/4, broadcast, ...). 'dns' is a host name: it resolves only at dial time, inside the
 * transport, so the policy cannot see where it points; names that are local by definition are 'loopback'/'private'.
 */
export type AddressClass = 'global' | 'dns' | 'loopback' | 'private' | 'link-local' | 'multicast' | 'unspecified' | 'reserved'

/** Classes a learned address may have without allowPrivate. */
const PUBLIC_CLASSES: ReadonlySet<AddressClass> = new Set(['global', 'dns'])
/** Classes allowPrivate adds: addresses of the operator's own networks. Reserved, multicast and unspecified never. */
const PRIVATE_CLASSES: ReadonlySet<AddressClass> = new Set(['loopback', 'private', 'link-local'])

const TCP = 'tcp'
const P2P = 'p2p'
const IP_NAMES = new Set(['ip4', 'ip6'])
const DNS_NAMES = new Set(['dns', 'dns4', 'dns6'])

export function parseMultiaddr(text: string): Multiaddr | undefined {
  try {
    return multiaddr(text)
  } catch {
    return undefined
  }
}

/** The peer id a multiaddr names with /p2p/, if any. */
export function peerIdOf(ma: Multiaddr): string | undefined {
  return ma.getComponents().find((c) => c.name === P2P)?.value
}

/** True for /ip4|ip6|dns|dns4|dns6/<host>/tcp/<port>, optionally followed by /p2p/<id>: what this node's transport speaks. */
export function isTcpMultiaddr(ma: Multiaddr): boolean {
  const [host, tcp, ...rest] = ma.getComponents()
  if (host === undefined || tcp === undefined || tcp.name !== TCP) return false
  if (!IP_NAMES.has(host.name) && !DNS_NAMES.has(host.name)) return false
  return rest.length === 0 || (rest.length === 1 && rest[0]?.name === P2P)
}

/** The address without its /p2p/ part: what the gater compares (libp2p appends the peer id before gating). */
export function transportKey(ma: Multiaddr): string {
  return ma
    .getComponents()
    .filter((c) => c.name !== P2P)
    .map((c) => `/${c.name}${c.value === undefined ? '' : `/${c.value}`}`)
    .join('')
}

/** The class of a multiaddr's host part; 'reserved' for anything that is not IP or DNS. */
export function classifyMultiaddr(ma: Multiaddr): AddressClass {
  const host = ma.getComponents()[0]
  if (host?.value === undefined) return 'reserved'
  if (host.name === 'ip4') return classifyIPv4(host.value)
  if (host.name === 'ip6') return classifyIPv6(host.value)
  if (DNS_NAMES.has(host.name)) return classifyDnsName(host.value)
  return 'reserved'
}

/** May an address learned from a list be dialled? */
export function mayDialLearned(ma: Multiaddr, options: { readonly allowPrivate: boolean }): boolean {
  if (!isTcpMultiaddr(ma)) return false
  const kind = classifyMultiaddr(ma)
  return PUBLIC_CLASSES.has(kind) || (options.allowPrivate && PRIVATE_CLASSES.has(kind))
}

/**
 * A dialable address for `peerId`: the multiaddr with /p2p/<peerId> appended when missing. Undefined when the text
 * is no TCP multiaddr, names another peer, or (for a learned address) the policy refuses it.
 */
export function dialAddress(text: string, peerId: string, learned?: { readonly allowPrivate: boolean }): Multiaddr | undefined {
  const ma = parseMultiaddr(text)
  if (ma === undefined || !isTcpMultiaddr(ma)) return undefined
  if (learned !== undefined && !mayDialLearned(ma, learned)) return undefined
  const named = peerIdOf(ma)
  if (named === undefined) return ma.encapsulate(`/${P2P}/${peerId}`)
  return named === peerId ? ma : undefined
}

/** True for 0.0.0.0 and :: listen addresses: they bind every interface but are no address a peer can dial. */
export function isWildcard(ma: Multiaddr): boolean {
  return classifyMultiaddr(ma) === 'unspecified'
}

/**
 * The gater's view: denies dialling `ma` unless it is global, or allowPrivate, or the operator configured exactly
 * this address (bootstrap, connect). Learned and identify-reported addresses all pass through here.
 */
export class DialPolicy {
  readonly allowPrivate: boolean
  readonly #operator = new Set<string>()

  constructor(options: { readonly allowPrivate: boolean }) {
    this.allowPrivate = options.allowPrivate
  }

  /** An address the operator configured: always dialled. */
  allowOperatorAddress(ma: Multiaddr): void {
    this.#operator.add(transportKey(ma))
  }

  denyDial(ma: Multiaddr): boolean {
    if (this.#operator.has(transportKey(ma))) return false
    return !mayDialLearned(ma, this)
  }
}

// ---- address classes --------------------------------------------------------------------------------------------

function classifyIPv4(text: string): AddressClass {
  const parts = text.split('.').map(Number)
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return 'reserved'
  const [a, b, c] = parts as [number, number, number, number]
  if (a === 0) return 'unspecified' // 0.0.0.0/8 "this network"
  if (a === 127) return 'loopback'
  if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)) return 'private' // RFC 1918
  if (a === 100 && b >= 64 && b <= 127) return 'private' // RFC 6598 CGNAT
  if (a === 198 && (b === 18 || b === 19)) return 'private' // RFC 2544 benchmarking
  if (a === 169 && b === 254) return 'link-local'
  if (a >= 224 && a <= 239) return 'multicast'
  if (a >= 240) return 'reserved' // 240/4 and the broadcast address
  if (a === 192 && b === 0 && (c === 0 || c === 2)) return 'reserved' // IETF protocol assignments, TEST-NET-1
  if ((a === 198 && b === 51 && c === 100) || (a === 203 && b === 0 && c === 113)) return 'reserved' // TEST-NET-2/3
  return 'global'
}

function classifyIPv6(text: string): AddressClass {
  const words = expandIPv6(text)
  if (words === undefined) return 'reserved'
  const [w0, w1, w2, w3, w4, w5, w6, w7] = words as [number, number, number, number, number, number, number, number]
  const zeroPrefix = w0 === 0 && w1 === 0 && w2 === 0 && w3 === 0 && w4 === 0
  if (zeroPrefix && w5 === 0 && w6 === 0 && w7 === 0) return 'unspecified'
  if (zeroPrefix && w5 === 0 && w6 === 0 && w7 === 1) return 'loopback'
  // IPv4-mapped (::ffff:a.b.c.d) and NAT64 (64:ff9b::/96): the embedded IPv4 address decides.
  const embedded = `${w6 >> 8}.${w6 & 0xff}.${w7 >> 8}.${w7 & 0xff}`
  if (zeroPrefix && w5 === 0xffff) return classifyIPv4(embedded)
  if (w0 === 0x64 && w1 === 0xff9b && w2 === 0 && w3 === 0 && w4 === 0 && w5 === 0) return classifyIPv4(embedded)
  if ((w0 & 0xfe00) === 0xfc00) return 'private' // fc00::/7 unique local
  if ((w0 & 0xffc0) === 0xfec0) return 'private' // fec0::/10 site-local (deprecated)
  if ((w0 & 0xffc0) === 0xfe80) return 'link-local'
  if ((w0 & 0xff00) === 0xff00) return 'multicast'
  if (w0 === 0x2001 && w1 === 0x0db8) return 'reserved' // documentation
  if ((w0 & 0xe000) === 0x2000) return 'global' // 2000::/3 global unicast
  return 'reserved'
}

/** Eight 16-bit words, or undefined when the text is no IPv6 address (a zone suffix is ignored). */
function expandIPv6(text: string): number[] | undefined {
  let address = text.replace(/%.*$/, '').toLowerCase()
  // A trailing dotted IPv4 part becomes two words.
  const dotted = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(address)
  if (dotted !== null) {
    const v4 = (dotted[2] as string).split('.').map(Number)
    if (v4.some((p) => !(p >= 0 && p <= 255))) return undefined
    const [a, b, c, d] = v4 as [number, number, number, number]
    address = `${dotted[1] as string}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`
  }
  const halves = address.split('::')
  if (halves.length > 2) return undefined
  const parse = (part: string): number[] | undefined => {
    if (part === '') return []
    const words = part.split(':')
    return words.every((w) => /^[0-9a-f]{1,4}$/.test(w)) ? words.map((w) => parseInt(w, 16)) : undefined
  }
  const head = parse(halves[0] as string)
  const tail = halves.length === 2 ? parse(halves[1] as string) : []
  if (head === undefined || tail === undefined) return undefined
  if (halves.length === 1) return head.length === 8 ? head : undefined
  const missing = 8 - head.length - tail.length
  return missing < 1 ? undefined : [...head, ...new Array<number>(missing).fill(0), ...tail]
}

function classifyDnsName(name: string): AddressClass {
  const host = name.toLowerCase().replace(/\.$/, '')
  if (host === 'localhost' || host.endsWith('.localhost')) return 'loopback' // RFC 6761
  // mDNS (.local), home networks (.home.arpa, RFC 8375), .internal (ICANN-reserved for private use), single labels
  // (resolved through the local search domain): names that point into a local network by definition.
  if (host.endsWith('.local') || host.endsWith('.home.arpa') || host.endsWith('.internal') || !host.includes('.')) return 'private'
  return 'dns'
}
