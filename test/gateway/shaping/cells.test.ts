/**
 * The cell framer: every cell has the same size, and the cells read back, through the ordinary
 * streaming Binary HTTP decoder, as the same response with the same server-sent events (the filler
 * is comment lines and zero padding, which the layers above ignore).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CellFramer } from '../../../gateway/shaping/cells.ts';
import { type Field, StreamDecoder, StreamEncoder, type StreamPart } from '../../../shared/bhttp/index.ts';
import { fcParams } from '../../support/seed.ts';
import { sseEvents } from './sse.ts';

const enc = new TextEncoder();
const dec = new TextDecoder();

function decodeCells(cells: Uint8Array[]): { parts: StreamPart[]; content: string } {
  const d = new StreamDecoder({ expect: 'response' });
  const parts: StreamPart[] = [];
  for (const c of cells) parts.push(...d.push(c));
  parts.push(...d.end());
  let content = '';
  for (const p of parts) if (p.type === 'content') content += dec.decode(p.chunk, { stream: true });
  return { parts, content };
}

function headBytes(headers: Field[]): Uint8Array {
  const e = new StreamEncoder('response');
  return e.head({ status: 200, headers });
}
const END = (() => {
  const e = new StreamEncoder('response');
  e.head({ status: 200, headers: [] });
  return e.end([]);
})();

describe('CellFramer', () => {
  it('frames head, events and end in equal cells that decode to the same events', () => {
    const f = new CellFramer({ cellSize: 64, content: 'sse' });
    f.head(headBytes([['content-type', 'text/event-stream']]));
    const cells = [f.next(), f.next()]; // nothing ready yet: head, then filler
    f.push(enc.encode('data: {"a":1}\n\ndata: {"b"'));
    cells.push(f.next());
    f.push(enc.encode(':2}\n\n'));
    cells.push(f.next());
    f.push(enc.encode('data: [DONE]\n\n'));
    f.end(END);
    while (!f.messageEnded) cells.push(f.next());
    cells.push(f.next()); // padding only
    for (const c of cells) expect(c.length).toBe(64);
    const { parts, content } = decodeCells(cells);
    expect(sseEvents(content)).toEqual(['{"a":1}', '{"b":2}', '[DONE]']);
    const end = parts.at(-1)!;
    expect(end.type).toBe('end');
    expect(end.type === 'end' && end.padding).toBeGreaterThan(0);
  });

  it('never releases part of an event before the event is complete', () => {
    const f = new CellFramer({ cellSize: 64, content: 'sse' });
    f.head(headBytes([]));
    const cells = [f.next()];
    f.push(enc.encode('data: half'));
    cells.push(f.next(), f.next());
    const d = new StreamDecoder({ expect: 'response' });
    const seen = cells.flatMap((c) => d.push(c)).filter((p) => p.type === 'content');
    expect(seen.map((p) => (p.type === 'content' ? dec.decode(p.chunk) : '')).join('')).not.toContain('half');
    f.push(enc.encode('\n\n'));
    const next = d.push(f.next()).filter((p) => p.type === 'content');
    expect(next.map((p) => (p.type === 'content' ? dec.decode(p.chunk) : '')).join('')).toContain(
      'data: half\n\n',
    );
  });

  it('handles a head that ends 0-3 bytes before a cell boundary', () => {
    for (let room = 0; room <= 5; room++) {
      const size = 64;
      // head = 1 (framing) + 2 (status 200) + header section; pick a value length to land on `room`.
      let head = headBytes([['x', '']]);
      const pad = size - room - head.length;
      head = headBytes([['x', 'v'.repeat(pad)]]);
      expect(size - head.length).toBe(room);
      const f = new CellFramer({ cellSize: size, content: 'sse' });
      f.head(head);
      const cells = [f.next()];
      f.push(enc.encode(`data: ${'y'.repeat(100)}\n\n`));
      cells.push(f.next(), f.next(), f.next());
      f.end(END);
      while (!f.messageEnded) cells.push(f.next());
      expect(cells.every((c) => c.length === size)).toBe(true);
      expect(sseEvents(decodeCells(cells).content)).toEqual(['y'.repeat(100)]);
    }
  });

  it('holds opaque content until the body is complete, then sends it exactly', () => {
    const f = new CellFramer({ cellSize: 32, content: 'opaque' });
    f.head(headBytes([['content-type', 'application/json']]));
    expect(f.ready).toBe(false);
    f.push(enc.encode('{"x":'));
    expect(f.ready).toBe(false);
    f.push(enc.encode('"0123456789012345678901234567890123456789"}'));
    f.end(END);
    const cells: Uint8Array[] = [];
    while (!f.messageEnded) cells.push(f.next());
    expect(decodeCells(cells).content).toBe('{"x":"0123456789012345678901234567890123456789"}');
  });

  it('refuses sizes a 2-byte length cannot hold, and calls out of order', () => {
    expect(() => new CellFramer({ cellSize: 15, content: 'sse' })).toThrow(/cellSize/);
    expect(() => new CellFramer({ cellSize: 16385, content: 'sse' })).toThrow(/cellSize/);
    const f = new CellFramer({ cellSize: 64, content: 'sse' });
    expect(() => f.next()).toThrow();
    expect(() => f.push(enc.encode('x'))).toThrow(/order/);
  });

  it('property: any events, any split, any schedule, any cell size decode to the same events', () => {
    const event = fc.string({ unit: fc.constantFrom('a', 'b', ' ', ':', '{', '"', 'é'), maxLength: 200 });
    fc.assert(
      fc.property(
        fc.integer({ min: 16, max: 300 }),
        fc.integer({ min: 0, max: 120 }),
        fc.array(event, { maxLength: 12 }),
        fc.array(fc.integer({ min: 1, max: 97 }), { minLength: 1, maxLength: 10 }),
        fc.array(fc.nat(3), { minLength: 1, maxLength: 10 }),
        (size, headPad, events, splits, ticks) => {
          const text = events.map((e) => `data: ${e}\n\n`).join('');
          const bytes = enc.encode(text);
          const f = new CellFramer({ cellSize: size, content: 'sse' });
          f.head(
            headBytes([
              ['content-type', 'text/event-stream'],
              ['p', 'q'.repeat(headPad)],
            ]),
          );
          const cells: Uint8Array[] = [];
          let o = 0;
          for (let i = 0; o < bytes.length; i++) {
            const n = splits[i % splits.length]!;
            f.push(bytes.subarray(o, o + n));
            o += n;
            for (let t = 0; t < ticks[i % ticks.length]!; t++) cells.push(f.next());
          }
          f.end(END);
          while (!f.messageEnded) cells.push(f.next());
          cells.push(f.next());
          expect(cells.every((c) => c.length === size)).toBe(true);
          expect(sseEvents(decodeCells(cells).content)).toEqual(events);
        },
      ),
      fcParams(300),
    );
  });
});
