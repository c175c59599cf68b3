/**
 * The leakage suite (CI share): for each secret attribute, requests through client, relay and gateway
 * on loopback, recorded as the relay sees them, with shaping off (the control: every check must find
 * the leak, or the check proves nothing) and on (the checks must find nothing beyond the buckets).
 * Small samples and fast ticks here; `npm run bench -- leakage` runs the defaults on larger samples.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHAPING_DEFAULTS, SHAPING_OFF, type ShapingConfig } from '../../gateway/shaping/index.ts';
import { powerOfTwo } from '../../shared/padding/index.ts';
import { type Sample, type Stack, shapingWired, startStack } from './support/harness.ts';
import { ATTRIBUTES, type Attribute, assess, type Leakage, requestsFor } from './support/suite.ts';
import { syntheticTarget } from './support/target.ts';

/**
 * The defaults with a faster tick so that CI stays quick; 64 cells at 10 ms (640 ms) then cover every
 * synthetic answer here, as 32 cells at 50 ms (1.6 s) do in the bench.
 */
const CI_SHAPING: ShapingConfig = { ...SHAPING_DEFAULTS, tickMs: 10, cellCount: 'pow2:64' };
const PER_CLASS = 24;
/** A strict level for every test here, so that a leak-free run fails about once in a thousand. */
const ALPHA = 0.001;

let off: Stack;
let on: Stack;
beforeAll(async () => {
  off = await startStack({ target: syntheticTarget({ scale: 0.5 }).fetch, shaping: SHAPING_OFF });
  on = await startStack({
    target: syntheticTarget({ scale: 0.5 }).fetch,
    shaping: CI_SHAPING,
    clientPadding: powerOfTwo({ floor: 4096 }),
  });
});
afterAll(async () => {
  await off?.close();
  await on?.close();
});

async function measure(stack: Stack, a: Attribute): Promise<{ samples: Sample[]; leak: Leakage }> {
  if (a.warmup) await stack.run(a.warmup(PER_CLASS));
  const samples = await stack.run(requestsFor(a, PER_CLASS));
  for (const s of samples) expect(s.status).toBe(200);
  return { samples, leak: assess(a, samples) };
}

describe.each(ATTRIBUTES)('leakage of $name ($mode)', (a) => {
  it('shaping off: every check detects it (control)', async () => {
    const { leak } = await measure(off, a);
    if (a.leaks.size) expect(leak.sizeClasses).toBeGreaterThan(1);
    expect(leak.mi).toBeGreaterThan(leak.miThreshold);
    expect(leak.accuracy).toBeGreaterThanOrEqual(leak.baseline + 0.25);
    if (a.leaks.timing === 'duration') expect(leak.ksDuration).toBeLessThan(ALPHA);
    if (a.leaks.timing === 'gaps') expect(leak.ksGaps).toBeLessThan(ALPHA);
  });

  // Skipped (and reported) only while the gateway does not take shaping settings yet.
  it.skipIf(!shapingWired())(
    'shaping on: one size class, no information, no better than guessing',
    async () => {
      const { samples, leak } = await measure(on, a);
      // Every answer of this sample falls in one bucket of the policy (padmé / 32 cells / 4 KiB requests).
      expect(leak.sizeClasses).toBe(1);
      expect(leak.mi).toBeLessThanOrEqual(leak.miThreshold + 1e-9);
      // At level ALPHA, by label permutation (support/stats.ts): a binomial margin was too tight for a
      // cross-validated accuracy and failed a leak-free run now and then (0.729 against 0.723 once).
      expect(leak.accuracy).toBeLessThanOrEqual(leak.accuracyThreshold);
      expect(leak.ksDuration).toBeGreaterThan(ALPHA);
      expect(leak.ksGaps).toBeGreaterThan(ALPHA);
      // The relay's view is uniform: the same outer heads for every request and every answer.
      expect(new Set(samples.map((s) => s.heads.up)).size).toBe(1);
      expect(new Set(samples.map((s) => s.heads.down)).size).toBe(1);
    },
  );
});

describe('relay view', () => {
  it('every client gets the same key configuration bytes', async () => {
    const a = await on.keysFrom('127.0.0.20');
    const b = await on.keysFrom('127.0.0.21');
    expect(a.length).toBeGreaterThan(0);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    expect(Buffer.from(a).equals(Buffer.from(on.keys))).toBe(true);
  });
});
