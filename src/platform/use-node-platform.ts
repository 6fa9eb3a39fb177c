// Imported first by every Node entry point (library, CLI, node): verification there uses node:crypto and node:zlib,
// the fastest path; the core itself defaults to the runtime-neutral platform.
import { useCryptoPlatform } from './crypto-platform.js'
import { nodeCryptoPlatform } from './node-crypto-platform.js'

useCryptoPlatform(nodeCryptoPlatform)
