// Operator routes of admission, behind the operator token (mounted by app.ts): pinned roots, what is anchored and
// why, and the quarantine of lists under unanchored roots. Request → Response only; decisions live in Admission.
import type { Context, Hono } from 'hono'
import type { Admission } from '../admission/admission.js'
import type { AnchoredCountry } from '../admission/anchored-roots.js'
import { EntenteError } from '../model/errors.js'
import { readJson } from './read-json.js'

export function mountAdmissionRoutes(operator: Hono, admission: Admission, options: { readonly maxListBytes: number }): void {
  operator.get('/pins', (c) =>
    c.json({
      pins: admission.pins(),
      anchored: [...admission.anchored()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([country, anchor]) => anchoredView(country, anchor)),
    }),
  )
  operator.put('/pins/:country', async (c) => {
    const body = (await readJson(c)) as { rootThumbprint?: unknown }
    if (typeof body.rootThumbprint !== 'string') throw new EntenteError('ERR_HTTP_BAD_REQUEST', 'rootThumbprint is required')
    return c.json(admission.pin(country(c), body.rootThumbprint), 200)
  })
  operator.delete('/pins/:country', (c) => {
    const result = admission.unpin(country(c))
    return c.json({
      country: result.country,
      removed: result.removed,
      purged: result.purged,
      counts: result.counts,
      ...(result.stillAnchored === undefined ? {} : { stillAnchored: anchoredView(result.country, result.stillAnchored) }),
    })
  })
  operator.get('/quarantine', (c) => c.json({ lists: admission.quarantined() }))
  operator.get('/quarantine/:id', (c) => c.json(admission.quarantineEntry(id(c))))
  operator.post('/quarantine/:id/admit', async (c) => c.json(await admission.admit(id(c), { maxBytes: options.maxListBytes }), 200))
  operator.delete('/quarantine/:id', (c) => {
    admission.drop(id(c))
    return c.json({ dropped: id(c) })
  })
}

function anchoredView(country: string, anchor: AnchoredCountry) {
  return { country, roots: [...anchor.roots], via: anchor.via.map((v) => ({ root: v.root, ...v.source })) }
}

function country(c: Context): string {
  const value = c.req.param('country') ?? ''
  if (!/^[A-Z]{2}$/.test(value)) throw new EntenteError('ERR_HTTP_BAD_REQUEST', 'country must be an upper-case ISO 3166-1 alpha-2 code')
  return value
}

function id(c: Context): number {
  const value = c.req.param('id') ?? ''
  if (!/^[1-9]\d{0,15}$/.test(value)) throw new EntenteError('ERR_HTTP_BAD_REQUEST', 'id must be a positive integer')
  return Number(value)
}
