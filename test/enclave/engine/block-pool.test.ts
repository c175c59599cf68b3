import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BlockPool } from '../../../enclave/engine/block-pool.ts';
import { PrefixCache } from '../../../enclave/engine/prefix-cache.ts';
import { fcParams } from '../../support/seed.ts';

describe('BlockPool', () => {
  it('never hands out block 0 and hands out every other block once', () => {
    const pool = new BlockPool(5);
    const got = [pool.allocate(), pool.allocate(), pool.allocate(), pool.allocate()];
    expect(got.sort()).toEqual([1, 2, 3, 4]);
    expect(pool.allocate()).toBeUndefined();
    expect(pool.available).toBe(0);
  });

  it('rejects a double free', () => {
    const pool = new BlockPool(3);
    const b = pool.allocate()!;
    pool.release(b);
    expect(() => pool.release(b)).toThrow(/double free/);
  });

  it('evicts cached blocks in least-recently-released order, plain free blocks first', () => {
    const pool = new BlockPool(5);
    const evicted: number[] = [];
    pool.onEvict = (b) => evicted.push(b);
    const [a, b, c, d] = [pool.allocate()!, pool.allocate()!, pool.allocate()!, pool.allocate()!];
    pool.setKey(a, 'a');
    pool.setKey(b, 'b');
    pool.setKey(c, 'c');
    pool.release(b);
    pool.release(a);
    pool.release(c);
    pool.release(d); // plain: reused first
    pool.touch(b); // b is now the most recent
    expect(pool.allocate()).toBe(d);
    expect(evicted).toEqual([]);
    expect([pool.allocate(), pool.allocate(), pool.allocate()]).toEqual([a, c, b]);
    expect(evicted).toEqual([a, c, b]);
  });
});

describe('PrefixCache', () => {
  it('chains keys: a block key names its whole prefix, salt and model', () => {
    const pool = new BlockPool(4);
    const cache = new PrefixCache(pool, 'm', 2);
    const k1 = cache.keys([1, 2, 3, 4, 5], 's');
    expect(k1).toHaveLength(2);
    expect(cache.keys([9, 9, 3, 4], 's')[1]).not.toBe(k1[1]);
    expect(cache.keys([1, 2, 3, 4], 't')[0]).not.toBe(k1[0]);
    expect(new PrefixCache(new BlockPool(4), 'n', 2).keys([1, 2], 's')[0]).not.toBe(k1[0]);
  });

  it('shares a registered block and drops it from the map when it is evicted', () => {
    const pool = new BlockPool(3);
    const cache = new PrefixCache(pool, 'm', 2);
    const [k] = cache.keys([1, 2], 's');
    const b = pool.allocate()!;
    cache.register(b, k!);
    pool.release(b);
    expect(cache.acquire([k!])).toEqual([b]);
    expect(pool.refCount(b)).toBe(1);
    pool.release(b);
    pool.allocate();
    pool.allocate(); // evicts b
    expect(cache.acquire([k!])).toEqual([]);
    expect(cache.size).toBe(0);
  });

  it('keeps every invariant through 10,000 random operations', () => {
    // Holders are modelled as lists of blocks (sequences); operations: new sequence with a prefix
    // lookup, grow, register a full block, fork (share), release a whole holder, forget a key.
    const op = fc.record({ kind: fc.nat(5), pick: fc.nat(1_000_000), prefix: fc.nat(7) });
    fc.assert(
      fc.property(fc.array(op, { minLength: 10_000, maxLength: 10_000 }), (ops) => {
        const pool = new BlockPool(64);
        const cache = new PrefixCache(pool, 'm', 4);
        const holders: number[][] = [];
        const prefixes = Array.from({ length: 8 }, (_, i) => cache.keys(Array(16).fill(i), 's'));
        for (const { kind, pick, prefix } of ops) {
          const h = holders.length > 0 ? holders[pick % holders.length]! : undefined;
          if (kind === 0) {
            holders.push(cache.acquire(prefixes[prefix]!));
          } else if (kind === 1 && h) {
            const b = pool.allocate();
            if (b !== undefined) h.push(b);
          } else if (kind === 2 && h && h.length > 0 && h.length <= 4) {
            cache.register(h[h.length - 1]!, prefixes[prefix]![h.length - 1]!);
          } else if (kind === 3 && h) {
            for (const b of h) pool.retain(b);
            holders.push([...h]);
          } else if (kind === 4 && h) {
            for (const b of h) pool.release(b);
            holders.splice(holders.indexOf(h), 1);
          } else if (kind === 5 && h && h.length > 0 && pool.refCount(h[0]!) === 1) {
            cache.forget(h[0]!);
          }
        }
        const count = new Map<number, number>();
        for (const h of holders) for (const b of h) count.set(b, (count.get(b) ?? 0) + 1);
        expect(pool.checkInvariants(count)).toEqual([]);
        for (const [key, b] of cache.entries()) expect(pool.keyOf(b)).toBe(key);
        // Releasing every holder returns every block.
        for (const h of holders) for (const b of h) pool.release(b);
        expect(pool.available).toBe(63);
        expect(pool.checkInvariants(new Map())).toEqual([]);
      }),
      fcParams(3),
    );
  });
});
