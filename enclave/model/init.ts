/**
 * Deterministic weight initialisation: a seeded PRNG (xoshiro128**, seeded through splitmix32) and
 * Box-Muller normals. Each tensor gets its own stream, derived from the model seed and the tensor's
 * name, so adding a tensor never shifts the values of the others.
 */

/** FNV-1a over the UTF-16 code units of a string: a stable 32-bit stream id for a tensor name. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** splitmix32: spreads a 32-bit seed into well-mixed state words. */
function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** xoshiro128** (Blackman and Vigna): uniform 32-bit outputs. */
export class Xoshiro128 {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  constructor(seed: number, stream = '') {
    const sm = splitmix32(seed ^ fnv1a(stream));
    this.#a = sm();
    this.#b = sm();
    this.#c = sm();
    this.#d = sm();
    // The all-zero state is a fixed point; splitmix32 never yields four zeros, but make sure.
    if ((this.#a | this.#b | this.#c | this.#d) === 0) this.#a = 1;
  }

  nextU32(): number {
    const r = Math.imul(((Math.imul(this.#b, 5) << 7) | (Math.imul(this.#b, 5) >>> 25)) >>> 0, 9) >>> 0;
    const t = (this.#b << 9) >>> 0;
    this.#c ^= this.#a;
    this.#d ^= this.#b;
    this.#b ^= this.#c;
    this.#a ^= this.#d;
    this.#c = (this.#c ^ t) >>> 0;
    this.#d = ((this.#d << 11) | (this.#d >>> 21)) >>> 0;
    return r;
  }

  /** Uniform in (0, 1): never 0, so log() in Box-Muller is finite. */
  nextUnit(): number {
    return (this.nextU32() + 0.5) / 4294967296;
  }
}

/** `n` samples of N(0, std^2) (Box-Muller, both outputs used), as float32. */
export function normal(seed: number, stream: string, n: number, std: number): Float32Array {
  const rng = new Xoshiro128(seed, stream);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const r = Math.sqrt(-2 * Math.log(rng.nextUnit())) * std;
    const theta = 2 * Math.PI * rng.nextUnit();
    out[i] = r * Math.cos(theta);
    if (i + 1 < n) out[i + 1] = r * Math.sin(theta);
  }
  return out;
}

/** RMSNorm gains near 1 (1 + N(0, spread^2)), so the tests exercise the weight without distorting scale. */
export function gains(seed: number, stream: string, n: number, spread = 0.1): Float32Array {
  const g = normal(seed, stream, n, spread);
  for (let i = 0; i < n; i++) g[i] = 1 + g[i]!;
  return g;
}
