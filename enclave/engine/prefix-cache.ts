/**
 * Prefix cache: full KV blocks named by a hash chain, so that requests that start with the same tokens
 * share the same blocks (copy-on-write: a keyed block is never written again).
 *
 * key_i = SHA-256(key_{i-1} || model || salt || tokens of block i). The chain makes a block's key
 * name its whole prefix, not just its own tokens. The salt scopes sharing: a hit is observable as a
 * faster first token, which would tell one tenant what another one sent, so by default the API passes
 * a per-client-session salt and only an operator-marked shared prefix uses the salt 'public'.
 */
import { createHash } from 'node:crypto';
import type { BlockPool } from './block-pool.ts';

export class PrefixCache {
  private readonly byKey = new Map<string, number>();

  constructor(
    private readonly pool: BlockPool,
    private readonly model: string,
    private readonly blockSize: number,
  ) {
    pool.onEvict = (block, key) => {
      if (this.byKey.get(key) === block) this.byKey.delete(key);
    };
  }

  get size(): number {
    return this.byKey.size;
  }

  /** The keys of every full block of `tokens`, in order. */
  keys(tokens: readonly number[], salt: string): string[] {
    const out: string[] = [];
    const full = Math.floor(tokens.length / this.blockSize);
    for (let i = 0; i < full; i++) out.push(this.keyOf(out[i - 1] ?? '', tokens, i, salt));
    return out;
  }

  /** The key of block `index` of `tokens`, given the key of the block before it ('' for the first). */
  keyOf(parent: string, tokens: readonly number[], index: number, salt: string): string {
    const h = createHash('sha256');
    // Length-prefixed fields so that no two (model, salt) pairs can collide by concatenation.
    h.update(`${parent}\0${this.model.length}:${this.model}\0${salt.length}:${salt}\0`);
    h.update(Int32Array.from(tokens.slice(index * this.blockSize, (index + 1) * this.blockSize)));
    return h.digest('base64');
  }

  /** The longest run of cached full blocks that starts `keys`, each retained for the caller. */
  acquire(keys: readonly string[]): number[] {
    const blocks: number[] = [];
    for (const key of keys) {
      const b = this.byKey.get(key);
      if (b === undefined) break;
      this.pool.retain(b);
      blocks.push(b);
    }
    return blocks;
  }

  /** The block cached under `key`, retained, or undefined. Does not count as a hit. */
  acquireOne(key: string): number | undefined {
    const b = this.byKey.get(key);
    if (b !== undefined) this.pool.retain(b);
    return b;
  }

  /** Names a held, completely written block. A key already taken by another block is left as it is. */
  register(block: number, key: string): void {
    if (this.pool.keyOf(block) !== undefined) return;
    if (this.byKey.has(key)) return;
    this.byKey.set(key, block);
    this.pool.setKey(block, key);
  }

  /** Forgets `block`'s key (before its contents change). */
  forget(block: number): void {
    const key = this.pool.clearKey(block);
    if (key !== undefined && this.byKey.get(key) === block) this.byKey.delete(key);
  }

  /** Every (key, block) pair, for invariant checks. */
  entries(): IterableIterator<[string, number]> {
    return this.byKey.entries();
  }
}
