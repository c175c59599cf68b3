import { rng } from '../../support/rng.ts';

export { rng };
/**
 * The statistics of the leakage suite, small and dependency-free:
 *   - mutualInformation: plug-in estimate I(X;Y) in bits over discrete labels and observations, with
 *     the Miller-Madow bias correction, and a permutation threshold (the value that label-shuffled
 *     data reaches at the chosen quantile) so that "below the bound" means "no more than chance".
 *   - ksTest: two-sample Kolmogorov-Smirnov statistic with its asymptotic p-value.
 *   - classify: a nearest-centroid classifier on standardised features, scored by k-fold
 *     cross-validation against the majority-class baseline.
 * Randomness is a seeded generator so that every run is reproducible.
 */

export function shuffle<T>(xs: readonly T[], random: () => number): T[] {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

function entropy(counts: Iterable<number>, n: number): number {
  let h = 0;
  for (const c of counts) if (c > 0) h -= (c / n) * Math.log2(c / n);
  return h;
}

function countsOf(keys: readonly string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const k of keys) m.set(k, (m.get(k) ?? 0) + 1);
  return m;
}

/**
 * I(X;Y) = H(X) + H(Y) - H(X,Y), each entropy with the Miller-Madow correction (+ (m - 1) / 2n ln 2,
 * m = number of non-empty cells), which removes most of the plug-in estimator's upward bias on small
 * samples. Clamped at 0.
 */
export function mutualInformation(labels: readonly string[], obs: readonly string[]): number {
  const n = labels.length;
  if (n === 0 || obs.length !== n) throw new Error('labels and observations must have the same length');
  const mm = (c: Map<string, number>) => entropy(c.values(), n) + (c.size - 1) / (2 * n * Math.LN2);
  const joint = labels.map((l, i) => `${l}\u0000${obs[i]}`);
  return Math.max(0, mm(countsOf(labels)) + mm(countsOf(obs)) - mm(countsOf(joint)));
}

/** Permutations for a check at level 0.001: 1000 rounds, the 99.9% quantile. */
export const STRICT_PERMUTATIONS = { rounds: 1000, quantile: 0.999 } as const;

/**
 * The `quantile` of a statistic of the labels (I(X;Y), or a classifier's cross-validated accuracy)
 * over `rounds` label permutations: what chance alone reaches. Exact under the null hypothesis that
 * the observations do not depend on the labels, where an approximation (a binomial margin for the
 * accuracy) is not: cross-validation folds share their training data, so the accuracy of a
 * classifier that learns nothing spreads wider than a binomial.
 */
export function permutationThreshold(
  labels: readonly string[],
  statistic: (labels: readonly string[]) => number,
  options: { rounds?: number; quantile?: number; seed?: number } = {},
): number {
  const random = rng(options.seed ?? 1);
  const values: number[] = [];
  for (let r = 0; r < (options.rounds ?? 200); r++) values.push(statistic(shuffle(labels, random)));
  values.sort((a, b) => a - b);
  return values[Math.min(values.length - 1, Math.floor((options.quantile ?? 0.99) * values.length))]!;
}

/** Kolmogorov's limiting distribution: P(K > x) = 2 sum (-1)^(k-1) exp(-2 k^2 x^2). */
function kolmogorovQ(x: number): number {
  if (x < 0.27) return 1;
  let s = 0;
  for (let k = 1; k <= 100; k++) {
    const term = 2 * (-1) ** (k - 1) * Math.exp(-2 * k * k * x * x);
    s += term;
    if (Math.abs(term) < 1e-12) break;
  }
  return Math.min(1, Math.max(0, s));
}

/** Two-sample KS: D = sup |F_a - F_b|, p from the asymptotic law with Stephens' small-sample factor. */
export function ksTest(a: readonly number[], b: readonly number[]): { d: number; p: number } {
  if (a.length === 0 || b.length === 0) throw new Error('both samples must be non-empty');
  const x = [...a].sort((p, q) => p - q);
  const y = [...b].sort((p, q) => p - q);
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < x.length && j < y.length) {
    const v = Math.min(x[i]!, y[j]!);
    while (i < x.length && x[i]! <= v) i++;
    while (j < y.length && y[j]! <= v) j++;
    d = Math.max(d, Math.abs(i / x.length - j / y.length));
  }
  const ne = Math.sqrt((x.length * y.length) / (x.length + y.length));
  return { d, p: kolmogorovQ((ne + 0.12 + 0.11 / ne) * d) };
}

export interface ClassifierScore {
  /** Cross-validated accuracy of nearest-centroid. */
  accuracy: number;
  /** Accuracy of always answering the most common class (the same folds). */
  baseline: number;
}

/**
 * Nearest-centroid with `folds`-fold cross-validation (stratified by shuffling with a fixed seed).
 * Features are standardised with the training fold's mean and deviation, so no feature dominates by
 * its unit; a constant feature contributes nothing.
 */
export function classify(
  labels: readonly string[],
  features: readonly (readonly number[])[],
  options: { folds?: number; seed?: number } = {},
): ClassifierScore {
  const n = labels.length;
  const k = Math.min(options.folds ?? 5, n);
  const order = shuffle(
    labels.map((_, i) => i),
    rng(options.seed ?? 7),
  );
  let right = 0;
  for (let f = 0; f < k; f++) {
    const test = order.filter((_, i) => i % k === f);
    const train = order.filter((_, i) => i % k !== f);
    const dims = features[0]!.length;
    const mean = Array.from(
      { length: dims },
      (_, d) => train.reduce((s, i) => s + features[i]![d]!, 0) / train.length,
    );
    const sd = mean.map((m, d) =>
      Math.sqrt(train.reduce((s, i) => s + (features[i]![d]! - m) ** 2, 0) / train.length),
    );
    const z = (i: number) => features[i]!.map((v, d) => (sd[d]! > 0 ? (v - mean[d]!) / sd[d]! : 0));
    const centroids = new Map<string, { sum: number[]; n: number }>();
    const counts = new Map<string, number>();
    for (const i of train) {
      const c = centroids.get(labels[i]!) ?? { sum: new Array(dims).fill(0), n: 0 };
      z(i).forEach((v, d) => {
        c.sum[d]! += v;
      });
      c.n++;
      centroids.set(labels[i]!, c);
      counts.set(labels[i]!, (counts.get(labels[i]!) ?? 0) + 1);
    }
    const majority = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]![0];
    for (const i of test) {
      const v = z(i);
      let best = majority;
      let bestD = Number.POSITIVE_INFINITY;
      for (const [label, c] of [...centroids.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
        const dist = v.reduce((s, x, d) => s + (x - c.sum[d]! / c.n) ** 2, 0);
        // Ties (e.g. identical observations) go to the majority class: no information, no gain.
        if (dist < bestD - 1e-9 || (Math.abs(dist - bestD) <= 1e-9 && label === majority)) {
          best = label;
          bestD = dist;
        }
      }
      if (best === labels[i]) right++;
    }
  }
  // The baseline is the majority class's share of the whole sample (what guessing it always scores).
  const all = countsOf(labels);
  return { accuracy: right / n, baseline: Math.max(...all.values()) / n };
}
