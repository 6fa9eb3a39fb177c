// A diplomat's browser reduced to what the routes see: a cookie jar, the Origin header, and a software
// authenticator answering the node's WebAuthn options. Drives the node through app.request, no server.
import { expect } from 'vitest'
import type { Hono } from 'hono'
import { SoftAuthenticator } from '../helpers/webauthn.js'

export interface Options {
  readonly challenge: string
  readonly rpId?: string
  readonly rp?: { id?: string }
}

export class DiplomatClient {
  cookie: string | undefined
  lastSetCookie: string | undefined

  constructor(
    readonly app: Hono,
    readonly origin: string,
    readonly authenticator: SoftAuthenticator = SoftAuthenticator.create(),
  ) {}

  async request(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers)
    if (this.cookie !== undefined) headers.set('cookie', `entente_diplomat=${this.cookie}`)
    if (init.method !== undefined && init.method !== 'GET' && !headers.has('origin')) headers.set('origin', this.origin)
    const response = await this.app.request(path, { ...init, headers })
    const setCookie = response.headers.get('set-cookie')
    if (setCookie !== null) {
      this.lastSetCookie = setCookie
      const value = /^entente_diplomat=([^;]*)/.exec(setCookie)?.[1]
      this.cookie = value === undefined || value === '' ? undefined : value
    }
    return response
  }

  post(path: string, body: unknown = {}, headers: Record<string, string> = {}): Promise<Response> {
    return this.request(path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) })
  }

  form(path: string, fields: [string, string][], headers: Record<string, string> = {}): Promise<Response> {
    return this.request(path, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(fields).toString() })
  }

  async registrationOptions(invite: string): Promise<Options> {
    const response = await this.post('/diplomats/api/registration/options', { invite })
    expect(response.status, await response.clone().text()).toBe(200)
    return ((await response.json()) as { options: Options }).options
  }

  async register(invite: string): Promise<Response> {
    const options = await this.registrationOptions(invite)
    return this.post('/diplomats/api/registration/verify', { invite, response: this.authenticator.register({ challenge: options.challenge, rp: options.rp ?? {} }, this.origin) })
  }

  async signInResponse(): Promise<unknown> {
    const response = await this.post('/diplomats/api/sign-in/options')
    expect(response.status).toBe(200)
    const options = (await response.json()) as Options
    return this.authenticator.authenticate(options, this.origin)
  }

  async signIn(): Promise<Response> {
    return this.post('/diplomats/api/sign-in/verify', { response: await this.signInResponse() })
  }

  async csrf(): Promise<string> {
    const page = await this.request('/diplomats/proposals')
    expect(page.status).toBe(200)
    const token = /<meta name="csrf-token" content="([^"]+)">/.exec(await page.text())?.[1]
    expect(token).toBeDefined()
    return token as string
  }

  async approvalOptions(proposalId: number, csrf?: string): Promise<Response> {
    return this.post(`/diplomats/api/proposals/${proposalId}/approval/options`, {}, { 'x-csrf-token': csrf ?? (await this.csrf()) })
  }

  async approvalResponse(proposalId: number): Promise<unknown> {
    const response = await this.approvalOptions(proposalId)
    expect(response.status, await response.clone().text()).toBe(200)
    const { options } = (await response.json()) as { options: Options }
    return this.authenticator.authenticate(options, this.origin)
  }

  async approve(proposalId: number, assertion?: unknown): Promise<Response> {
    const response = assertion ?? (await this.approvalResponse(proposalId))
    return this.post(`/diplomats/api/proposals/${proposalId}/approval/verify`, { response }, { 'x-csrf-token': await this.csrf() })
  }
}
