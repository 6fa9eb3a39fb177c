// Names and defaults of the gossip layer, in one place (like js-libp2p's constants.ts). Pure values.

/** One signed trust list per message (its JSON bytes). */
export const TRUST_LIST_TOPIC = 'entente/trust-lists/1'
/** One equivocation proof per message (its JSON bytes). */
export const ALARM_TOPIC = 'entente/alarms/1'
/** One signed certificate revocation list per message (its canonical JSON bytes). */
export const REVOCATION_TOPIC = 'entente/revocations/1'
/** A notice naming a list too large for a gossip frame (country, seq, hash): peers lacking it pull it by catch-up. */
export const LIST_NOTICE_TOPIC = 'entente/list-notices/1'
/** A notice is a few short fields. */
export const MAX_LIST_NOTICE_BYTES = 1024
/** Request/response over one libp2p stream per session: see catch-up-protocol.ts. */
export const CATCH_UP_PROTOCOL = '/entente/catch-up/1.0.0'

export const DEFAULT_LISTEN = ['/ip4/127.0.0.1/tcp/0'] as const

/** Periodic anti-entropy: gossipsub alone loses messages, so every node pulls from its peers this often. */
export const DEFAULT_CATCH_UP_INTERVAL_MS = 30_000
/** ±20 %: spreads the federation's periodic pulls so they do not all fire in the same second. */
export const CATCH_UP_JITTER = 0.2
/** At most this many peers are asked per periodic round (random ones); new connections are always asked. */
export const CATCH_UP_PEERS_PER_ROUND = 8

/** Opening the stream, and every request/response round trip, must finish within this. */
export const CATCH_UP_REQUEST_TIMEOUT_MS = 10_000
/** A whole session (summary plus every page) is abandoned after this. */
export const CATCH_UP_SESSION_TIMEOUT_MS = 60_000
/** A serving side waits this long for the next request before closing the stream. */
export const CATCH_UP_IDLE_TIMEOUT_MS = 10_000
/** Requests are tiny JSON objects. */
export const CATCH_UP_MAX_REQUEST_BYTES = 16 * 1024
/** Requests served on one stream before the server closes it. */
export const CATCH_UP_MAX_REQUESTS_PER_SESSION = 512
/** Lists per history page. */
export const CATCH_UP_PAGE_LISTS = 32
/** Pages pulled per country per session; the next session continues where this one stopped. */
export const CATCH_UP_MAX_PAGES_PER_COUNTRY = 32
/** Countries and alarms named in one summary (ISO 3166-1 has 249 codes). */
export const CATCH_UP_MAX_SUMMARY_COUNTRIES = 1000
export const CATCH_UP_MAX_SUMMARY_ALARMS = 1000
/** Proofs asked for per request, and per session. */
export const CATCH_UP_ALARMS_PER_REQUEST = 16
export const CATCH_UP_MAX_ALARMS_PER_SESSION = 256
/** Lists accepted by catch-up are re-gossiped so the rest of a healed partition gets them at gossip speed;
 * beyond this many new lists of one country in one session only the newest is re-gossiped. */
export const CATCH_UP_REPUBLISH_PER_COUNTRY = 8
/** Response size floor; a response always has room for one proof (two lists) of the configured size. */
export const CATCH_UP_MIN_RESPONSE_BYTES = 4 * 1024 * 1024

/** Bootstrap and discovered peers we are not connected to are re-dialled this often... */
export const DIAL_MAINTENANCE_INTERVAL_MS = 5_000
/** ...but one peer at most this often. */
export const DIAL_BACKOFF_MS = 10_000
export const DIAL_TIMEOUT_MS = 5_000
/** Remembered dial targets from trust lists (bounded: lists are signed, but there may be many countries). */
export const MAX_KNOWN_PEERS = 2048

/** Envelope room around one or two lists in a gossip RPC. */
export const GOSSIP_RPC_OVERHEAD_BYTES = 64 * 1024
/** gossipsub's own default inbound RPC cap (it-length-prefixed); raised when lists may be larger. */
export const GOSSIP_MIN_RPC_BYTES = 4 * 1024 * 1024
/**
 * The largest message gossipsub can send: it frames every outgoing RPC with it-length-prefixed's fixed 4 MiB limit
 * (not configurable), less room for the RPC envelope. A larger list (about 1,400 of the largest real DSCs and up) is
 * not gossiped: a notice on LIST_NOTICE_TOPIC names it, and peers pull it by catch-up, whose streams carry up to
 * twice the list cap.
 */
export const GOSSIP_MAX_PUBLISH_BYTES = 4 * 1024 * 1024 - 4 * 1024

/**
 * Open-internet limits (node.json `p2p.limits`), each shown in /metrics as entente_p2p_limit{limit}. The rate limit
 * and the IP colocation penalty apply to non-loopback peers only: every node of a loopback demo shares 127.0.0.1.
 */
export const DEFAULT_P2P_LIMITS = {
  /** Open connections; beyond it libp2p prunes the least valuable (federation peers are tagged to stay). */
  maxConnections: 300,
  /** Inbound connections per second from one host (libp2p's inboundConnectionThreshold). */
  inboundConnectionsPerSecond: 5,
  /** Inbound connections still in their handshake (libp2p's maxIncomingPendingConnections). */
  maxIncomingPendingConnections: 10,
  /** Peers on one IP before gossipsub's colocation penalty starts (IPColocationFactorThreshold). */
  ipColocationThreshold: 3,
  /** Score per excess peer, squared (IPColocationFactorWeight); 0 turns the penalty off. */
  ipColocationWeight: -5,
  /** Catch-up requests served per peer and minute; a first full sync of 250 countries needs a few hundred. */
  catchUpRequestsPerMinute: 600,
  /** Proven-invalid messages or answers (each a strike) before a peer is disconnected and refused. */
  banAfterStrikes: 3,
  /** How long a banned peer (and, off loopback, its IP) is refused. */
  banMs: 10 * 60_000,
} as const

export type P2pLimits = { readonly [K in keyof typeof DEFAULT_P2P_LIMITS]: number }
