// Types for @digitalbazaar/base45 (strict RFC 9285), which ships none; used by tests as a reference decoder.
declare module '@digitalbazaar/base45' {
  export function encode(input: Uint8Array): string
  export function decode(input: string): Uint8Array
}
