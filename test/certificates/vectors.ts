// Test helpers: locate the shared vectors (never copied into the project) and read them.
import { readFileSync, readdirSync } from 'node:fs'
import path from 'node:path'

const projectRoot = path.resolve(import.meta.dirname, '../..')

export const vectorsDir = process.env.ENTENTE_VECTORS ?? path.resolve(projectRoot, '../shared/vectors')

export function vectorPath(...parts: string[]): string {
  return path.join(vectorsDir, ...parts)
}

export function readVector(...parts: string[]): string {
  return readFileSync(vectorPath(...parts), 'utf8')
}

/** Every .json file below `dir`, recursively (PL/PT have version folders; IE uses "Raw"). */
export function walkJson(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((entry) => {
      const full = path.join(dir, entry.name)
      if (entry.isDirectory()) return walkJson(full)
      return entry.name.endsWith('.json') ? [full] : []
    })
}

const CLOCK = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:?\d{2})?$/

/** Parses every VALIDATIONCLOCK format in the data: 0–9 fraction digits, "+0200", or no zone (UTC, as upstream). */
export function parseValidationClock(text: string): Date {
  const m = CLOCK.exec(text)
  if (m === null) throw new Error(`unparseable VALIDATIONCLOCK ${text}`)
  const [, y, mo, d, h, mi, s, frac, zone] = m
  const ms = frac === undefined ? 0 : Number(frac.slice(0, 3).padEnd(3, '0'))
  let t = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms)
  if (zone !== undefined && zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1
    const digits = zone.slice(1).replace(':', '')
    t -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000
  }
  return new Date(t)
}

export interface DccTestFile {
  file: string
  /** Path below dcc/, e.g. "PL/1.3.0/2DCode/raw/6.json". */
  name: string
  json: Record<string, unknown>
}

export function loadDccVectors(): DccTestFile[] {
  const root = vectorPath('dcc')
  return walkJson(root).map((file) => ({
    file,
    name: path.relative(root, file),
    json: JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>,
  }))
}
