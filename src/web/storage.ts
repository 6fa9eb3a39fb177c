// Where the web verifier keeps what it synced: the settings (source, home, pinned root), the verified bundle state
// and the revocation partitions by hash, as the CLI keeps its bundle file and `.part` files. IndexedDB in the page;
// an in-memory store where IndexedDB is unavailable (some private modes) and in tests. Holder data is never stored.
import type { SignedRevocationPartition, VerifiedBundle } from '../model/schema.types.js'

export interface WebSettings {
  /** The node or mirror base URL synced from. */
  readonly source: string
  readonly home: string
  /** The home root thumbprint the user confirmed out of band. */
  readonly pinnedRoot: string
}

export interface HeldState {
  /** Without revocation partitions: those are kept by hash, apart. */
  readonly state: VerifiedBundle
  /** The ETag of the bundle last merged from `source`: the same again means nothing new. */
  readonly etag?: string
  readonly source?: string
  /** When a sync last succeeded (also one that brought nothing new). */
  readonly lastSync?: string
}

export interface VerifierStorage {
  readSettings(): Promise<WebSettings | undefined>
  writeSettings(settings: WebSettings): Promise<void>
  readState(): Promise<HeldState | undefined>
  writeState(held: HeldState): Promise<void>
  partitionHashes(): Promise<Set<string>>
  readPartitions(hashes: Iterable<string>): Promise<Map<string, SignedRevocationPartition>>
  /** Writes the new partitions and removes those not in `keep`, in one step. */
  replacePartitions(added: ReadonlyMap<string, SignedRevocationPartition>, keep: ReadonlySet<string>): Promise<void>
  /** Forgets everything (a new setup with another root or home). */
  clear(): Promise<void>
}

export function memoryStorage(): VerifierStorage {
  let settings: WebSettings | undefined
  let held: HeldState | undefined
  const partitions = new Map<string, SignedRevocationPartition>()
  return {
    readSettings: () => Promise.resolve(settings),
    writeSettings: (s) => Promise.resolve(void (settings = s)),
    readState: () => Promise.resolve(held),
    writeState: (h) => Promise.resolve(void (held = h)),
    partitionHashes: () => Promise.resolve(new Set(partitions.keys())),
    readPartitions: (hashes) => Promise.resolve(new Map([...hashes].flatMap((h) => (partitions.has(h) ? [[h, partitions.get(h) as SignedRevocationPartition] as const] : [])))),
    replacePartitions: (added, keep) => {
      for (const [hash, signed] of added) partitions.set(hash, signed)
      for (const hash of [...partitions.keys()]) if (!keep.has(hash)) partitions.delete(hash)
      return Promise.resolve()
    },
    clear: () => {
      settings = undefined
      held = undefined
      partitions.clear()
      return Promise.resolve()
    },
  }
}

const DB_NAME = 'entente-verifier'
const META = 'meta'
const PARTITIONS = 'partitions'

/** The IndexedDB store; rejects when IndexedDB cannot be opened (the caller falls back to memory). */
export async function indexedDbStorage(factory: IDBFactory = indexedDB): Promise<VerifierStorage> {
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const open = factory.open(DB_NAME, 1)
    open.onupgradeneeded = () => {
      open.result.createObjectStore(META)
      open.result.createObjectStore(PARTITIONS)
    }
    open.onsuccess = () => resolve(open.result)
    open.onerror = () => reject(open.error ?? new Error('IndexedDB cannot be opened'))
  })
  const run = <T>(stores: string[], mode: IDBTransactionMode, work: (tx: IDBTransaction) => IDBRequest<T> | undefined): Promise<T | undefined> =>
    new Promise((resolve, reject) => {
      const tx = db.transaction(stores, mode)
      const request = work(tx)
      // Resolved when the transaction commits, so a write is durable before the caller moves on.
      tx.oncomplete = () => resolve(request?.result)
      tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'))
      tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'))
    })
  return {
    readSettings: async () => (await run<WebSettings>([META], 'readonly', (tx) => tx.objectStore(META).get('settings') as IDBRequest<WebSettings>)) ?? undefined,
    writeSettings: async (settings) => void (await run([META], 'readwrite', (tx) => tx.objectStore(META).put(settings, 'settings'))),
    readState: async () => (await run<HeldState>([META], 'readonly', (tx) => tx.objectStore(META).get('state') as IDBRequest<HeldState>)) ?? undefined,
    writeState: async (held) => void (await run([META], 'readwrite', (tx) => tx.objectStore(META).put(held, 'state'))),
    partitionHashes: async () => new Set(((await run([PARTITIONS], 'readonly', (tx) => tx.objectStore(PARTITIONS).getAllKeys())) ?? []).filter((k) => typeof k === 'string')),
    readPartitions: async (hashes) => {
      const out = new Map<string, SignedRevocationPartition>()
      await run([PARTITIONS], 'readonly', (tx) => {
        const store = tx.objectStore(PARTITIONS)
        for (const hash of hashes) {
          const request = store.get(hash) as IDBRequest<SignedRevocationPartition | undefined>
          request.onsuccess = () => {
            if (request.result !== undefined) out.set(hash, request.result)
          }
        }
        return undefined
      })
      return out
    },
    replacePartitions: async (added, keep) => {
      await run([PARTITIONS], 'readwrite', (tx) => {
        const store = tx.objectStore(PARTITIONS)
        for (const [hash, signed] of added) store.put(signed, hash)
        const keys = store.getAllKeys()
        keys.onsuccess = () => {
          for (const key of keys.result) if (typeof key !== 'string' || !keep.has(key)) store.delete(key)
        }
        return undefined
      })
    },
    clear: async () => {
      await run([META, PARTITIONS], 'readwrite', (tx) => {
        tx.objectStore(META).clear()
        tx.objectStore(PARTITIONS).clear()
        return undefined
      })
    },
  }
}
