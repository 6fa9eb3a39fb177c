// Strikes and bans: a peer that sends proven-invalid data (a rejected gossip message, a malformed catch-up answer, a
// list that fails its signature) earns a strike; enough strikes within the ban period ban it (its peer id and, off
// loopback, its IP) for that period. Pure bookkeeping on an injected clock: the service disconnects, the connection
// gater refuses. Never bans on clock-dependent or "not the peer's fault" verdicts (the caller decides what a strike is).
import type { P2pLimits } from './constants.js'

/** Remembered strikers and bans each (bounded: a flood of fresh peer ids must not grow memory). */
const MAX_ENTRIES = 10_000

export interface PeerGuardInit {
  readonly limits: Pick<P2pLimits, 'banAfterStrikes' | 'banMs'>
  /** Real-clock milliseconds; default Date.now. */
  readonly now?: () => number
}

export class PeerGuard {
  readonly #limits: PeerGuardInit['limits']
  readonly #now: () => number
  readonly #strikes = new Map<string, { count: number; since: number }>()
  /** Peer id or IP → end of its ban. */
  readonly #bans = new Map<string, number>()

  constructor(init: PeerGuardInit) {
    this.#limits = init.limits
    this.#now = init.now ?? Date.now
  }

  /** Counts one strike; true when it bans the peer (the caller then disconnects it). `ip` is banned with it when given. */
  strike(peer: string, ip?: string): boolean {
    if (this.isBanned(peer)) return false
    const now = this.#now()
    const entry = this.#strikes.get(peer)
    // Strikes older than a ban period are forgiven, like gossipsub's decaying P4 penalty.
    const current = entry === undefined || now - entry.since > this.#limits.banMs ? { count: 0, since: now } : entry
    current.count++
    this.#strikes.delete(peer)
    if (current.count < this.#limits.banAfterStrikes) {
      this.#strikes.set(peer, current)
      trimOldest(this.#strikes, MAX_ENTRIES)
      return false
    }
    this.#ban(peer, now)
    if (ip !== undefined) this.#ban(ip, now)
    return true
  }

  isBanned(peerOrIp: string): boolean {
    const until = this.#bans.get(peerOrIp)
    if (until === undefined) return false
    if (this.#now() < until) return true
    this.#bans.delete(peerOrIp)
    return false
  }

  /** Current bans (peer ids and IPs), for /metrics. */
  bannedCount(): number {
    const now = this.#now()
    for (const [key, until] of this.#bans) if (now >= until) this.#bans.delete(key)
    return this.#bans.size
  }

  #ban(key: string, now: number): void {
    this.#bans.delete(key)
    this.#bans.set(key, now + this.#limits.banMs)
    trimOldest(this.#bans, MAX_ENTRIES)
  }
}

/** Drops the oldest entries (a Map keeps insertion order) beyond `max`: every per-peer table is bounded by it. */
export function trimOldest(map: Map<string, unknown>, max: number): void {
  for (const key of map.keys()) {
    if (map.size <= max) return
    map.delete(key)
  }
}
