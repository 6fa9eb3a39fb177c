// `npm run build:web -- --out DIR` (and part of `npm run build`, into dist/web): the offline web verifier as static
// files for any web host or a node's /verify/: index.html, app.js (esbuild bundle for browsers, the verification
// core included), sw.js (the service worker, with the build's content hash and shell list), styles, manifest,
// icons (SVG, and PNGs drawn here) and zxing's reader .wasm, copied from the package so no CDN is ever asked.
import { Buffer } from 'node:buffer'
import { createHash } from 'node:crypto'
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { deflateSync } from 'node:zlib'
import { build } from 'esbuild'

const root = path.resolve(import.meta.dirname, '..')
const web = path.join(root, 'src', 'web')

/** Builds the page into `out` (emptied first); returns the shell's file names and the build version. */
export async function buildWeb({ out = path.join(root, 'dist', 'web'), minify = true } = {}) {
  rmSync(out, { recursive: true, force: true })
  mkdirSync(out, { recursive: true })
  const page = await build({
    entryPoints: [path.join(web, 'app.ts')],
    outdir: out,
    // Modules the page imports only on demand (the DCC schema compiler, which the page never asks for) go into chunks
    // of their own, fetched only if ever imported; code they share with the page goes into chunks app.js imports.
    splitting: true,
    chunkNames: '[name]-[hash]',
    metafile: true,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    // Phones of the last few years: Safari 15, Chrome 100.
    target: ['es2022', 'chrome100', 'safari15', 'firefox100'],
    minify,
    legalComments: 'linked',
    logLevel: 'warning',
    define: { 'process.env.NODE_ENV': '"production"', global: 'globalThis' },
  })
  for (const file of readdirSync(path.join(web, 'static'))) copyFileSync(path.join(web, 'static', file), path.join(out, file))
  const wasm = createRequire(import.meta.url).resolve('zxing-wasm/reader/zxing_reader.wasm')
  copyFileSync(wasm, path.join(out, 'zxing_reader.wasm'))
  writeFileSync(path.join(out, 'icon-192.png'), iconPng(192, 0))
  writeFileSync(path.join(out, 'icon-512.png'), iconPng(512, 0))
  // Maskable: the mark inside the safe zone (the inner 80%), the background to the edges.
  writeFileSync(path.join(out, 'icon-maskable-512.png'), iconPng(512, 0.1))

  // The offline shell: everything but the on-demand chunks (outputs of a dynamically imported module: an entry point
  // of their own other than the page's).
  const onDemand = new Set(
    Object.entries(page.metafile.outputs)
      .filter(([, output]) => output.entryPoint !== undefined && output.entryPoint !== path.relative(process.cwd(), path.join(web, 'app.ts')))
      .map(([file]) => path.basename(file)),
  )
  const shell = readdirSync(out).filter((f) => !f.endsWith('.map') && !f.endsWith('.LEGAL.txt') && !onDemand.has(f)).sort()
  const hash = createHash('sha256')
  for (const file of shell) hash.update(file).update(readFileSync(path.join(out, file)))
  const version = hash.digest('hex').slice(0, 16)
  await build({
    entryPoints: [path.join(web, 'sw.ts')],
    outfile: path.join(out, 'sw.js'),
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: ['es2022'],
    minify,
    logLevel: 'warning',
    define: { BUILD_VERSION: JSON.stringify(version), SHELL_FILES: JSON.stringify(shell) },
  })
  return { out, version, files: shell }
}

/**
 * The app icon as a PNG: a white check mark on dark green, anti-aliased by coverage, with rounded corners unless
 * `inset` (maskable icons fill the whole square; the platform cuts the shape).
 */
function iconPng(size, inset) {
  const scale = size / 512
  const radius = inset > 0 ? 0 : 96 * scale
  // The same mark as icon.svg, shrunk towards the centre for a maskable icon.
  const shrink = 1 - 2 * inset
  const points = [
    [136, 270],
    [224, 356],
    [380, 168],
  ].map(([x, y]) => [(256 + (x - 256) * shrink) * scale, (256 + (y - 256) * shrink) * scale])
  const half = 28 * scale * shrink
  const rows = []
  for (let y = 0; y < size; y++) {
    const row = Buffer.alloc(1 + size * 4)
    for (let x = 0; x < size; x++) {
      const px = x + 0.5
      const py = y + 0.5
      const outside = cornerDistance(px, py, size, radius)
      const alpha = clamp01(0.5 - outside)
      let d = Infinity
      for (let i = 0; i + 1 < points.length; i++) d = Math.min(d, segmentDistance(px, py, points[i], points[i + 1]))
      const mark = clamp01(half + 0.5 - d)
      const o = 1 + x * 4
      row[o] = Math.round(0x0b + (255 - 0x0b) * mark)
      row[o + 1] = Math.round(0x3d + (255 - 0x3d) * mark)
      row[o + 2] = Math.round(0x2e + (255 - 0x2e) * mark)
      row[o + 3] = Math.round(255 * alpha)
    }
    rows.push(row)
  }
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(size, 0)
  ihdr.writeUInt32BE(size, 4)
  ihdr.set([8, 6, 0, 0, 0], 8)
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(Buffer.concat(rows), { level: 9 })), chunk('IEND', Buffer.alloc(0))])
}

function clamp01(v) {
  return Math.max(0, Math.min(1, v))
}

/** Signed distance outside a rounded square (negative inside). */
function cornerDistance(x, y, size, r) {
  const cx = Math.min(Math.max(x, r), size - r)
  const cy = Math.min(Math.max(y, r), size - r)
  if (r === 0) return x < 0 || y < 0 || x > size || y > size ? 1 : -1
  return Math.hypot(x - cx, y - cy) - r
}

function segmentDistance(x, y, [ax, ay], [bx, by]) {
  const dx = bx - ax
  const dy = by - ay
  const t = clamp01(((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy))
  return Math.hypot(x - (ax + t * dx), y - (ay + t * dy))
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})

function chunk(type, data) {
  const head = Buffer.alloc(8)
  head.writeUInt32BE(data.length, 0)
  head.write(type, 4, 'ascii')
  let crc = 0xffffffff
  for (const byte of Buffer.concat([head.subarray(4), data])) crc = CRC_TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8)
  const tail = Buffer.alloc(4)
  tail.writeUInt32BE((crc ^ 0xffffffff) >>> 0, 0)
  return Buffer.concat([head, data, tail])
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const at = process.argv.indexOf('--out')
  const out = at > 0 && process.argv[at + 1] !== undefined ? path.resolve(process.argv[at + 1]) : undefined
  const result = await buildWeb(out === undefined ? {} : { out })
  console.log(`web verifier built in ${path.relative(process.cwd(), result.out) || '.'} (${result.files.length} files, version ${result.version})`)
}
