// Request deadlines on a real node:http server on 127.0.0.1, driven by raw sockets: a request must arrive whole within
// the timeout (also when its route answered without reading the body), while a streaming upload may take as long as
// it keeps arriving. Every wait is for an event; the client's pacing only ever makes an upload slower.
import { once } from 'node:events'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { enforceRequestDeadlines } from '../../src/http/request-deadlines.js'
import { rawRequest } from '../helpers/raw-http.js'

const TIMEOUT_MS = 200
const WINDOW_MS = 2_000
const servers: Server[] = []
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  }
})

/** POST /upload is streamed (read to the end, then answered with its size); POST /early answers unread. */
async function serve(): Promise<{ port: number; received: () => number }> {
  let received = 0
  const answer = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    if (request.url === '/early') {
      response.end('early')
      return
    }
    let bytes = 0
    try {
      for await (const chunk of request) {
        bytes += (chunk as Buffer).byteLength
        received = bytes
      }
    } catch {
      return // cut: the socket is gone
    }
    response.end(String(bytes))
  }
  const server = createServer((request, response) => void answer(request, response))
  enforceRequestDeadlines(server, { timeoutMs: TIMEOUT_MS, streaming: { matches: (method, path) => method === 'POST' && path === '/upload', windowMs: WINDOW_MS, minBytes: 1024 } })
  servers.push(server)
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return { port: (server.address() as AddressInfo).port, received: () => received }
}

/** A POST whose head (and declared length) is sent; its body comes as the test writes it. */
const post = (port: number, path: string, length: number) => rawRequest(`http://127.0.0.1:${port}`, 'POST', path, { 'content-length': String(length) })

const until = async (condition: () => boolean): Promise<void> => {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5))
}

describe('request deadlines', () => {
  it('cuts a request whose body stops arriving before the timeout', async () => {
    const { port, received } = await serve()
    const { socket, answer: done } = await post(port, '/other', 10_000)
    socket.write(Buffer.alloc(100))
    await until(() => received() === 100)
    // The rest never comes: the server destroys the socket, with no answer.
    expect(await done).toBe('')
  })

  it('cuts a body dripped after the route answered: the answer holds no socket open', async () => {
    const { port } = await serve()
    const { socket, answer: done } = await post(port, '/early', 10_000)
    socket.write(Buffer.alloc(10))
    expect(await done).toMatch(/^HTTP\/1\.1 200 OK[\s\S]*early$/)
  })

  it('lets a streaming upload take many timeouts while it keeps arriving, and cuts it once it stalls', async () => {
    const { port, received } = await serve()
    const chunk = 4096
    const chunks = 12
    const { socket, answer: done } = await post(port, '/upload', chunk * chunks)
    const started = performance.now()
    for (let i = 1; i <= chunks; i++) {
      socket.write(Buffer.alloc(chunk))
      await until(() => received() === i * chunk)
      // Paced so the whole upload lasts several request timeouts; each gap stays far inside the rate window.
      await new Promise((resolve) => setTimeout(resolve, TIMEOUT_MS / 2))
    }
    expect(performance.now() - started).toBeGreaterThan(3 * TIMEOUT_MS)
    socket.end()
    expect(await done).toMatch(new RegExp(`200 OK[\\s\\S]*\\r\\n\\r\\n${chunk * chunks}$`))

    // The same upload stalling after one chunk: cut within a window or two.
    const { socket: stalled, answer: cut } = await post(port, '/upload', chunk * chunks)
    stalled.write(Buffer.alloc(chunk))
    expect(await cut).toBe('')
  }, 30_000)
})
