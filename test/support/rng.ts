/**
 * Mulberry32: a small seeded PRNG, so that a run (a fuzz case, a leakage assessment, a benchmark's
 * arrival times) reproduces from its seed. Tests and benchmarks only; never for secrets.
 */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
