/** Constant-rate streaming on a fake clock: equal cells, one per tick, a bucketed count, clean ends. */
import { describe, expect, it } from 'vitest';
import { fakeClock } from '../../../gateway/shaping/clock.ts';
import { pacedResponse, type StreamShaping } from '../../../gateway/shaping/pace.ts';
import { StreamDecoder } from '../../../shared/bhttp/index.ts';
import { powerOfTwo } from '../../../shared/padding/index.ts';
import { sseEvents } from './sse.ts';

const enc = new TextEncoder();
const SHAPING: StreamShaping = {
  cellSize: 128,
  tickMs: 50,
  cells: powerOfTwo({ floor: 8 }),
  maxBacklog: 1 << 16,
};
const SSE = { status: 200, headers: [['content-type', 'text/event-stream'] as [string, string]] };

/** A body that yields `events` with `gapMs` of (fake) time between them. */
function slowBody(events: string[], clock: ReturnType<typeof fakeClock>, gapMs: number) {
  let i = 0;
  return new ReadableStream<Uint8Array>({
    async pull(c) {
      if (i === events.length) return c.close();
      await clock.sleep(gapMs);
      c.enqueue(enc.encode(`data: ${events[i++]}\n\n`));
    },
  });
}

async function readAll(s: ReadableStream<Uint8Array>): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const c of s as unknown as AsyncIterable<Uint8Array>) out.push(c);
  return out;
}

function content(cells: Uint8Array[]): string {
  const d = new StreamDecoder({ expect: 'response' });
  const parts = [...cells.flatMap((c) => d.push(c)), ...d.end()];
  return parts.map((p) => (p.type === 'content' ? new TextDecoder().decode(p.chunk) : '')).join('');
}

describe('pacedResponse', () => {
  it('sends equal cells on the tick until the count reaches its bucket', async () => {
    const clock = fakeClock();
    const events = Array.from({ length: 5 }, (_, i) => `{"token":${i}}`);
    const cells = await readAll(
      pacedResponse({ head: SSE, body: slowBody(events, clock, 7) }, SHAPING, { clock }),
    );
    expect(cells.length).toBe(8); // the floor bucket
    expect(new Set(cells.map((c) => c.length))).toEqual(new Set([128]));
    expect(sseEvents(content(cells))).toEqual(events);
  });

  it('rounds a long answer up to the next power of two of cells', async () => {
    const clock = fakeClock();
    const events = Array.from({ length: 40 }, (_, i) => `{"token":${i},"pad":"${'x'.repeat(40)}"}`);
    const cells = await readAll(
      pacedResponse({ head: SSE, body: slowBody(events, clock, 1) }, SHAPING, { clock }),
    );
    expect([16, 32, 64]).toContain(cells.length);
    expect(sseEvents(content(cells))).toEqual(events);
  });

  it('first cell leaves at once, then exactly one tick apart, whatever the target does', async () => {
    const clock = fakeClock();
    const times: number[] = [];
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(enc.encode('data: a\n\n'));
        c.enqueue(enc.encode('data: b\n\n'));
        c.close();
      },
    });
    const s = pacedResponse({ head: SSE, body }, SHAPING, { clock });
    for await (const _ of s as unknown as AsyncIterable<Uint8Array>) times.push(clock.now());
    expect(times).toEqual([0, 50, 100, 150, 200, 250, 300, 350]);
  });

  it('holds an opaque body until it is complete', async () => {
    const clock = fakeClock();
    const head = { status: 200, headers: [['content-type', 'application/json'] as [string, string]] };
    const body = new ReadableStream<Uint8Array>({
      async start(c) {
        await clock.sleep(120);
        c.enqueue(enc.encode('{"ok":true}'));
        c.close();
      },
    });
    const cells = await readAll(pacedResponse({ head, body }, SHAPING, { clock }));
    expect(cells.length).toBe(8);
    expect(content(cells)).toBe('{"ok":true}');
  });

  it('errors (so the client sees a truncated stream) when the target fails mid-answer', async () => {
    const clock = fakeClock();
    const body = new ReadableStream<Uint8Array>({
      async pull(c) {
        await clock.sleep(60);
        c.error(new Error('target failed'));
      },
    });
    await expect(readAll(pacedResponse({ head: SSE, body }, SHAPING, { clock }))).rejects.toThrow(
      /target failed/,
    );
  });

  it('cancelling the stream cancels the target', async () => {
    const clock = fakeClock();
    let cancelled = false;
    const body = new ReadableStream<Uint8Array>({
      pull: () => clock.sleep(10),
      cancel: () => {
        cancelled = true;
      },
    });
    const reader = pacedResponse({ head: SSE, body }, SHAPING, { clock }).getReader();
    await reader.read();
    await reader.cancel();
    expect(cancelled).toBe(true);
  });
});
