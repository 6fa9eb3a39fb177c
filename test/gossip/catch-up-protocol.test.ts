import { describe, expect, it } from 'vitest'
import { alarmId, answerRequest, parseRequest, parseResponse } from '../../src/gossip/catch-up-protocol.js'
import { CATCH_UP_PAGE_LISTS } from '../../src/gossip/constants.js'
import { EntenteError } from '../../src/model/errors.js'
import { acceptTrustList } from '../../src/store/accept-trust-list.js'
import { SqliteStore } from '../../src/store/sqlite-store.js'
import { TestCountry } from '../helpers/country.js'
import { NOW } from './helpers.js'

const bytes = (value: unknown) => new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value))
const codeOf = (fn: () => unknown) => {
  try {
    fn()
  } catch (error) {
    return error instanceof EntenteError ? error.code : 'other'
  }
  return 'none'
}
const hash = 'a'.repeat(64)

describe('catch-up frames', () => {
  it('parses the requests and caps the page size', () => {
    expect(parseRequest(bytes({ type: 'summary' }))).toEqual({ type: 'summary' })
    expect(parseRequest(bytes({ type: 'history', country: 'GR', afterSeq: 0, limit: 10_000 }))).toEqual({
      type: 'history',
      country: 'GR',
      afterSeq: 0,
      limit: CATCH_UP_PAGE_LISTS,
    })
    expect(parseRequest(bytes({ type: 'alarms', ids: [`GR:2:${hash}:${'b'.repeat(64)}`] })).type).toBe('alarms')
    expect(parseRequest(bytes({ type: 'offer', heads: { GR: 4, CY: 1 } }))).toEqual({ type: 'offer', heads: { GR: 4, CY: 1 } })
    expect(parseResponse(bytes({ type: 'offer' }), 'offer')).toEqual({ type: 'offer' })
  })

  it.each([
    ['not JSON', 'nope'],
    ['not UTF-8', new Uint8Array([0xff, 0xfe])],
    ['unknown type', { type: 'drop-tables' }],
    ['bad country', { type: 'history', country: 'gr', afterSeq: 0, limit: 1 }],
    ['negative seq', { type: 'history', country: 'GR', afterSeq: -1, limit: 1 }],
    ['fractional limit', { type: 'history', country: 'GR', afterSeq: 0, limit: 1.5 }],
    ['too many alarm ids', { type: 'alarms', ids: Array.from({ length: 17 }, () => `GR:2:${hash}:${hash}`) }],
    ['offer without heads', { type: 'offer' }],
    ['offer of seq 0', { type: 'offer', heads: { GR: 0 } }],
    ['offer of a bad country', { type: 'offer', heads: { gr: 1 } }],
  ])('refuses a bad request: %s', (_name, frame) => {
    expect(codeOf(() => parseRequest(frame instanceof Uint8Array ? frame : bytes(frame)))).toBe('ERR_GOSSIP_PROTOCOL')
  })

  it('refuses responses of the wrong type or shape', () => {
    expect(codeOf(() => parseResponse(bytes({ type: 'history', lists: [] }), 'summary'))).toBe('ERR_GOSSIP_PROTOCOL')
    // A refusal has its own code: a client never holds it against the peer (rate limits, shutdown).
    expect(codeOf(() => parseResponse(bytes({ type: 'error', code: 'X' }), 'summary'))).toBe('ERR_GOSSIP_REFUSED')
    // The head's root is optional (peers that predate it omit it) but must be a thumbprint when present.
    const root = 'A'.repeat(43)
    expect(parseResponse(bytes({ type: 'summary', heads: [{ country: 'GR', seq: 1, hash, root }], alarms: [] }), 'summary')).toEqual({ type: 'summary', heads: [{ country: 'GR', seq: 1, hash, root }], alarms: [] })
    expect(parseResponse(bytes({ type: 'summary', heads: [{ country: 'GR', seq: 1, hash }], alarms: [] }), 'summary')).toEqual({ type: 'summary', heads: [{ country: 'GR', seq: 1, hash }], alarms: [] })
    expect(codeOf(() => parseResponse(bytes({ type: 'summary', heads: [{ country: 'GR', seq: 1, hash, root: 'x' }], alarms: [] }), 'summary'))).toBe('ERR_GOSSIP_PROTOCOL')
    const twice = { type: 'summary', heads: [{ country: 'GR', seq: 1, hash }, { country: 'GR', seq: 2, hash }], alarms: [] }
    expect(codeOf(() => parseResponse(bytes(twice), 'summary'))).toBe('ERR_GOSSIP_PROTOCOL')
    expect(codeOf(() => parseResponse(bytes({ type: 'summary', heads: [{ country: 'GR', seq: 0, hash }], alarms: [] }), 'summary'))).toBe(
      'ERR_GOSSIP_PROTOCOL',
    )
  })

  it('answers from the store: summary, history pages within the byte budget, alarms by id', async () => {
    const store = SqliteStore.open(':memory:')
    try {
      const gr = await TestCountry.create('GR')
      const lists = [await gr.next(), await gr.next(), await gr.next()]
      for (const l of lists) await acceptTrustList(store, l.signed, { now: NOW })
      const x = await gr.next({ advance: false })
      const y = await gr.next({ advance: false, edit: (p) => void (p.quorum = 3) })
      await acceptTrustList(store, x.signed, { now: NOW })
      const eq = await acceptTrustList(store, y.signed, { now: NOW })
      expect(eq.status).toBe('equivocation')

      const summary = answerRequest(store, { type: 'summary' }, 1 << 20)
      expect(summary).toEqual({ type: 'summary', heads: [{ country: 'GR', seq: 4, hash: x.hash, root: gr.root.thumbprint }], alarms: [expect.any(String)] })
      const id = summary.type === 'summary' ? (summary.alarms[0] as string) : ''
      expect(id).toBe(alarmId({ country: 'GR', seq: 4, hashes: [y.hash, x.hash] }))

      const page = answerRequest(store, { type: 'history', country: 'GR', afterSeq: 1, limit: 32 }, 1 << 20)
      expect(page.type === 'history' && page.lists.length).toBe(3)
      // A tiny budget still makes progress: one list per page.
      const small = answerRequest(store, { type: 'history', country: 'GR', afterSeq: 0, limit: 32 }, 1)
      expect(small.type === 'history' && small.lists.length).toBe(1)

      const alarms = answerRequest(store, { type: 'alarms', ids: [id] }, 1 << 20)
      expect(alarms.type === 'alarms' && alarms.proofs.length).toBe(1)
    } finally {
      store.close()
    }
  })
})
