// The longest time the node's event loop was held while some work ran, read from the main thread's own CPU time
// (Linux schedstat) so that time the OS gave other processes on a busy machine does not count.
import { readFileSync } from 'node:fs'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

export interface Hold {
  /** The most CPU the main thread ran between two ticks of a 1 ms probe (wall time where schedstat is missing). */
  readonly maxBlockMs: number
  /** The wall-time histogram's maximum, for failure messages. */
  readonly wallMaxMs: number
  readonly elapsedMs: number
}

/**
 * Measures `work` with a drift probe ticking every millisecond; see Hold. A full collection runs first: the garbage of
 * earlier tests in the worker (or of the test's own set-up) is collected before, not inside, the measured work, whose
 * own allocations and their collections still count.
 */
export async function blocking(work: () => Promise<unknown>): Promise<Hold> {
  collectGarbage()
  const clock = threadCpuClock() ?? (() => performance.now())
  const histogram = monitorEventLoopDelay({ resolution: 2 })
  let maxBlockMs = 0
  let last = clock()
  const probe = setInterval(() => {
    const now = clock()
    maxBlockMs = Math.max(maxBlockMs, now - last)
    last = now
  }, 1)
  const start = performance.now()
  histogram.enable()
  try {
    await work()
    // The work may end in a stretch of synchronous code: let both probes see the loop turn once more.
    await new Promise((resolve) => setTimeout(resolve, 5))
    maxBlockMs = Math.max(maxBlockMs, clock() - last)
  } finally {
    histogram.disable()
    clearInterval(probe)
  }
  return { maxBlockMs, wallMaxMs: histogram.max / 1e6, elapsedMs: performance.now() - start }
}

/** Milliseconds of CPU the calling thread has run, from Linux's schedstat (nanoseconds); undefined elsewhere. */
export function threadCpuClock(): (() => number) | undefined {
  const read = (): number => Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1e6
  try {
    return Number.isFinite(read()) ? read : undefined
  } catch {
    return undefined
  }
}

/**
 * A full garbage collection, run now. A test that allocates a large buffer just before measuring a hold starts a
 * collection whose final pause (proportional to the worker's whole heap, tens of ms after earlier tests) would
 * otherwise land inside the measured work and be counted as the work's hold (see blocking).
 */
export function collectGarbage(): void {
  setFlagsFromString('--expose-gc')
  ;(runInNewContext('gc') as () => void)()
}
