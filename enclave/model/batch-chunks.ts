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
 * per step and layer: chunks when B >= 2 and B * T >= n, else the whole batch at once as version 2
 * does. `npm run bench -- decode` (1 thread, CPU-time medians against version 2 in the same run, on a
 * 2-core AMD EPYC shared with other work, so absolute times vary with its load): B = 16 x 1k decode
 * 1.10-1.17x faster, 16 x 4k 1.2x, a prefill chunk of 2 x 128 tokens at 2k (`--batch 2 --context
 * 2048 --tokens 128`) 1.17x; where it does not chunk, the If costs ~0.1 ms per step (B = 1: 3.80 ->
 * 3.92 ms, B = 4: 7.46 -> 7.53 ms). n = 8 keeps a chunk's gathered copy at 1 MiB per pool at 16 x 1k:
 * a C model of the gather (random 4 KiB blocks copied into a buffer, then read) runs as fast into
 * 1 MiB as into 128 KiB, and ~25% slower into 8 MiB.
 */
import type { StepTensors } from './attention.ts';
import { attr, type GraphBuilder } from './onnx/graph-builder.ts';
import { type AttributeDef, DataType } from './onnx/model-proto.ts';

/** Batch chunks of the built-in models (bench/decode.ts: 4 and 8 alike at 16 x 1k, 8 better at 16 x 4k). */
export const BATCH_CHUNKS = 8;

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
  headDim: number,
  n: number,
  pastBias: string,
): BatchChunks {
  if (!Number.isSafeInteger(n) || n < 2)
    throw new RangeError(`batch chunks must be an integer >= 2, got ${n}`);
  const axis0 = g.i64([0]);
  const chunkCount = g.i64([n], [], 'batch_chunks');
  // Chunked iff B >= 2 and B * T >= n: one sequence gains nothing, and a decode step of fewer than n
  // sequences would mostly run empty chunks.
  const when = g.op1('And', [
    g.op1('GreaterOrEqual', [step.batch, g.i64([2], [], 'two_sequences')]),
    g.op1('GreaterOrEqual', [g.op1('Mul', [step.batch, step.newTokens]), chunkCount]),
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
    [g.i64([0, 0, 1]), g.op1('Unsqueeze', [step.pastSlots, axis0]), g.i64([headDim])],
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
