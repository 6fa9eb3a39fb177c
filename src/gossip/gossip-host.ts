// Builds the libp2p host of a node: TCP on loopback, noise, yamux, identify and gossipsub configured for
// Entente's two topics. Creates the host without starting it; never dials or publishes by itself.
import './polyfills.js'
import { noise } from '@chainsafe/libp2p-noise'
import { gossipsub, StrictNoSign, type GossipSub } from '@libp2p/gossipsub'
import { createTopicScoreParams } from '@libp2p/gossipsub/score'
import { identify, type Identify } from '@libp2p/identify'
import type { Libp2p, PrivateKey } from '@libp2p/interface'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import { createLibp2p, type Libp2pInit } from 'libp2p'
import { EntenteError } from '../model/errors.js'
import { ALARM_TOPIC, GOSSIP_MIN_RPC_BYTES, GOSSIP_RPC_OVERHEAD_BYTES, REVOCATION_TOPIC, TRUST_LIST_TOPIC } from './constants.js'
import { isLoopbackTcp, parseMultiaddr } from './loopback.js'

export type GossipHost = Libp2p<{ identify: Identify; pubsub: GossipSub }>

export interface GossipHostInit {
  readonly privateKey: PrivateKey
  /** Loopback TCP multiaddrs only (see loopback.ts). */
  readonly listen: readonly string[]
  /** Largest trust list accepted; an alarm carries two. */
  readonly maxMessageBytes: number
  /** Optional libp2p metrics implementation (the gossip benchmark counts bytes on the wire with it). */
  readonly libp2pMetrics?: Libp2pInit['metrics']
}

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
    if (ma === undefined || !isLoopbackTcp(ma)) {
      throw new EntenteError('ERR_CONFIG_INVALID', `gossip may only listen on loopback TCP in this build, not ${address}`)
    }
  }
  return createLibp2p({
    start: false,
    privateKey: init.privateKey,
    addresses: { listen: [...init.listen] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionManager: {
      // Every node of this build shares 127.0.0.1, so the per-host inbound rate limit (5 connections/s) would
      // refuse a federation that starts at once; loopback is trusted as far as rate limits go.
      allow: ['/ip4/127.0.0.0/ipcidr/8', '/ip6/::1/ipcidr/128'],
      dialTimeout: 5_000,
    },
    ...(init.libp2pMetrics === undefined ? {} : { metrics: init.libp2pMetrics }),
    services: {
      identify: identify(),
      pubsub: gossipsub({
        // Lists and proofs are signed by country roots already; peer signatures would add bytes and CPU for
        // nothing. Without them the message id is the SHA-256 of the data, so one list published by two nodes
        // (a country's node and a mirror) is one message to the whole mesh.
        globalSignaturePolicy: StrictNoSign,
        // Revocation lists (issue 7) have their own topic.
        allowedTopics: [TRUST_LIST_TOPIC, ALARM_TOPIC, REVOCATION_TOPIC],
        // A node alone (first of the federation) still publishes; catch-up delivers later.
        allowPublishToZeroTopicPeers: true,
        // Re-publishing a list the node already saw (e.g. re-gossip after catch-up) is not an error.
        ignoreDuplicatePublishError: true,
        fallbackToFloodsub: false,
        emitSelf: false,
        maxInboundDataLength: Math.max(GOSSIP_MIN_RPC_BYTES, 2 * init.maxMessageBytes + GOSSIP_RPC_OVERHEAD_BYTES),
        scoreParams: {
          // All peers of this build share loopback: the same-IP (Sybil) penalty would hit every honest peer.
          IPColocationFactorWhitelist: new Set(['127.0.0.1', '::1']),
          topics: { [TRUST_LIST_TOPIC]: topicScore, [ALARM_TOPIC]: topicScore, [REVOCATION_TOPIC]: topicScore },
        },
      }),
    },
  })
}
