// The gossip layer's Prometheus series, registered once per node registry. Names only; no behaviour.
import type { NodeMetrics } from '../metrics/metrics.js'

export type GossipCounters = ReturnType<typeof gossipCounters>

export function gossipCounters(metrics: NodeMetrics) {
  const registry = metrics.registry
  return {
    published: registry.counter('entente_gossip_published_total', 'Messages this node published, by topic.'),
    alarms: registry.counter('entente_gossip_alarms_total', 'Equivocation proofs received, by outcome and source.'),
    catchUpSessions: registry.counter('entente_catch_up_sessions_total', 'Catch-up sessions this node ran, by outcome.'),
    catchUpBadResponses: registry.counter(
      'entente_catch_up_bad_responses_total',
      'Catch-up sessions dropped for a bad, late or oversized answer, by code.',
    ),
    catchUpServeErrors: registry.counter('entente_catch_up_serve_errors_total', 'Catch-up requests this node refused, by code.'),
    catchUpSkipped: registry.counter('entente_catch_up_skipped_countries_total', 'Countries in peers\' summaries not pulled: no anchored root.'),
    limits: registry.gauge('entente_p2p_limit', 'Configured libp2p/gossip limits (node.json p2p.limits), by limit.'),
    strikes: registry.counter('entente_p2p_strikes_total', 'Proven-invalid messages or answers counted against peers, by reason.'),
    bans: registry.counter('entente_p2p_bans_total', 'Peers disconnected and refused for sending invalid data.'),
    banned: registry.gauge('entente_p2p_banned', 'Peer ids and IPs currently refused.'),
    refused: registry.counter('entente_p2p_refused_total', 'Dials and connections the gater refused, by reason (policy, banned).'),
    federationPeers: registry.gauge('entente_p2p_federation_peers', 'Peer ids named in held lists, tagged keep-alive.'),
    connections: registry.gauge('entente_p2p_connections', 'Open libp2p connections.'),
  }
}
