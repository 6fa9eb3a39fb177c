// An HTTP/1.1 request written by hand on a raw TCP socket, for tests of what a server does with clients that send
// slowly, stall or never finish: the head is written at once, the body whenever the test writes it.
import { once } from 'node:events'
import { connect, type Socket } from 'node:net'

export interface RawRequest {
  readonly socket: Socket
  /** Everything the server sent, once the connection closed ('' when it was cut without an answer). */
  readonly answer: Promise<string>
}

export async function rawRequest(url: string, method: string, path: string, headers: Readonly<Record<string, string>>): Promise<RawRequest> {
  const { hostname, port } = new URL(url)
  const socket = connect(Number(port), hostname)
  await once(socket, 'connect')
  let text = ''
  socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')))
  socket.on('error', () => undefined)
  const answer = new Promise<string>((resolve) => socket.once('close', () => resolve(text)))
  const lines = Object.entries({ host: hostname, ...headers }).map(([name, value]) => `${name}: ${value}\r\n`)
  socket.write(`${method} ${path} HTTP/1.1\r\n${lines.join('')}\r\n`)
  return { socket, answer }
}
