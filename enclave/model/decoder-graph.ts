/**
 * The decoder graph, written node by node; its interface is graph-contract.ts. Per step it takes B
 * sequences of T new tokens, the per-layer KV pools and a block table, and returns the new K/V rows and
 * the logits of one position per sequence.
 *
 * Attention (attention.ts) runs grouped-query heads without repeating K/V, over the pools gathered
 * through the block table. Around it:
 *   - q/k and their rotate-half twins come out of one fused QKV MatMul (rope.ts rotateHalfColumns), so
 *     RoPE is two multiplies and an add; the 1/sqrt(headDim) scale is folded into the query's cos/sin.
 *   - Only the sampled position of each sequence reaches the final norm and the LM head, whose output
 *     bias (text-prior.ts) makes the untrained built-in models write printable ASCII.
 */

import { type AttentionLayout, pagedAttention } from './attention.ts';
import { BATCH_CHUNKS, CHUNK_MIN_WORK } from './batch-chunks.ts';
import type { ModelConfig } from './graph-contract.ts';
import { INPUTS, OUTPUTS } from './graph-contract.ts';
import { attr, GraphBuilder } from './onnx/graph-builder.ts';
import { DataType, type GraphDef } from './onnx/model-proto.ts';
import { ropeInvFreq, rotateHalfColumns } from './rope.ts';
import type { ModelWeights } from './weights.ts';

/** Columns side by side: [rows, a] ++ [rows, b] ++ ... -> [rows, a + b + ...]. */
function hconcat(rows: number, parts: readonly { data: Float32Array; cols: number }[]): Float32Array {
  const total = parts.reduce((n, p) => n + p.cols, 0);
  const out = new Float32Array(rows * total);
  for (let r = 0; r < rows; r++) {
    let off = r * total;
    for (const p of parts) {
      out.set(p.data.subarray(r * p.cols, (r + 1) * p.cols), off);
      off += p.cols;
    }
  }
  return out;
}

export interface DecoderGraphOptions {
  /**
   * The attention layout (attention.ts): 'chunked' (builder version 3, the default), or the baselines
   * of bench/decode.ts, 'grouped' (version 2) and 'stacked' (version 1).
   */
  attention?: AttentionLayout;
  /** Batch chunks of the 'chunked' layout (batch-chunks.ts BATCH_CHUNKS by default). */
  batchChunks?: number;
  /** The least work of a chunked step (batch-chunks.ts CHUNK_MIN_WORK by default). */
  chunkMinWork?: number;
}

export function buildDecoderGraph(
  c: ModelConfig,
  w: ModelWeights,
  blockSize: number,
  options: DecoderGraphOptions = {},
): GraphDef {
  const g = new GraphBuilder();
  const { dModel: d, nHeads: H, nKvHeads: Hkv, headDim: hd, ffnDim: F } = c;
  const I64 = DataType.INT64;
  const F32 = DataType.FLOAT;

  // Inputs, in the contract's order; B, T, M and numBlocks are dynamic.
  const ids = g.input(INPUTS.inputIds, I64, ['batch', 'new_tokens']);
  const positions = g.input(INPUTS.positions, I64, ['batch', 'new_tokens']);
  const pastLens = g.input(INPUTS.pastLens, I64, ['batch']);
  const table = g.input(INPUTS.blockTable, I64, ['batch', 'table_width']);
  const sampleIndex = g.input(INPUTS.sampleIndex, I64, ['batch']);
  const poolShape = [Hkv, 'num_blocks', blockSize, hd];
  const kPools: string[] = [];
  const vPools: string[] = [];
  for (let l = 0; l < c.nLayers; l++) {
    kPools.push(g.input(INPUTS.kPool(l), F32, poolShape));
    vPools.push(g.input(INPUTS.vPool(l), F32, poolShape));
  }

  // Step dimensions as int64 scalars.
  const zero = g.i64([0], [], 'zero');
  const one = g.i64([1], [], 'one');
  const idsShape = g.op1('Shape', [ids]);
  const B = g.op1('Gather', [idsShape, zero], { axis: attr.int(0) });
  const T = g.op1('Gather', [idsShape, one], { axis: attr.int(0) });
  const M = g.op1('Gather', [g.op1('Shape', [table]), one], { axis: attr.int(0) });
  const P = g.op1('Mul', [M, g.i64([blockSize], [], 'block_size')]);

  // RoPE tables [B, T, 1, hd], shared by all layers; the query's carry the attention scale.
  const invFreq = g.f32('rope_inv_freq', ropeInvFreq(c), [hd]);
  const posF = g.op1('Cast', [positions], { to: attr.int(DataType.FLOAT) });
  const angles = g.op1('Mul', [g.op1('Unsqueeze', [posF, g.i64([-1])]), invFreq]);
  const axis2 = g.i64([2]);
  const cos = g.op1('Unsqueeze', [g.op1('Cos', [angles]), axis2]);
  const sin = g.op1('Unsqueeze', [g.op1('Sin', [angles]), axis2]);
  const scale = g.scalar(Math.fround(1 / Math.sqrt(hd)), 'attn_scale');
  const cosQ = g.op1('Mul', [cos, scale]);
  const sinQ = g.op1('Mul', [sin, scale]);

  const attention = pagedAttention(
    g,
    c,
    { table, batch: B, pastLens, newTokens: T, pastSlots: P, zero, one },
    options.attention,
    {
      count: options.batchChunks ?? BATCH_CHUNKS,
      minWork: options.chunkMinWork ?? CHUNK_MIN_WORK,
    },
  );

  const eps = g.scalar(c.rmsEps, 'rms_eps');
  const two = g.scalar(2, 'two');
  const lastAxis = { axes: attr.ints([-1]), keepdims: attr.int(1) };
  // The pattern Pow -> ReduceMean -> Add -> Sqrt -> Div -> Mul, which onnxruntime fuses into one
  // SimplifiedLayerNormalization kernel.
  const rmsNorm = (x: string, gain: string): string => {
    const ms = g.op1('ReduceMean', [g.op1('Pow', [x, two])], lastAxis);
    return g.op1('Mul', [g.op1('Div', [x, g.op1('Sqrt', [g.op1('Add', [ms, eps])])]), gain]);
  };

  let x = g.op1('Gather', [g.f32('embed', w.embed, [c.vocabSize, d]), ids], { axis: attr.int(0) });
  const qkvShape = g.i64([0, 0, -1, hd]);
  const qkvSplit = g.i64([H, H, Hkv, Hkv, Hkv]);
  const ffnSplit = g.i64([F, F]);

  w.layers.forEach((L, l) => {
    const p = `layers.${l}.`;
    const wqkv = hconcat(d, [
      { data: L.wq, cols: H * hd },
      { data: rotateHalfColumns(L.wq, d, H, hd), cols: H * hd },
      { data: L.wk, cols: Hkv * hd },
      { data: rotateHalfColumns(L.wk, d, Hkv, hd), cols: Hkv * hd },
      { data: L.wv, cols: Hkv * hd },
    ]);
    const h = rmsNorm(x, g.f32(`${p}attn_norm`, L.attnNorm, [d]));
    const qkv = g.op1('Reshape', [
      g.op1('MatMul', [h, g.f32(`${p}w_qkv`, wqkv, [d, (2 * H + 3 * Hkv) * hd])]),
      qkvShape,
    ]);
    const [q, qr, k, kr, v] = g.op('Split', [qkv, qkvSplit], { axis: attr.int(2) }, 5) as [
      string,
      string,
      string,
      string,
      string,
    ];
    // [B, T, heads, hd] after RoPE.
    const qRot = g.op1('Add', [g.op1('Mul', [q, cosQ]), g.op1('Mul', [qr, sinQ])]);
    const kRot = g.op1('Add', [g.op1('Mul', [k, cos]), g.op1('Mul', [kr, sin])]);
    g.op1('Transpose', [kRot], { perm: attr.ints([0, 2, 1, 3]) }, OUTPUTS.kNew(l));
    g.op1('Transpose', [v], { perm: attr.ints([0, 2, 1, 3]) }, OUTPUTS.vNew(l));

    const o = attention.layer({ q: qRot, k: kRot, v, kPool: kPools[l]!, vPool: vPools[l]! });
    const attnOut = g.op1('MatMul', [o, g.f32(`${p}wo`, L.wo, [H * hd, d])]);
    x = g.op1('Add', [x, attnOut]);

    // SwiGLU MLP with gate and up in one MatMul.
    const h2 = rmsNorm(x, g.f32(`${p}mlp_norm`, L.mlpNorm, [d]));
    const wgu = hconcat(d, [
      { data: L.wGate, cols: F },
      { data: L.wUp, cols: F },
    ]);
    const gu = g.op1('MatMul', [h2, g.f32(`${p}w_gate_up`, wgu, [d, 2 * F])]);
    const [gate, up] = g.op('Split', [gu, ffnSplit], { axis: attr.int(-1) }, 2) as [string, string];
    const act = g.op1('Mul', [g.op1('Mul', [gate, g.op1('Sigmoid', [gate])]), up]);
    x = g.op1('Add', [x, g.op1('MatMul', [act, g.f32(`${p}w_down`, L.wDown, [F, d])])]);
  });

  // Only the sampled position of each sequence goes through the final norm and the LM head:
  // row b * T + sample_index[b] of the flattened [B * T, d] hidden states.
  const flat = g.op1('Reshape', [x, g.i64([-1, d])]);
  const rowIdx = g.op1('Add', [g.op1('Mul', [g.op1('Range', [zero, B, one]), T]), sampleIndex]);
  const last = g.op1('Gather', [flat, rowIdx], { axis: attr.int(0) });
  const hFinal = rmsNorm(last, g.f32('final_norm', w.finalNorm, [d]));
  const logits = g.op1('MatMul', [hFinal, g.f32('lm_head', w.lmHead, [d, c.vocabSize])]);
  g.op1('Add', [logits, g.f32('lm_bias', w.lmBias, [c.vocabSize])], {}, OUTPUTS.logits);

  g.output(OUTPUTS.logits, F32, ['batch', c.vocabSize]);
  for (let l = 0; l < c.nLayers; l++) {
    g.output(OUTPUTS.kNew(l), F32, ['batch', Hkv, 'new_tokens', hd]);
    g.output(OUTPUTS.vNew(l), F32, ['batch', Hkv, 'new_tokens', hd]);
  }
  return g.build(c.name);
}
