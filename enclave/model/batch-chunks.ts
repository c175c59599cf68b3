/**
 * The past half of grouped attention (attention.ts, builder version 3) read through the block table
 * in n chunks of the batch instead of all at once.
 *
 * Why: the Gather that copies the sequences' K/V out of the pool is bound by reading the pool (random
 * 4 KiB blocks, as many bytes as the products that follow read). Gathered whole, a pool's copy is 8 MiB
 * at B = 16 x 1k context, so the MatMul that reads it next finds it in L3 at best; gathered a chunk at
 * a time (and onnxruntime runs each chunk's Gather right before its MatMul, and reuses the freed buffer
 * for the next chunk), the copy is still in cache when the MatMul reads it. Measured on the tiny model
 * (bench/decode.ts, 1 thread, 2-core AMD EPYC): the step at B = 16 x 1k context falls by ~15% and
 * about 20% at 4k; a lone sequence pays ~0.2 ms per step for the empty chunks' nodes.
 *
 * Chunk i holds sequences [floor(i B / n), floor((i + 1) B / n)): sizes differ by at most one and
 * some are empty when B < n (every op here accepts a zero-sized batch). The chunks are split and
 * joined along the batch axis (1) of [Hkv, B, ...] tensors, so each sequence's numbers are the
 * same products as in the unchunked layout.
 */
import type { StepTensors } from './attention.ts';
import { attr, type GraphBuilder } from './onnx/graph-builder.ts';

/** Batch chunks of the built-in models (bench/decode.ts: 4 and 8 alike at 1k context, 8 better at 4k). */
export const BATCH_CHUNKS = 8;

export interface ChunkedPast {
  /** Queries [Hkv, B, r, c, hd] against the past keys: unmasked scores [Hkv, B, r, c, P]. */
  scores(qa: string, kPool: string): string;
  /** Past probabilities [Hkv, B, r, c, P] times the past values: [Hkv, B, r, c, hd]. */
  values(p: string, vPool: string): string;
}

export function chunkedPast(g: GraphBuilder, step: StepTensors, headDim: number, n: number): ChunkedPast {
  if (!Number.isSafeInteger(n) || n < 2)
    throw new RangeError(`batch chunks must be an integer >= 2, got ${n}`);
  const axis0 = g.i64([0]);
  const bounds = g.op1('Div', [
    g.op1('Mul', [g.i64(Array.from({ length: n + 1 }, (_, i) => i)), step.batch]),
    g.i64([n], [], 'batch_chunks'),
  ]);
  const sizes = g.op1('Sub', [
    g.op1('Slice', [bounds, g.i64([1]), g.i64([n + 1])]),
    g.op1('Slice', [bounds, g.i64([0]), g.i64([n])]),
  ]);
  const tables = g.op('Split', [step.table, sizes], { axis: attr.int(0) }, n);
  // [Hkv, b, M, S, hd] -> [Hkv, b, 1, P, hd], with P spelled out: -1 cannot be inferred for b = 0.
  const pastShape = g.op1(
    'Concat',
    [g.i64([0, 0, 1]), g.op1('Unsqueeze', [step.pastSlots, axis0]), g.i64([headDim])],
    { axis: attr.int(0) },
  );
  const gather = (pool: string, i: number): string =>
    g.op1('Reshape', [g.op1('Gather', [pool, tables[i]!], { axis: attr.int(1) }), pastShape]);
  const split = (x: string): string[] => g.op('Split', [x, sizes], { axis: attr.int(1) }, n);
  const join = (parts: string[]): string => g.op1('Concat', parts, { axis: attr.int(1) });
  return {
    scores: (qa, kPool) =>
      join(
        split(qa).map((qi, i) =>
          // The transpose to K^T is folded into the MatMul (onnxruntime's FusedMatMul with transB).
          g.op1('MatMul', [qi, g.op1('Transpose', [gather(kPool, i)], { perm: attr.ints([0, 1, 2, 4, 3]) })]),
        ),
      ),
    values: (p, vPool) => join(split(p).map((pi, i) => g.op1('MatMul', [pi, gather(vPool, i)]))),
  };
}
