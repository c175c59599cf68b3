/**
 * Token sampling: greedy, temperature, top-k and top-p (nucleus), driven by a seeded PRNG per request
 * so that the same seed, parameters and prompt give the same tokens (the logits themselves are
 * deterministic for a fixed batch shape; see the engine's property tests).
 *
 * Order of operations, as in the common servers (HF transformers' logits warpers, vLLM): divide by
 * the temperature, keep the top-k logits, softmax, keep the smallest set of most likely tokens whose
 * probability reaches top-p, renormalise, draw.
 */
import type { SamplingParams } from './types.ts';

/** sfc32: small, fast, 128-bit state, passes PractRand; good enough for sampling (not for keys). */
export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    // Split a safe integer into two 32-bit halves; the constant keeps seed 0 from a zero state.
    this.a = 0x9e3779b9;
    this.b = seed >>> 0;
    this.c = Math.floor(seed / 0x1_0000_0000) >>> 0;
    this.d = 1;
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  nextUint32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** Uniform in [0, 1), 53 bits. */
  next(): number {
    const hi = this.nextUint32() >>> 5;
    const lo = this.nextUint32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }
}

export function argmax(logits: Float32Array): number {
  let best = 0;
  for (let i = 1; i < logits.length; i++) if (logits[i]! > logits[best]!) best = i;
  return best;
}

/**
 * The candidate tokens and their probabilities after temperature, top-k and top-p, most likely first.
 * Exposed for tests; `sample` draws from it.
 */
export function distribution(
  logits: Float32Array,
  p: Pick<SamplingParams, 'temperature' | 'topK' | 'topP'>,
): { ids: number[]; probs: number[] } {
  const ids = Array.from(logits.keys());
  // Stable order for equal logits (lower id first) keeps draws reproducible across engines.
  ids.sort((x, y) => logits[y]! - logits[x]! || x - y);
  const k = p.topK > 0 ? Math.min(p.topK, ids.length) : ids.length;
  const kept = ids.slice(0, k);
  const max = logits[kept[0]!]! / p.temperature;
  let sum = 0;
  const probs = kept.map((id) => {
    const e = Math.exp(logits[id]! / p.temperature - max);
    sum += e;
    return e;
  });
  for (let i = 0; i < probs.length; i++) probs[i]! /= sum;
  if (p.topP < 1) {
    // Smallest prefix whose mass reaches topP (at least one token).
    let acc = 0;
    let n = 0;
    while (n < probs.length) {
      acc += probs[n]!;
      n++;
      if (acc >= p.topP) break;
    }
    kept.length = n;
    probs.length = n;
    for (let i = 0; i < n; i++) probs[i]! /= acc;
  }
  return { ids: kept, probs };
}

export function sample(logits: Float32Array, p: SamplingParams, rng: Prng): number {
  if (p.temperature <= 0) return argmax(logits);
  const { ids, probs } = distribution(logits, p);
  const u = rng.next();
  let acc = 0;
  for (let i = 0; i < ids.length; i++) {
    acc += probs[i]!;
    if (u < acc) return ids[i]!;
  }
  return ids[ids.length - 1]!;
}
