/**
 * The attention layouts of attention.ts compute the same function: 'chunked' (builder version 3, the
 * built-in models) and 'stacked' (version 1) against 'grouped' (version 2), on batched steps over
 * garbage-filled pools with different past lengths, for decode (T = 1) and prefill-like T > 1.
 * Batches run from 1 to 12 sequences, so the 8 batch chunks of 'chunked' are sometimes empty
 * (B < 8) and sometimes uneven (B > 8); a second 'chunked' graph with 3 chunks adds other splits.
 * The property's chunked graphs chunk every step of two or more sequences (chunkMinWork 0). Which
 * steps the default graph chunks is checked on onnxruntime's profile: both branches of its If
 * compute the same function, so only the kernels that ran tell them apart.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BATCH_CHUNKS, CHUNK_MIN_WORK } from '../../../enclave/model/batch-chunks.ts';
import { BUILTIN_CONFIGS } from '../../../enclave/model/config.ts';
import type { DecoderGraphOptions } from '../../../enclave/model/decoder-graph.ts';
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
    openTiny({ attention: 'chunked', chunkMinWork: 0 }),
    openTiny({ attention: 'chunked', batchChunks: 3, chunkMinWork: 0 }),
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
      encodeDecoderModel(config, weights, BLOCK, { attention: 'chunked', chunkMinWork: 0 }),
      encodeDecoderModel(config, weights, BLOCK, { attention: 'stacked' }),
    ];
    const digests = new Set(bytes.map((b) => Buffer.from(b).toString('base64')));
    expect(digests.size).toBe(bytes.length);
    // The default is the chunked layout with BATCH_CHUNKS and CHUNK_MIN_WORK.
    const chunked = encodeDecoderModel(config, weights, BLOCK, {
      attention: 'chunked',
      batchChunks: BATCH_CHUNKS,
      chunkMinWork: CHUNK_MIN_WORK,
    });
    expect(Buffer.compare(bytes[0]!, chunked)).toBe(0);
  });
});

describe('chunked layout', () => {
  /** How many Gather kernels one run executes (onnxruntime's profile), a chunked run many more. */
  async function gathersPerRun(steps: SeqStep[], options: DecoderGraphOptions = {}): Promise<number> {
    const dir = mkdtempSync(join(tmpdir(), 'tacit-profile-'));
    try {
      const { config, weights } = grouped;
      const session = await ort.InferenceSession.create(encodeDecoderModel(config, weights, BLOCK, options), {
        enableProfiling: true,
        profileFilePrefix: join(dir, 'p'),
      });
      const numBlocks = 1 + Math.max(...steps.flatMap((s) => s.blockTable));
      await runStep(
        { config, weights, session },
        makePools(config, numBlocks, () => 0),
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

  /** B sequences decoding one token after `past` cached ones, in distinct blocks. */
  const decode = (B: number, past: number): SeqStep[] => {
    const width = Math.ceil(past / BLOCK);
    return Array.from({ length: B }, (_, i) => ({
      tokens: [97],
      pastLen: past,
      blockTable: Array.from({ length: width }, (_, m) => 1 + i * width + m),
    }));
  };
  const pools = 2 * BUILTIN_CONFIGS.tiny.nLayers;
  // Whole: one Gather per pool; chunked: one per pool and chunk (plus a few for shapes in both).
  const chunked = pools * BATCH_CHUNKS;

  it('chunks a step of two or more sequences whose work reaches the threshold, and only such a step', async () => {
    const always = { chunkMinWork: 0 };
    const whole = await gathersPerRun(decode(1, BLOCK), always);
    expect(whole).toBeLessThan(2 * pools);
    expect(await gathersPerRun(decode(2, BLOCK), always)).toBeGreaterThanOrEqual(chunked);
    // The default threshold, Hkv * B * P * (hd + G * T) >= CHUNK_MIN_WORK: 16 x 1k no (its copies
    // fit in L3), 16 x 2k yes.
    const { nKvHeads: Hkv, headDim: hd, nHeads: H } = BUILTIN_CONFIGS.tiny;
    const work = (B: number, P: number): number => Hkv * B * P * (hd + H / Hkv);
    expect(work(16, 1024)).toBeLessThan(CHUNK_MIN_WORK);
    expect(await gathersPerRun(decode(16, 1024))).toBe(whole);
    expect(work(16, 2048)).toBeGreaterThanOrEqual(CHUNK_MIN_WORK);
    expect(await gathersPerRun(decode(16, 2048))).toBeGreaterThanOrEqual(chunked);
    expect(await gathersPerRun(decode(1, 4096))).toBe(whole);
  });
});
