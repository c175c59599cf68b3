/**
 * Constant-rate streaming: a streamed answer leaves the gateway as one fixed-size cell per tick
 * (cells.ts), from the moment the target's head is ready until the cell count reaches the next bucket
 * of the count policy, then the chunked OHTTP final chunk (draft-ietf-ohai-chunked-ohttp-08 6.2,
 * added by the sealing pipeline). What a relay can see of such a stream is the start time, the tick
 * (the same for every answer) and the bucketed count: not when tokens came, how many, or how fast.
 *
 * The target's body is read as fast as it produces (a pull-driven event stream would otherwise be
 * slowed to one event per tick), into a backlog bounded by `maxBacklog`; beyond it the target is
 * slowed down instead, so memory stays bounded whatever the tick.
 *
 * A target that fails mid-answer makes this stream error: the client then sees a response without its
 * final chunk, which it must report as truncated (never as a complete answer).
 */
import type { Field, ResponseHead } from '../../shared/bhttp/index.ts';
import { StreamEncoder } from '../../shared/bhttp/index.ts';
import { mediaTypeOf } from '../../shared/media-type.ts';
import type { PaddingPolicy } from '../../shared/padding/index.ts';
import { type CellContent, CellFramer } from './cells.ts';
import { realClock, type ShapingClock } from './clock.ts';

export interface StreamShaping {
  /** Plaintext bytes per cell (one sealed chunk = cellSize + the AEAD tag + a 2-byte length). */
  readonly cellSize: number;
  /** Time between cells. */
  readonly tickMs: number;
  /** Rounds the number of cells up (shared/padding policies, applied to a count). */
  readonly cells: PaddingPolicy;
  /** Content bytes held before the target is slowed down. */
  readonly maxBacklog: number;
}

export interface PacedInput {
  head: ResponseHead;
  body: ReadableStream<Uint8Array> | null;
  /** A promise is awaited after the body ends (a receipt trailer, gateway/trust/answer.ts). */
  trailers?: Field[] | Promise<Field[]>;
}

/** Server-sent events get comment filler; anything else is released whole (cells.ts). */
export function contentKind(head: ResponseHead): CellContent {
  const ct = head.headers.find(([n]) => n === 'content-type')?.[1] ?? '';
  return mediaTypeOf(ct) === 'text/event-stream' ? 'sse' : 'opaque';
}

/**
 * The answer as a stream of equal cells on a fixed tick, to be sealed one chunk per cell (every
 * piece it yields is exactly `cellSize` bytes, so `encapsulateResponse` seals each as one chunk).
 */
export function pacedResponse(
  input: PacedInput,
  shaping: StreamShaping,
  options: { clock?: ShapingClock; signal?: AbortSignal } = {},
): ReadableStream<Uint8Array> {
  const clock = options.clock ?? realClock;
  const framer = new CellFramer({ cellSize: shaping.cellSize, content: contentKind(input.head) });
  const encoder = new StreamEncoder('response');
  framer.head(encoder.head(input.head));
  const reader = input.body?.getReader() ?? null;

  let failure: { error: unknown } | null = null;
  let stopped = false;
  let resume: (() => void) | null = null;
  const pump = async () => {
    try {
      for (;;) {
        if (reader === null) break;
        const r = await reader.read();
        if (r.done || stopped) break;
        framer.push(r.value);
        while (framer.backlog > shaping.maxBacklog && !stopped) await new Promise<void>((w) => (resume = w));
      }
      if (!stopped) framer.end(encoder.end((await input.trailers) ?? []));
    } catch (error) {
      failure = { error };
    }
  };
  let pumping = false;

  // The schedule starts at the first read (when the wire is ready for the answer), not at creation.
  let next = Number.NaN;
  let target = Number.POSITIVE_INFINITY;
  const stop = (reason?: unknown) => {
    stopped = true;
    resume?.();
    if (reader !== null) reader.cancel(reason).catch(() => {});
  };

  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (!pumping) {
          pumping = true;
          void pump(); // never rejects: a failure is kept in `failure` for the next tick
        }
        try {
          for (;;) {
            if (Number.isNaN(next)) next = clock.now();
            await clock.sleep(next - clock.now(), options.signal);
            // The next tick is one period after this one; after a stall (a slow reader), one period
            // after now: never a burst of overdue cells, whose count would grow with the stall.
            next = Math.max(next + shaping.tickMs, clock.now());
            if (failure !== null) throw (failure as { error: unknown }).error;
            if (!framer.ready) continue; // opaque body not complete yet
            const cell = framer.next();
            resume?.();
            if (framer.messageEnded && target === Number.POSITIVE_INFINITY)
              target = shaping.cells(framer.cells);
            controller.enqueue(cell);
            if (framer.cells >= target) {
              stopped = true;
              controller.close();
            }
            return;
          }
        } catch (err) {
          stop(err);
          controller.error(err);
        }
      },
      cancel(reason) {
        stop(reason);
      },
    },
    { highWaterMark: 0 },
  );
}
