/**
 * Per-client token buckets held in a bounded LRU.
 *
 * Every client (keyed by its address) gets the same bucket: `burst` tokens, refilled at `perSecond`.
 * The table is bounded: when it is full the least recently seen client is forgotten (and would start
 * again with a full bucket), so a flood of distinct addresses costs at most `maxClients` entries.
 * The clock is injected so that tests never depend on time.
 */

export interface RateLimitOptions {
  perSecond: number;
  burst: number;
  maxClients: number;
  now?: () => number;
}

export type TakeResult = { ok: true } | { ok: false; retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  at: number;
}

const OK: TakeResult = Object.freeze({ ok: true });

export class RateLimiter {
  readonly #perMs: number;
  readonly #burst: number;
  readonly #max: number;
  readonly #now: () => number;
  // A Map iterates in insertion order: re-inserting on use keeps the least recently used first.
  readonly #buckets = new Map<string, Bucket>();

  constructor(o: RateLimitOptions) {
    this.#perMs = o.perSecond / 1000;
    this.#burst = o.burst;
    this.#max = o.maxClients;
    this.#now = o.now ?? Date.now;
  }

  get size(): number {
    return this.#buckets.size;
  }

  /** Takes one token from `key`'s bucket, or says how long until one is available. */
  take(key: string): TakeResult {
    if (this.#perMs === 0) return OK;
    const now = this.#now();
    let b = this.#buckets.get(key);
    if (b === undefined) {
      b = { tokens: this.#burst, at: now };
      if (this.#buckets.size >= this.#max) {
        const oldest = this.#buckets.keys().next().value;
        if (oldest !== undefined) this.#buckets.delete(oldest);
      }
    } else {
      this.#buckets.delete(key);
      b.tokens = Math.min(this.#burst, b.tokens + (now - b.at) * this.#perMs);
      b.at = now;
    }
    this.#buckets.set(key, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return OK;
    }
    // RFC 9110 10.2.3: Retry-After in whole seconds, at least 1.
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - b.tokens) / this.#perMs / 1000)) };
  }
}

/**
 * The rate-limit key for a peer. IPv4-mapped IPv6 is unmapped, and IPv6 is keyed by its /64, since a
 * single host is usually handed a whole /64 and could otherwise rotate addresses to get fresh buckets.
 */
export function clientKey(address: string | undefined): string {
  if (address === undefined) return '?';
  if (address.startsWith('::ffff:') && address.includes('.')) return address.slice(7);
  if (!address.includes(':')) return address;
  return `${expandV6(address).slice(0, 4).join(':')}::/64`;
}

function expandV6(a: string): string[] {
  const zone = a.indexOf('%');
  const addr = zone >= 0 ? a.slice(0, zone) : a;
  const [head, tail] = addr.split('::') as [string, string | undefined];
  const h = head === '' ? [] : head.split(':');
  if (tail === undefined) return h;
  const t = tail === '' ? [] : tail.split(':');
  return [...h, ...new Array<string>(Math.max(0, 8 - h.length - t.length)).fill('0'), ...t];
}

/**
 * The client address to key on: the peer, unless the peer is a trusted proxy, in which case the
 * rightmost `X-Forwarded-For` entry (the one that proxy appended) names the client.
 */
export function clientAddress(
  peer: string | undefined,
  forwardedFor: string | string[] | undefined,
  trusted: ReadonlySet<string>,
): string | undefined {
  if (peer === undefined || trusted.size === 0 || !trusted.has(peer) || forwardedFor === undefined)
    return peer;
  const joined = Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor;
  const last = joined.split(',').pop()?.trim();
  return last === undefined || last === '' ? peer : last;
}
