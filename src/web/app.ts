// The offline web verifier page: setup (node URL and home root fingerprint), sync into IndexedDB, and verification
// by camera, pasted text or image file, fully offline once synced. The holder's name and birth date are shown only
// on request, kept only in the DOM while shown, and never logged, stored or sent.
import type { Verdict } from '../certificates/verdict.types.js'
import type { SignedRevocationPartition } from '../model/schema.types.js'
import { createVerifier, type Verifier } from '../verifier/create-verifier.js'
import { fingerprintGroups, parseRootInput } from './fingerprint-input.js'
import { freshnessOf } from './freshness.js'
import { outcomeOfVerdict, type Outcome } from './outcome.js'
import { createQrReader, type QrReader } from './qr.js'
import { indexedDbStorage, memoryStorage, type VerifierStorage, type WebSettings } from './storage.js'
import { detectHome, namedPartitionHashes, syncWeb } from './web-sync.js'

/** Auto-sync at most this often on load; the button syncs at any time. */
const AUTO_SYNC_AFTER_MS = 10 * 60_000
/** While the page stays open and online. */
const PERIODIC_SYNC_MS = 60 * 60_000
/** Camera frames decoded per second: enough for a steady hand, light on a phone's battery. */
const SCAN_INTERVAL_MS = 150

const ICONS: Readonly<Record<Outcome, string>> = { valid: '✓', 'not-valid': '✕', revoked: '✕', 'not-recognized': '?', 'trust-data-too-old': '!' }

function $<T extends HTMLElement>(id: string): T {
  const element = document.getElementById(id)
  if (element === null) throw new Error(`the page lacks #${id}`)
  return element as T
}

const regionNames = (() => {
  try {
    return new Intl.DisplayNames(['en'], { type: 'region' })
  } catch {
    return undefined
  }
})()
function countryName(code: string): string {
  const name = regionNames?.of(code)
  return name === undefined || name === code ? code : `${name} (${code})`
}
const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' })

interface Page {
  storage: VerifierStorage
  settings?: WebSettings
  verifier?: Verifier
  lastSync?: string
  syncing?: Promise<void>
  qr?: Promise<QrReader>
  /** The payload of the verdict on screen, kept only to answer "Show holder"; dropped with the next scan. */
  current?: string
  camera?: { stream: MediaStream; timer: number }
}

async function main(): Promise<void> {
  const page: Page = { storage: await indexedDbStorage().catch(() => memoryStorage()) }
  wireSetup(page)
  wireVerify(page)
  page.settings = await page.storage.readSettings()
  if (page.settings === undefined) {
    renderTrust(page)
    showSetup(page)
  } else {
    await loadVerifier(page)
  }
  // The QR reader is made ready now, so that scanning later needs nothing from the network.
  page.qr = createQrReader(new URL('zxing_reader.wasm', document.baseURI).href)
  page.qr.catch((error: unknown) => setStatus('qr-status', `The camera and image reader is unavailable: ${messageOf(error)}. Paste the text instead.`))
  if ('serviceWorker' in navigator) navigator.serviceWorker.register('sw.js', { scope: './' }).catch(() => undefined)
  window.addEventListener('online', () => void autoSync(page, 0))
  window.setInterval(() => void autoSync(page, PERIODIC_SYNC_MS), PERIODIC_SYNC_MS)
  window.setInterval(() => renderFreshness(page), 60_000)
  await autoSync(page, AUTO_SYNC_AFTER_MS)
  document.body.dataset.ready = 'true'
}

// --- setup and sync -------------------------------------------------------------------------------------------

function wireSetup(page: Page): void {
  const source = $<HTMLInputElement>('source')
  const root = $<HTMLTextAreaElement>('root')
  source.value = new URL('..', document.baseURI).href.replace(/\/$/, '')
  root.addEventListener('input', () => {
    try {
      $('root-groups').textContent = `You entered: ${fingerprintGroups(parseRootInput(root.value))}`
    } catch {
      $('root-groups').textContent = ''
    }
  })
  root.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey) {
      event.preventDefault()
      $<HTMLFormElement>('setup-form').requestSubmit()
    }
  })
  $<HTMLFormElement>('setup-form').addEventListener('submit', (event) => {
    event.preventDefault()
    void setup(page, source.value.trim(), root.value)
  })
  $('sync-now').addEventListener('click', () => void sync(page))
  $('change-setup').addEventListener('click', () => showSetup(page))
  $('reset').addEventListener('click', () => void reset(page))
}

async function setup(page: Page, sourceInput: string, rootInput: string): Promise<void> {
  const alert = $('setup-error')
  alert.textContent = ''
  const button = $<HTMLButtonElement>('setup-submit')
  button.disabled = true
  try {
    const pinnedRoot = parseRootInput(rootInput)
    const source = sourceInput === '' ? new URL('..', document.baseURI).href : sourceInput
    setStatus('setup-status', 'Checking the root against the node…')
    const home = await detectHome(source, pinnedRoot)
    const settings: WebSettings = { source, home, pinnedRoot }
    const held = await page.storage.readSettings()
    // Another root or home starts from nothing: nothing verified under the old pin may carry over.
    if (held !== undefined && (held.pinnedRoot !== pinnedRoot || held.home !== home)) await page.storage.clear()
    await page.storage.writeSettings(settings)
    page.settings = settings
    await sync(page)
    if (page.verifier !== undefined) {
      $('setup').hidden = true
      $('paste').focus()
    }
  } catch (error) {
    setStatus('setup-status', '')
    alert.textContent = `Not set up: ${messageOf(error)}`
  } finally {
    button.disabled = false
  }
}

async function autoSync(page: Page, olderThanMs: number): Promise<void> {
  if (page.settings === undefined || !navigator.onLine) return
  if (page.lastSync !== undefined && Date.now() - Date.parse(page.lastSync) < olderThanMs) return
  await sync(page)
}

async function sync(page: Page): Promise<void> {
  if (page.syncing !== undefined) return page.syncing
  const settings = page.settings
  if (settings === undefined) return undefined
  const button = $<HTMLButtonElement>('sync-now')
  button.disabled = true
  setStatus('sync-status', 'Syncing…')
  page.syncing = (async () => {
    try {
      const result = await syncWeb({ storage: page.storage, settings, now: () => new Date() })
      const rejected = result.report?.rejected ?? []
      await loadVerifier(page)
      setStatus('sync-status', result.status === 'not-modified' ? 'Synced: nothing new.' : `Synced${rejected.length > 0 ? `; refused ${rejected.map((r) => `${r.country} (${r.code})`).join(', ')}` : ''}.`)
      $('trust').dataset.synced = String(Date.now())
    } catch (error) {
      const code = (error as { code?: string }).code
      if (code === 'ERR_TRUST_LIST_WRONG_ROOT' || code === 'ERR_BUNDLE_HOME_MISMATCH') {
        // Refused loudly: a root that does not match may mean a fake node, or a mistyped fingerprint.
        $('setup-error').textContent = `Refused: ${messageOf(error)}`
        setStatus('sync-status', '')
      } else {
        setStatus('sync-status', `Sync failed: ${messageOf(error)}. The trust data on this device is unchanged.`)
      }
    } finally {
      button.disabled = false
      page.syncing = undefined
    }
  })()
  return page.syncing
}

async function reset(page: Page): Promise<void> {
  stopCamera(page)
  await page.storage.clear()
  page.settings = undefined
  page.verifier = undefined
  page.lastSync = undefined
  clearVerdict(page)
  renderTrust(page)
  showSetup(page)
}

function showSetup(page: Page): void {
  $('setup').hidden = false
  if (page.settings !== undefined) {
    $<HTMLInputElement>('source').value = page.settings.source
    $<HTMLTextAreaElement>('root').value = fingerprintGroups(page.settings.pinnedRoot)
  }
  $('source').focus()
}

async function loadVerifier(page: Page): Promise<void> {
  const held = await page.storage.readState()
  page.lastSync = held?.lastSync
  if (held === undefined || held.state.lists.length === 0) {
    page.verifier = undefined
  } else {
    const partitions: Map<string, SignedRevocationPartition> = await page.storage.readPartitions(namedPartitionHashes(held.state))
    page.verifier = await createVerifier(held.state, { revocationPartition: (hash) => partitions.get(hash) })
  }
  renderTrust(page)
}

function renderTrust(page: Page): void {
  const ready = page.verifier !== undefined && page.settings !== undefined
  $('verify').hidden = !ready
  $('trust-details').hidden = !ready
  if (page.settings !== undefined) {
    $('home-name').textContent = countryName(page.settings.home)
    $('home-root').textContent = fingerprintGroups(page.settings.pinnedRoot)
    $('home-source').textContent = page.settings.source
  }
  renderFreshness(page)
}

function renderFreshness(page: Page): void {
  const freshness = $('freshness')
  const warning = $('freshness-warning')
  if (page.verifier === undefined) {
    freshness.textContent = page.settings === undefined ? 'Not set up yet: enter the node and the home root fingerprint.' : 'No trust data yet: sync.'
    warning.textContent = ''
    return
  }
  const fresh = freshnessOf(page.verifier.status(), page.lastSync, new Date(), (iso) => dateFormat.format(new Date(iso)))
  freshness.textContent = fresh.text
  freshness.dataset.level = fresh.level
  warning.textContent = fresh.warning ?? ''
}

// --- verification --------------------------------------------------------------------------------------------

function wireVerify(page: Page): void {
  const paste = $<HTMLTextAreaElement>('paste')
  paste.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey) {
      event.preventDefault()
      void verifyText(page, paste.value)
    }
  })
  $('verify-text').addEventListener('click', () => void verifyText(page, paste.value))
  $<HTMLInputElement>('file').addEventListener('change', (event) => {
    const input = event.target as HTMLInputElement
    const file = input.files?.[0]
    input.value = ''
    if (file !== undefined) void verifyImage(page, file)
  })
  $('scan').addEventListener('click', () => void startCamera(page))
  $('stop-scan').addEventListener('click', () => stopCamera(page))
  $('show-holder').addEventListener('click', () => void toggleHolder(page))
}

async function verifyText(page: Page, text: string): Promise<void> {
  // QR readers and clipboards add line breaks and spaces; an HC1 or shc:/ payload never holds either.
  const payload = text.trim()
  if (payload === '') {
    showMessage('Paste the text of a certificate first.')
    return
  }
  await showVerdict(page, payload)
}

async function verifyImage(page: Page, file: Blob): Promise<void> {
  clearVerdict(page)
  try {
    const reader = await readyReader(page)
    const text = await reader.decode(file)
    if (text === undefined) {
      showMessage('No QR code found in this image. Try a sharper photo, or paste the text.')
      return
    }
    await showVerdict(page, text)
  } catch (error) {
    showMessage(`This image cannot be read: ${messageOf(error)}`)
  }
}

async function readyReader(page: Page): Promise<QrReader> {
  page.qr ??= createQrReader(new URL('zxing_reader.wasm', document.baseURI).href)
  return page.qr
}

async function startCamera(page: Page): Promise<void> {
  if (page.camera !== undefined) return
  clearVerdict(page)
  const video = $<HTMLVideoElement>('video')
  let stream: MediaStream
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: { ideal: 'environment' } }, audio: false })
  } catch (error) {
    showMessage(`The camera cannot be used: ${messageOf(error)}. Paste the text or choose a photo instead.`)
    return
  }
  const reader = await readyReader(page)
  video.srcObject = stream
  video.hidden = false
  $('scan').hidden = true
  $('stop-scan').hidden = false
  $('stop-scan').focus()
  setStatus('qr-status', 'Point the camera at the QR code.')
  await video.play().catch(() => undefined)
  const canvas = document.createElement('canvas')
  const context = canvas.getContext('2d', { willReadFrequently: true })
  let busy = false
  const tick = async () => {
    if (busy || context === null || video.videoWidth === 0) return
    busy = true
    try {
      canvas.width = video.videoWidth
      canvas.height = video.videoHeight
      context.drawImage(video, 0, 0)
      const text = await reader.decode(context.getImageData(0, 0, canvas.width, canvas.height))
      if (text !== undefined && page.camera !== undefined) {
        stopCamera(page)
        await showVerdict(page, text)
      }
    } catch {
      // A frame that fails to decode is just the next frame's turn.
    } finally {
      busy = false
    }
  }
  page.camera = { stream, timer: window.setInterval(() => void tick(), SCAN_INTERVAL_MS) }
}

function stopCamera(page: Page): void {
  if (page.camera === undefined) return
  window.clearInterval(page.camera.timer)
  for (const track of page.camera.stream.getTracks()) track.stop()
  page.camera = undefined
  const video = $<HTMLVideoElement>('video')
  video.srcObject = null
  video.hidden = true
  $('scan').hidden = false
  $('stop-scan').hidden = true
  setStatus('qr-status', '')
}

async function showVerdict(page: Page, payload: string): Promise<void> {
  clearVerdict(page)
  if (page.verifier === undefined) {
    showMessage('No trust data on this device yet: set up and sync first.')
    return
  }
  let verdict: Verdict
  try {
    verdict = await Promise.resolve(page.verifier.verify(payload))
  } catch (error) {
    showMessage(`This code cannot be checked: ${messageOf(error)}`)
    return
  }
  page.current = payload
  const view = outcomeOfVerdict(verdict, countryName)
  const box = $('verdict')
  box.dataset.outcome = view.outcome
  $('verdict-icon').textContent = ICONS[view.outcome]
  $('verdict-word').textContent = view.title
  $('verdict-sentence').textContent = view.sentence
  $('verdict-code').textContent = view.code ?? ''
  box.hidden = false
  $('show-holder').hidden = verdict.format === 'unknown'
  // The live region announces the verdict; focus stays where the guard typed, unless the camera or a file chooser
  // took it away, and then it goes to the verdict.
  if (document.activeElement === document.body || document.activeElement === $('stop-scan') || document.activeElement === $('file')) $('verdict-word').focus()
  box.scrollIntoView({ block: 'nearest' })
}

/** Plain feedback in the verdict area that is no verdict (nothing read, no trust data). */
function showMessage(text: string): void {
  const box = $('verdict')
  box.dataset.outcome = 'message'
  $('verdict-icon').textContent = 'i'
  $('verdict-word').textContent = 'NO VERDICT'
  $('verdict-sentence').textContent = text
  $('verdict-code').textContent = ''
  $('show-holder').hidden = true
  box.hidden = false
}

function clearVerdict(page: Page): void {
  page.current = undefined
  $('verdict').hidden = true
  $('show-holder').hidden = true
  hideHolder()
}

async function toggleHolder(page: Page): Promise<void> {
  const button = $('show-holder')
  if (button.getAttribute('aria-expanded') === 'true') return hideHolder()
  if (page.current === undefined || page.verifier === undefined) return undefined
  // Asked again with the holder only now: until a tap, the page never holds the name.
  const verdict = await Promise.resolve(page.verifier.verify(page.current, { showHolder: true }))
  $('holder-name').textContent = verdict.holder?.name ?? 'not given'
  $('holder-birth').textContent = verdict.holder?.dateOfBirth ?? 'not given'
  $('holder').hidden = false
  button.setAttribute('aria-expanded', 'true')
  button.textContent = 'Hide holder'
  return undefined
}

function hideHolder(): void {
  $('holder-name').textContent = ''
  $('holder-birth').textContent = ''
  $('holder').hidden = true
  const button = $('show-holder')
  button.setAttribute('aria-expanded', 'false')
  button.textContent = 'Show holder'
}

function setStatus(id: string, text: string): void {
  $(id).textContent = text
}

function messageOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error)
  const code = (error as { code?: unknown }).code
  return typeof code === 'string' ? `${message} (${code})` : message
}

main().catch((error: unknown) => {
  document.body.dataset.ready = 'error'
  const alert = document.getElementById('setup-error')
  if (alert !== null) alert.textContent = `The verifier failed to start: ${messageOf(error)}`
})
