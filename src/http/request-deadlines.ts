// How long a client may take to send its request. Node's own `requestTimeout` gives every request one deadline
// (checked every 30 s), which a bulk revocation import of hundreds of megabytes over a real link cannot meet. Here
// every request must arrive whole within `timeoutMs`, as before, except streaming uploads (the bulk import), which
// must keep arriving: at least `minBytes` in every `windowMs`. A request that does not is cut (its socket destroyed),
// also when its route already answered: a body dripped after the answer holds no socket either.
import type { IncomingMessage, Server } from 'node:http'

export interface RequestDeadlines {
  /** Time to receive a whole request (headers and body). */
  readonly timeoutMs: number
  /** Uploads read as they arrive, held to a rate instead. */
  readonly streaming: {
    readonly matches: (method: string, path: string) => boolean
    readonly windowMs: number
    readonly minBytes: number
  }
}

/** Replaces the server's `requestTimeout` (its `headersTimeout` stays) by the deadlines above. */
export function enforceRequestDeadlines(server: Server, deadlines: RequestDeadlines): void {
  server.requestTimeout = 0
  server.on('request', (request: IncomingMessage) => watch(request, deadlines))
}

function watch(request: IncomingMessage, { timeoutMs, streaming }: RequestDeadlines): void {
  if (request.complete) return
  const socket = request.socket
  const cut = () => {
    if (!request.complete) socket.destroy()
  }
  const path = (request.url ?? '/').split('?')[0] ?? '/'
  if (!streaming.matches(request.method ?? 'GET', path)) {
    setTimeout(cut, timeoutMs).unref()
    return
  }
  // Bytes on the socket, not a 'data' listener: the route reads the body as a stream and must stay its only reader.
  let seen = socket.bytesRead
  const timer = setInterval(() => {
    const now = socket.bytesRead
    if (request.complete || socket.destroyed) clearInterval(timer)
    else if (now - seen < streaming.minBytes) {
      clearInterval(timer)
      cut()
    } else seen = now
  }, streaming.windowMs)
  timer.unref()
}
