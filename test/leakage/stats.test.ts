/** The leakage statistics detect what is there and find nothing where there is nothing. */
import { describe, expect, it } from 'vitest';
import {
  classify,
  ksTest,
  mutualInformation,
  permutationThreshold,
  rng,
  STRICT_PERMUTATIONS,
} from './support/stats.ts';

describe('mutual information', () => {
  it('is one bit for a label that the observation copies, about zero for independent ones', () => {
    const labels = Array.from({ length: 200 }, (_, i) => (i % 2 ? 'a' : 'b'));
    expect(mutualInformation(labels, labels)).toBeCloseTo(1, 1);
    const r = rng(3);
    const noise = labels.map(() => String(Math.floor(r() * 4)));
    expect(mutualInformation(labels, noise)).toBeLessThan(0.05);
    expect(mutualInformation(labels, noise)).toBeLessThan(
      permutationThreshold(labels, (l) => mutualInformation(l, noise)) + 1e-9,
    );
  });

  it('a constant observation carries nothing', () => {
    const labels = ['a', 'b', 'a', 'b'];
    expect(mutualInformation(labels, ['x', 'x', 'x', 'x'])).toBe(0);
  });
});

describe('two-sample KS', () => {
  it('tells a shifted distribution apart and accepts the same one', () => {
    const r = rng(5);
    const a = Array.from({ length: 100 }, () => r());
    const b = Array.from({ length: 100 }, () => r());
    const c = Array.from({ length: 100 }, () => r() + 0.3);
    expect(ksTest(a, b).p).toBeGreaterThan(0.05);
    expect(ksTest(a, c).p).toBeLessThan(0.001);
    expect(ksTest([1, 2, 3], [1, 2, 3]).d).toBe(0);
    expect(ksTest([1, 2, 3], [4, 5, 6]).d).toBe(1);
  });
});

describe('nearest-centroid classifier', () => {
  it('beats the baseline on separable data and not on noise', () => {
    const r = rng(9);
    const labels = Array.from({ length: 120 }, (_, i) => (i % 3 === 0 ? 'x' : 'y'));
    const separable = labels.map((l) => [l === 'x' ? 10 + r() : r(), r()]);
    const s = classify(labels, separable);
    expect(s.accuracy).toBeGreaterThan(0.95);
    expect(s.baseline).toBeCloseTo(2 / 3, 1);
    const noise = labels.map(() => [r(), r()]);
    expect(classify(labels, noise).accuracy).toBeLessThan(s.baseline + 0.1);
    const constant = labels.map(() => [1, 1]);
    expect(classify(labels, constant).accuracy).toBe(classify(labels, constant).baseline);
  });
});

describe('permutation threshold of the classifier', () => {
  it('lets chance accuracy through and stops a real signal, at the size of the leakage suite', () => {
    const r = rng(11);
    const labels = Array.from({ length: 48 }, (_, i) => (i % 2 ? 'a' : 'b'));
    const accuracy = (features: number[][]) => classify(labels, features).accuracy;
    const threshold = (features: number[][]) =>
      permutationThreshold(labels, (l) => classify(l, features).accuracy, STRICT_PERMUTATIONS);
    // Noise, in the suite's seven dimensions: no sample of 20 crosses its threshold.
    for (let t = 0; t < 20; t++) {
      const noise = labels.map(() => Array.from({ length: 7 }, () => r()));
      expect(accuracy(noise)).toBeLessThanOrEqual(threshold(noise));
    }
    // One dimension shifted by about three standard deviations of uniform noise.
    const signal = labels.map((l) => [l === 'a' ? r() + 0.9 : r(), ...Array.from({ length: 6 }, () => r())]);
    expect(accuracy(signal)).toBeGreaterThan(threshold(signal));
  });
});
