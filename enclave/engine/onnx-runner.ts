/**
 * The ModelRunner over onnxruntime-node (CPU). Per run it builds the small int64 inputs of
 * graph-contract.ts and hands over the whole KV pool as zero-copy tensors over the engine's own
 * Float32Arrays (DESIGN.md: inputs from TypedArrays are not copied, outputs always are, so the graph
 * outputs only the new K/V rows and one row of logits per sequence). The pool tensors are made once:
 * they wrap the arrays, whose contents change in place between runs.
 */
import ort from 'onnxruntime-node';
import { INPUTS, OUTPUTS } from '../model/graph-contract.ts';
import type { LoadedModel } from '../model/load.ts';
import type { KvMemory, KvShape, WriteRow } from './kv-memory.ts';
import type { ModelRunner, RunRow } from './runner.ts';

export interface OnnxRunnerOptions {
  intraOpNumThreads: number;
}

export class OnnxRunner implements ModelRunner {
  readonly shape: KvShape;
  readonly vocabSize: number;
  readonly maxContext: number;
  readonly name: string;
  private pools: { memory: KvMemory; feeds: Record<string, ort.Tensor> } | undefined;

  private constructor(
    private readonly session: ort.InferenceSession,
    model: LoadedModel,
  ) {
    const c = model.config;
    this.shape = { nLayers: c.nLayers, nKvHeads: c.nKvHeads, headDim: c.headDim, blockSize: model.blockSize };
    this.vocabSize = c.vocabSize;
    this.maxContext = c.maxContext;
    this.name = `${c.name}@${model.digest}`;
  }

  static async create(model: LoadedModel, o: OnnxRunnerOptions): Promise<OnnxRunner> {
    const session = await ort.InferenceSession.create(model.onnxPath, {
      intraOpNumThreads: o.intraOpNumThreads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    });
    return new OnnxRunner(session, model);
  }

  private poolFeeds(memory: KvMemory): Record<string, ort.Tensor> {
    if (this.pools?.memory !== memory) {
      const { nKvHeads: H, blockSize: S, headDim: D } = this.shape;
      const dims = [H, memory.numBlocks, S, D];
      const feeds: Record<string, ort.Tensor> = {};
      for (let l = 0; l < this.shape.nLayers; l++) {
        feeds[INPUTS.kPool(l)] = new ort.Tensor('float32', memory.k[l]!, dims);
        feeds[INPUTS.vPool(l)] = new ort.Tensor('float32', memory.v[l]!, dims);
      }
      this.pools = { memory, feeds };
    }
    return this.pools.feeds;
  }

  async run(rows: readonly RunRow[], memory: KvMemory): Promise<Float32Array> {
    const S = this.shape.blockSize;
    const B = rows.length;
    const T = Math.max(...rows.map((r) => r.tokens.length));
    // The table only has to cover past slots; new tokens are scored separately in the graph.
    const M = Math.max(1, ...rows.map((r) => Math.ceil(r.pastLen / S)));
    const ids = new BigInt64Array(B * T);
    const pos = new BigInt64Array(B * T);
    const past = new BigInt64Array(B);
    const table = new BigInt64Array(B * M); // padded with block 0
    const sampleAt = new BigInt64Array(B);
    rows.forEach((r, b) => {
      for (let t = 0; t < T; t++) {
        ids[b * T + t] = BigInt(r.tokens[t] ?? 0);
        pos[b * T + t] = BigInt(r.pastLen + t);
      }
      past[b] = BigInt(r.pastLen);
      const width = Math.ceil(r.pastLen / S);
      for (let m = 0; m < width; m++) table[b * M + m] = BigInt(r.blocks[m]!);
      sampleAt[b] = BigInt(r.tokens.length - 1);
    });
    const feeds: Record<string, ort.Tensor> = {
      ...this.poolFeeds(memory),
      [INPUTS.inputIds]: new ort.Tensor('int64', ids, [B, T]),
      [INPUTS.positions]: new ort.Tensor('int64', pos, [B, T]),
      [INPUTS.pastLens]: new ort.Tensor('int64', past, [B]),
      [INPUTS.blockTable]: new ort.Tensor('int64', table, [B, M]),
      [INPUTS.sampleIndex]: new ort.Tensor('int64', sampleAt, [B]),
    };
    const out = await this.session.run(feeds);
    const writes: WriteRow[] = rows.map((r) => ({
      pastLen: r.pastLen,
      count: r.tokens.length,
      blocks: r.blocks,
    }));
    for (let l = 0; l < this.shape.nLayers; l++) {
      const k = out[OUTPUTS.kNew(l)]!.data as Float32Array;
      const v = out[OUTPUTS.vNew(l)]!.data as Float32Array;
      memory.writeRows(l, k, v, T, writes);
    }
    return out[OUTPUTS.logits]!.data as Float32Array;
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}
