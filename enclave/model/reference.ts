/**
 * The reference forward pass: plain TypeScript, no cache, the whole sequence recomputed at once with
 * causal attention. It is the oracle that the ONNX graph and the engine are tested against, so it is
 * written for obviousness, not speed, and mirrors the graph's float32 constants (RoPE tables, the
 * 1/sqrt(headDim) scale folded into the query's cos/sin, rotate-half). Sums are accumulated in
 * float64, so it is at least as accurate as the graph; tests compare within 1e-4.
 */
import { invalidArgument } from '../../shared/errors.ts';
import type { ModelConfig } from './graph-contract.ts';
import { ropeInvFreq } from './rope.ts';
import type { ModelWeights } from './weights.ts';

/** x [rows, n] @ w [n, m] -> [rows, m]. */
function matmul(x: Float32Array, rows: number, n: number, w: Float32Array, m: number): Float32Array {
  const out = new Float32Array(rows * m);
  const acc = new Float64Array(m);
  for (let r = 0; r < rows; r++) {
    acc.fill(0);
    for (let i = 0; i < n; i++) {
      const xi = x[r * n + i]!;
      if (xi === 0) continue;
      const wo = i * m;
      for (let j = 0; j < m; j++) acc[j]! += xi * w[wo + j]!;
    }
    out.set(acc, r * m);
  }
  return out;
}

/** RMSNorm (Zhang and Sennrich 2019): x / sqrt(mean(x^2) + eps) * g, row by row. */
function rmsNorm(x: Float32Array, rows: number, d: number, g: Float32Array, eps: number): Float32Array {
  const out = new Float32Array(rows * d);
  for (let r = 0; r < rows; r++) {
    let ss = 0;
    for (let i = 0; i < d; i++) ss += x[r * d + i]! ** 2;
    const inv = 1 / Math.sqrt(ss / d + eps);
    for (let i = 0; i < d; i++) out[r * d + i] = x[r * d + i]! * inv * g[i]!;
  }
  return out;
}

/** In place: rope each head of x [T, heads * headDim] at positions 0..T-1, scaled by `scale`. */
function rope(x: Float32Array, t: number, heads: number, c: ModelConfig, scale: number): void {
  const hd = c.headDim;
  const half = hd / 2;
  const inv = ropeInvFreq(c);
  const rot = new Float32Array(hd);
  for (let p = 0; p < t; p++) {
    for (let h = 0; h < heads; h++) {
      const o = (p * heads + h) * hd;
      for (let i = 0; i < half; i++) {
        rot[i] = -x[o + i + half]!;
        rot[i + half] = x[o + i]!;
      }
      for (let i = 0; i < hd; i++) {
        const angle = Math.fround(p * inv[i]!);
        const cos = Math.fround(Math.fround(Math.cos(angle)) * scale);
        const sin = Math.fround(Math.fround(Math.sin(angle)) * scale);
        x[o + i] = x[o + i]! * cos + rot[i]! * sin;
      }
    }
  }
}

/** Causal grouped-query attention over q [T, H*hd], k/v [T, Hkv*hd] (q already scaled). */
function attention(
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
  t: number,
  c: ModelConfig,
): Float32Array {
  const { nHeads, nKvHeads, headDim: hd } = c;
  const group = nHeads / nKvHeads;
  const out = new Float32Array(t * nHeads * hd);
  const scores = new Float64Array(t);
  for (let h = 0; h < nHeads; h++) {
    // Query head h reads kv head floor(h / group): consecutive query heads share a kv head.
    const kvh = Math.floor(h / group);
    for (let i = 0; i < t; i++) {
      const qo = (i * nHeads + h) * hd;
      let max = -Infinity;
      for (let j = 0; j <= i; j++) {
        const ko = (j * nKvHeads + kvh) * hd;
        let s = 0;
        for (let e = 0; e < hd; e++) s += q[qo + e]! * k[ko + e]!;
        scores[j] = s;
        if (s > max) max = s;
      }
      let sum = 0;
      for (let j = 0; j <= i; j++) {
        scores[j] = Math.exp(scores[j]! - max);
        sum += scores[j]!;
      }
      for (let e = 0; e < hd; e++) {
        let acc = 0;
        for (let j = 0; j <= i; j++) acc += scores[j]! * v[(j * nKvHeads + kvh) * hd + e]!;
        out[qo + e] = acc / sum;
      }
    }
  }
  return out;
}

function addInPlace(x: Float32Array, y: Float32Array): void {
  for (let i = 0; i < x.length; i++) x[i] = x[i]! + y[i]!;
}

/** Logits at every position of `tokens` (positions 0..T-1). */
export function referenceLogits(w: ModelWeights, c: ModelConfig, tokens: readonly number[]): Float32Array[] {
  if (!Array.isArray(tokens) || tokens.length === 0)
    throw invalidArgument('tokens must be a non-empty array');
  for (const id of tokens) {
    if (!Number.isInteger(id) || id < 0 || id >= c.vocabSize) throw invalidArgument(`not a token id: ${id}`);
  }
  const t = tokens.length;
  const d = c.dModel;
  const qDim = c.nHeads * c.headDim;
  const kvDim = c.nKvHeads * c.headDim;
  const x = new Float32Array(t * d);
  tokens.forEach((id, p) => {
    x.set(w.embed.subarray(id * d, (id + 1) * d), p * d);
  });

  for (const L of w.layers) {
    const h = rmsNorm(x, t, d, L.attnNorm, c.rmsEps);
    const q = matmul(h, t, d, L.wq, qDim);
    const k = matmul(h, t, d, L.wk, kvDim);
    const v = matmul(h, t, d, L.wv, kvDim);
    rope(q, t, c.nHeads, c, Math.fround(1 / Math.sqrt(c.headDim)));
    rope(k, t, c.nKvHeads, c, 1);
    addInPlace(x, matmul(attention(q, k, v, t, c), t, qDim, L.wo, d));

    const h2 = rmsNorm(x, t, d, L.mlpNorm, c.rmsEps);
    const gate = matmul(h2, t, d, L.wGate, c.ffnDim);
    const up = matmul(h2, t, d, L.wUp, c.ffnDim);
    // SwiGLU (Shazeer 2020): silu(gate) * up, silu(z) = z * sigmoid(z).
    for (let i = 0; i < gate.length; i++) gate[i] = (gate[i]! / (1 + Math.exp(-gate[i]!))) * up[i]!;
    addInPlace(x, matmul(gate, t, c.ffnDim, L.wDown, d));
  }

  const logits = matmul(rmsNorm(x, t, d, w.finalNorm, c.rmsEps), t, d, w.lmHead, c.vocabSize);
  // The output bias (text-prior.ts), in float32 as the graph adds it.
  for (let p = 0; p < t; p++) {
    for (let j = 0; j < c.vocabSize; j++)
      logits[p * c.vocabSize + j] = logits[p * c.vocabSize + j]! + w.lmBias[j]!;
  }
  return Array.from({ length: t }, (_, p) => logits.slice(p * c.vocabSize, (p + 1) * c.vocabSize));
}
