// Long computations yield to the event loop between steps, so a node keeps serving and a page keeps responding
// while they run. Runtime-neutral: setImmediate where there is one (Node), a zero timeout elsewhere.

const nextTurn: () => Promise<void> =
  typeof (globalThis as { setImmediate?: unknown }).setImmediate === 'function'
    ? () => new Promise<void>((resolve) => (globalThis as unknown as { setImmediate(fn: () => void): void }).setImmediate(resolve))
    : () => new Promise<void>((resolve) => setTimeout(resolve, 0))

/**
 * A function to call between steps: it yields a turn of the event loop once `ms` have passed since the last turn
 * (or at once before a step known to be long), and otherwise returns at once.
 */
export function slicer(ms: number): (before?: 'long step') => Promise<void> {
  let since = performance.now()
  return async (before) => {
    if (before === undefined && performance.now() - since < ms) return
    await nextTurn()
    since = performance.now()
  }
}
