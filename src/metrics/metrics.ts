// A small Prometheus registry: counters and gauges with labels, rendered in the text exposition format.
// One registry per node (passed along, never a module singleton). Labels never carry certificate content.
type Labels = Readonly<Record<string, string>>

interface Family {
  readonly name: string
  readonly help: string
  readonly type: 'counter' | 'gauge'
  readonly values: Map<string, { labels: Labels; value: number }>
}

export class Metrics {
  readonly #families = new Map<string, Family>()

  counter(name: string, help: string): Counter {
    return new Counter(this.#family(name, help, 'counter'))
  }

  gauge(name: string, help: string): Gauge {
    return new Gauge(this.#family(name, help, 'gauge'))
  }

  #family(name: string, help: string, type: Family['type']): Family {
    let family = this.#families.get(name)
    if (family === undefined) {
      family = { name, help, type, values: new Map() }
      this.#families.set(name, family)
    } else if (family.type !== type) {
      throw new Error(`metric ${name} is already a ${family.type}`)
    }
    return family
  }

  /** Prometheus text exposition format 0.0.4. */
  render(): string {
    const lines: string[] = []
    for (const family of this.#families.values()) {
      lines.push(`# HELP ${family.name} ${family.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`)
      lines.push(`# TYPE ${family.name} ${family.type}`)
      for (const { labels, value } of family.values.values()) {
        lines.push(`${family.name}${renderLabels(labels)} ${Number.isFinite(value) ? value : 0}`)
      }
    }
    return `${lines.join('\n')}\n`
  }

  /** Current value, for tests and status tables. */
  value(name: string, labels: Labels = {}): number {
    return this.#families.get(name)?.values.get(labelKey(labels))?.value ?? 0
  }
}

export class Counter {
  constructor(readonly family: Family) {}
  inc(labels: Labels = {}, by = 1): void {
    if (by < 0) throw new Error('a counter only goes up')
    const key = labelKey(labels)
    const entry = this.family.values.get(key)
    if (entry === undefined) this.family.values.set(key, { labels: { ...labels }, value: by })
    else entry.value += by
  }
}

export class Gauge {
  constructor(readonly family: Family) {}
  set(value: number, labels: Labels = {}): void {
    this.family.values.set(labelKey(labels), { labels: { ...labels }, value })
  }
}

function labelKey(labels: Labels): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(',')
}

function renderLabels(labels: Labels): string {
  const keys = Object.keys(labels).sort()
  if (keys.length === 0) return ''
  const escape = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')
  return `{${keys.map((k) => `${k}="${escape(labels[k] ?? '')}"`).join(',')}}`
}

/** The node's metrics, named once so the HTTP and gossip layers count the same things. */
export function nodeMetrics(metrics = new Metrics()) {
  return {
    registry: metrics,
    httpRequests: metrics.counter('entente_http_requests_total', 'HTTP requests by route, method and status.'),
    httpResponseBytes: metrics.counter('entente_http_response_bytes_total', 'HTTP response body bytes by route.'),
    listsAccepted: metrics.counter('entente_trust_lists_accepted_total', 'Trust lists accepted into the store, by source.'),
    listsRejected: metrics.counter('entente_trust_lists_rejected_total', 'Trust lists refused, by reason code and source.'),
    listsIgnored: metrics.counter('entente_trust_lists_ignored_total', 'Duplicate or stale trust lists ignored, by source.'),
    equivocations: metrics.counter('entente_equivocations_total', 'Equivocation proofs newly recorded.'),
    bundleBytes: metrics.gauge('entente_bundle_bytes', 'Size of the full bundle in bytes.'),
    countries: metrics.gauge('entente_countries', 'Countries with a held list.'),
    unanchored: metrics.counter('entente_trust_lists_unanchored_total', 'Lists ignored because no anchored root vouches for them, by source.'),
    quarantine: metrics.counter('entente_quarantine_total', 'Quarantine events (added, evicted, admitted, dropped).'),
    purgedLists: metrics.counter('entente_purged_lists_total', 'Lists removed from the trust tables, by reason (unanchored, history).'),
    limitHits: metrics.counter('entente_limit_hits_total', 'Times a node.json cap stopped or trimmed something, by limit.'),
  }
}
export type NodeMetrics = ReturnType<typeof nodeMetrics>
