// Builds the libp2p host of a node: TCP on the configured addresses, noise, yamux, identify and gossipsub configured
// for Entente's topics, with the open-internet limits and the connection gater the caller hands in. Creates the host
// without starting it; never dials or publishes by itself.
import './polyfills.js'
import { noise } from '@chainsafe/libp2p-noise'
import { gossipsub, StrictNoSign, type GossipSub } from '@libp2p/gossipsub'
import { createTopicScoreParams } from '@libp2p/gossipsub/score'
import { identify, type Identify } from '@libp2p/identify'
import type { ConnectionGater, Libp2p, PrivateKey } from '@libp2p/interface'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import { createLibp2p, type Libp2pInit } from 'libp2p'
import { EntenteError } from '../model/errors.js'
import { ALARM_TOPIC, DEFAULT_P2P_LIMITS, GOSSIP_MIN_RPC_BYTES, GOSSIP_RPC_OVERHEAD_BYTES, LIST_NOTICE_TOPIC, REVOCATION_TOPIC, TRUST_LIST_TOPIC, type P2pLimits } from './constants.js'
import { isTcpMultiaddr, parseMultiaddr, transportKey } from './dial-policy.js'
import { maxResponseBytes } from './catch-up-protocol.js'

export type GossipHost = Libp2p<{ identify: Identify; pubsub: GossipSub }>

export interface GossipHostInit {
  readonly privateKey: PrivateKey
  /** TCP multiaddrs (/ip4/0.0.0.0/tcp/N and /ip6/::/tcp/N bind every interface). */
  readonly listen: readonly string[]
  /** Public TCP multiaddrs (/dns4, /dns6 too) identify tells peers instead of the interface addresses; default none. */
  readonly announce?: readonly string[]
  /** Largest trust list accepted; an alarm carries two. */
  readonly maxMessageBytes: number
  /** Optional libp2p metrics implementation (the gossip benchmark counts bytes on the wire with it). */
  readonly libp2pMetrics?: Libp2pInit['metrics']
  /** Connection limits and score penalties; default DEFAULT_P2P_LIMITS. */
  readonly limits?: P2pLimits
  /** Dial policy and bans (gossip-service.ts); default: allow everything (raw test hosts). */
  readonly connectionGater?: ConnectionGater
}

/** Loopback is exempt from the per-host rate limit and the same-IP penalty: every node of a loopback demo shares it. */
export const LOOPBACK_ALLOW = ['/ip4/127.0.0.0/ipcidr/8', '/ip6/::1/ipcidr/128'] as const
const LOOPBACK_IPS = ['127.0.0.1', '::1'] as const

/**
 * Topic score: only invalid messages cost a peer score. The delivery-rate penalties (P3, P3b) assume a busy topic;
 * trust lists change a few times a day, so they would punish every honest mesh peer for silence.
 */
const topicScore = createTopicScoreParams({
  topicWeight: 1,
  timeInMeshWeight: 0.01,
  timeInMeshQuantum: 1_000,
  timeInMeshCap: 100,
  firstMessageDeliveriesWeight: 1,
  firstMessageDeliveriesDecay: 0.9,
  firstMessageDeliveriesCap: 10,
  meshMessageDeliveriesWeight: 0,
  meshFailurePenaltyWeight: 0,
  // P4: squared count × weight. One rejected message puts a peer below the gossip threshold (-10), three below the
  // graylist threshold (-80): its messages are then dropped unread. Decays by 1 % a second: forgiven in minutes.
  invalidMessageDeliveriesWeight: -10,
  invalidMessageDeliveriesDecay: 0.99,
})

export async function createGossipHost(init: GossipHostInit): Promise<GossipHost> {
  for (const address of init.listen) {
    const ma = parseMultiaddr(address)
    if (ma === undefined || !isTcpMultiaddr(ma)) {
      throw new EntenteError('ERR_CONFIG_INVALID', `gossip listens on TCP multiaddrs (/ip4|ip6/<address>/tcp/<port>), not ${address}`)
    }
  }
  const announce = (init.announce ?? []).map((address) => {
    const ma = parseMultiaddr(address)
    if (ma === undefined || !isTcpMultiaddr(ma)) throw new EntenteError('ERR_CONFIG_INVALID', `p2p.announce takes TCP multiaddrs, not ${address}`)
    return transportKey(ma)
  })
  const limits = init.limits ?? DEFAULT_P2P_LIMITS
  const maxRpcBytes = Math.max(GOSSIP_MIN_RPC_BYTES, 2 * init.maxMessageBytes + GOSSIP_RPC_OVERHEAD_BYTES)
  return createLibp2p({
    start: false,
    privateKey: init.privateKey,
    // Announce, when given, is what identify reports: peers then re-dial the public name, not a wildcard's interfaces.
    addresses: { listen: [...init.listen], ...(announce.length === 0 ? {} : { announce }) },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    // A stream's read buffer must hold the largest gossip RPC or catch-up response that may arrive before it is read
    // (yamux's default of 4 MiB aborts the stream silently on a list of ~2,000 large DSCs).
    streamMuxers: [yamux({ streamOptions: { maxReadBufferLength: Math.max(maxRpcBytes, maxResponseBytes(init.maxMessageBytes)) + GOSSIP_RPC_OVERHEAD_BYTES } })],
    connectionManager: {
      // Loopback peers skip the per-host inbound rate limit (a loopback federation starts all at once); every other
      // host gets inboundConnectionsPerSecond.
      allow: [...LOOPBACK_ALLOW],
      maxConnections: limits.maxConnections,
      inboundConnectionThreshold: limits.inboundConnectionsPerSecond,
      maxIncomingPendingConnections: limits.maxIncomingPendingConnections,
      dialTimeout: 5_000,
    },
    ...(init.connectionGater === undefined ? {} : { connectionGater: init.connectionGater }),
    ...(init.libp2pMetrics === undefined ? {} : { metrics: init.libp2pMetrics }),
    services: {
      identify: identify(),
      pubsub: gossipsub({
        // Lists and proofs are signed by country roots already; peer signatures would add bytes and CPU for
        // nothing. Without them the message id is the SHA-256 of the data, so one list published by two nodes
        // (a country's node and a mirror) is one message to the whole mesh.
        globalSignaturePolicy: StrictNoSign,
        // Revocation lists have their own topic.
        allowedTopics: [TRUST_LIST_TOPIC, ALARM_TOPIC, REVOCATION_TOPIC, LIST_NOTICE_TOPIC],
        // A node alone (first of the federation) still publishes; catch-up delivers later.
        allowPublishToZeroTopicPeers: true,
        // Re-publishing a list the node already saw (e.g. re-gossip after catch-up) is not an error.
        ignoreDuplicatePublishError: true,
        fallbackToFloodsub: false,
        emitSelf: false,
        maxInboundDataLength: maxRpcBytes,
        scoreParams: {
          // Sybil defence: many peers behind one IP lose score. Loopback is exempt (a loopback demo shares it).
          IPColocationFactorWeight: limits.ipColocationWeight,
          IPColocationFactorThreshold: limits.ipColocationThreshold,
          IPColocationFactorWhitelist: new Set(LOOPBACK_IPS),
          topics: { [TRUST_LIST_TOPIC]: topicScore, [ALARM_TOPIC]: topicScore, [REVOCATION_TOPIC]: topicScore, [LIST_NOTICE_TOPIC]: topicScore },
        },
      }),
    },
  })
}
