/**
 * The ONNX decoder graph against the reference forward pass: one sequence, no past (past_lens = 0, a
 * one-wide block table of block 0, whose garbage must be masked away).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { referenceLogits } from '../../../enclave/model/reference.ts';
import { VOCAB_SIZE } from '../../../enclave/tokenizer/vocab.ts';
import { fcParams } from '../../support/seed.ts';
import type { Tiny } from './support.ts';
import { makePools, maxAbsDiff, openTiny, runStep } from './support.ts';

let tiny: Tiny;
beforeAll(async () => {
  tiny = await openTiny();
});
afterAll(async () => {
  await tiny.session.release();
});

const TOL = 1e-4;

describe('decoder graph, no past', () => {
  it('has exactly the contract interface', () => {
    expect(tiny.session.inputNames.slice(0, 5)).toEqual([
      'input_ids',
      'positions',
      'past_lens',
      'block_table',
      'sample_index',
    ]);
    expect(tiny.session.outputNames[0]).toBe('logits');
    expect(tiny.session.inputNames).toContain('v_pool.3');
    expect(tiny.session.outputNames).toContain('k_new.3');
  });

  it('matches referenceLogits at the sampled position for random prompts', async () => {
    const pools = makePools(tiny.config, 2, () => 1e3); // block 0 holds huge garbage: masking must hide it
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: VOCAB_SIZE - 1 }), { minLength: 1, maxLength: 24 }),
        fc.nat(),
        async (tokens, pick) => {
          const sampleIndex = pick % tokens.length;
          const res = await runStep(tiny, pools, [{ tokens, pastLen: 0, blockTable: [0], sampleIndex }]);
          const ref = referenceLogits(tiny.weights, tiny.config, tokens);
          expect(maxAbsDiff(res.logits[0]!, ref[sampleIndex]!)).toBeLessThan(TOL);
        },
      ),
      fcParams(8),
    );
  });

  it('gives logits that are finite and far from uniform', async () => {
    const pools = makePools(tiny.config, 1, () => 0);
    const res = await runStep(tiny, pools, [{ tokens: [256, 259, 104, 105], pastLen: 0, blockTable: [0] }]);
    const l = res.logits[0]!;
    expect(l.every(Number.isFinite)).toBe(true);
    const mean = l.reduce((a, b) => a + b, 0) / l.length;
    const std = Math.sqrt(l.reduce((a, b) => a + (b - mean) ** 2, 0) / l.length);
    expect(std).toBeGreaterThan(0.5);
  });

  it('masks padding: a padded row gives the same logits and K/V as the unpadded one', async () => {
    const pools = makePools(tiny.config, 1, () => -7);
    const a = [1, 2, 3, 4, 5, 6, 7];
    const b = [9, 8];
    const both = await runStep(tiny, pools, [
      { tokens: a, pastLen: 0, blockTable: [0] },
      { tokens: b, pastLen: 0, blockTable: [0] },
    ]);
    const alone = await runStep(tiny, pools, [{ tokens: b, pastLen: 0, blockTable: [0] }]);
    expect(maxAbsDiff(both.logits[1]!, alone.logits[0]!)).toBeLessThan(TOL);
    expect(maxAbsDiff(both.kNew[2]![1]!, alone.kNew[2]![0]!)).toBeLessThan(TOL);
    expect(maxAbsDiff(both.vNew[3]![1]!, alone.vNew[3]![0]!)).toBeLessThan(TOL);
  });
});
