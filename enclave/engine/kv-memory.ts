/**
 * The KV pool's memory: per layer one K and one V Float32Array laid out head-major,
 * `[kvHeads, numBlocks, blockSize, headDim]` (graph-contract.ts). These arrays are passed to the graph
 * as inputs every step without copying (DESIGN.md: input tensors from TypedArrays are zero-copy); the
 * graph returns only the new rows, which `writeRows` scatters into their blocks.
 *
 * The bookkeeping of which block belongs to whom is block-pool.ts; this file only moves floats.
 */

export interface KvShape {
  nLayers: number;
  nKvHeads: number;
  headDim: number;
  blockSize: number;
}

/** Bytes one block takes across all layers, K and V. */
export function bytesPerBlock(s: KvShape): number {
  return s.nLayers * 2 * s.nKvHeads * s.blockSize * s.headDim * 4;
}

/** Blocks a memory budget holds, block 0 (padding) included; at least 2 so that one block is usable. */
export function blocksForBudget(s: KvShape, bytes: number): number {
  return Math.max(2, Math.floor(bytes / bytesPerBlock(s)));
}

export interface WriteRow {
  /** Tokens already in the cache: the first new row goes to this position. */
  pastLen: number;
  /** New rows of this sequence actually written (the rest of T is padding). */
  count: number;
  blocks: readonly number[];
}

export class KvMemory {
  readonly k: Float32Array[];
  readonly v: Float32Array[];
  /** Floats of one block in one head of one layer's K (or V). */
  private readonly span: number;

  constructor(
    readonly shape: KvShape,
    readonly numBlocks: number,
  ) {
    const size = shape.nKvHeads * numBlocks * shape.blockSize * shape.headDim;
    this.k = Array.from({ length: shape.nLayers }, () => new Float32Array(size));
    this.v = Array.from({ length: shape.nLayers }, () => new Float32Array(size));
    this.span = shape.blockSize * shape.headDim;
  }

  get floatsPerBlock(): number {
    return this.shape.nLayers * 2 * this.shape.nKvHeads * this.span;
  }

  /**
   * Scatters one layer's new rows, `[B, kvHeads, T, headDim]`, into the pool. Rows that fall in the
   * same block are contiguous in both arrays and are copied as one run.
   */
  writeRows(
    layer: number,
    kNew: Float32Array,
    vNew: Float32Array,
    T: number,
    rows: readonly WriteRow[],
  ): void {
    const { nKvHeads: H, headDim: D, blockSize: S } = this.shape;
    const NB = this.numBlocks;
    const kPool = this.k[layer]!;
    const vPool = this.v[layer]!;
    rows.forEach((row, b) => {
      let t = 0;
      while (t < row.count) {
        const pos = row.pastLen + t;
        const slot = pos % S;
        const run = Math.min(S - slot, row.count - t);
        const block = row.blocks[Math.floor(pos / S)]!;
        for (let h = 0; h < H; h++) {
          const src = ((b * H + h) * T + t) * D;
          const dst = ((h * NB + block) * S + slot) * D;
          kPool.set(kNew.subarray(src, src + run * D), dst);
          vPool.set(vNew.subarray(src, src + run * D), dst);
        }
        t += run;
      }
    });
  }

  /** A copy of one block across every layer and head (for offload). */
  readBlock(block: number, out = new Float32Array(this.floatsPerBlock)): Float32Array {
    let o = 0;
    for (const pool of this.pools()) {
      for (let h = 0; h < this.shape.nKvHeads; h++) {
        const at = (h * this.numBlocks + block) * this.span;
        out.set(pool.subarray(at, at + this.span), o);
        o += this.span;
      }
    }
    return out;
  }

  /** The inverse of readBlock. */
  writeBlock(block: number, data: Float32Array): void {
    if (data.length !== this.floatsPerBlock) throw new RangeError('block data of the wrong size');
    let o = 0;
    for (const pool of this.pools()) {
      for (let h = 0; h < this.shape.nKvHeads; h++) {
        pool.set(data.subarray(o, o + this.span), (h * this.numBlocks + block) * this.span);
        o += this.span;
      }
    }
  }

  private *pools(): Generator<Float32Array> {
    for (let l = 0; l < this.shape.nLayers; l++) {
      yield this.k[l]!;
      yield this.v[l]!;
    }
  }
}
