/**
 * Where the pool places blocks (block-pool.ts, "Placement"): a sequence grows in place, new ones
 * start where they have room, and none of it changes which cached block is evicted when.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BlockPool, consecutiveShare } from '../../../enclave/engine/block-pool.ts';
import { EngineCore } from '../../../enclave/engine/core.ts';
import { FreeRuns } from '../../../enclave/engine/free-runs.ts';
import { bytesPerBlock, KvMemory } from '../../../enclave/engine/kv-memory.ts';
import { OffloadStore } from '../../../enclave/engine/offload-store.ts';
import { PrefixCache } from '../../../enclave/engine/prefix-cache.ts';
import type { RunRow } from '../../../enclave/engine/runner.ts';
import { DEFAULT_PLAN } from '../../../enclave/engine/scheduler.ts';
import { SessionTable } from '../../../enclave/engine/sessions.ts';
import { fcParams } from '../../support/seed.ts';
import { drain, params, submit } from './support/drive.ts';
import { FAKE_SHAPE, FakeRunner } from './support/fake-runner.ts';

describe('FreeRuns', () => {
  it('knows its longest run (the lowest among equals) through random adds and deletes', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(99), { minLength: 1, maxLength: 400 }), (picks) => {
        const runs = new FreeRuns(100);
        const model = new Uint8Array(100);
        for (const b of picks) {
          if (model[b] === 1) runs.delete(b);
          else runs.add(b);
          model[b] ^= 1;
          let best: [number, number] = [-1, 0];
          let run = 0;
          for (let i = 0; i < 100; i++) {
            run = model[i] === 1 ? run + 1 : 0;
            if (run > best[1]) best = [i - run + 1, run];
          }
          expect(runs.longest()).toEqual(best);
          expect(runs.length).toBe(model.reduce((a, x) => a + x, 0));
        }
      }),
      fcParams(3),
    );
  });

  it('refuses to add a member twice or delete a non-member', () => {
    const runs = new FreeRuns(4);
    runs.add(2);
    expect(() => runs.add(2)).toThrow(/already free/);
    expect(() => runs.delete(1)).toThrow(/not free/);
  });
});

describe('BlockPool placement', () => {
  it('grows a holder in place and starts a new one at the longest free run', () => {
    const pool = new BlockPool(32);
    const a = [pool.allocate()!];
    for (let i = 0; i < 3; i++) a.push(pool.allocate(a.at(-1))!);
    expect(a).toEqual([1, 2, 3, 4]);
    // The run after a's last block is a's to grow into: a new holder starts in its middle.
    const b = pool.allocate()!;
    expect(b).toBe(5 + Math.floor(27 / 2));
    // A hint whose next block is taken falls back to placement, never to a held block.
    const c = pool.allocate(b - 1)!;
    expect(c).not.toBe(b);
    expect(pool.refCount(c)).toBe(1);
    expect(pool.checkInvariants(new Map([...a, b, c].map((x) => [x, 1])))).toEqual([]);
  });

  it('keeps interleaved growers each contiguous and ascending in a fresh pool', () => {
    const pool = new BlockPool(257);
    const seqs: number[][] = Array.from({ length: 4 }, () => []);
    for (let round = 0; round < 40; round++) {
      for (const s of seqs) s.push(pool.allocate(s.at(-1))!);
    }
    expect(consecutiveShare(seqs)).toBe(1);
  });

  it('hands a released contiguous run back as a run', () => {
    const pool = new BlockPool(65, { evictBatch: 1 });
    const held: number[] = [];
    for (let i = 0; i < 64; i++) held.push(pool.allocate(held.at(-1))!);
    // Front to back, as the engine releases a finished sequence: the old free stack reversed it.
    for (const b of held.slice(8, 24)) pool.release(b);
    const again: number[] = [pool.allocate()!];
    for (let i = 1; i < 16; i++) again.push(pool.allocate(again.at(-1))!);
    expect(again).toEqual(held.slice(8, 24));
  });

  it('evicts cached blocks only when no plain block is left, in LRU order, evictBatch at a time', () => {
    const pool = new BlockPool(9, { evictBatch: 3 });
    const evicted: number[] = [];
    pool.onEvict = (b) => evicted.push(b);
    const all = Array.from({ length: 8 }, () => pool.allocate()!);
    for (const b of all) pool.setKey(b, `k${b}`);
    // Released in this order: LRU order is 6, 2, 8, 4, 1, ... after the touch of 6.
    for (const b of [6, 2, 8, 4, 1, 3, 5, 7]) pool.release(b);
    pool.touch(6);
    // The hint's next block (7) is cached but recently used: it is not evicted out of turn.
    expect([2, 8, 4]).toContain(pool.allocate(6));
    expect(evicted).toEqual([2, 8, 4]);
    expect(pool.keyOf(7)).toBe('k7');
    expect(pool.cachedCount).toBe(5);
    expect(pool.freeCount).toBe(2);
    pool.allocate();
    pool.allocate();
    expect(evicted).toEqual([2, 8, 4]);
    pool.allocate();
    expect(evicted).toEqual([2, 8, 4, 1, 3, 5]);
  });

  it('hands out a plain block before evicting any cached one, whatever the hint', () => {
    const pool = new BlockPool(6, { evictBatch: 5 });
    const evicted: number[] = [];
    pool.onEvict = (b) => evicted.push(b);
    const [a, b] = [pool.allocate()!, pool.allocate()!, pool.allocate()!];
    pool.setKey(b, 'b');
    pool.release(b);
    expect(pool.allocate(a)).not.toBe(b);
    expect(pool.allocate(a)).not.toBe(b);
    expect(evicted).toEqual([]);
    expect(pool.allocate(a)).toBe(b);
    expect(evicted).toEqual([b]);
  });
});

describe('BlockPool eviction order with placement', () => {
  it('evicts exactly in LRU order, never while a plain block is free, through 10,000 hinted operations', () => {
    // Holders grow with their last block as the hint; a model of the LRU list says which cached
    // block must be evicted next, whatever block the placement hands out.
    const op = fc.record({ kind: fc.nat(6), pick: fc.nat(1_000_000), key: fc.nat(11) });
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 16 }),
        fc.array(op, { minLength: 10_000, maxLength: 10_000 }),
        (evictBatch, ops) => {
          const pool = new BlockPool(48, { evictBatch });
          const lru: number[] = [];
          const evicted: number[] = [];
          pool.onEvict = (b) => {
            evicted.push(b);
            expect(b).toBe(lru.shift());
          };
          const holders: number[][] = [];
          const drop = (b: number): void => {
            const i = lru.indexOf(b);
            if (i >= 0) lru.splice(i, 1);
          };
          let nextKey = 0;
          for (const { kind, pick, key } of ops) {
            const h = holders.length > 0 ? holders[pick % holders.length]! : undefined;
            if (kind === 0 || !h) {
              holders.push([]);
            } else if (kind === 1) {
              const plainBefore = pool.freeCount;
              const n = evicted.length;
              const b = pool.allocate(h.at(-1));
              if (plainBefore > 0) expect(evicted.length).toBe(n);
              if (b !== undefined) h.push(b);
            } else if (kind === 2 && h.length > 0 && pool.keyOf(h.at(-1)!) === undefined) {
              pool.setKey(h.at(-1)!, `k${nextKey++}`);
            } else if (kind === 3) {
              for (const b of h) {
                pool.release(b);
                if (pool.refCount(b) === 0 && pool.keyOf(b) !== undefined) lru.push(b);
              }
              holders.splice(holders.indexOf(h), 1);
            } else if (kind === 4 && lru.length > 0) {
              const b = lru[pick % lru.length]!;
              if (key % 2 === 0) {
                pool.touch(b);
                drop(b);
                lru.push(b);
              } else {
                pool.retain(b);
                drop(b);
                h.push(b);
              }
            } else if (kind === 5 && lru.length > 0) {
              const b = lru[pick % lru.length]!;
              pool.clearKey(b);
              drop(b);
            } else if (kind === 6) {
              for (const b of h) pool.retain(b);
              holders.push([...h]);
            }
          }
          const count = new Map<number, number>();
          for (const h of holders) for (const b of h) count.set(b, (count.get(b) ?? 0) + 1);
          expect(pool.checkInvariants(count)).toEqual([]);
          expect(pool.cachedCount).toBe(lru.length);
        },
      ),
      fcParams(3),
    );
  });
});

describe('session restore placement', () => {
  it('brings an offloaded session back into consecutive blocks, each following the one before', () => {
    const pool = new BlockPool(64);
    const ctx = {
      pool,
      cache: new PrefixCache(pool, 'm', FAKE_SHAPE.blockSize),
      kv: new KvMemory(FAKE_SHAPE, 64),
      store: new OffloadStore({ hostBytes: 1 << 20 }),
      blockSize: FAKE_SHAPE.blockSize,
    };
    const table = new SessionTable(ctx, null);
    const s = table.getOrCreate('s', 0);
    // A session whose blocks were scattered, offloaded, and the pool churned meanwhile.
    const scattered = [40, 7, 22, 13, 55, 30];
    const taken: number[] = [];
    while (taken.length < 63) taken.push(pool.allocate()!);
    for (const b of taken) if (!scattered.includes(b)) pool.release(b);
    s.entries = scattered.map((block) => ({ block }));
    s.tokens = Array(scattered.length * FAKE_SHAPE.blockSize).fill(1);
    table.offload(s);
    expect(table.restore(s, (after) => pool.allocate(after))).toBe(true);
    const blocks = s.entries.map((e) => ('block' in e ? e.block : 0));
    expect(blocks.slice(1)).toEqual(blocks.slice(0, -1).map((b) => b + 1));
    ctx.store.close();
  });
});

/** A fake model that also keeps the block table of every row it runs. */
class RecordingRunner extends FakeRunner {
  rows: RunRow[] = [];
  override async run(rows: readonly RunRow[], memory: KvMemory): Promise<Float32Array> {
    for (const r of rows) this.rows.push({ ...r, blocks: [...r.blocks] });
    return super.run(rows, memory);
  }
}

describe('engine layout after a swap', () => {
  it('swaps a sequence back in to consecutive blocks, each following the one before', async () => {
    const runner = new RecordingRunner();
    const core = new EngineCore(runner, {
      kvMemoryBytes: 40 * bytesPerBlock(FAKE_SHAPE),
      hostOffloadBytes: 1 << 20,
      swapThresholdTokens: 8,
      admissionLookahead: 0,
      plan: { ...DEFAULT_PLAN, prefillChunk: 8 },
      now: () => 0,
    });
    // Together they outgrow the pool: one is swapped out and comes back after the other ends.
    submit(core, { promptTokens: [1, 2, 3, 4, 5, 6, 7, 8], sampling: params({ maxTokens: 100 }) });
    submit(core, { promptTokens: [2, 2, 3, 4, 5, 6, 7, 8], sampling: params({ maxTokens: 80 }) });
    await drain(core);
    expect(core.stats().preemptions.swap).toBe(1);
    // The last run is the swapped sequence alone; its 27 blocks break at most once (around the
    // block its neighbour held when it came back).
    const last = runner.rows.at(-1)!.blocks;
    expect(last).toHaveLength(27);
    expect(consecutiveShare([last])).toBeGreaterThanOrEqual(25 / 26);
  });
});

describe('engine layout after churn', () => {
  it('gives long decoding sequences mostly consecutive blocks once the pool has been reused', async () => {
    const runner = new RecordingRunner(1024);
    const core = new EngineCore(runner, { kvMemoryBytes: 512 * bytesPerBlock(FAKE_SHAPE), now: () => 0 });
    let x = 12345;
    const rnd = (n: number): number => {
      x = (x * 48271) % 2147483647;
      return x % n;
    };
    const text = (n: number): number[] => Array.from({ length: n }, () => rnd(24));
    let submitted = 0;
    // A closed loop of 8 clients: a finished request is replaced by a new one at the next step.
    const live: { finishReason?: string }[] = [];
    const longs: { finishReason?: string }[] = [];
    let tables: number[][] | undefined;
    for (let step = 0; step < 20_000 && tables === undefined; step++) {
      for (let i = live.length - 1; i >= 0; i--) if (live[i]!.finishReason !== undefined) live.splice(i, 1);
      while (live.length < 8 && submitted < 60) {
        submitted++;
        live.push(
          submit(core, {
            promptTokens: text(8 + rnd(100)),
            sampling: params({ maxTokens: 4 + rnd(100), temperature: 1, seed: step }),
            cacheSalt: `c${submitted}`,
          }).out,
        );
      }
      if (submitted >= 60 && longs.length < 4 && step % 5 === 0) {
        longs.push(
          submit(core, { promptTokens: text(40 + rnd(60)), sampling: params({ maxTokens: 400 }) }).out,
        );
      }
      runner.rows = [];
      await core.step();
      if (step % 64 === 0) expect(core.ctx.pool.checkInvariants(core.holders())).toEqual([]);
      const past = runner.rows.filter((r) => r.tokens.length === 1 && r.pastLen >= 240);
      if (past.length === 4) tables = past.map((r) => r.blocks.slice(0, 60));
    }
    expect(tables).toBeDefined();
    expect(core.ctx.pool.checkInvariants(core.holders())).toEqual([]);
    // 0.58 here; evicting one cached block at a time (evictBatch 1) leaves 0.11, the old free stack
    // with one-at-a-time LRU reuse about as scattered.
    expect(consecutiveShare(tables!)).toBeGreaterThan(0.45);
  });
});
