// Polls a condition until it holds or a deadline passes: tests wait for states, never for fixed times.
export async function waitFor<T>(
  condition: () => T | undefined | false | Promise<T | undefined | false>,
  options: { timeoutMs?: number; intervalMs?: number; what?: string; state?: () => string } = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000)
  for (;;) {
    const value = await condition()
    if (value !== undefined && value !== false) return value
    if (Date.now() > deadline) {
      // What the state was at the deadline: a failure in CI says which part did not arrive.
      const state = options.state === undefined ? '' : ` (${options.state()})`
      throw new Error(`timed out waiting for ${options.what ?? 'a condition'}${state}`)
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 25))
  }
}
