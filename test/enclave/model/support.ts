/**
 * Test helpers for running the decoder graph: one onnxruntime session of the tiny model per test file
 * (built in memory, no cache involved), KV pools, and a step runner that packs sequences into the
 * contract's inputs the way the engine will (padded T, block tables padded with block 0).
 */
import ort from 'onnxruntime-node';
import { builtinConfig } from '../../../enclave/model/config.ts';
import type { DecoderGraphOptions } from '../../../enclave/model/decoder-graph.ts';
import { encodeDecoderModel } from '../../../enclave/model/encode-model.ts';
import type { ModelConfig } from '../../../enclave/model/graph-contract.ts';
import { INPUTS, OUTPUTS } from '../../../enclave/model/graph-contract.ts';
import type { ModelWeights } from '../../../enclave/model/weights.ts';
import { builtinWeights } from '../../../enclave/model/weights.ts';
import { SPECIAL } from '../../../enclave/tokenizer/vocab.ts';

export const BLOCK = 16;

export interface Tiny {
  config: ModelConfig;
  weights: ModelWeights;
  session: ort.InferenceSession;
}

/** The tiny model's session; the options pick the layout (default: the built-in model's). */
export async function openTiny(options: DecoderGraphOptions = {}): Promise<Tiny> {
  const config = builtinConfig('tiny');
  const weights = builtinWeights('tiny');
  const bytes = encodeDecoderModel(config, weights, BLOCK, options);
  const session = await ort.InferenceSession.create(bytes);
  return { config, weights, session };
}

/** Per-layer K and V pools [kvHeads, numBlocks, BLOCK, headDim], filled with `fill()` (garbage by default). */
export interface Pools {
  numBlocks: number;
  k: Float32Array[];
  v: Float32Array[];
}

export function makePools(c: ModelConfig, numBlocks: number, fill: () => number): Pools {
  const n = c.nKvHeads * numBlocks * BLOCK * c.headDim;
  const make = (): Float32Array => Float32Array.from({ length: n }, fill);
  return {
    numBlocks,
    k: Array.from({ length: c.nLayers }, make),
    v: Array.from({ length: c.nLayers }, make),
  };
}

export interface SeqStep {
  /** New tokens of this step. */
  tokens: number[];
  /** Tokens already in the pool (= position of the first new token). */
  pastLen: number;
  /** Physical block of each logical block. */
  blockTable: number[];
  /** Index in tokens whose logits are returned (default: the last). */
  sampleIndex?: number;
}

export interface StepResult {
  /** Logits per sequence. */
  logits: Float32Array[];
  /** kNew[layer][b] / vNew[layer][b]: [kvHeads, tokens.length, headDim] rows of sequence b. */
  kNew: Float32Array[][];
  vNew: Float32Array[][];
}

const i64 = (values: number[], dims: number[]): ort.Tensor =>
  new ort.Tensor('int64', BigInt64Array.from(values, BigInt), dims);

/** One graph run over several sequences, padded as the engine pads them. */
export async function runStep(t: Tiny, pools: Pools, seqs: SeqStep[]): Promise<StepResult> {
  const c = t.config;
  const B = seqs.length;
  const T = Math.max(...seqs.map((s) => s.tokens.length));
  const M = Math.max(1, ...seqs.map((s) => s.blockTable.length));
  const ids: number[] = [];
  const pos: number[] = [];
  const table: number[] = [];
  for (const s of seqs) {
    for (let i = 0; i < T; i++) {
      ids.push(i < s.tokens.length ? s.tokens[i]! : SPECIAL.pad);
      pos.push(i < s.tokens.length ? s.pastLen + i : 0);
    }
    for (let i = 0; i < M; i++) table.push(s.blockTable[i] ?? 0);
  }
  const poolDims = [c.nKvHeads, pools.numBlocks, BLOCK, c.headDim];
  const feeds: Record<string, ort.Tensor> = {
    [INPUTS.inputIds]: i64(ids, [B, T]),
    [INPUTS.positions]: i64(pos, [B, T]),
    [INPUTS.pastLens]: i64(
      seqs.map((s) => s.pastLen),
      [B],
    ),
    [INPUTS.blockTable]: i64(table, [B, M]),
    [INPUTS.sampleIndex]: i64(
      seqs.map((s) => s.sampleIndex ?? s.tokens.length - 1),
      [B],
    ),
  };
  for (let l = 0; l < c.nLayers; l++) {
    feeds[INPUTS.kPool(l)] = new ort.Tensor('float32', pools.k[l]!, poolDims);
    feeds[INPUTS.vPool(l)] = new ort.Tensor('float32', pools.v[l]!, poolDims);
  }
  const out = await t.session.run(feeds);
  const V = c.vocabSize;
  const logitsAll = out[OUTPUTS.logits]!.data as Float32Array;
  const rows = (name: string): Float32Array[] => {
    const data = out[name]!.data as Float32Array;
    const perSeq = c.nKvHeads * T * c.headDim;
    return seqs.map((s, b) => {
      // Keep only the real tokens' rows: [kvHeads, len, headDim].
      const len = s.tokens.length;
      const r = new Float32Array(c.nKvHeads * len * c.headDim);
      for (let h = 0; h < c.nKvHeads; h++) {
        const src = b * perSeq + h * T * c.headDim;
        r.set(data.subarray(src, src + len * c.headDim), h * len * c.headDim);
      }
      return r;
    });
  };
  return {
    logits: seqs.map((_, b) => logitsAll.slice(b * V, (b + 1) * V)),
    kNew: Array.from({ length: c.nLayers }, (_, l) => rows(OUTPUTS.kNew(l))),
    vNew: Array.from({ length: c.nLayers }, (_, l) => rows(OUTPUTS.vNew(l))),
  };
}

/** Writes a step's new rows of sequence `b` into the pools, as the engine does after each step. */
export function writeRows(c: ModelConfig, pools: Pools, res: StepResult, b: number, seq: SeqStep): void {
  const len = seq.tokens.length;
  for (let l = 0; l < c.nLayers; l++) {
    for (const [src, dst] of [
      [res.kNew[l]![b]!, pools.k[l]!],
      [res.vNew[l]![b]!, pools.v[l]!],
    ] as const) {
      for (let h = 0; h < c.nKvHeads; h++) {
        for (let i = 0; i < len; i++) {
          const p = seq.pastLen + i;
          const block = seq.blockTable[Math.floor(p / BLOCK)]!;
          const at = ((h * pools.numBlocks + block) * BLOCK + (p % BLOCK)) * c.headDim;
          dst.set(src.subarray((h * len + i) * c.headDim, (h * len + i + 1) * c.headDim), at);
        }
      }
    }
  }
}

export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return Number.isNaN(m) ? Number.POSITIVE_INFINITY : m;
}
