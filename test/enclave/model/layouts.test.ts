/**
 * The two attention layouts of attention.ts compute the same function: 'grouped' (the built-in
 * models) against 'stacked' (builder version 1, the baseline of bench/decode.ts), on batched steps
 * over garbage-filled pools with different past lengths, for decode (T = 1) and prefill-like T > 1.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeDecoderModel } from '../../../enclave/model/encode-model.ts';
import { VOCAB_SIZE } from '../../../enclave/tokenizer/vocab.ts';
import { fcParams } from '../../support/seed.ts';
import type { SeqStep, Tiny } from './support.ts';
import { BLOCK, makePools, maxAbsDiff, openTiny, runStep } from './support.ts';

let grouped: Tiny;
let stacked: Tiny;
beforeAll(async () => {
  [grouped, stacked] = await Promise.all([openTiny('grouped'), openTiny('stacked')]);
});
afterAll(async () => {
  await Promise.all([grouped.session.release(), stacked.session.release()]);
});

const TOL = 1e-4;
const NUM_BLOCKS = 16;

/** Deterministic garbage: a pool that was never written must not matter beyond past_lens. */
function garbage(): () => number {
  let s = 7;
  return () => {
    s = (s * 48271) % 2147483647;
    return (s / 2147483647) * 8 - 4;
  };
}

const seq = fc.record({
  tokens: fc.array(fc.integer({ min: 0, max: VOCAB_SIZE - 1 }), { minLength: 1, maxLength: 5 }),
  pastLen: fc.integer({ min: 0, max: 3 * BLOCK }),
});

describe('attention layouts', () => {
  it('grouped and stacked give the same logits and K/V rows', async () => {
    const pools = makePools(grouped.config, NUM_BLOCKS, garbage());
    await fc.assert(
      fc.asyncProperty(fc.array(seq, { minLength: 1, maxLength: 4 }), fc.boolean(), async (seqs, decode) => {
        let next = 1;
        const steps: SeqStep[] = seqs.map((s) => {
          const width = Math.ceil(s.pastLen / BLOCK);
          const blockTable = Array.from({ length: width }, () => next++);
          return { tokens: decode ? s.tokens.slice(0, 1) : s.tokens, pastLen: s.pastLen, blockTable };
        });
        const a = await runStep(grouped, pools, steps);
        const b = await runStep(stacked, pools, steps);
        steps.forEach((_, i) => {
          expect(maxAbsDiff(a.logits[i]!, b.logits[i]!)).toBeLessThan(TOL);
          expect(maxAbsDiff(a.kNew[1]![i]!, b.kNew[1]![i]!)).toBeLessThan(TOL);
          expect(maxAbsDiff(a.vNew[3]![i]!, b.vNew[3]![i]!)).toBeLessThan(TOL);
        });
      }),
      fcParams(10),
    );
  });

  it('are different graphs', () => {
    // A guard for the property above: the option really selects another layout.
    const g = encodeDecoderModel(grouped.config, grouped.weights, BLOCK);
    const s = encodeDecoderModel(grouped.config, grouped.weights, BLOCK, { attention: 'stacked' });
    expect(Buffer.compare(g, s)).not.toBe(0);
    expect(
      Buffer.compare(g, encodeDecoderModel(grouped.config, grouped.weights, BLOCK, { attention: 'grouped' })),
    ).toBe(0);
  });
});
