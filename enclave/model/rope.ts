/**
 * Rotary position embedding, rotate-half form (as in GPT-NeoX and Llama): dimension i of a head and
 * dimension i + headDim/2 form a pair rotated by the angle pos * theta^(-2i/headDim) (RoFormer, eq. 34).
 *
 *   rope(x) = x * cos + rotateHalf(x) * sin,   rotateHalf([x1, x2]) = [-x2, x1]
 *
 * Shared by the graph builder and the reference forward pass, so both use the same float32 constants.
 */
import type { ModelConfig } from './graph-contract.ts';

/** Inverse frequencies for all headDim lanes: [f_0..f_{h/2-1}, f_0..f_{h/2-1}] as float32. */
export function ropeInvFreq(c: ModelConfig): Float32Array {
  const half = c.headDim / 2;
  const out = new Float32Array(c.headDim);
  for (let i = 0; i < half; i++) {
    const f = c.ropeTheta ** (-(2 * i) / c.headDim);
    out[i] = f;
    out[i + half] = f;
  }
  return out;
}

/**
 * Columns of `w` ([rows, heads * headDim]) permuted and negated so that `x @ rotateHalfColumns(w)`
 * equals `rotateHalf(x @ w)` head by head. It is exact (only moves and sign flips), and lets the
 * graph compute a projection and its rotated twin in the same MatMul.
 */
export function rotateHalfColumns(
  w: Float32Array,
  rows: number,
  heads: number,
  headDim: number,
): Float32Array {
  const cols = heads * headDim;
  const half = headDim / 2;
  const out = new Float32Array(w.length);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let h = 0; h < heads; h++) {
      const o = base + h * headDim;
      for (let i = 0; i < half; i++) {
        out[o + i] = -w[o + i + half]!;
        out[o + i + half] = w[o + i]!;
      }
    }
  }
  return out;
}
