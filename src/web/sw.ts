// The web verifier's service worker: keeps the app shell (page, script, styles, icons, the zxing .wasm) so the page
// opens and verifies with no network at all. Scope: the page's folder. It never touches sync requests (bundle,
// lists, partitions): those go to the network, and their results live in IndexedDB, not here.

// Filled in by scripts/build-web.js: the build's content hash and the shell's file names.
declare const BUILD_VERSION: string
declare const SHELL_FILES: readonly string[]

// The few service-worker types used (tsconfig's DOM lib has no WebWorker scope).
interface ExtendableEvent extends Event {
  waitUntil(promise: Promise<unknown>): void
}
interface FetchEvent extends ExtendableEvent {
  readonly request: Request
  respondWith(response: Promise<Response>): void
}
interface WorkerScope {
  readonly registration: { readonly scope: string }
  readonly clients: { claim(): Promise<void> }
  skipWaiting(): Promise<void>
  addEventListener(type: 'install' | 'activate', listener: (event: ExtendableEvent) => void): void
  addEventListener(type: 'fetch', listener: (event: FetchEvent) => void): void
}

const scope = self as unknown as WorkerScope
const CACHE = `entente-verifier-${BUILD_VERSION}`

scope.addEventListener('install', (event) => {
  // 'reload': the shell comes from the server, not from an HTTP cache that may hold the previous build.
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE)
      await cache.addAll(SHELL_FILES.map((file) => new Request(new URL(file, scope.registration.scope), { cache: 'reload' })))
      await scope.skipWaiting()
    })(),
  )
})

scope.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const key of await caches.keys()) if (key.startsWith('entente-verifier-') && key !== CACHE) await caches.delete(key)
      await scope.clients.claim()
    })(),
  )
})

scope.addEventListener('fetch', (event) => {
  const { request } = event
  if (request.method !== 'GET') return
  const url = new URL(request.url)
  const base = new URL(scope.registration.scope)
  if (url.origin !== base.origin || !url.pathname.startsWith(base.pathname)) return
  const name = url.pathname.slice(base.pathname.length)
  // The page itself under any of its addresses; everything else only if it is part of the shell.
  const file = name === '' || name === 'index.html' || request.mode === 'navigate' ? 'index.html' : name
  if (!SHELL_FILES.includes(file)) return
  event.respondWith(
    (async () => {
      const cached = await caches.match(new URL(file, base).href, { cacheName: CACHE, ignoreSearch: true })
      return cached ?? fetch(request)
    })(),
  )
})
