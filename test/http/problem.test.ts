import { HTTPException } from 'hono/http-exception'
import { describe, expect, it } from 'vitest'
import { problemOf, statusOf } from '../../src/http/problem.js'
import { EntenteError } from '../../src/model/errors.js'

describe('problem JSON', () => {
  it('maps codes to statuses in one table, client errors by default', () => {
    expect(statusOf('ERR_HTTP_NOT_FOUND')).toBe(404)
    expect(statusOf('ERR_HTTP_UNAUTHORIZED')).toBe(401)
    expect(statusOf('ERR_TRUST_LIST_SIGNATURE')).toBe(422)
    expect(statusOf('ERR_SIGNER_WEAK_KEY')).toBe(422)
    expect(statusOf('ERR_TRUST_LIST_ROLLBACK')).toBe(409)
    expect(statusOf('ERR_VACCINE_UNKNOWN')).toBe(400)
    expect(statusOf('ERR_STORE')).toBe(500)
    expect(statusOf('ERR_REVOCATION_SIGNATURE')).toBe(422)
    expect(statusOf('ERR_REVOCATION_ROLLBACK')).toBe(409)
    expect(statusOf('ERR_RECOGNITION_UNDER_QUORUM')).toBe(422)
  })

  it('turns framework exceptions into coded problems (body limit, timeout)', () => {
    expect(problemOf(new HTTPException(413))).toMatchObject({ status: 413, code: 'ERR_HTTP_BODY_TOO_LARGE' })
    expect(problemOf(new HTTPException(503, { message: 'the request took too long' }))).toMatchObject({ status: 503, code: 'ERR_HTTP_TIMEOUT' })
  })

  it('never leaks internals: unknown errors and server-side failures get a generic detail', () => {
    const unknown = problemOf(new TypeError('Cannot read properties of undefined (reading "x") at /srv/app.js:12'))
    expect(unknown).toMatchObject({ status: 500, code: 'ERR_INTERNAL', detail: 'internal error' })
    expect(problemOf(new EntenteError('ERR_STORE', 'SQLITE_CORRUPT /var/lib/entente/gr.sqlite'))).toMatchObject({ status: 500, detail: 'internal error' })
    expect(problemOf(new EntenteError('ERR_SIGNER_WEAK_KEY', 'RSA key of 1024 bits')).detail).toBe('RSA key of 1024 bits')
  })
})
