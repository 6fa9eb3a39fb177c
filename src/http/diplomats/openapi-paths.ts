// OpenAPI 3.1 paths of the diplomat routes (operator JSON routes, diplomat pages and their JSON API), merged into
// the node's document by src/http/openapi.ts. Pure data.

const problem = { description: 'RFC 9457 problem', content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } }
const ok = (description: string) => ({ description, content: { 'application/json': { schema: { type: 'object' } } } })
const html = (summary: string) => ({ summary, tags: ['diplomats'], responses: { '200': { description: 'HTML page', content: { 'text/html': {} } }, '303': { description: 'Sign in first' } } })
const jsonBody = (properties: Record<string, object>, required: string[]) => ({
  required: true,
  content: { 'application/json': { schema: { type: 'object', properties, required } } },
})
const formBody = { required: true, content: { 'application/x-www-form-urlencoded': { schema: { type: 'object', properties: { _csrf: { type: 'string' } }, required: ['_csrf'] } } } }
const operator = { security: [{ operatorToken: [] }], tags: ['operator', 'diplomats'] }
const errors = { '400': problem, '401': problem, '403': problem, '404': problem, '409': problem, '410': problem, '413': problem, '415': problem, '422': problem, '429': problem }
const session = { description: 'Needs the session cookie `entente_diplomat` and the header `x-csrf-token`.' }
const webauthnResponse = { type: 'object', description: 'WebAuthn credential response JSON (@simplewebauthn/browser)' }
const id = { name: 'id', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } }
const asset = (summary: string, parameters: object[]) => ({ get: { summary, tags: ['diplomats'], parameters, responses: { '200': { description: 'Static file' }, '404': problem } } })
const name = (n: string) => ({ name: n, in: 'path', required: true, schema: { type: 'string' } })

export function diplomatOpenApiPaths(): Record<string, Record<string, unknown>> {
  return {
    '/v1/operator/diplomat-invites': {
      post: {
        ...operator,
        summary: 'Create a single-use, expiring diplomat invite link (the secret is in the URL fragment)',
        requestBody: jsonBody({ name: { type: 'string', minLength: 1, maxLength: 200 }, expiresInHours: { type: 'integer', minimum: 1 } }, ['name']),
        responses: { '201': ok('{id, name, url, expiresAt}'), ...errors },
      },
    },
    '/v1/operator/diplomats': { get: { ...operator, summary: "The draft's diplomats and the invites", responses: { '200': ok('{diplomats, invites}'), ...errors } } },
    '/v1/operator/diplomats/{credentialId}': {
      delete: {
        ...operator,
        summary: 'Remove a diplomat from the draft (effective at the next publish); recognitions left under quorum leave the draft',
        parameters: [name('credentialId')],
        responses: { '200': ok('{removed, droppedRecognitions, droppedWithdrawals, reproposed}'), ...errors },
      },
    },
    '/v1/operator/proposals': {
      get: { ...operator, summary: 'All recognition proposals, newest first', responses: { '200': ok('{proposals}'), ...errors } },
      post: {
        ...operator,
        summary: 'Propose recognizing a country from the root fingerprint received out of band (compared with the held root), withdrawing one, or a new quorum',
        requestBody: jsonBody(
          {
            action: { enum: ['recognize', 'withdraw', 'govern'] },
            country: { type: 'string', pattern: '^[A-Z]{2}$' },
            fingerprint: { type: 'string', description: '64 hex digits (spaces, colons or dashes allowed) or the 43-character thumbprint; required when the node holds no list of the country; a mismatch with the held root is ERR_DIPLOMAT_FINGERPRINT_MISMATCH' },
            quorum: { type: 'integer', description: 'govern: the new quorum' },
            scopes: { type: 'array', items: { enum: ['vaccination', 'test', 'recovery'] } },
            vaccines: { type: 'array', items: { type: 'string' } },
          },
          [],
        ),
        responses: { '201': ok('The proposal with its root fingerprint'), ...errors },
      },
    },
    '/diplomats': { get: { summary: 'Redirect to the proposals or the sign-in page', tags: ['diplomats'], responses: { '303': { description: 'Redirect' } } } },
    '/diplomats/register': { get: html('Passkey registration from an invite link') },
    '/diplomats/sign-in': { get: html('Passkey sign-in') },
    '/diplomats/proposals': {
      get: html('Open proposals (recognitions with root fingerprints, governance changes with passkey fingerprints and quorum) and approvals n/M'),
      post: {
        summary: 'Propose a recognition (country and the root fingerprint received out of band) or a withdrawal (form)',
        tags: ['diplomats'],
        requestBody: formBody,
        responses: { '303': { description: 'Back to the proposals' }, '403': { description: 'CSRF' }, '422': { description: 'An HTML page; a fingerprint mismatch is an alert showing both fingerprints' } },
      },
    },
    '/diplomats/history': { get: html('Proposals, approvals and the draft’s recognitions') },
    '/diplomats/sign-out': { post: { summary: 'End the session (form)', tags: ['diplomats'], requestBody: formBody, responses: { '303': { description: 'To the sign-in page' } } } },
    '/diplomats/assets/{file}': asset('Client module, stylesheet, icon', [name('file')]),
    '/diplomats/assets/simplewebauthn/{file}': asset('@simplewebauthn/browser ESM build', [name('file')]),
    '/diplomats/assets/simplewebauthn/{dir}/{file}': asset('@simplewebauthn/browser ESM build', [name('dir'), name('file')]),
    '/diplomats/api/registration/options': {
      post: { summary: 'WebAuthn registration options for an invite', tags: ['diplomats'], requestBody: jsonBody({ invite: { type: 'string' } }, ['invite']), responses: { '200': ok('{name, options}'), ...errors } },
    },
    '/diplomats/api/registration/verify': {
      post: {
        summary: 'Verify the registration; the passkey enters the draft and a session starts',
        tags: ['diplomats'],
        requestBody: jsonBody({ invite: { type: 'string' }, response: webauthnResponse }, ['invite', 'response']),
        responses: { '201': ok('{credentialId, name}'), ...errors },
      },
    },
    '/diplomats/api/sign-in/options': { post: { summary: 'WebAuthn authentication options (discoverable passkey)', tags: ['diplomats'], responses: { '200': ok('options'), ...errors } } },
    '/diplomats/api/sign-in/verify': {
      post: { summary: 'Verify the sign-in assertion and start a session', tags: ['diplomats'], requestBody: jsonBody({ response: webauthnResponse }, ['response']), responses: { '200': ok('{name}'), ...errors } },
    },
    '/diplomats/api/proposals/{id}/approval/options': {
      post: { ...session, summary: 'Assertion options whose challenge is approvalChallenge(action, country, entry, nonce)', tags: ['diplomats'], parameters: [id], responses: { '200': ok('{options, entry, action}'), ...errors } },
    },
    '/diplomats/api/proposals/{id}/approval/verify': {
      post: {
        ...session,
        summary: 'Verify and store the approval; at quorum the entry with its evidence enters the draft',
        tags: ['diplomats'],
        parameters: [id],
        requestBody: jsonBody({ response: webauthnResponse }, ['response']),
        responses: { '200': ok('{proposal, enacted}'), ...errors },
      },
    },
  }
}
