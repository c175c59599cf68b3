/**
 * The KV block pool's bookkeeping (not its memory: see kv-memory.ts). Blocks are fixed-size pages of
 * `blockSize` token slots. Each block has a reference count: one per holder (a running sequence, a
 * session, a swapped sequence never holds blocks). A block whose count drops to zero is free; if it
 * also carries a prefix-cache key it stays readable as *cached* until it is reused.
 *
 * The free list is kept in eviction order: never-cached free blocks are handed out first, then cached
 * ones in least-recently-released order (LRU), so a hot shared prefix survives the longest. Block 0 is
 * reserved for padding (graph-contract.ts: block tables are padded with 0, and it is never read
 * unmasked), so it is never handed out.
 */

export class BlockPool {
  readonly numBlocks: number;
  private readonly refs: Int32Array;
  /** Prefix-cache key of a block, when its contents are a registered full block. */
  private readonly keys: (string | undefined)[];
  /** Free blocks that carry no key: reused first (a stack, so recently freed memory is warm). */
  private readonly plain: number[] = [];
  /** Free blocks that carry a key, in LRU order (Map keeps insertion order; re-insert = most recent). */
  private readonly cached = new Map<number, true>();
  /** Called when a cached block is reused, so that the prefix cache forgets its key. */
  onEvict: (block: number, key: string) => void = () => {};

  constructor(numBlocks: number) {
    if (!Number.isInteger(numBlocks) || numBlocks < 2) throw new RangeError('a pool needs at least 2 blocks');
    this.numBlocks = numBlocks;
    this.refs = new Int32Array(numBlocks);
    this.keys = new Array<string | undefined>(numBlocks).fill(undefined);
    // Highest first on the stack so that allocation hands out 1, 2, 3... (easier to read in tests).
    for (let b = numBlocks - 1; b >= 1; b--) this.plain.push(b);
  }

  /** Blocks that can be handed out now: plain free plus evictable cached. */
  get available(): number {
    return this.plain.length + this.cached.size;
  }
  get freeCount(): number {
    return this.plain.length;
  }
  get cachedCount(): number {
    return this.cached.size;
  }
  get usedCount(): number {
    return this.numBlocks - 1 - this.available;
  }

  refCount(block: number): number {
    return this.refs[block]!;
  }
  keyOf(block: number): string | undefined {
    return this.keys[block];
  }

  /** Hands out a block with reference count 1, evicting the least recently used cached block if needed. */
  allocate(): number | undefined {
    let block = this.plain.pop();
    if (block === undefined) {
      const first = this.cached.keys().next();
      if (first.done) return undefined;
      block = first.value;
      this.cached.delete(block);
      const key = this.keys[block]!;
      this.keys[block] = undefined;
      this.onEvict(block, key);
    }
    this.refs[block] = 1;
    return block;
  }

  /** Adds a holder. A cached free block taken this way (a prefix hit) leaves the free list. */
  retain(block: number): void {
    this.check(block);
    if (this.refs[block] === 0) {
      if (!this.cached.delete(block)) throw new Error(`retain of free uncached block ${block}`);
    }
    this.refs[block]!++;
  }

  /** Drops a holder. At zero the block becomes free: cached (most recent) if it has a key, else plain. */
  release(block: number): void {
    this.check(block);
    if (this.refs[block]! <= 0) throw new Error(`double free of block ${block}`);
    if (--this.refs[block]! === 0) {
      if (this.keys[block] !== undefined) this.cached.set(block, true);
      else this.plain.push(block);
    }
  }

  /** Marks a held block's contents as the full block named `key` (prefix-cache registration). */
  setKey(block: number, key: string): void {
    this.check(block);
    if (this.refs[block]! <= 0) throw new Error(`setKey on free block ${block}`);
    this.keys[block] = key;
  }

  /** Forgets a block's key; a cached free block becomes a plain free one. */
  clearKey(block: number): string | undefined {
    const key = this.keys[block];
    this.keys[block] = undefined;
    if (this.cached.delete(block)) this.plain.push(block);
    return key;
  }

  /** Marks a cached free block as recently used without taking it (a lookup that found it). */
  touch(block: number): void {
    if (this.cached.delete(block)) this.cached.set(block, true);
  }

  /**
   * Checks every invariant against the holders the caller knows of: counts equal holders, every block
   * is exactly one of held / plain free / cached free, and block 0 is never anywhere.
   */
  checkInvariants(holders: Map<number, number>): string[] {
    const errors: string[] = [];
    const inPlain = new Set<number>();
    for (const b of this.plain) {
      if (inPlain.has(b)) errors.push(`block ${b} twice in the free list`);
      inPlain.add(b);
    }
    for (let b = 0; b < this.numBlocks; b++) {
      const refs = this.refs[b]!;
      const held = holders.get(b) ?? 0;
      if (b === 0) {
        if (refs !== 0 || inPlain.has(0) || this.cached.has(0) || held !== 0) errors.push('block 0 in use');
        continue;
      }
      if (refs !== held) errors.push(`block ${b}: ${refs} refs, ${held} holders`);
      const places = (refs > 0 ? 1 : 0) + (inPlain.has(b) ? 1 : 0) + (this.cached.has(b) ? 1 : 0);
      if (places !== 1) errors.push(`block ${b} is in ${places} places`);
      if (this.cached.has(b) && this.keys[b] === undefined) errors.push(`cached block ${b} has no key`);
      if (inPlain.has(b) && this.keys[b] !== undefined) errors.push(`plain free block ${b} has a key`);
    }
    return errors;
  }

  private check(block: number): void {
    if (!Number.isInteger(block) || block < 1 || block >= this.numBlocks) {
      throw new RangeError(`no such block ${block}`);
    }
  }
}
