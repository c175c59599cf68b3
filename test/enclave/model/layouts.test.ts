/**
 * The attention layouts of attention.ts compute the same function: 'chunked' (builder version 3, the
 * built-in models) and 'stacked' (version 1) against 'grouped' (version 2), on batched steps over
 * garbage-filled pools with different past lengths, for decode (T = 1) and prefill-like T > 1.
 * Batches run from 1 to 12 sequences, so the 8 batch chunks of 'chunked' are sometimes empty
 * (B < 8) and sometimes uneven (B > 8); a second 'chunked' graph with 3 chunks adds other splits.
 * Which steps the chunked layout chunks is checked on onnxruntime's profile: both branches of its If
 * compute the same function, so only the kernels that ran tell them apart.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BATCH_CHUNKS } from '../../../enclave/model/batch-chunks.ts';
import { encodeDecoderModel } from '../../../enclave/model/encode-model.ts';
import { VOCAB_SIZE } from '../../../enclave/tokenizer/vocab.ts';
import { fcParams } from '../../support/seed.ts';
import type { SeqStep, StepResult, Tiny } from './support.ts';
import { BLOCK, makePools, maxAbsDiff, openTiny, runStep } from './support.ts';

let grouped: Tiny;
let others: { name: string; tiny: Tiny }[];
beforeAll(async () => {
  const [g, chunked, chunked3, stacked] = await Promise.all([
    openTiny({ attention: 'grouped' }),
    openTiny({ attention: 'chunked' }),
    openTiny({ attention: 'chunked', batchChunks: 3 }),
    openTiny({ attention: 'stacked' }),
  ]);
  grouped = g;
  others = [
    { name: 'chunked', tiny: chunked },
    { name: 'chunked, 3 chunks', tiny: chunked3 },
    { name: 'stacked', tiny: stacked },
  ];
});
afterAll(async () => {
  await Promise.all([grouped, ...others.map((o) => o.tiny)].map((t) => t.session.release()));
});

const TOL = 1e-4;
const MAX_BATCH = 12;
const MAX_PAST_BLOCKS = 3;
const NUM_BLOCKS = MAX_BATCH * MAX_PAST_BLOCKS + 1;

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
  pastLen: fc.integer({ min: 0, max: MAX_PAST_BLOCKS * BLOCK }),
});

function expectSame(a: StepResult, b: StepResult, n: number, name: string): void {
  for (let i = 0; i < n; i++) {
    expect(maxAbsDiff(a.logits[i]!, b.logits[i]!), name).toBeLessThan(TOL);
    expect(maxAbsDiff(a.kNew[1]![i]!, b.kNew[1]![i]!), name).toBeLessThan(TOL);
    expect(maxAbsDiff(a.vNew[3]![i]!, b.vNew[3]![i]!), name).toBeLessThan(TOL);
  }
}

describe('attention layouts', () => {
  it('give the same logits and K/V rows as the grouped layout', async () => {
    expect(BATCH_CHUNKS).toBeLessThan(MAX_BATCH);
    const pools = makePools(grouped.config, NUM_BLOCKS, garbage());
    await fc.assert(
      fc.asyncProperty(
        fc.array(seq, { minLength: 1, maxLength: MAX_BATCH }),
        fc.boolean(),
        async (seqs, decode) => {
          // Blocks handed out in a scattered order, as after the engine has run a while.
          let next = 0;
          const steps: SeqStep[] = seqs.map((s) => {
            const width = Math.ceil(s.pastLen / BLOCK);
            const blockTable = Array.from({ length: width }, () => 1 + ((next++ * 7) % (NUM_BLOCKS - 1)));
            return { tokens: decode ? s.tokens.slice(0, 1) : s.tokens, pastLen: s.pastLen, blockTable };
          });
          const want = await runStep(grouped, pools, steps);
          for (const o of others) expectSame(await runStep(o.tiny, pools, steps), want, steps.length, o.name);
        },
      ),
      fcParams(12),
    );
  });

  it('are different graphs', () => {
    // A guard for the property above: each option really selects another graph.
    const { config, weights } = grouped;
    const bytes = [
      encodeDecoderModel(config, weights, BLOCK),
      encodeDecoderModel(config, weights, BLOCK, { attention: 'grouped' }),
      encodeDecoderModel(config, weights, BLOCK, { attention: 'chunked', batchChunks: 3 }),
      encodeDecoderModel(config, weights, BLOCK, { attention: 'stacked' }),
    ];
    const digests = new Set(bytes.map((b) => Buffer.from(b).toString('base64')));
    expect(digests.size).toBe(bytes.length);
    // The default is the chunked layout with BATCH_CHUNKS.
    const chunked = encodeDecoderModel(config, weights, BLOCK, {
      attention: 'chunked',
      batchChunks: BATCH_CHUNKS,
    });
    expect(Buffer.compare(bytes[0]!, chunked)).toBe(0);
  });
});

describe('chunked layout', () => {
  /** How many Gather kernels one run executes (onnxruntime's profile), a chunked run many more. */
  async function gathersPerRun(steps: SeqStep[]): Promise<number> {
    const dir = mkdtempSync(join(tmpdir(), 'tacit-profile-'));
    try {
      const { config, weights } = grouped;
      const session = await ort.InferenceSession.create(encodeDecoderModel(config, weights, BLOCK), {
        enableProfiling: true,
        profileFilePrefix: join(dir, 'p'),
      });
      const t: Tiny = { config, weights, session };
      await runStep(
        t,
        makePools(config, NUM_BLOCKS, () => 0),
        steps,
      );
      session.endProfiling();
      await session.release();
      const [file] = readdirSync(dir);
      const events = JSON.parse(readFileSync(join(dir, file!), 'utf8')) as {
        cat: string;
        args?: { op_name?: string };
      }[];
      return events.filter((e) => e.cat === 'Node' && e.args?.op_name === 'Gather').length;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it('chunks a step of at least two sequences and n query rows, and only such a step', async () => {
    const decode = (n: number): SeqStep[] =>
      Array.from({ length: n }, (_, i) => ({ tokens: [97], pastLen: BLOCK, blockTable: [i + 1] }));
    const prefill: SeqStep[] = [
      { tokens: [97, 98, 99, 100], pastLen: 0, blockTable: [] },
      { tokens: [101, 102, 103, 104], pastLen: BLOCK, blockTable: [1] },
    ];
    const pools = 2 * grouped.config.nLayers;
    // Whole: one Gather per pool; chunked: one per pool and chunk (plus a few for shapes in both).
    const whole = await gathersPerRun(decode(1));
    expect(whole).toBeLessThan(2 * pools);
    expect(await gathersPerRun(decode(BATCH_CHUNKS - 1))).toBe(whole);
    expect(await gathersPerRun(decode(BATCH_CHUNKS))).toBeGreaterThanOrEqual(pools * BATCH_CHUNKS);
    expect(await gathersPerRun(prefill)).toBeGreaterThanOrEqual(pools * BATCH_CHUNKS);
  });
});
