/**
 * The KV block pool's bookkeeping (not its memory: see kv-memory.ts). Blocks are fixed-size pages of
 * `blockSize` token slots. Each block has a reference count: one per holder (a running sequence, a
 * session, a swapped sequence never holds blocks). A block whose count drops to zero is free; if it
 * also carries a prefix-cache key it stays readable as *cached* until it is reused.
 *
 * Eviction order: never-cached (plain) free blocks are handed out first, then cached ones in
 * least-recently-released order (LRU), so a hot shared prefix survives the longest. Block 0 is
 * reserved for padding (graph-contract.ts: block tables are padded with 0, and it is never read
 * unmasked), so it is never handed out.
 *
 * Placement: every decode step gathers each sequence's past through its block table, and that copy
 * runs faster when a sequence's blocks are consecutive and ascending in the pool than when they are
 * scattered (`npm run bench -- decode`, B = 16 x 1k: 1.2x). So among plain free blocks the pool
 * chooses: `allocate(after)` takes `after + 1` when it is plain free (the caller's last block: the
 * sequence grows in place); otherwise it starts the block at the longest run of plain free blocks,
 * in the middle of that run when the block before it is the last one handed to some other holder
 * (that holder grows into the run's first half). When no plain block is left, it evicts cached
 * blocks in strict LRU order, `evictBatch` of them at once (an eighth of the pool by default), so
 * that placement has runs to choose from. Which cached block loses its key when is unchanged except
 * that up to `evictBatch` of them lose it a little early: the cost is that much prefix-cache room.
 * Evicting one at a time hands each grower the next LRU block, so after some churn a sequence's
 * blocks end up scattered (bench/decode.ts's engine trace: 15% of block pairs consecutive against
 * 71% with the eighth, 82% with a quarter, at the same 57% of prompt tokens served by the prefix
 * cache; a shuffled table decodes 1.2-1.25x slower than the 71% one).
 */
import { FreeRuns } from './free-runs.ts';

export interface BlockPoolOptions {
  /** Cached blocks evicted at once when no plain free block is left (default: an eighth of the pool). */
  evictBatch?: number;
}

export class BlockPool {
  readonly numBlocks: number;
  private readonly refs: Int32Array;
  /** Prefix-cache key of a block, when its contents are a registered full block. */
  private readonly keys: (string | undefined)[];
  /** Free blocks that carry no key: reused first, placed by `place`. */
  private readonly plain: FreeRuns;
  /** Blocks that were the last one handed to their holder (the next `after` hint, if it grows). */
  private readonly tail: Uint8Array;
  readonly evictBatch: number;
  /** Free blocks that carry a key, in LRU order (Map keeps insertion order; re-insert = most recent). */
  private readonly cached = new Map<number, true>();
  /** Called when a cached block is reused, so that the prefix cache forgets its key. */
  onEvict: (block: number, key: string) => void = () => {};

  constructor(numBlocks: number, opts: BlockPoolOptions = {}) {
    if (!Number.isInteger(numBlocks) || numBlocks < 2) throw new RangeError('a pool needs at least 2 blocks');
    const batch = opts.evictBatch ?? Math.max(1, Math.floor((numBlocks - 1) / 8));
    if (!Number.isInteger(batch) || batch < 1) throw new RangeError('evictBatch must be a positive integer');
    this.numBlocks = numBlocks;
    this.evictBatch = batch;
    this.refs = new Int32Array(numBlocks);
    this.keys = new Array<string | undefined>(numBlocks).fill(undefined);
    this.tail = new Uint8Array(numBlocks);
    this.plain = new FreeRuns(numBlocks);
    for (let b = 1; b < numBlocks; b++) this.plain.add(b);
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

  /**
   * Hands out a block with reference count 1: `after + 1` if it is plain free (`after`: the caller's
   * last block, so that a sequence grows in place), else a plain block chosen by `place`. With no
   * plain block left, first evicts the least recently used cached blocks.
   */
  allocate(after?: number): number | undefined {
    if (this.plain.length === 0) this.evict();
    if (this.plain.length === 0) return undefined;
    const block = after !== undefined && this.plain.has(after + 1) ? after + 1 : this.place();
    this.plain.delete(block);
    if (after !== undefined && after >= 0 && after < this.numBlocks) this.tail[after] = 0;
    this.tail[block] = 1;
    this.refs[block] = 1;
    return block;
  }

  /**
   * Where a block with no neighbour to follow goes: the start of the longest plain free run, or its
   * middle when the block before the run is another holder's last block, so that both can grow.
   */
  private place(): number {
    const [start, length] = this.plain.longest();
    return start > 0 && this.tail[start - 1] === 1 ? start + (length >> 1) : start;
  }

  /** Evicts up to `evictBatch` cached blocks, least recently used first, into the plain free set. */
  private evict(): void {
    for (const block of this.cached.keys()) {
      if (this.plain.length >= this.evictBatch) break;
      this.cached.delete(block);
      const key = this.keys[block]!;
      this.keys[block] = undefined;
      this.plain.add(block);
      this.onEvict(block, key);
    }
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
      this.tail[block] = 0;
      if (this.keys[block] !== undefined) this.cached.set(block, true);
      else this.plain.add(block);
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
    if (this.cached.delete(block)) this.plain.add(block);
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
    const inPlain = new Set(this.plain.values());
    if (inPlain.size !== this.plain.length) errors.push('the free count is off');
    const [, longest] = this.plain.longest();
    let run = 0;
    let most = 0;
    for (let b = 0; b < this.numBlocks; b++) {
      run = inPlain.has(b) ? run + 1 : 0;
      most = Math.max(most, run);
    }
    if (longest !== most) errors.push(`longest free run ${longest}, counted ${most}`);
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
      if (refs === 0 && this.tail[b] === 1) errors.push(`free block ${b} is marked as a holder's last`);
    }
    return errors;
  }

  private check(block: number): void {
    if (!Number.isInteger(block) || block < 1 || block >= this.numBlocks) {
      throw new RangeError(`no such block ${block}`);
    }
  }
}

/**
 * The share of block pairs, over every table, that are consecutive and ascending in the pool: what
 * placement aims for (1 when there are no pairs). The decode bench prints it; the tests check it.
 */
export function consecutiveShare(tables: readonly (readonly number[])[]): number {
  let pairs = 0;
  let next = 0;
  for (const t of tables)
    for (let j = 1; j < t.length; j++) {
      pairs++;
      if (t[j] === t[j - 1]! + 1) next++;
    }
  return pairs === 0 ? 1 : next / pairs;
}
