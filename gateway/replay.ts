/**
 * Replay defence (RFC 9458 6.5). An encapsulated request can be captured and sent again by anyone
 * on the path; the gateway cannot tell a replay from a retry except by remembering what it has
 * accepted. It therefore:
 *
 * 1. requires the inner request to carry a `Date` within `windowMs` of its own clock, so that it
 *    only needs to remember requests for a bounded time, and
 * 2. remembers the encapsulated key `enc` of every request it accepted (the client's ephemeral
 *    public key: fresh for every genuine request) until no request carrying it could pass step 1.
 *
 * Memory is bounded: `enc` values live in time slices that are dropped whole once they are older
 * than the window allows; if the number of remembered values still reaches `maxEntries`, the guard
 * refuses new requests (`full`) rather than forgetting and silently accepting replays.
 */

export type ReplayVerdict = 'ok' | 'stale' | 'replay' | 'full';

export interface ReplayGuardOptions {
  /** Accepted |Date - now|, in milliseconds. */
  windowMs: number;
  /** Upper bound on remembered `enc` values. */
  maxEntries?: number;
  /** The clock; injectable for tests. */
  now?: () => number;
}

const SLICES = 8;

export class ReplayGuard {
  readonly windowMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;
  private readonly sliceMs: number;
  /** slice index → enc values (as binary strings) first accepted in that slice. */
  private readonly slices = new Map<number, Set<string>>();
  private count = 0;

  constructor(opts: ReplayGuardOptions) {
    if (!(opts.windowMs > 0)) throw new RangeError('windowMs must be positive');
    this.windowMs = opts.windowMs;
    this.maxEntries = opts.maxEntries ?? 1_000_000;
    this.now = opts.now ?? Date.now;
    // A request dated d is accepted while |d - now| <= window, so its enc can come back until
    // d + window <= accepted-at + 2 * window. Keep slices for 2 * window (+ one slice of slack).
    this.sliceMs = Math.max(1, Math.ceil((2 * this.windowMs) / SLICES));
  }

  /**
   * Checks a decrypted request and, when it is acceptable, remembers its `enc` in the same step
   * (so that two copies racing through decryption cannot both pass).
   * `date` is the inner request's Date in milliseconds (NaN or undefined when absent or invalid).
   */
  check(enc: Uint8Array, date: number | undefined): ReplayVerdict {
    const now = this.now();
    this.expire(now);
    if (date === undefined || !Number.isFinite(date) || Math.abs(date - now) > this.windowMs) return 'stale';
    const key = toKey(enc);
    for (const s of this.slices.values()) if (s.has(key)) return 'replay';
    if (this.count >= this.maxEntries) return 'full';
    const idx = Math.floor(now / this.sliceMs);
    let slice = this.slices.get(idx);
    if (slice === undefined) {
      slice = new Set();
      this.slices.set(idx, slice);
    }
    slice.add(key);
    this.count++;
    return 'ok';
  }

  /** How many `enc` values are remembered now (for the metrics gauge). */
  get size(): number {
    return this.count;
  }

  private expire(now: number): void {
    const oldest = Math.floor((now - 2 * this.windowMs) / this.sliceMs) - 1;
    for (const [idx, s] of this.slices) {
      if (idx < oldest) {
        this.count -= s.size;
        this.slices.delete(idx);
      }
    }
  }
}

/** A compact map key: one UTF-16 code unit per byte is cheaper than hex and collision-free. */
function toKey(enc: Uint8Array): string {
  return String.fromCharCode.apply(null, enc as unknown as number[]);
}

/**
 * The HTTP-date of RFC 9110 5.6.7 (IMF-fixdate, and the obsolete forms that Date.parse reads).
 * Returns undefined when absent or unparseable.
 */
export function parseHttpDate(value: string | null | undefined): number | undefined {
  if (value === null || value === undefined) return undefined;
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : t;
}
