/**
 * The gateway's key configuration list (RFC 9458 section 3.2, `application/ohttp-keys`), fetched by
 * the relay and served from one cached copy.
 *
 * RFC 9458 section 9.1 (client-specific keys): a gateway that hands each client its own key can link
 * that client's requests. Fetching through the relay and giving every client the very same bytes for
 * the whole cache lifetime takes that lever away: the gateway only ever sees the relay ask, at most
 * once per lifetime, and fetches are single-flight so that concurrent misses cause one fetch.
 */
import { request } from 'undici';
import { mediaTypeOf } from '../shared/media-type.ts';
import type { RelayConfig } from './config.ts';
import type { RelayMetrics } from './metrics.ts';

export const OHTTP_KEYS = 'application/ohttp-keys';
/** A key list holds a handful of configurations; anything near this size is not one. */
const MAX_KEYS_BYTES = 64 * 1024;

export interface CachedKeys {
  readonly body: Uint8Array<ArrayBuffer>;
  /** Seconds this copy stays fresh, for the client's own Cache-Control. */
  readonly maxAge: number;
}

interface Entry {
  body: Uint8Array<ArrayBuffer>;
  expiresAt: number;
}

export class KeyCache {
  readonly #gateway: string;
  readonly #url: string;
  readonly #config: RelayConfig;
  readonly #metrics: RelayMetrics;
  readonly #now: () => number;
  #entry: Entry | undefined;
  #pending: Promise<Entry> | undefined;

  constructor(gateway: string, url: string, config: RelayConfig, metrics: RelayMetrics, now = Date.now) {
    this.#gateway = gateway;
    this.#url = url;
    this.#config = config;
    this.#metrics = metrics;
    this.#now = now;
  }

  /** The cached list, fetched when absent or stale. Rejects when the gateway gives no valid list. */
  async get(): Promise<CachedKeys> {
    let e = this.#entry;
    if (e === undefined || e.expiresAt <= this.#now()) {
      this.#pending ??= this.#fetch().finally(() => {
        this.#pending = undefined;
      });
      e = await this.#pending;
    }
    return { body: e.body, maxAge: Math.max(0, Math.floor((e.expiresAt - this.#now()) / 1000)) };
  }

  async #fetch(): Promise<Entry> {
    try {
      // A request built from nothing, like every upstream request: no client header reaches here.
      const r = await request(this.#url, {
        method: 'GET',
        headers: { accept: OHTTP_KEYS },
        headersTimeout: this.#config.upstreamHeadersTimeoutMs,
        bodyTimeout: this.#config.upstreamIdleTimeoutMs,
      });
      const chunks: Buffer[] = [];
      let n = 0;
      for await (const c of r.body as AsyncIterable<Buffer>) {
        n += c.length;
        if (n > MAX_KEYS_BYTES) {
          r.body.destroy();
          throw new Error('key list too large');
        }
        chunks.push(c);
      }
      const type = mediaTypeOf(String(r.headers['content-type'] ?? ''));
      if (r.statusCode !== 200 || type !== OHTTP_KEYS || n === 0) throw new Error('not a key list');
      const ttl = cacheLifetime(r.headers['cache-control'], this.#config);
      const entry = { body: new Uint8Array(Buffer.concat(chunks, n)), expiresAt: this.#now() + ttl * 1000 };
      this.#entry = entry;
      this.#metrics.keysFetch(this.#gateway, 'ok');
      return entry;
    } catch (e) {
      this.#metrics.keysFetch(this.#gateway, 'error');
      throw e;
    }
  }
}

/**
 * RFC 9111 5.2.2: the freshness lifetime a shared cache uses is s-maxage, else max-age. Absent both,
 * the configured default; always capped by keysMaxTtlSeconds, and never under one second, so that
 * even a gateway that asks for no caching cannot get a fetch per client.
 */
export function cacheLifetime(header: string | string[] | undefined, c: RelayConfig): number {
  const v = Array.isArray(header) ? header.join(',') : (header ?? '');
  const directive = (name: string): number | undefined => {
    const m = new RegExp(`(?:^|,)\\s*${name}\\s*=\\s*"?(\\d+)"?`, 'i').exec(v);
    return m === null ? undefined : Number(m[1]);
  };
  const ttl = directive('s-maxage') ?? directive('max-age') ?? c.keysDefaultTtlSeconds;
  return Math.max(1, Math.min(ttl, c.keysMaxTtlSeconds));
}
