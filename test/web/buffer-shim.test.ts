// The browser bundle's Buffer (the npm package, via the shim) speaks base64url as Node's does: bundled for the
// browser here exactly as scripts/build-web.js does, then run.
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { build, stop } from 'esbuild'
import { describe, expect, it } from 'vitest'
import { onFileEnd, tempDir } from '../helpers/temp.js'

// esbuild's service process must not outlive the file.
onFileEnd(() => stop())

describe('the browser Buffer shim', () => {
  it('decodes and encodes base64url like Node, and leaves other encodings alone', async () => {
    const web = path.resolve(import.meta.dirname, '../../src/web')
    const bundled = await build({
      stdin: {
        contents: `export function run(text, bytes) {
          const b = Buffer.from(text, 'base64url')
          return { hex: b.toString('hex'), back: b.toString('base64url'), url: Buffer.from(bytes).toString('base64url'), plain: Buffer.from(bytes).toString('base64'),
            length: Buffer.byteLength(text, 'base64url'), known: Buffer.isEncoding('base64url'), npm: typeof Buffer.poolSize === 'number' && !('isUtf8' in Buffer) }
        }`,
        resolveDir: web,
        loader: 'js',
      },
      bundle: true,
      format: 'esm',
      platform: 'browser',
      inject: [path.join(web, 'buffer-shim.ts')],
      write: false,
    })
    const file = path.join(tempDir(), 'shim.mjs')
    writeFileSync(file, bundled.outputFiles[0]!.text)
    const { run } = (await import(pathToFileURL(file).href)) as { run: (text: string, bytes: number[]) => Record<string, unknown> }
    const bytes = [251, 255, 190, 0, 1, 2, 3]
    for (const text of ['NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs', Buffer.from(bytes).toString('base64url'), '']) {
      const node = Buffer.from(text, 'base64url')
      expect(run(text, bytes)).toEqual({
        hex: node.toString('hex'),
        back: text,
        url: Buffer.from(bytes).toString('base64url'),
        plain: Buffer.from(bytes).toString('base64'),
        length: Buffer.byteLength(text, 'base64url'),
        known: true,
        // The npm package, not Node's Buffer leaking in.
        npm: true,
      })
    }
  })
})
