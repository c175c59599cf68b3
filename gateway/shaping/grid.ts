/**
 * The time grid for whole (non-streamed) answers: an answer leaves when the time since the request
 * was decrypted reaches the next grid point, so its latency says only which grid bucket the work
 * fell into, not how long generation, queueing or a prefix-cache hit took. Random jitter may be added
 * on top of the grid point, never instead of it: jitter alone averages out over repeated requests,
 * the grid does not.
 *
 * The grid is a padding policy (shared/padding) applied to milliseconds: `powerOfTwo({ floor })` gives
 * few buckets at up to 2x latency, `buckets([...])` an explicit list, `linearGrid(step)` a fixed step.
 */
import { invalidArgument } from '../../shared/errors.ts';
import type { PaddingPolicy } from '../../shared/padding/index.ts';

/** Multiples of `stepMs` (0 stays 0; everything else rounds up to the next multiple). */
export function linearGrid(stepMs: number): PaddingPolicy {
  if (!Number.isSafeInteger(stepMs) || stepMs < 1) throw invalidArgument('grid step must be an integer >= 1');
  return (ms) => {
    if (!Number.isSafeInteger(ms) || ms < 0) throw invalidArgument('grid input must be an integer >= 0');
    return Math.ceil(ms / stepMs) * stepMs;
  };
}

/** Uniform integer in [0, maxMs] from the platform CSPRNG (jitter must not be predictable either). */
export function randomJitter(maxMs: number): number {
  if (maxMs <= 0) return 0;
  const r = new Uint32Array(1);
  crypto.getRandomValues(r);
  return r[0]! % (Math.floor(maxMs) + 1);
}

/**
 * How long to wait, after `elapsedMs` of work, before sending: up to the next grid point, plus jitter.
 * Never negative. An answer that took longer than the last grid point moves to the next one the
 * policy gives (policies extend beyond their last bucket).
 */
export function gridDelay(
  elapsedMs: number,
  grid: PaddingPolicy,
  jitterMs = 0,
  jitter: (max: number) => number = randomJitter,
): number {
  const elapsed = Math.max(0, Math.ceil(elapsedMs));
  const point = grid(Math.max(1, elapsed));
  return point - elapsed + jitter(jitterMs);
}
