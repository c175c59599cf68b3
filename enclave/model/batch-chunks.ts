/**
 * Batch chunks for the 'chunked' attention layout (attention.ts, builder version 3): the sequences
 * of a step in n groups, each attended on its own, so the past is read through the block table a
 * chunk at a time instead of all at once.
 *
 * Why: the Gather that copies the sequences' K/V out of the pool is bound by reading the pool
 * (random 4 KiB blocks), and the MatMuls then read the copy again. Gathered whole, a pool's copy is
 * 8 MiB at B = 16 x 1k context, so the MatMul finds it in L3 at best; gathered a chunk at a time
 * (onnxruntime runs each chunk's Gather right before its MatMul and reuses the freed buffer for the
 * next chunk), the copy is still in cache when the MatMul reads it. A prefill chunk gains too: its
 * [G*T, P] scores are made and freed per chunk.
 *
 * Chunk i holds sequences [floor(i B / n), floor((i + 1) B / n)): sizes differ by at most one and
 * some are empty when B < n (every op used on them accepts a zero-sized batch). Each chunk is a
 * whole attention of its own sequences, so what is split and joined is only the queries, the new
 * rows and the outputs, never the scores; each sequence's numbers are the same products as unchunked.
 *
 * Small steps would pay for the chunks' nodes (empty ones included) and gain nothing, so an If picks
 * per step and layer: chunks when B >= 2 and the step's attention work is at least CHUNK_MIN_WORK,
 * else the whole batch at once as version 2 does. `npm run bench -- decode` (1 thread, CPU-time
 * medians against version 2 in the same run, on a 2-core AMD EPYC shared with other work, so times
 * vary with its load; the gain is largest when other work contends for L3). With two kv heads: B =
 * 16 x 1k decode 1.02-1.17x faster, 16 x 4k 1.2x, a prefill chunk of 2 x 128 tokens at 2k
 * (`--batch 2 --context 2048 --tokens 128`) 1.17x; where it does not chunk, the If costs ~0.1 ms
 * per step (B = 1: 3.80 -> 3.92 ms). n = 8 keeps a chunk's gathered copy at 1 MiB per pool at 16 x
 * 1k (2 MiB at 4 chunks: 1.03x at 16 x 4k, against 1.22x at 8): a C model of the gather (random
 * 4 KiB blocks copied into a buffer, then read) runs as fast into 1 MiB as into 128 KiB, and ~25%
 * slower into 8 MiB. With one kv head (the tiny model since builder version 4): 16 x 1k, a 4 MiB
 * copy per pool, ran 0.92x chunked (9.77 against 9.00 ms), 16 x 2k 1.05x, 16 x 4k 1.33x; so the
 * threshold counts the work of all kv heads, and a step whose copies fit in L3 runs whole.
 */
import type { StepTensors } from './attention.ts';
import { attr, type GraphBuilder } from './onnx/graph-builder.ts';
import { type AttributeDef, DataType } from './onnx/model-proto.ts';

/** Batch chunks of the built-in models (bench/decode.ts: 4 and 8 alike at 16 x 1k, 8 better at 16 x 4k). */
export const BATCH_CHUNKS = 8;

/**
 * The least attention work, Hkv * B * P * (headDim + G * T) floats (the gathered past of one pool
 * plus the scores, over all kv heads), that a step must have to be chunked: 2^21, 8 MiB of float32.
 * Below it the copies fit in L3 anyway and the chunks' nodes only cost (bench/decode.ts, see the
 * file comment: 16 x 1k decode at one kv head, 4 MiB, ran 0.92x chunked; at two kv heads, 8 MiB,
 * 1.02-1.17x; `--context 64` was 1.2 ms slower chunked, 5.5 -> 6.7 ms).
 */
export const CHUNK_MIN_WORK = 2 ** 21;

export interface Chunking {
  /** Chunks of the batch (>= 2). */
  count: number;
  /** CHUNK_MIN_WORK, or another threshold (0: chunk every step of two or more sequences). */
  minWork: number;
}

/**
 * The chunking of one step, made once per step; the per-layer methods write into `b`, the graph or
 * the If branch being built.
 */
export interface BatchChunks {
  /** An If on this step: `chunked` when it is large enough to gain from chunks, else `whole`. */
  choose(chunked: (b: GraphBuilder) => string, whole: (b: GraphBuilder) => string): string;
  /** A tensor [X, B, ...] as the n chunks [X, b_i, ...]. */
  split(b: GraphBuilder, x: string): string[];
  /** The inverse of split. */
  join(b: GraphBuilder, parts: readonly string[]): string;
  /** Chunk i's past keys or values, [Hkv, b_i, 1, P, hd], gathered from a pool. */
  past(b: GraphBuilder, pool: string, i: number): string;
  /** Every sequence's past, [Hkv, B, 1, P, hd] (the unchunked branch). */
  pastAll(b: GraphBuilder, pool: string): string;
  /** The chunks of the past mask [1, B, 1, 1, P]. */
  readonly bias: readonly string[];
}

export function batchChunks(
  g: GraphBuilder,
  step: StepTensors,
  shape: { kvHeads: number; headDim: number; groups: number },
  chunking: Chunking,
  pastBias: string,
): BatchChunks {
  const n = chunking.count;
  if (!Number.isSafeInteger(n) || n < 2)
    throw new RangeError(`batch chunks must be an integer >= 2, got ${n}`);
  if (!Number.isSafeInteger(chunking.minWork) || chunking.minWork < 0)
    throw new RangeError(`chunking threshold must be a non-negative integer, got ${chunking.minWork}`);
  const axis0 = g.i64([0]);
  const chunkCount = g.i64([n], [], 'batch_chunks');
  // Chunked iff B >= 2 (one sequence gains nothing) and Hkv * B * P * (hd + G * T) >= minWork.
  const perSlot = g.op1('Add', [
    g.i64([shape.headDim], [], 'head_dim'),
    g.op1('Mul', [g.i64([shape.groups], [], 'groups'), step.newTokens]),
  ]);
  const slots = g.op1('Mul', [
    g.i64([shape.kvHeads], [], 'kv_heads'),
    g.op1('Mul', [step.batch, step.pastSlots]),
  ]);
  const work = g.op1('Mul', [slots, perSlot]);
  const when = g.op1('And', [
    g.op1('GreaterOrEqual', [step.batch, g.i64([2], [], 'two_sequences')]),
    g.op1('GreaterOrEqual', [work, g.i64([chunking.minWork], [], 'chunk_min_work')]),
  ]);
  const bounds = g.op1('Div', [
    g.op1('Mul', [g.i64(Array.from({ length: n + 1 }, (_, i) => i)), step.batch]),
    chunkCount,
  ]);
  const sizes = g.op1('Sub', [
    g.op1('Slice', [bounds, g.i64([1]), g.i64([n + 1])]),
    g.op1('Slice', [bounds, g.i64([0]), g.i64([n])]),
  ]);
  const tables = g.op('Split', [step.table, sizes], { axis: attr.int(0) }, n);
  const split = (b: GraphBuilder, x: string): string[] => b.op('Split', [x, sizes], { axis: attr.int(1) }, n);
  // [Hkv, b, M, S, hd] -> [Hkv, b, 1, P, hd], with P spelled out: -1 cannot be inferred for b = 0.
  const pastShape = g.op1(
    'Concat',
    [g.i64([0, 0, 1]), g.op1('Unsqueeze', [step.pastSlots, axis0]), g.i64([shape.headDim])],
    { axis: attr.int(0) },
  );
  const gather = (b: GraphBuilder, pool: string, table: string): string =>
    b.op1('Reshape', [b.op1('Gather', [pool, table], { axis: attr.int(1) }), pastShape]);
  const branch = (build: (b: GraphBuilder) => string): AttributeDef => {
    const b = g.subgraph();
    b.output(build(b), DataType.FLOAT);
    return attr.graph(b.build('attention_branch'));
  };
  return {
    choose: (chunked, whole) =>
      g.op1('If', [when], { then_branch: branch(chunked), else_branch: branch(whole) }),
    split,
    join: (b, parts) => b.op1('Concat', parts, { axis: attr.int(1) }),
    past: (b, pool, i) => gather(b, pool, tables[i]!),
    pastAll: (b, pool) => gather(b, pool, step.table),
    bias: split(g, pastBias),
  };
}
