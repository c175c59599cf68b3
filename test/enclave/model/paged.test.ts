/**
 * The paged path: K/V rows written into the pools at a random block layout by a prefix run, then read
 * back through the block table by later runs. Unwritten slots hold garbage, so any slot that is not
 * masked (slot >= past_lens, padding blocks, block 0) would change the logits.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { referenceLogits } from '../../../enclave/model/reference.ts';
import { VOCAB_SIZE } from '../../../enclave/tokenizer/vocab.ts';
import { fcParams } from '../../support/seed.ts';
import type { SeqStep, Tiny } from './support.ts';
import { BLOCK, makePools, maxAbsDiff, openTiny, runStep, writeRows } from './support.ts';

let tiny: Tiny;
beforeAll(async () => {
  tiny = await openTiny();
});
afterAll(async () => {
  await tiny.session.release();
});

const TOL = 1e-4;
const NUM_BLOCKS = 12;
const token = fc.integer({ min: 0, max: VOCAB_SIZE - 1 });
/** A random layout: distinct physical blocks, never block 0 (reserved for padding). */
const layout = fc.shuffledSubarray(
  Array.from({ length: NUM_BLOCKS - 1 }, (_, i) => i + 1),
  { minLength: 4, maxLength: 4 },
);

/** Deterministic garbage for unwritten pool slots. */
function garbage(): () => number {
  let s = 1;
  return () => {
    s = (s * 48271) % 2147483647;
    return (s / 2147483647) * 20 - 10;
  };
}

describe('paged attention', () => {
  it('prefix run + paged run matches the reference at any sampled position', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(token, { minLength: 2, maxLength: 40 }),
        fc.nat(),
        fc.nat(),
        layout,
        async (tokens, cut, pick, blocks) => {
          const split = 1 + (cut % (tokens.length - 1));
          const pools = makePools(tiny.config, NUM_BLOCKS, garbage());
          const prefix: SeqStep = { tokens: tokens.slice(0, split), pastLen: 0, blockTable: blocks };
          // The prefix run reads nothing from the pool: a one-wide table of block 0, past_lens 0.
          const first = await runStep(tiny, pools, [{ ...prefix, blockTable: [0] }]);
          writeRows(tiny.config, pools, first, 0, prefix);
          const rest = tokens.slice(split);
          const sampleIndex = pick % rest.length;
          // The whole layout (and a padding block) goes in the table: blocks past past_lens must be masked.
          const res = await runStep(tiny, pools, [
            { tokens: rest, pastLen: split, blockTable: [...blocks, 0], sampleIndex },
          ]);
          const ref = referenceLogits(tiny.weights, tiny.config, tokens);
          expect(maxAbsDiff(first.logits[0]!, ref[split - 1]!)).toBeLessThan(TOL);
          expect(maxAbsDiff(res.logits[0]!, ref[split + sampleIndex]!)).toBeLessThan(TOL);
        },
      ),
      fcParams(6),
    );
  });

  it('decodes token by token across block boundaries like a full recomputation', async () => {
    const pools = makePools(tiny.config, NUM_BLOCKS, garbage());
    const table = [7, 3, 10];
    const tokens = Array.from({ length: BLOCK + 4 }, (_, i) => (i * 37 + 11) % 256);
    const prompt = 14;
    const ref = referenceLogits(tiny.weights, tiny.config, tokens);
    const pre: SeqStep = { tokens: tokens.slice(0, prompt), pastLen: 0, blockTable: table };
    const first = await runStep(tiny, pools, [{ ...pre, blockTable: [0] }]);
    writeRows(tiny.config, pools, first, 0, pre);
    for (let p = prompt; p < tokens.length; p++) {
      const step: SeqStep = { tokens: [tokens[p]!], pastLen: p, blockTable: table };
      const res = await runStep(tiny, pools, [step]);
      expect(maxAbsDiff(res.logits[0]!, ref[p]!)).toBeLessThan(TOL);
      writeRows(tiny.config, pools, res, 0, step);
    }
  });

  it('batches two sequences of different lengths exactly as running them separately', async () => {
    const pools = makePools(tiny.config, NUM_BLOCKS, garbage());
    const a = Array.from({ length: 25 }, (_, i) => (i * 13 + 5) % VOCAB_SIZE);
    const b = Array.from({ length: 5 }, (_, i) => (i * 29 + 1) % VOCAB_SIZE);
    // Prefixes into the pool: a has 20 tokens over blocks [4, 9], b has 3 tokens in block [2].
    const preA: SeqStep = { tokens: a.slice(0, 20), pastLen: 0, blockTable: [4, 9] };
    const preB: SeqStep = { tokens: b.slice(0, 3), pastLen: 0, blockTable: [2] };
    for (const pre of [preA, preB]) {
      writeRows(tiny.config, pools, await runStep(tiny, pools, [{ ...pre, blockTable: [0] }]), 0, pre);
    }
    const stepA: SeqStep = { tokens: a.slice(20), pastLen: 20, blockTable: [4, 9] };
    const stepB: SeqStep = { tokens: b.slice(3), pastLen: 3, blockTable: [2] };
    const together = await runStep(tiny, pools, [stepA, stepB]);
    const aloneA = await runStep(tiny, pools, [stepA]);
    const aloneB = await runStep(tiny, pools, [stepB]);
    expect(maxAbsDiff(together.logits[0]!, aloneA.logits[0]!)).toBeLessThan(TOL);
    expect(maxAbsDiff(together.logits[1]!, aloneB.logits[0]!)).toBeLessThan(TOL);
    for (let l = 0; l < tiny.config.nLayers; l++) {
      expect(maxAbsDiff(together.kNew[l]![1]!, aloneB.kNew[l]![0]!)).toBeLessThan(TOL);
      expect(maxAbsDiff(together.vNew[l]![0]!, aloneA.vNew[l]![0]!)).toBeLessThan(TOL);
    }
    expect(maxAbsDiff(together.logits[0]!, referenceLogits(tiny.weights, tiny.config, a)[24]!)).toBeLessThan(
      TOL,
    );
    expect(maxAbsDiff(together.logits[1]!, referenceLogits(tiny.weights, tiny.config, b)[4]!)).toBeLessThan(
      TOL,
    );
  });

  it('decodes a chunked batch like a full recomputation of each sequence', async () => {
    // 12 sequences of 9-40 tokens, prefilled one at a time (not chunked), then one decode step of
    // all 12 together in batch chunks (batch-chunks.ts; the built-in graph chunks only larger steps,
    // so this one is built to chunk every step of two or more sequences).
    const chunked = await openTiny({ chunkMinWork: 0 });
    const n = 12;
    const pools = makePools(chunked.config, 3 * n + 1, garbage());
    const seqs = Array.from({ length: n }, (_, i) =>
      Array.from({ length: 10 + ((i * 7) % 31) }, (_, t) => (i * 31 + t * 17 + 3) % VOCAB_SIZE),
    );
    const tables = seqs.map((_, i) => [1 + i, 1 + n + i, 1 + 2 * n + i]);
    for (const [i, s] of seqs.entries()) {
      const pre: SeqStep = { tokens: s.slice(0, -1), pastLen: 0, blockTable: tables[i]! };
      writeRows(chunked.config, pools, await runStep(chunked, pools, [{ ...pre, blockTable: [0] }]), 0, pre);
    }
    const steps: SeqStep[] = seqs.map((s, i) => ({
      tokens: s.slice(-1),
      pastLen: s.length - 1,
      blockTable: tables[i]!.slice(0, Math.ceil((s.length - 1) / BLOCK)),
    }));
    const res = await runStep(chunked, pools, steps);
    seqs.forEach((s, i) => {
      const ref = referenceLogits(chunked.weights, chunked.config, s)[s.length - 1]!;
      expect(maxAbsDiff(res.logits[i]!, ref)).toBeLessThan(TOL);
    });
    await chunked.session.release();
  });
});
