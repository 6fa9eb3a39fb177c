// Runtime gaps libp2p v3 expects and Node 20 lacks. Import this module before anything from libp2p.
// It only adds what is missing (Promise.withResolvers, native from Node 22); it never replaces a native method.

interface WithResolvers<T> {
  promise: Promise<T>
  resolve: (value: T | PromiseLike<T>) => void
  reject: (reason?: unknown) => void
}

const PromiseWithResolvers = Promise as PromiseConstructor & { withResolvers?: <T>() => WithResolvers<T> }

if (typeof PromiseWithResolvers.withResolvers !== 'function') {
  // Defined as a non-enumerable method, like the native one (ES2024 §27.2.4.8).
  Object.defineProperty(Promise, 'withResolvers', {
    configurable: true,
    writable: true,
    enumerable: false,
    value: function withResolvers<T>(this: PromiseConstructor): WithResolvers<T> {
      let resolve!: WithResolvers<T>['resolve']
      let reject!: WithResolvers<T>['reject']
      const promise = new this<T>((res, rej) => {
        resolve = res
        reject = rej
      })
      return { promise, resolve, reject }
    },
  })
}

export {}
