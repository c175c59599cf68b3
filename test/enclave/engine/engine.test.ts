/**
 * The engine handle over its worker thread, with the real tiny model: generation, seeded
 * determinism, queue_full, cancellation through AbortSignal, sessions and stats.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../../enclave/engine/engine.ts';
import { bytesPerBlock } from '../../../enclave/engine/kv-memory.ts';
import type { Engine, GenerateRequest, GenerationEvent } from '../../../enclave/engine/types.ts';
import { EngineError } from '../../../enclave/engine/types.ts';
import { BUILTIN_CONFIGS, DEFAULT_BLOCK_SIZE } from '../../../enclave/model/config.ts';
import { params } from './support/drive.ts';

let engine: Engine;

beforeAll(async () => {
  engine = await createEngine({
    model: 'tiny',
    // 64 blocks, one of them block 0 (padding).
    kvMemoryBytes: 64 * bytesPerBlock({ ...BUILTIN_CONFIGS.tiny, blockSize: DEFAULT_BLOCK_SIZE }),
    queueLimit: 3,
    hostOffloadBytes: 0,
  });
}, 60_000);
afterAll(async () => {
  await engine?.close();
});

async function collect(req: GenerateRequest): Promise<{ tokens: number[]; done: GenerationEvent }> {
  const tokens: number[] = [];
  for await (const ev of engine.generate(req)) {
    if (ev.type === 'token') tokens.push(ev.id);
    else return { tokens, done: ev };
  }
  throw new Error('no done event');
}

const prompt = Array.from({ length: 40 }, (_, i) => (i * 13) % 256);

describe('createEngine (worker thread, tiny model)', () => {
  it('describes its model', () => {
    expect(engine.model.id).toBe('tacit-tiny');
    expect(engine.model.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(engine.model.maxContext).toBe(4096);
  });

  it('generates with timings; the same seed gives the same tokens', async () => {
    const sampling = params({ temperature: 0.9, topK: 20, topP: 0.95, seed: 1234, maxTokens: 12 });
    const a = await collect({ promptTokens: prompt, sampling });
    const b = await collect({ promptTokens: prompt, sampling });
    const c = await collect({ promptTokens: prompt, sampling: { ...sampling, seed: 99 } });
    expect(a.tokens).toHaveLength(12);
    expect(b.tokens).toEqual(a.tokens);
    expect(c.tokens).not.toEqual(a.tokens);
    if (a.done.type !== 'done') throw new Error('unreachable');
    expect(a.done.finishReason).toBe('length');
    const t = a.done.timings!;
    expect(t.queuedAt).toBeLessThanOrEqual(t.admittedAt!);
    expect(t.admittedAt!).toBeLessThanOrEqual(t.firstTokenAt!);
    expect(t.firstTokenAt!).toBeLessThanOrEqual(t.finishedAt);
  });

  it('cancels through an AbortSignal and frees the blocks', async () => {
    const ac = new AbortController();
    const events: GenerationEvent[] = [];
    for await (const ev of engine.generate({
      promptTokens: prompt,
      sampling: params({ maxTokens: 2000 }),
      signal: ac.signal,
    })) {
      events.push(ev);
      if (events.length === 3) ac.abort();
    }
    const done = events.at(-1)!;
    expect(done.type === 'done' && done.finishReason).toBe('cancelled');
    const s = await engine.stats();
    expect(s.blocksUsed).toBe(0);
    expect(s.runningSequences).toBe(0);
  });

  it('refuses with queue_full when the queue is at its limit', async () => {
    const reqs = Array.from({ length: 8 }, () =>
      collect({ promptTokens: prompt, sampling: params({ maxTokens: 3 }) }).then(
        () => 'ok',
        (e: unknown) => (e instanceof EngineError ? e.code : 'other'),
      ),
    );
    const results = await Promise.all(reqs);
    expect(results).toContain('queue_full');
    expect(results).toContain('ok');
  });

  it('keeps a session across turns, reports and closes it', async () => {
    const t1 = await collect({
      promptTokens: prompt,
      sampling: params({ maxTokens: 4 }),
      sessionId: 'agent',
    });
    expect((await engine.pauseSession('agent')).state).toBe('paused');
    expect((await engine.setSessionTtl('agent', 60_000)).ttlMs).toBeLessThanOrEqual(60_000);
    expect((await engine.resumeSession('agent')).state).toBe('active');
    const t2 = await collect({
      promptTokens: [...prompt, ...t1.tokens, 7, 8],
      sampling: params({ maxTokens: 4 }),
      sessionId: 'agent',
    });
    if (t2.done.type !== 'done') throw new Error('unreachable');
    expect(t2.done.usage.cachedTokens).toBe(prompt.length + 3);
    expect((await engine.getSession('agent'))?.contextTokens).toBe(prompt.length + 4 + 2 + 3);
    await engine.closeSession('agent');
    expect(await engine.getSession('agent')).toBeUndefined();
    await expect(engine.pauseSession('agent')).rejects.toMatchObject({ code: 'no_such_session' });
  });

  it('reports stats with capacity for given context lengths', async () => {
    const s = await engine.stats();
    expect(s.blocksTotal).toBe(63);
    expect(s.blockSize).toBe(16);
    expect(s.capacityAt[512]).toBe(1);
    expect(s.capacityAt[4096]).toBe(0);
    expect(s.blocksUsed + s.blocksCached + s.blocksFree).toBe(63);
  });
});
