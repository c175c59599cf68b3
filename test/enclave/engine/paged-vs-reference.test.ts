/**
 * The acceptance property: whatever the chunking, batching, preemption and session offload/restore,
 * the paged engine's logits match a no-cache full recomputation of the tiny model (referenceLogits)
 * within 1e-4, and its greedy tokens are identical. Runs the core in-process over the real ONNX graph.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineCore } from '../../../enclave/engine/core.ts';
import { bytesPerBlock } from '../../../enclave/engine/kv-memory.ts';
import { OnnxRunner } from '../../../enclave/engine/onnx-runner.ts';
import { builtinConfig, builtinWeights, loadModel, referenceLogits } from '../../../enclave/model/index.ts';
import { fcParams } from '../../support/seed.ts';
import { drain, params, submit } from './support/drive.ts';
import { stressOptions } from './support/stress.ts';

let runner: OnnxRunner;
const config = builtinConfig('tiny');
const weights = builtinWeights('tiny');

beforeAll(async () => {
  runner = await OnnxRunner.create(await loadModel('tiny'), { intraOpNumThreads: 1 });
});
afterAll(async () => {
  await runner?.close();
});

function maxDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe('paged engine vs full recomputation (tiny model)', () => {
  it('matches through random chunking, batch mixes, preemption and session offload cycles', async () => {
    const BLOCK = bytesPerBlock(runner.shape);
    const tok = fc.integer({ min: 0, max: config.vocabSize - 1 });
    const reqArb = fc.record({
      prompt: fc.array(tok, { minLength: 1, maxLength: 70 }),
      maxTokens: fc.integer({ min: 1, max: 6 }),
      session: fc.constantFrom(undefined, 'x', 'y'),
    });
    const scenario = fc.record({
      blocks: fc.integer({ min: 14, max: 40 }),
      chunk: fc.integer({ min: 3, max: 48 }),
      budget: fc.integer({ min: 4, max: 96 }),
      maxBatch: fc.integer({ min: 1, max: 4 }),
      swapAt: fc.integer({ min: 1, max: 64 }),
      hostBlocks: fc.integer({ min: 0, max: 6 }),
      waves: fc.array(
        fc.record({
          reqs: fc.array(reqArb, { minLength: 1, maxLength: 4 }),
          offload: fc.subarray(['x', 'y']),
        }),
        { minLength: 1, maxLength: 2 },
      ),
    });
    let worst = 0;
    let checked = 0;
    await fc.assert(
      fc.asyncProperty(scenario, async (sc) => {
        // The pool runs dry: preemption paths must match the reference too.
        const core = new EngineCore(runner, stressOptions(sc, BLOCK));
        const context = new Map<string, number[]>();
        try {
          for (const wave of sc.waves) {
            const used = new Set<string>();
            const runs = wave.reqs.flatMap((r) => {
              const sid = r.session !== undefined && !used.has(r.session) ? r.session : undefined;
              if (sid !== undefined) used.add(sid);
              const prompt = [...(sid === undefined ? [] : (context.get(sid) ?? [])), ...r.prompt];
              if (Math.ceil((prompt.length + r.maxTokens) / runner.shape.blockSize) > sc.blocks - 1)
                return [];
              const req = {
                promptTokens: prompt,
                sampling: params({ maxTokens: r.maxTokens }),
                returnLogits: true,
              };
              const { out } = submit(core, sid === undefined ? req : { ...req, sessionId: sid });
              return [{ prompt, out, sid }];
            });
            await drain(core);
            for (const r of runs) {
              const ref = referenceLogits(weights, config, [...r.prompt, ...r.out.tokens]);
              expect(r.out.logits).toHaveLength(r.out.tokens.length);
              r.out.logits.forEach((l, i) => {
                const want = ref[r.prompt.length - 1 + i]!;
                const d = maxDiff(l, want);
                worst = Math.max(worst, d);
                expect(d).toBeLessThanOrEqual(1e-4);
                // Greedy: the token is the reference argmax (unless the top two are within float noise).
                const sorted = [...want].sort((a, b) => b - a);
                if (sorted[0]! - sorted[1]! > 1e-4) expect(r.out.tokens[i]).toBe(want.indexOf(sorted[0]!));
                checked++;
              });
              if (r.sid !== undefined) context.set(r.sid, [...r.prompt, ...r.out.tokens]);
            }
            for (const id of wave.offload) {
              const s = core.sessions.get(id);
              if (s !== undefined) {
                core.pauseSession(id);
                core.sessions.offload(s);
              }
            }
            expect(core.ctx.pool.checkInvariants(core.holders())).toEqual([]);
          }
        } finally {
          core.close();
        }
      }),
      fcParams(12),
    );
    expect(checked).toBeGreaterThan(50);
    expect(worst).toBeLessThanOrEqual(1e-4);
  }, 120_000);
});
