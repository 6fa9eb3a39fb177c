// The gossip layer's public surface, for node.ts and the CLI. Re-exports only; no behaviour here.
export { announcedAddresses, GossipService, gossipService, type GossipServiceInit, type ListSource } from './gossip-service.js'
export { createPeerKeyFile, generatePeerKey, loadPeerKey, savePeerKey } from './peer-key.js'
export { ALARM_TOPIC, CATCH_UP_PROTOCOL, DEFAULT_CATCH_UP_INTERVAL_MS, DEFAULT_LISTEN, DEFAULT_P2P_LIMITS, TRUST_LIST_TOPIC, type P2pLimits } from './constants.js'
