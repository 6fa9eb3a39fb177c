// Which crypto platform the core uses. The default is the runtime-neutral one (WebCrypto and pure libraries), so
// the core works wherever it is imported; Node entry points install the native one (node:crypto, node:zlib) for
// speed. Set once at start-up by a composition root, never per call.
import type { CryptoPlatform } from './crypto-platform.types.js'
import { webCryptoPlatform } from './web-crypto-platform.js'

let current: CryptoPlatform = webCryptoPlatform

export function cryptoPlatform(): CryptoPlatform {
  return current
}

export function useCryptoPlatform(platform: CryptoPlatform): void {
  current = platform
}
