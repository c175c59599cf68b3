/**
 * A tiny metrics registry that renders the Prometheus text exposition format (version 0.0.4).
 * Pure, no I/O: a server keeps one `Registry`, updates it, and serves `render()` at `/metrics`
 * with `METRICS_CONTENT_TYPE`. Counters, gauges and histograms, with label names declared up front.
 *
 * Privacy: labels are for bounded dimensions (route, status, kind), never for anything that
 * identifies a request or a client. Every metric refuses more than `maxSeries` label combinations,
 * so a mistake that puts an id into a label fails loudly instead of leaking quietly.
 */
import { invalidArgument } from './errors.ts';

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export type LabelValues = Readonly<Record<string, string>>;

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Latency buckets in seconds, from 1 ms to 1 minute. */
export const LATENCY_BUCKETS: readonly number[] = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
];

export interface MetricOptions {
  labelNames?: readonly string[];
  /** Most label combinations this metric accepts (default 64). */
  maxSeries?: number;
}

/** Exposition format: a sample value is a Go-style float; infinities and NaN have fixed spellings. */
function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Number.POSITIVE_INFINITY) return '+Inf';
  if (v === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(v);
}

/** Exposition format: label values escape backslash, double quote and line feed. */
function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** Exposition format: HELP text escapes backslash and line feed. */
function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function renderLabels(pairs: readonly (readonly [string, string])[]): string {
  if (pairs.length === 0) return '';
  return `{${pairs.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}`;
}

abstract class Metric<S> {
  protected readonly series = new Map<string, { labels: [string, string][]; state: S }>();
  private readonly labelNames: readonly string[];
  private readonly maxSeries: number;

  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: 'counter' | 'gauge' | 'histogram',
    opts: MetricOptions,
  ) {
    if (!METRIC_NAME.test(name)) throw invalidArgument(`invalid metric name ${JSON.stringify(name)}`);
    this.labelNames = opts.labelNames ?? [];
    for (const l of this.labelNames) {
      if (!LABEL_NAME.test(l) || l.startsWith('__') || (type === 'histogram' && l === 'le')) {
        throw invalidArgument(`invalid label name ${JSON.stringify(l)}`);
      }
    }
    this.maxSeries = opts.maxSeries ?? 64;
  }

  protected abstract initial(): S;

  /** The state of one label combination; every declared label must be given, and no other. */
  protected state(labels: LabelValues | undefined): S {
    const given = labels ?? {};
    const keys = Object.keys(given);
    if (keys.length !== this.labelNames.length || keys.some((k) => !this.labelNames.includes(k))) {
      throw invalidArgument(`${this.name}: labels must be exactly [${this.labelNames.join(', ')}]`);
    }
    const pairs = this.labelNames.map((k): [string, string] => [k, String(given[k])]);
    const key = JSON.stringify(pairs);
    let s = this.series.get(key);
    if (s === undefined) {
      if (this.series.size >= this.maxSeries)
        throw invalidArgument(`${this.name}: too many label combinations`);
      s = { labels: pairs, state: this.initial() };
      this.series.set(key, s);
    }
    return s.state;
  }

  protected abstract samples(labels: [string, string][], state: S): string[];

  render(): string {
    const lines = [`# HELP ${this.name} ${escapeHelp(this.help)}`, `# TYPE ${this.name} ${this.type}`];
    // A metric without labels shows 0 before its first update, so dashboards see it exists.
    if (this.series.size === 0 && this.labelNames.length === 0) this.state(undefined);
    for (const s of this.series.values()) lines.push(...this.samples(s.labels, s.state));
    return lines.join('\n');
  }
}

export class Counter extends Metric<{ v: number }> {
  constructor(name: string, help: string, opts: MetricOptions = {}) {
    super(name, help, 'counter', opts);
  }
  protected initial(): { v: number } {
    return { v: 0 };
  }
  inc(by = 1, labels?: LabelValues): void {
    if (!(by >= 0)) throw invalidArgument(`${this.name}: a counter only goes up`);
    this.state(labels).v += by;
  }
  /** Mirrors a monotonic total kept elsewhere (e.g. an engine's own count), read at scrape time. */
  setTotal(total: number, labels?: LabelValues): void {
    if (!(total >= 0)) throw invalidArgument(`${this.name}: a counter total is non-negative`);
    this.state(labels).v = total;
  }
  get(labels?: LabelValues): number {
    return this.state(labels).v;
  }
  protected samples(labels: [string, string][], s: { v: number }): string[] {
    return [`${this.name}${renderLabels(labels)} ${formatValue(s.v)}`];
  }
}

export class Gauge extends Metric<{ v: number }> {
  constructor(name: string, help: string, opts: MetricOptions = {}) {
    super(name, help, 'gauge', opts);
  }
  protected initial(): { v: number } {
    return { v: 0 };
  }
  set(v: number, labels?: LabelValues): void {
    this.state(labels).v = v;
  }
  inc(by = 1, labels?: LabelValues): void {
    this.state(labels).v += by;
  }
  dec(by = 1, labels?: LabelValues): void {
    this.state(labels).v -= by;
  }
  get(labels?: LabelValues): number {
    return this.state(labels).v;
  }
  protected samples(labels: [string, string][], s: { v: number }): string[] {
    return [`${this.name}${renderLabels(labels)} ${formatValue(s.v)}`];
  }
}

interface HistogramState {
  counts: number[];
  sum: number;
  count: number;
}

export class Histogram extends Metric<HistogramState> {
  readonly buckets: readonly number[];

  constructor(name: string, help: string, buckets: readonly number[], opts: MetricOptions = {}) {
    super(name, help, 'histogram', opts);
    const ok =
      buckets.length > 0 && buckets.every((b, i) => Number.isFinite(b) && (i === 0 || b > buckets[i - 1]!));
    if (!ok) throw invalidArgument(`${name}: buckets must be finite and strictly increasing`);
    this.buckets = [...buckets];
  }
  protected initial(): HistogramState {
    return { counts: this.buckets.map(() => 0), sum: 0, count: 0 };
  }
  observe(v: number, labels?: LabelValues): void {
    if (Number.isNaN(v)) throw invalidArgument(`${this.name}: cannot observe NaN`);
    const s = this.state(labels);
    // Buckets are upper bounds, inclusive ("le"); counts here are per bucket, made cumulative on render.
    const i = this.buckets.findIndex((b) => v <= b);
    if (i >= 0) s.counts[i]! += 1;
    s.sum += v;
    s.count += 1;
  }
  /** Observations so far, for tests and summaries. */
  count(labels?: LabelValues): number {
    return this.state(labels).count;
  }
  protected samples(labels: [string, string][], s: HistogramState): string[] {
    const out: string[] = [];
    let cumulative = 0;
    this.buckets.forEach((b, i) => {
      cumulative += s.counts[i]!;
      out.push(`${this.name}_bucket${renderLabels([...labels, ['le', formatValue(b)]])} ${cumulative}`);
    });
    out.push(`${this.name}_bucket${renderLabels([...labels, ['le', '+Inf']])} ${s.count}`);
    out.push(`${this.name}_sum${renderLabels(labels)} ${formatValue(s.sum)}`);
    out.push(`${this.name}_count${renderLabels(labels)} ${s.count}`);
    return out;
  }
}

export class Registry {
  private readonly metrics = new Map<string, Counter | Gauge | Histogram>();

  private add<M extends Counter | Gauge | Histogram>(m: M): M {
    if (this.metrics.has(m.name)) throw invalidArgument(`metric ${m.name} already registered`);
    this.metrics.set(m.name, m);
    return m;
  }
  counter(name: string, help: string, opts?: MetricOptions): Counter {
    return this.add(new Counter(name, help, opts));
  }
  gauge(name: string, help: string, opts?: MetricOptions): Gauge {
    return this.add(new Gauge(name, help, opts));
  }
  histogram(
    name: string,
    help: string,
    buckets: readonly number[] = LATENCY_BUCKETS,
    opts?: MetricOptions,
  ): Histogram {
    return this.add(new Histogram(name, help, buckets, opts));
  }
  /** The whole registry in the text exposition format, ending with a line feed. */
  render(): string {
    const parts = [...this.metrics.values()].map((m) => m.render());
    return parts.length === 0 ? '' : `${parts.join('\n')}\n`;
  }
}
