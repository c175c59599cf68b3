/**
 * Metadata shaping for the gateway's answers: what the relay (or anyone on the wire) sees of an answer
 * should be the same whatever the prompt, the answer, the model or the cache did.
 *
 *   createShaper(config: ShapingConfig, options?: { clock? }): Shaper
 *   shaperFor(gatewayConfig): Shaper            (memoised per frozen configuration; what gateway/ calls)
 *     shaper.whole(bhttp, startedAt, signal?) -> Promise<Uint8Array>   padded, released on the time grid
 *     shaper.stream(input: PacedInput, signal?) -> ReadableStream<Uint8Array>
 *         indeterminate-length Binary HTTP; with shaping on, equal cells on a fixed tick (seal one
 *         chunk per piece, maxChunkSize >= cellSize)
 *     shaper.now() -> the clock `startedAt` is read from
 *   SHAPING_DEFAULTS, SHAPING_OFF, SHAPING_OPTION_SPECS, readShaping, parsePolicy, resolveShaping
 *   CellFramer (cells.ts), pacedResponse (pace.ts), shapeWhole / gridDelay (whole.ts, grid.ts),
 *   bucketUsage / shapeJson (usage.ts)
 */
import { encodeResponseStream } from '../../shared/bhttp/index.ts';
import { realClock, type ShapingClock } from './clock.ts';
import { resolveShaping, SHAPING_OFF, type ShapingConfig } from './config.ts';
import { type PacedInput, pacedResponse } from './pace.ts';
import { shapeWhole } from './whole.ts';

export { type CellContent, CellFramer, MAX_CELL, MIN_CELL } from './cells.ts';
export { fakeClock, realClock, type ShapingClock } from './clock.ts';
export {
  parsePolicy,
  type ResolvedShaping,
  readShaping,
  resolveShaping,
  SHAPING_DEFAULTS,
  SHAPING_OFF,
  SHAPING_OPTION_SPECS,
  type ShapingConfig,
} from './config.ts';
export { gridDelay, linearGrid, randomJitter } from './grid.ts';
export { contentKind, type PacedInput, pacedResponse, type StreamShaping } from './pace.ts';
export { shapeWhole, type WholeShaping } from './whole.ts';

export interface Shaper {
  readonly enabled: boolean;
  now(): number;
  whole(bhttp: Uint8Array, startedAt: number, signal?: AbortSignal): Promise<Uint8Array>;
  stream(input: PacedInput, signal?: AbortSignal): ReadableStream<Uint8Array>;
}

const shapers = new WeakMap<object, Shaper>();

/**
 * The shaper of a gateway configuration, built once per configuration object (the configuration is
 * frozen, so the policies it names never change under a running gateway). No `shaping` field: off.
 */
export function shaperFor(config: { readonly shaping?: ShapingConfig }): Shaper {
  let s = shapers.get(config);
  if (s === undefined) {
    s = createShaper(config.shaping ?? SHAPING_OFF);
    shapers.set(config, s);
  }
  return s;
}

export function createShaper(config: ShapingConfig, options: { clock?: ShapingClock } = {}): Shaper {
  const clock = options.clock ?? realClock;
  const resolved = resolveShaping(config);
  if (!resolved.enabled) {
    return {
      enabled: false,
      now: clock.now,
      whole: async (bhttp) => bhttp,
      stream: (input) =>
        encodeResponseStream({ head: input.head, body: input.body, trailers: input.trailers ?? [] }),
    };
  }
  return {
    enabled: true,
    now: clock.now,
    whole: (bhttp, startedAt, signal) =>
      shapeWhole(bhttp, startedAt, resolved.whole, signal === undefined ? { clock } : { clock, signal }),
    stream: (input, signal) =>
      pacedResponse(input, resolved.stream, signal === undefined ? { clock } : { clock, signal }),
  };
}
