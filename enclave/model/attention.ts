/**
 * Paged grouped-query attention, written as ONNX nodes: the part of the decoder graph that reads the
 * KV pools through the block table (graph-contract.ts). Three layouts live here behind one interface:
 *
 *   - 'chunked' (builder version 3, the default): 'grouped', but a step of two or more sequences
 *     with enough attention work attends in n batch chunks (batch-chunks.ts, an If per layer), so
 *     each gathered copy of the past is still in cache when the MatMuls read it. The same products
 *     per sequence as 'grouped'.
 *   - 'grouped' (builder version 2, the baseline of bench/decode.ts): past keys and values as
 *     [Hkv, B, 1, P, hd], broadcast over the query heads that share a kv head, so K/V are never
 *     repeated per head. In a decode step (T = 1) the G query heads are a batch dimension,
 *     [Hkv, B, G, 1, hd]: every product is then a 1-row GEMM, which onnxruntime's MLAS runs
 *     straight from the gathered K/V (its M = 1 kernels) instead of first copying them into packed
 *     panels, and the G heads re-read the same 256 KiB (1k context) of K/V from cache. With T > 1
 *     the heads are stacked as rows instead, [Hkv, B, 1, G*T, hd], so each K/V panel is packed once
 *     for all of them. The choice is a reshape made at run time from T, so one graph serves prefill
 *     chunks and decode steps.
 *   - 'stacked' (builder version 1, also measured by bench/decode.ts): [Hkv, B, G*T, hd]
 *     queries for every T. For decode that is a 2-row GEMM, which MLAS packs, copying every gathered
 *     K and V once more per layer.
 *
 * Measured on the tiny model (B = 16, T = 1, 1k context, one thread; bench/decode.ts), 'grouped'
 * cut the two attention MatMuls per layer from about 2.3 ms to about 0.5 ms each; prefill chunks are
 * as fast as before. What no layout avoids is the Gather: the contract's pools are inputs and
 * onnxruntime has no paged attention kernel for float32 on CPU (the PagedAttention contrib op of
 * onnxruntime-node 1.30 refuses float32 inputs), so every step copies the sequences' K/V once
 * (8 MiB per pool per layer at B = 16 x 1k with two kv heads), about half of the step. That copy is
 * bound by reading the pool from memory (a 4 KiB block at a time; a smaller gather costs as much per
 * byte), so 'chunked' does not make it cheaper: it saves the MatMuls' second pass over the copy from
 * memory when the copies would not fit in L3. What does make it cheaper is fewer kv heads: the tiny
 * model's one kv head halves every byte the step reads (enclave/model/config.ts).
 *
 * Storing the pools as float16 and casting each gathered copy was tried (a scratch build, 16 x 1k,
 * two kv heads): the Gather took 4.4 ms instead of 8.0 but the Cast 2.4 ms, and onnxruntime has no
 * float16 MatMul on x86 CPUs to skip the Cast, so the step was no faster.
 *
 * Both score past and new tokens separately and join them in one softmax (DESIGN.md); masks are
 * additive biases built once per step and shared by all layers; -1e9, not -inf, so a fully masked
 * row never yields NaN.
 */

import { BATCH_CHUNKS, batchChunks, CHUNK_MIN_WORK, type Chunking } from './batch-chunks.ts';
import type { ModelConfig } from './graph-contract.ts';
import { attr, type GraphBuilder } from './onnx/graph-builder.ts';

export type AttentionLayout = 'chunked' | 'grouped' | 'stacked';

/** The additive mask value (see the file comment). */
export const MASK_VALUE = -1e9;

/** Per-step tensors that the attention of every layer reads (int64 scalars unless said). */
export interface StepTensors {
  /** int64 [B, M] block table. */
  table: string;
  /** B, sequences in the step. */
  batch: string;
  /** int64 [B] tokens already cached per sequence. */
  pastLens: string;
  /** T, new tokens per sequence. */
  newTokens: string;
  /** P = M * blockSize, past slots per sequence. */
  pastSlots: string;
  zero: string;
  one: string;
}

/** One layer's inputs, all [B, T, heads, hd]: q after RoPE with the 1/sqrt(hd) scale, k after RoPE. */
export interface LayerTensors {
  q: string;
  k: string;
  v: string;
  /** [Hkv, numBlocks, blockSize, hd] pool inputs of the layer. */
  kPool: string;
  vPool: string;
}

export interface Attention {
  /** The attention output as [B, T, H * hd] (head h = kvHead * G + g, as the reference has it). */
  layer(t: LayerTensors): string;
}

/** Builds the per-step masks of `layout` once and returns the per-layer builder. */
export function pagedAttention(
  g: GraphBuilder,
  c: ModelConfig,
  step: StepTensors,
  layout: AttentionLayout = 'chunked',
  chunking: Chunking = { count: BATCH_CHUNKS, minWork: CHUNK_MIN_WORK },
): Attention {
  const { nHeads: H, nKvHeads: Hkv, headDim: hd } = c;
  const G = H / Hkv;
  const { zero, one, pastSlots: P, newTokens: T } = step;
  const axis0 = g.i64([0]);

  // Past: slot p of sequence b is visible iff p < past_lens[b] (block 0 pads the table); [B, P].
  const maskZero = g.scalar(0, 'mask_zero');
  const maskNeg = g.scalar(MASK_VALUE, 'mask_neg');
  const slots = g.op1('Range', [zero, P, one]);
  const pastVisible = g.op1('Less', [slots, g.op1('Unsqueeze', [step.pastLens, g.i64([1])])]);
  const pastMask = g.op1('Where', [pastVisible, maskZero, maskNeg]);
  // New tokens: causal [T, T], key j visible from query i iff j <= i.
  const steps = g.op1('Range', [zero, T, one]);
  const causal = g.op1('LessOrEqual', [
    g.op1('Unsqueeze', [steps, axis0]),
    g.op1('Unsqueeze', [steps, g.i64([1])]),
  ]);
  const newMask = g.op1('Where', [causal, maskZero, maskNeg]);
  // Where the joined probabilities split back into past and new.
  const softmaxSplit = g.op1('Concat', [g.op1('Unsqueeze', [P, axis0]), g.op1('Unsqueeze', [T, axis0])], {
    axis: attr.int(0),
  });
  const flatShape = g.i64([0, 0, -1]);
  const qGroups = g.i64([0, 0, Hkv, G, hd]);

  /**
   * Past scores ++ new scores -> one softmax -> weighted values, written into `b` (the graph or an If
   * branch); shapes per layout. The products with the past come from the caller (`sPastRaw`,
   * `pastValues`), which reads the pools its own way.
   */
  const attend = (
    b: GraphBuilder,
    qa: string,
    sPastRaw: string,
    pastValues: (pPast: string) => string,
    kNewT: string,
    vNew: string,
    pb: string,
    nb: string,
  ) => {
    const sPast = b.op1('Add', [sPastRaw, pb]);
    const sNew = b.op1('Add', [b.op1('MatMul', [qa, kNewT]), nb]);
    const probs = b.op1('Softmax', [b.op1('Concat', [sPast, sNew], { axis: attr.int(-1) })], {
      axis: attr.int(-1),
    });
    const [pPast, pNew] = b.op('Split', [probs, softmaxSplit], { axis: attr.int(-1) }, 2) as [string, string];
    return b.op1('Add', [pastValues(pPast), b.op1('MatMul', [pNew, vNew])]);
  };

  if (layout === 'grouped' || layout === 'chunked') {
    // The rows of each (kv head, sequence) GEMM, [G, T] query heads x tokens, are folded as
    // [g1, g2 * T] with (g1, g2) = (G, 1) when T = 1, so a decode step's GEMMs have one row each,
    // and (1, G) otherwise, so a prefill chunk packs each K/V panel once for all G heads (as v1 did).
    // Both are free reshapes of [Hkv, B, G, T, hd]; K/V [Hkv, B, 1, P, hd] broadcast over g1.
    const Gc = g.i64([G], [], 'groups');
    const g1 = g.op1('Where', [g.op1('Equal', [T, one]), Gc, one]);
    const g2 = g.op1('Div', [Gc, g1]);
    const qFold = g.op1('Concat', [g.i64([0, 0]), g.op1('Unsqueeze', [g1, axis0]), g.i64([-1, hd])], {
      axis: attr.int(0),
    });
    const qUnfold = g.i64([0, 0, G, -1, hd]);
    const pastBias = g.op1('Unsqueeze', [pastMask, g.i64([0, 2, 3])]); // [1, B, 1, 1, P]
    // Causal mask of the folded rows: [g2 * T, T].
    const newBias = g.op1('Tile', [
      newMask,
      g.op1('Concat', [g.op1('Unsqueeze', [g2, axis0]), g.i64([1])], { axis: attr.int(0) }),
    ]);
    // Version 3 reads the past in batch chunks when the step is large enough (batch-chunks.ts),
    // version 2 always all at once; the graph of 'grouped' is still version 2's, node for node.
    const past5 = layout === 'grouped' ? g.i64([0, 0, 1, -1, hd]) : '';
    const kv5 = g.i64([0, 0, Hkv, 1, hd]);
    const chunks =
      layout === 'chunked'
        ? batchChunks(g, step, { kvHeads: Hkv, headDim: hd, groups: G }, chunking, pastBias)
        : undefined;
    return {
      layer({ q, k, v, kPool, vPool }) {
        // [B, T, Hkv, G, hd] -> [Hkv, B, G, T, hd] -> [Hkv, B, g1, g2 * T, hd].
        const q5 = g.op1('Transpose', [g.op1('Reshape', [q, qGroups])], { perm: attr.ints([2, 0, 3, 1, 4]) });
        const qa = g.op1('Reshape', [q5, qFold]);
        // New rows: [B, T, Hkv, 1, hd] -> K^T [Hkv, B, 1, hd, T] and V [Hkv, B, 1, T, hd].
        const newRows = () => ({
          kNewT: g.op1('Transpose', [g.op1('Reshape', [k, kv5])], { perm: attr.ints([2, 0, 3, 4, 1]) }),
          vNew: g.op1('Transpose', [g.op1('Reshape', [v, kv5])], { perm: attr.ints([2, 0, 3, 1, 4]) }),
        });
        // Queries against one group of sequences' past (gathered by `past`) and new rows; the
        // transpose to K^T is folded into the MatMul (onnxruntime's FusedMatMul with transB).
        const group = (
          b: GraphBuilder,
          qi: string,
          kPastT: string,
          vPast: () => string,
          kNewT: string,
          vNew: string,
          bias: string,
        ): string => {
          const sPast = b.op1('MatMul', [qi, kPastT]);
          return attend(b, qi, sPast, (p) => b.op1('MatMul', [p, vPast()]), kNewT, vNew, bias, newBias);
        };
        const transposeK = (b: GraphBuilder, kPast: string): string =>
          b.op1('Transpose', [kPast], { perm: attr.ints([0, 1, 2, 4, 3]) });
        let out: string;
        if (chunks !== undefined) {
          const { kNewT, vNew } = newRows();
          out = chunks.choose(
            // Each chunk of sequences attends on its own, its past gathered right before the MatMul
            // that reads it.
            (b) => {
              const [qs, ks, vs] = [chunks.split(b, qa), chunks.split(b, kNewT), chunks.split(b, vNew)];
              const parts = qs.map((qi, i) => {
                const kPastT = transposeK(b, chunks.past(b, kPool, i));
                return group(b, qi, kPastT, () => chunks.past(b, vPool, i), ks[i]!, vs[i]!, chunks.bias[i]!);
              });
              return chunks.join(b, parts);
            },
            (b) => {
              const kPastT = transposeK(b, chunks.pastAll(b, kPool));
              return group(b, qa, kPastT, () => chunks.pastAll(b, vPool), kNewT, vNew, pastBias);
            },
          );
        } else {
          // Gather(axis 1) -> [Hkv, B, M, S, hd]; the reshape to [Hkv, B, 1, P, hd] is free.
          const kPast = g.op1('Reshape', [
            g.op1('Gather', [kPool, step.table], { axis: attr.int(1) }),
            past5,
          ]);
          const vPast = g.op1('Reshape', [
            g.op1('Gather', [vPool, step.table], { axis: attr.int(1) }),
            past5,
          ]);
          const kPastT = transposeK(g, kPast);
          const { kNewT, vNew } = newRows();
          out = group(g, qa, kPastT, () => vPast, kNewT, vNew, pastBias);
        }
        const o = g.op1('Reshape', [out, qUnfold]);
        // [Hkv, B, G, T, hd] -> [B, T, Hkv, G, hd] -> [B, T, H * hd].
        return g.op1('Reshape', [g.op1('Transpose', [o], { perm: attr.ints([1, 3, 0, 2, 4]) }), flatShape]);
      },
    };
  }

  // 'stacked': [Hkv, B, G*T, hd] queries, the causal mask tiled over the G stacked heads.
  const pastBias = g.op1('Unsqueeze', [pastMask, g.i64([0, 2])]); // [1, B, 1, P]
  const newBias = g.op1('Tile', [newMask, g.i64([G, 1])]);
  const headsShape = g.i64([0, 0, -1, hd]);
  const o5Shape = g.i64([0, 0, G, -1, hd]);
  return {
    layer({ q, k, v, kPool, vPool }) {
      const q5 = g.op1('Transpose', [g.op1('Reshape', [q, qGroups])], { perm: attr.ints([2, 0, 3, 1, 4]) });
      const qa = g.op1('Reshape', [q5, headsShape]);
      const kNewT = g.op1('Transpose', [k], { perm: attr.ints([2, 0, 3, 1]) });
      const vNew = g.op1('Transpose', [v], { perm: attr.ints([2, 0, 1, 3]) });
      const kPast = g.op1('Reshape', [
        g.op1('Gather', [kPool, step.table], { axis: attr.int(1) }),
        headsShape,
      ]);
      const vPast = g.op1('Reshape', [
        g.op1('Gather', [vPool, step.table], { axis: attr.int(1) }),
        headsShape,
      ]);
      const kPastT = g.op1('Transpose', [kPast], { perm: attr.ints([0, 1, 3, 2]) });
      const sPast = g.op1('MatMul', [qa, kPastT]);
      const o = attend(g, qa, sPast, (p) => g.op1('MatMul', [p, vPast]), kNewT, vNew, pastBias, newBias);
      const ob = g.op1('Transpose', [g.op1('Reshape', [o, o5Shape])], { perm: attr.ints([1, 3, 0, 2, 4]) });
      return g.op1('Reshape', [ob, flatShape]);
    },
  };
}
