/**
 * The relay's metrics in the Prometheus text exposition format (version 0.0.4).
 *
 * A minimal registry of its own (shared/metrics.ts did not exist when this was written). Labels are
 * only ever the gateway name, a status code, a direction or an error kind: never anything per client.
 * Counters are plain numbers in Maps keyed by a prebuilt label string, so the hot path pays a Map
 * lookup and an add.
 */

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Upper bounds (seconds) of the upstream latency histogram. */
const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

class Histogram {
  readonly counts = new Float64Array(BUCKETS.length);
  sum = 0;
  n = 0;
  observe(seconds: number): void {
    this.sum += seconds;
    this.n++;
    for (let i = 0; i < BUCKETS.length; i++) {
      if (seconds <= BUCKETS[i]!) {
        this.counts[i]!++;
        return;
      }
    }
  }
}

export class RelayMetrics {
  /**
   * relay_requests_total{gateway,status}: every POST answered, by the status the client got. Keyed
   * by gateway, then by status number, so that counting builds no label string per request.
   */
  readonly #requests = new Map<string, Map<number, number>>();
  #bytesIn = 0;
  #bytesOut = 0;
  #rateLimited = 0;
  #overloaded = 0;
  #connectionsRefused = 0;
  #openStreams = 0;
  readonly #upstreamErrors = new Map<string, number>();
  readonly #latency = new Map<string, Histogram>();
  readonly #keysFetches = new Map<string, number>();

  request(gateway: string, status: number): void {
    let byStatus = this.#requests.get(gateway);
    if (byStatus === undefined) {
      byStatus = new Map();
      this.#requests.set(gateway, byStatus);
    }
    byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
  }
  bytes(inBytes: number, outBytes: number): void {
    this.#bytesIn += inBytes;
    this.#bytesOut += outBytes;
  }
  rateLimited(): void {
    this.#rateLimited++;
  }
  overloaded(): void {
    this.#overloaded++;
  }
  /** A client connection closed on accept because maxConnections were open. */
  connectionRefused(): void {
    this.#connectionsRefused++;
  }
  streamOpened(): void {
    this.#openStreams++;
  }
  streamClosed(): void {
    this.#openStreams--;
  }
  get openStreams(): number {
    return this.#openStreams;
  }
  upstreamError(gateway: string, kind: string): void {
    const k = `gateway="${gateway}",kind="${kind}"`;
    this.#upstreamErrors.set(k, (this.#upstreamErrors.get(k) ?? 0) + 1);
  }
  /** Time from sending upstream to the gateway's response headers. */
  upstreamLatency(gateway: string, seconds: number): void {
    let h = this.#latency.get(gateway);
    if (h === undefined) {
      h = new Histogram();
      this.#latency.set(gateway, h);
    }
    h.observe(seconds);
  }
  keysFetch(gateway: string, outcome: 'ok' | 'error'): void {
    const k = `gateway="${gateway}",outcome="${outcome}"`;
    this.#keysFetches.set(k, (this.#keysFetches.get(k) ?? 0) + 1);
  }

  render(): string {
    const out: string[] = [];
    const family = (name: string, type: string, help: string, rows: Iterable<[string, number]>) => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
      for (const [labels, v] of rows) out.push(labels === '' ? `${name} ${v}` : `${name}{${labels}} ${v}`);
    };
    const requests: [string, number][] = [];
    for (const [gw, byStatus] of this.#requests) {
      for (const [status, n] of byStatus) requests.push([`gateway="${gw}",status="${status}"`, n]);
    }
    family('relay_requests_total', 'counter', 'Relayed requests by gateway and status.', requests);
    family('relay_request_bytes_total', 'counter', 'Body bytes relayed.', [
      ['direction="in"', this.#bytesIn],
      ['direction="out"', this.#bytesOut],
    ]);
    family('relay_rate_limited_total', 'counter', 'Requests refused by the per-client limit.', [
      ['', this.#rateLimited],
    ]);
    family('relay_overloaded_total', 'counter', 'Requests refused by the concurrency limit.', [
      ['', this.#overloaded],
    ]);
    family('relay_connections_refused_total', 'counter', 'Client connections closed by the connection cap.', [
      ['', this.#connectionsRefused],
    ]);
    family('relay_open_streams', 'gauge', 'Upstream requests in flight.', [['', this.#openStreams]]);
    family('relay_upstream_errors_total', 'counter', 'Failures talking to a gateway.', this.#upstreamErrors);
    family('relay_keys_fetches_total', 'counter', 'Key configuration fetches.', this.#keysFetches);
    out.push(
      '# HELP relay_upstream_latency_seconds Time to the gateway response headers.',
      '# TYPE relay_upstream_latency_seconds histogram',
    );
    for (const [gw, h] of this.#latency) {
      let cum = 0;
      BUCKETS.forEach((le, i) => {
        cum += h.counts[i]!;
        out.push(`relay_upstream_latency_seconds_bucket{gateway="${gw}",le="${le}"} ${cum}`);
      });
      out.push(`relay_upstream_latency_seconds_bucket{gateway="${gw}",le="+Inf"} ${h.n}`);
      out.push(`relay_upstream_latency_seconds_sum{gateway="${gw}"} ${h.sum}`);
      out.push(`relay_upstream_latency_seconds_count{gateway="${gw}"} ${h.n}`);
    }
    return `${out.join('\n')}\n`;
  }
}
