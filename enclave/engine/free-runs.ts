/**
 * A set of block numbers that knows its longest run of consecutive members, so that the block pool
 * can place a sequence where it has room to grow contiguously (block-pool.ts says why that matters).
 *
 * A segment tree over [0, n): each node keeps the free run at its left edge, the one at its right
 * edge and its longest run with where it starts. Adding or taking a block is O(log n); the longest
 * run is read at the root in O(1); membership is a byte array.
 */
export class FreeRuns {
  readonly n: number;
  private readonly size: number;
  private readonly member: Uint8Array;
  /** Per node: free run at the left edge, at the right edge, longest run and its start (-1: none). */
  private readonly pre: Int32Array;
  private readonly suf: Int32Array;
  private readonly best: Int32Array;
  private readonly bestAt: Int32Array;
  private count = 0;

  constructor(n: number) {
    this.n = n;
    let size = 1;
    while (size < n) size <<= 1;
    this.size = size;
    this.member = new Uint8Array(n);
    this.pre = new Int32Array(2 * size);
    this.suf = new Int32Array(2 * size);
    this.best = new Int32Array(2 * size);
    this.bestAt = new Int32Array(2 * size).fill(-1);
  }

  get length(): number {
    return this.count;
  }

  has(b: number): boolean {
    return b >= 0 && b < this.n && this.member[b] === 1;
  }

  add(b: number): void {
    if (this.member[b] === 1) throw new Error(`block ${b} is already free`);
    this.member[b] = 1;
    this.count++;
    this.update(b);
  }

  delete(b: number): void {
    if (this.member[b] !== 1) throw new Error(`block ${b} is not free`);
    this.member[b] = 0;
    this.count--;
    this.update(b);
  }

  /** The longest run of members as [start, length] (the lowest one among equals); [-1, 0] if empty. */
  longest(): [number, number] {
    return [this.bestAt[1]!, this.best[1]!];
  }

  /** Members in ascending order (for invariant checks). */
  *values(): Generator<number> {
    for (let b = 0; b < this.n; b++) if (this.member[b] === 1) yield b;
  }

  private update(b: number): void {
    let i = this.size + b;
    const on = this.member[b]!;
    this.pre[i] = on;
    this.suf[i] = on;
    this.best[i] = on;
    this.bestAt[i] = on === 1 ? b : -1;
    for (let span = 1; i > 1; span <<= 1) {
      i >>= 1;
      const l = 2 * i;
      const r = l + 1;
      // Left child covers [lo, mid), right [mid, mid + span): both `span` long.
      const mid = r * span - this.size;
      this.pre[i] = this.pre[l] === span ? span + this.pre[r]! : this.pre[l]!;
      this.suf[i] = this.suf[r] === span ? span + this.suf[l]! : this.suf[r]!;
      let best = this.best[l]!;
      let at = this.bestAt[l]!;
      const cross = this.suf[l]! + this.pre[r]!;
      if (cross > best) {
        best = cross;
        at = mid - this.suf[l]!;
      }
      if (this.best[r]! > best) {
        best = this.best[r]!;
        at = this.bestAt[r]!;
      }
      this.best[i] = best;
      this.bestAt[i] = at;
    }
  }
}
