/**
 * Stop sequences over token ids. A stop sequence is not part of the output, so a token that could be
 * the start of one is held back until the following tokens decide: emitted if the match fails,
 * dropped with the rest of the match if it completes.
 */
export class StopMatcher {
  private pending: number[] = [];

  constructor(private readonly stops: readonly (readonly number[])[]) {}

  /** Feeds one generated token: the tokens now safe to emit, and whether a stop sequence completed. */
  push(token: number): { emit: number[]; stopped: boolean } {
    this.pending.push(token);
    for (const s of this.stops) {
      if (s.length > 0 && endsWith(this.pending, s)) {
        const emit = this.pending.slice(0, this.pending.length - s.length);
        this.pending = [];
        return { emit, stopped: true };
      }
    }
    // Keep the longest suffix that is still a proper prefix of some stop sequence.
    let keep = 0;
    for (const s of this.stops) {
      for (let n = Math.min(s.length - 1, this.pending.length); n > keep; n--) {
        if (startsWithSuffix(this.pending, s, n)) {
          keep = n;
          break;
        }
      }
    }
    const emit = this.pending.slice(0, this.pending.length - keep);
    this.pending = this.pending.slice(this.pending.length - keep);
    return { emit, stopped: false };
  }

  /** Generation ended for another reason: whatever was held back is output after all. */
  flush(): number[] {
    const out = this.pending;
    this.pending = [];
    return out;
  }
}

function endsWith(a: readonly number[], s: readonly number[]): boolean {
  if (s.length > a.length) return false;
  const off = a.length - s.length;
  for (let i = 0; i < s.length; i++) if (a[off + i] !== s[i]) return false;
  return true;
}

/** Whether the last n tokens of a equal the first n of s. */
function startsWithSuffix(a: readonly number[], s: readonly number[], n: number): boolean {
  const off = a.length - n;
  for (let i = 0; i < n; i++) if (a[off + i] !== s[i]) return false;
  return true;
}
