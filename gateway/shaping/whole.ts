/**
 * Whole answers (RFC 9458 `message/ohttp-res`): the inner Binary HTTP response is padded to its
 * policy's size (RFC 9292 3.8 zero padding, which every decoder must accept and which the AEAD
 * hides) and held until the time grid says it may leave (grid.ts). Everything the gateway answers
 * after decryption goes through here, its own refusals included, so that an error looks like any
 * other answer of its size class.
 */
import { type PaddingPolicy, padTo } from '../../shared/padding/index.ts';
import { realClock, type ShapingClock } from './clock.ts';
import { gridDelay, randomJitter } from './grid.ts';

export interface WholeShaping {
  /** Size classes of whole inner responses. */
  readonly padding: PaddingPolicy;
  /** Latency classes (milliseconds since decryption). */
  readonly grid: PaddingPolicy;
  /** Extra uniform random delay in [0, jitterMs], on top of the grid point. */
  readonly jitterMs: number;
}

export interface WholeOptions {
  clock?: ShapingClock;
  signal?: AbortSignal;
  jitter?: (maxMs: number) => number;
}

/** The padded answer, returned once the grid point (plus jitter) since `startedAt` is reached. */
export async function shapeWhole(
  bhttp: Uint8Array,
  startedAt: number,
  shaping: WholeShaping,
  options: WholeOptions = {},
): Promise<Uint8Array> {
  const clock = options.clock ?? realClock;
  const padded = padTo(bhttp, shaping.padding);
  const wait = gridDelay(
    clock.now() - startedAt,
    shaping.grid,
    shaping.jitterMs,
    options.jitter ?? randomJitter,
  );
  await clock.sleep(wait, options.signal);
  return padded;
}
