/**
 * A model-free ModelRunner for engine tests. Each token's K/V rows encode (token, position) in every
 * layer and head; the logits of a position are a hash of every (token, position) pair read back
 * through the block table. So a wrong block, a stale slot, a lost offload or a bad restore changes
 * the logits (or throws), while a correct engine reproduces `referenceLogits` bit for bit.
 */
import type { KvMemory, KvShape, WriteRow } from '../../../../enclave/engine/kv-memory.ts';
import type { ModelRunner, RunRow } from '../../../../enclave/engine/runner.ts';

export const FAKE_SHAPE: KvShape = { nLayers: 2, nKvHeads: 2, headDim: 4, blockSize: 4 };
export const FAKE_VOCAB = 24;

function row(token: number, pos: number, layer: number, head: number, v: boolean): number[] {
  return [token, pos + 1, layer * 10 + head, v ? 1 : 2];
}

function fold(h: number, token: number, pos: number): number {
  return (Math.imul(h ^ token, 0x01000193) + pos * 131 + 7) >>> 0;
}

function logitsOf(h: number, out: Float32Array, at: number): void {
  for (let v = 0; v < FAKE_VOCAB; v++) {
    out[at + v] = (((h ^ Math.imul(v + 1, 0x9e3779b1)) >>> 0) % 1000) / 100;
  }
}

/** Logits after each prefix of `tokens`: entry i is the distribution for the token after tokens[i]. */
export function referenceLogits(tokens: readonly number[]): Float32Array[] {
  const out: Float32Array[] = [];
  let h = 0x811c9dc5;
  tokens.forEach((t, pos) => {
    h = fold(h, t, pos);
    const l = new Float32Array(FAKE_VOCAB);
    logitsOf(h, l, 0);
    out.push(l);
  });
  return out;
}

export class FakeRunner implements ModelRunner {
  readonly shape = FAKE_SHAPE;
  readonly vocabSize = FAKE_VOCAB;
  readonly name = 'fake';
  runs = 0;
  /** Rows per run, for scheduler assertions. */
  readonly batches: number[][] = [];
  /** Set to make the next run throw. */
  failNext = false;

  constructor(readonly maxContext = 512) {}

  async run(rows: readonly RunRow[], memory: KvMemory): Promise<Float32Array> {
    if (this.failNext) {
      this.failNext = false;
      throw new Error('injected failure');
    }
    this.runs++;
    this.batches.push(rows.map((r) => r.tokens.length));
    const { nLayers: L, nKvHeads: H, headDim: D, blockSize: S } = this.shape;
    const T = Math.max(...rows.map((r) => r.tokens.length));
    const out = new Float32Array(rows.length * FAKE_VOCAB);
    const NB = memory.numBlocks;
    rows.forEach((r, b) => {
      let h = 0x811c9dc5;
      for (let pos = 0; pos < r.pastLen; pos++) {
        const block = r.blocks[Math.floor(pos / S)]!;
        if (block === 0) throw new Error('read of the padding block');
        let token = -1;
        for (let l = 0; l < L; l++) {
          for (let hd = 0; hd < H; hd++) {
            const at = ((hd * NB + block) * S + (pos % S)) * D;
            for (const [pool, isV] of [
              [memory.k[l]!, false],
              [memory.v[l]!, true],
            ] as const) {
              const got = Array.from(pool.subarray(at, at + D));
              const want = row(got[0]!, pos, l, hd, isV);
              if (got.some((x, i) => x !== want[i])) throw new Error(`corrupt KV at position ${pos}`);
              if (token >= 0 && got[0] !== token) throw new Error(`inconsistent KV at position ${pos}`);
              token = got[0]!;
            }
          }
        }
        h = fold(h, token, pos);
      }
      r.tokens.forEach((t, i) => {
        h = fold(h, t, r.pastLen + i);
      });
      logitsOf(h, out, b * FAKE_VOCAB);
    });
    const writes: WriteRow[] = rows.map((r) => ({
      pastLen: r.pastLen,
      count: r.tokens.length,
      blocks: r.blocks,
    }));
    for (let l = 0; l < L; l++) {
      const k = new Float32Array(rows.length * H * T * D);
      const v = new Float32Array(rows.length * H * T * D);
      rows.forEach((r, b) => {
        r.tokens.forEach((t, i) => {
          for (let hd = 0; hd < H; hd++) {
            const at = ((b * H + hd) * T + i) * D;
            k.set(row(t, r.pastLen + i, l, hd, false), at);
            v.set(row(t, r.pastLen + i, l, hd, true), at);
          }
        });
      });
      memory.writeRows(l, k, v, T, writes);
    }
    return out;
  }
}
