// Client of the diplomat pages: passkey registration, sign-in and approval through @simplewebauthn/browser,
// served by the node from node_modules. Hand-written ES module: no bundler, no inline script (strict CSP).
/* global document, location, history, fetch, URLSearchParams, atob */
import { browserSupportsWebAuthn, startAuthentication, startRegistration } from './simplewebauthn/index.js'

const status = document.getElementById('status')
const csrf = document.querySelector('meta[name="csrf-token"]')?.getAttribute('content') ?? undefined

function say(text, isError = false) {
  if (status === null) return
  status.textContent = text
  status.dataset.state = isError ? 'error' : 'ok'
}

async function post(path, body) {
  const headers = { 'content-type': 'application/json' }
  if (csrf !== undefined) headers['x-csrf-token'] = csrf
  const response = await fetch(path, { method: 'POST', headers, body: JSON.stringify(body ?? {}), credentials: 'same-origin' })
  const json = await response.json().catch(() => ({}))
  if (!response.ok) throw new Error(json.detail ?? `the node answered ${response.status}`)
  return json
}

function explain(error) {
  // The browser reports a cancelled or timed-out prompt as NotAllowedError.
  if (error?.name === 'NotAllowedError') return 'The passkey prompt was cancelled or timed out. Try again.'
  return error instanceof Error ? error.message : String(error)
}

/** Runs `action` from a button, keeping the button disabled while it runs. */
function wire(button, action) {
  button.addEventListener('click', async () => {
    button.disabled = true
    button.setAttribute('aria-busy', 'true')
    try {
      await action()
    } catch (error) {
      say(explain(error), true)
      button.disabled = false
    } finally {
      button.removeAttribute('aria-busy')
    }
  })
}

// Dates arrive as <time datetime="ISO"> with a plain UTC text; the reader sees them in their own locale and zone.
const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' })
for (const time of document.querySelectorAll('time[datetime]')) {
  const date = new Date(time.getAttribute('datetime'))
  if (!Number.isNaN(date.getTime())) time.textContent = dateFormat.format(date)
}

const supported = browserSupportsWebAuthn()
if (!supported) say('This browser does not support passkeys.', true)

const registerButton = document.getElementById('register')
if (registerButton !== null) {
  const invite = new URLSearchParams(location.hash.slice(1)).get('invite')
  if (invite === null || !supported) {
    registerButton.disabled = true
    if (invite === null) say('Open this page from the invite link you received.', true)
  }
  wire(registerButton, async () => {
    say('Preparing your registration…')
    const { name, options } = await post('/diplomats/api/registration/options', { invite })
    say(`Registering a passkey for ${name}. Follow your device's prompt.`)
    const response = await startRegistration({ optionsJSON: options })
    await post('/diplomats/api/registration/verify', { invite, response })
    // The invite secret has done its job: take it out of the address bar and the history.
    history.replaceState(null, '', location.pathname)
    say('Passkey registered. Opening the proposals…')
    location.assign('/diplomats/proposals')
  })
}

const signInButton = document.getElementById('sign-in')
if (signInButton !== null) {
  if (!supported) signInButton.disabled = true
  wire(signInButton, async () => {
    const options = await post('/diplomats/api/sign-in/options')
    say('Confirm with your passkey.')
    const response = await startAuthentication({ optionsJSON: options })
    const { name } = await post('/diplomats/api/sign-in/verify', { response })
    say(`Signed in as ${name}. Opening the proposals…`)
    location.assign('/diplomats/proposals')
  })
}

for (const button of document.querySelectorAll('button[data-approve]')) {
  if (!supported) button.disabled = true
  wire(button, async () => {
    const id = button.dataset.approve
    const { options } = await post(`/diplomats/api/proposals/${id}/approval/options`)
    say('Confirm the approval with your passkey.')
    const response = await startAuthentication({ optionsJSON: options })
    const result = await post(`/diplomats/api/proposals/${id}/approval/verify`, { response })
    const what = result.proposal?.action === 'govern' ? 'the new diplomat set' : result.proposal?.action === 'withdraw' ? 'the withdrawal' : 'the recognition'
    say(result.enacted ? `Approved: quorum reached, ${what} is in the draft of the next list.` : 'Approved.')
    location.reload()
  })
}

// The proposal form: show the root this node holds for the typed country next to the fingerprint field, say whether
// what the diplomat typed matches it, and require a fingerprint when the node holds no list of that country. The
// node checks all of this again; this only helps the person see a mismatch before sending.
const countryInput = document.getElementById('country')
const fingerprintInput = document.getElementById('fingerprint')
const heldOutput = document.getElementById('held-root')
if (countryInput !== null && fingerprintInput !== null && heldOutput !== null) {
  const held = new Map()
  for (const row of document.querySelectorAll('[data-held-country]')) held.set(row.dataset.heldCountry, row.dataset.heldFingerprint)

  const update = () => {
    const country = countryInput.value.trim().toUpperCase()
    const fingerprint = held.get(country)
    fingerprintInput.required = fingerprint === undefined
    heldOutput.replaceChildren()
    delete heldOutput.dataset.state
    if (!/^[A-Z]{2}$/.test(country)) return
    if (fingerprint === undefined) {
      heldOutput.textContent = `This node holds no list of ${country}: the fingerprint you enter is the root the proposal names.`
      return
    }
    heldOutput.append(`This node holds ${country} under root `)
    const code = document.createElement('code')
    code.className = 'fingerprint'
    code.textContent = fingerprint
    heldOutput.append(code)
    const typed = hexOf(fingerprintInput.value)
    if (typed === undefined) return
    const same = typed === fingerprint.replace(/ /g, '')
    heldOutput.dataset.state = same ? 'match' : 'mismatch'
    heldOutput.append(same ? ' — it matches what you entered.' : ' — it does NOT match what you entered. Do not propose; check with the country by another channel.')
  }
  countryInput.addEventListener('input', update)
  fingerprintInput.addEventListener('input', update)
  update()
}

/** A typed fingerprint as 64 upper-case hex digits, or undefined while it is incomplete. */
function hexOf(text) {
  const trimmed = text.trim()
  if (/^[A-Za-z0-9_-]{43}$/.test(trimmed)) {
    const binary = atob(trimmed.replace(/-/g, '+').replace(/_/g, '/') + '=')
    return [...binary].map((c) => c.charCodeAt(0).toString(16).padStart(2, '0')).join('').toUpperCase()
  }
  const hex = trimmed.replace(/[\s:-]/g, '')
  return /^[0-9A-Fa-f]{64}$/.test(hex) ? hex.toUpperCase() : undefined
}
