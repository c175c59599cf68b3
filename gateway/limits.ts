/**
 * The gateway's admission limit: at most `max` requests are decrypted and answered at once. A full
 * gateway refuses immediately (encrypted 503 with Retry-After) instead of queueing, so that load
 * cannot grow memory without bound and clients learn to back off.
 */
export class ConcurrencyLimit {
  private active = 0;

  constructor(readonly max: number) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError('max must be a positive integer');
  }

  /** A release function when a slot was free, or null when full. Release is idempotent. */
  tryAcquire(): (() => void) | null {
    if (this.active >= this.max) return null;
    this.active++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active--;
    };
  }

  get inFlight(): number {
    return this.active;
  }
}
