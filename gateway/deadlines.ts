/**
 * Per-request deadlines on one timer. Every request gets the same timeout, so deadlines expire in
 * the order they were set: a Set in insertion order is the whole priority queue, removal is O(1),
 * and one unref'd timer is armed for the oldest deadline still pending. A request that finishes in
 * time costs a Set insert and delete instead of a timer of its own (which Node allocates, links
 * into its timer lists and unlinks again on every request).
 */
export interface Deadline {
  /** Cancels the deadline (the request finished); idempotent. */
  clear(): void;
}

class Entry implements Deadline {
  constructor(
    readonly at: number,
    readonly expire: () => void,
    private readonly pending: Set<Entry>,
  ) {}
  clear(): void {
    this.pending.delete(this);
  }
}

export class Deadlines {
  readonly #ms: number;
  readonly #now: () => number;
  readonly #pending = new Set<Entry>();
  #timer: NodeJS.Timeout | undefined;

  constructor(ms: number, now: () => number = () => performance.now()) {
    this.#ms = ms;
    this.#now = now;
  }

  /** Calls `expire` once, `ms` from now, unless cleared first. */
  add(expire: () => void): Deadline {
    const entry = new Entry(this.#now() + this.#ms, expire, this.#pending);
    this.#pending.add(entry);
    if (this.#timer === undefined) this.#arm(entry.at);
    return entry;
  }

  get size(): number {
    return this.#pending.size;
  }

  #arm(at: number): void {
    this.#timer = setTimeout(() => this.#fire(), Math.max(1, Math.ceil(at - this.#now())));
    this.#timer.unref();
  }

  #fire(): void {
    this.#timer = undefined;
    const now = this.#now();
    for (const e of this.#pending) {
      if (e.at > now) {
        this.#arm(e.at);
        return;
      }
      this.#pending.delete(e);
      e.expire();
    }
  }
}
