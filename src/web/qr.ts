// QR codes from a camera frame or an image file: the browser's BarcodeDetector where it reads QR codes, zxing-wasm
// (its .wasm loaded from the page's own folder, never a CDN) otherwise. Decodes only; never sends an image anywhere.
import { prepareZXingModule, readBarcodes } from 'zxing-wasm/reader'

export type QrEngine = 'barcode-detector' | 'zxing'

export interface QrReader {
  readonly engine: QrEngine
  /** The text of the first QR code found in the image, or undefined when there is none. */
  decode(image: ImageData | Blob): Promise<string | undefined>
}

interface DetectorLike {
  detect(source: ImageBitmapSource): Promise<{ rawValue: string }[]>
}
interface DetectorClass {
  new (options: { formats: string[] }): DetectorLike
  getSupportedFormats(): Promise<string[]>
}

/**
 * A reader ready to decode: zxing's module is instantiated here (from `wasmUrl`, fetched once and cached by the
 * service worker), so decoding a code later makes no network request at all.
 */
export async function createQrReader(wasmUrl: string): Promise<QrReader> {
  const Detector = (globalThis as { BarcodeDetector?: DetectorClass }).BarcodeDetector
  if (Detector !== undefined) {
    try {
      if ((await Detector.getSupportedFormats()).includes('qr_code')) {
        const detector = new Detector({ formats: ['qr_code'] })
        return {
          engine: 'barcode-detector',
          decode: async (image) => {
            const source = image instanceof Blob ? await createImageBitmap(image) : image
            return (await detector.detect(source))[0]?.rawValue
          },
        }
      }
    } catch {
      // Present but unusable (no platform backend): zxing reads instead.
    }
  }
  const response = await fetch(wasmUrl)
  if (!response.ok) throw new Error(`the QR reader (${wasmUrl}) answered ${response.status}`)
  const wasmBinary = await response.arrayBuffer()
  await prepareZXingModule({ overrides: { wasmBinary, locateFile: (file: string) => new URL(file, wasmUrl).href }, fireImmediately: true })
  return {
    engine: 'zxing',
    decode: async (image) => {
      const results = await readBarcodes(image, { formats: ['QRCode'], tryHarder: true, maxNumberOfSymbols: 1 })
      const found = results.find((r) => r.isValid && r.text !== '')
      return found?.text
    },
  }
}
