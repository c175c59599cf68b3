import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { argmax, distribution, Prng, sample } from '../../../enclave/engine/sampler.ts';
import { StopMatcher } from '../../../enclave/engine/stop.ts';
import type { SamplingParams } from '../../../enclave/engine/types.ts';
import { fcParams } from '../../support/seed.ts';

const params = (p: Partial<SamplingParams>): SamplingParams => ({
  temperature: 1,
  topK: 0,
  topP: 1,
  maxTokens: 16,
  stop: [],
  ...p,
});
const logitsArb = fc
  .array(fc.float({ min: -8, max: 8, noNaN: true }), { minLength: 2, maxLength: 64 })
  .map((a) => Float32Array.from(a));

describe('Prng', () => {
  it('is a pure function of its seed', () => {
    const a = new Prng(42);
    const b = new Prng(42);
    const c = new Prng(43);
    const xs = Array.from({ length: 8 }, () => a.next());
    expect(Array.from({ length: 8 }, () => b.next())).toEqual(xs);
    expect(Array.from({ length: 8 }, () => c.next())).not.toEqual(xs);
    for (const x of xs) expect(x >= 0 && x < 1).toBe(true);
  });

  it('distinguishes seeds above 2^32', () => {
    expect(new Prng(2 ** 33).next()).not.toBe(new Prng(0).next());
  });
});

describe('sample', () => {
  it('greedy picks the largest logit (lowest id on ties)', () => {
    expect(sample(Float32Array.from([1, 3, 3, 2]), params({ temperature: 0 }), new Prng(1))).toBe(1);
    expect(argmax(Float32Array.from([-1, -5]))).toBe(0);
  });

  it('same seed and parameters give the same draws', () => {
    fc.assert(
      fc.property(logitsArb, fc.integer({ min: 0, max: 2 ** 40 }), (logits, seed) => {
        const p = params({ temperature: 0.9, topK: 5, topP: 0.9 });
        const a = new Prng(seed);
        const b = new Prng(seed);
        for (let i = 0; i < 5; i++) expect(sample(logits, p, a)).toBe(sample(logits, p, b));
      }),
      fcParams(100),
    );
  });

  it('top-k keeps exactly the k most likely tokens', () => {
    fc.assert(
      fc.property(logitsArb, fc.integer({ min: 1, max: 10 }), (logits, k) => {
        const { ids, probs } = distribution(logits, { temperature: 1, topK: k, topP: 1 });
        expect(ids).toHaveLength(Math.min(k, logits.length));
        const worstKept = Math.min(...ids.map((i) => logits[i]!));
        for (let i = 0; i < logits.length; i++)
          if (!ids.includes(i)) expect(logits[i]!).toBeLessThanOrEqual(worstKept);
        expect(probs.reduce((s, x) => s + x, 0)).toBeCloseTo(1, 9);
      }),
      fcParams(200),
    );
  });

  it('top-p keeps the smallest most-likely set whose mass reaches p', () => {
    fc.assert(
      fc.property(logitsArb, fc.double({ min: 0.05, max: 0.99, noNaN: true }), (logits, topP) => {
        const full = distribution(logits, { temperature: 0.7, topK: 0, topP: 1 });
        const { ids } = distribution(logits, { temperature: 0.7, topK: 0, topP });
        const mass = (n: number): number => full.probs.slice(0, n).reduce((s, x) => s + x, 0);
        expect(ids).toEqual(full.ids.slice(0, ids.length));
        expect(mass(ids.length)).toBeGreaterThanOrEqual(topP - 1e-12);
        if (ids.length > 1) expect(mass(ids.length - 1)).toBeLessThan(topP);
      }),
      fcParams(200),
    );
  });

  it('draws follow the distribution (chi-square-free check: frequencies within 3 sigma)', () => {
    const logits = Float32Array.from([2, 1, 0.5, -3, 0]);
    const p = params({ temperature: 1, topK: 3 });
    const { ids, probs } = distribution(logits, p);
    const rng = new Prng(7);
    const n = 20_000;
    const counts = new Map<number, number>();
    for (let i = 0; i < n; i++) {
      const t = sample(logits, p, rng);
      counts.set(t, (counts.get(t) ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).toEqual([...ids].sort());
    ids.forEach((id, i) => {
      const sd = Math.sqrt(n * probs[i]! * (1 - probs[i]!));
      expect(Math.abs(counts.get(id)! - n * probs[i]!)).toBeLessThan(3 * sd);
    });
  });
});

describe('StopMatcher', () => {
  it('holds back a partial match and drops a complete one', () => {
    const m = new StopMatcher([[5, 6, 7]]);
    expect(m.push(1)).toEqual({ emit: [1], stopped: false });
    expect(m.push(5)).toEqual({ emit: [], stopped: false });
    expect(m.push(6)).toEqual({ emit: [], stopped: false });
    expect(m.push(1)).toEqual({ emit: [5, 6, 1], stopped: false });
    m.push(5);
    m.push(6);
    expect(m.push(7)).toEqual({ emit: [], stopped: true });
  });

  it('outputs exactly the tokens before the first completed stop sequence', () => {
    const tok = fc.integer({ min: 0, max: 3 });
    fc.assert(
      fc.property(
        fc.array(tok, { maxLength: 40 }),
        fc.array(fc.array(tok, { minLength: 1, maxLength: 4 }), { maxLength: 3 }),
        (tokens, stops) => {
          const m = new StopMatcher(stops);
          const out: number[] = [];
          let stopped = false;
          for (const t of tokens) {
            const r = m.push(t);
            out.push(...r.emit);
            if (r.stopped) {
              stopped = true;
              break;
            }
          }
          if (!stopped) out.push(...m.flush());
          // Reference: the earliest end index at which some stop sequence (in list order) completes.
          let expected = tokens;
          search: for (let end = 1; end <= tokens.length; end++) {
            for (const s of stops) {
              if (s.length <= end && s.every((x, i) => tokens[end - s.length + i] === x)) {
                expected = tokens.slice(0, end - s.length);
                break search;
              }
            }
          }
          expect(out).toEqual(expected);
        },
      ),
      fcParams(300),
    );
  });
});
