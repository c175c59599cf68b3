/**
 * The secret attributes, the requests that set them, and what is measured of the relay's view.
 * Each attribute has two classes that differ only in that attribute; requests alternate classes so
 * that load and time of day fall on both alike.
 */
import type { LeakRequest, Sample } from './harness.ts';
import { classify, ksTest, mutualInformation, permutationThreshold, STRICT_PERMUTATIONS } from './stats.ts';

export interface Attribute {
  name: string;
  /** Whole answers or a stream. */
  mode: 'whole' | 'stream';
  classes: [string, string];
  /** What leaks without shaping: sizes (request or response), and which timing the KS test uses. */
  leaks: { size: boolean; timing: 'duration' | 'gaps' | null };
  request(label: string, i: number): LeakRequest;
  /** Requests to send first, unobserved (e.g. to warm a cache). */
  warmup?(count: number): LeakRequest[];
}

const prompt = (chars: number, salt: string) =>
  `${salt} ${'lorem ipsum '.repeat(chars / 12)}`.slice(0, chars);
const chat = (body: Record<string, unknown>) => ({ path: '/v1/chat/completions', body });

export const ATTRIBUTES: Attribute[] = [
  {
    name: 'prompt length',
    mode: 'whole',
    classes: ['short', 'long'],
    leaks: { size: true, timing: null },
    request: (label, i) => ({
      label,
      ...chat({
        model: 'model-a',
        max_tokens: 16,
        messages: [{ role: 'user', content: prompt(label === 'short' ? 120 : 1600, `p${i}`) }],
      }),
    }),
  },
  {
    name: 'answer length',
    mode: 'stream',
    classes: ['short', 'long'],
    leaks: { size: true, timing: null },
    request: (label, i) => ({
      label,
      ...chat({
        model: 'model-a',
        stream: true,
        max_tokens: label === 'short' ? 8 : 40,
        messages: [{ role: 'user', content: prompt(200, `a${i}`) }],
      }),
    }),
  },
  {
    name: 'model',
    mode: 'stream',
    classes: ['model-a', 'model-b'],
    leaks: { size: false, timing: 'duration' },
    request: (label, i) => ({
      label,
      ...chat({
        model: label,
        stream: true,
        max_tokens: 16,
        messages: [{ role: 'user', content: prompt(200, `m${i}`) }],
      }),
    }),
  },
  {
    name: 'cache hit',
    mode: 'whole',
    classes: ['hit', 'miss'],
    leaks: { size: false, timing: 'duration' },
    // A hit repeats a prompt sent during warm-up; a miss is new. Same length either way.
    request: (label, i) => ({
      label,
      ...chat({
        model: 'model-b',
        max_tokens: 4,
        messages: [{ role: 'user', content: prompt(1600, label === 'hit' ? `h${i}` : `x${i}`) }],
      }),
    }),
    warmup: (count) =>
      Array.from({ length: count }, (_, i) => ({
        label: 'warm',
        ...chat({
          model: 'model-b',
          max_tokens: 4,
          messages: [{ role: 'user', content: prompt(1600, `h${i}`) }],
        }),
      })),
  },
  {
    name: 'token timing',
    mode: 'stream',
    classes: ['steady', 'bursty'],
    leaks: { size: false, timing: 'gaps' },
    request: (label, i) => ({
      label,
      ...chat({
        model: 'model-b',
        stream: true,
        max_tokens: 12,
        x_pattern: label,
        messages: [{ role: 'user', content: prompt(200, `t${i}`) }],
      }),
    }),
  },
];

/** Alternating classes: a, b, a, b, ... (`perClass` each). */
export function requestsFor(a: Attribute, perClass: number): LeakRequest[] {
  const out: LeakRequest[] = [];
  for (let i = 0; i < perClass; i++) for (const c of a.classes) out.push(a.request(c, i));
  return out;
}

export interface Leakage {
  n: number;
  /** Distinct (request, response) sizes on the wire. */
  sizeClasses: number;
  /** I(class; size and duration quartile), bits, and what label permutations reach (99.9%). */
  mi: number;
  miThreshold: number;
  /** Nearest-centroid cross-validated accuracy and the majority baseline. */
  accuracy: number;
  baseline: number;
  /** The accuracy that label permutations reach (99.9%): above it, the classifier learned something. */
  accuracyThreshold: number;
  /** KS p-values between the classes: of durations, and of each request's mean gap between reads. */
  ksDuration: number;
  ksGaps: number;
  /** Means over the sample (bytes down, ms). */
  meanBytes: number;
  meanDuration: number;
  meanFirstByte: number;
  /** Client-side time to first content byte, mean ms. */
  meanTtft: number;
}

const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);
const sd = (xs: number[]) => Math.sqrt(mean(xs.map((x) => (x - mean(xs)) ** 2)));

export function assess(a: Attribute, samples: Sample[]): Leakage {
  const labels = samples.map((s) => s.label);
  // Durations in quartiles of the pooled sample: a coarse observation keeps the plug-in estimate honest
  // on small samples (a fine one makes every observation unique, and MI look maximal).
  // The timing observable is the duration, or for token timing the mean gap between reads.
  const timing = (s: Sample) => (a.leaks.timing === 'gaps' ? mean(s.obs.gaps) : s.obs.duration);
  const sorted = samples.map(timing).sort((p, q) => p - q);
  const quartile = (d: number) =>
    [0.25, 0.5, 0.75].filter((q) => d > sorted[Math.floor(q * (sorted.length - 1))]!).length;
  const keys = samples.map((s) => `${s.obs.upTotal}|${s.obs.downTotal}|${quartile(timing(s))}`);
  const features = samples.map((s) => [
    s.obs.upTotal,
    s.obs.downTotal,
    s.obs.duration,
    s.obs.firstByte,
    s.obs.downReads,
    mean(s.obs.gaps),
    sd(s.obs.gaps),
  ]);
  const of = (label: string, f: (s: Sample) => number) => samples.filter((s) => s.label === label).map(f);
  const [x, y] = a.classes;
  const score = classify(labels, features);
  return {
    n: samples.length,
    sizeClasses: new Set(samples.map((s) => `${s.obs.upTotal}/${s.obs.downTotal}`)).size,
    mi: mutualInformation(labels, keys),
    miThreshold: permutationThreshold(labels, (l) => mutualInformation(l, keys), STRICT_PERMUTATIONS),
    accuracy: score.accuracy,
    accuracyThreshold: permutationThreshold(
      labels,
      (l) => classify(l, features).accuracy,
      STRICT_PERMUTATIONS,
    ),
    baseline: score.baseline,
    ksDuration: ksTest(
      of(x, (s) => s.obs.duration),
      of(y, (s) => s.obs.duration),
    ).p,
    ksGaps: ksTest(
      of(x, (s) => sd(s.obs.gaps)),
      of(y, (s) => sd(s.obs.gaps)),
    ).p,
    meanBytes: mean(samples.map((s) => s.obs.downTotal)),
    meanDuration: mean(samples.map((s) => s.obs.duration)),
    meanFirstByte: mean(samples.map((s) => s.obs.firstByte)),
    meanTtft: mean(samples.map((s) => s.ttft)),
  };
}
