/** The incremental encoder and the streaming decoder over web streams and async iterables. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeRequest,
  decodeResponse,
  decodeStream,
  encodeRequest,
  encodeRequestStream,
  encodeResponse,
  encodeResponseStream,
  StreamDecoder,
  StreamEncoder,
  type StreamPart,
} from '../../../shared/bhttp/index.ts';
import { concat, hexToBytes, utf8 } from '../../../shared/bytes.ts';
import { isTacitError } from '../../../shared/errors.ts';
import { fcParams } from '../../support/seed.ts';
import { assemble, messageOf, request, response } from './arbitraries.ts';

async function readAll(s: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const p of s as unknown as AsyncIterable<Uint8Array>) parts.push(p);
  return concat(...parts);
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (isTacitError(e)) return e.code;
    throw e;
  }
  return 'ok';
}

async function collect(
  source: AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>,
): Promise<StreamPart[]> {
  const out: StreamPart[] = [];
  for await (const p of decodeStream(source)) out.push(p);
  return out;
}

describe('incremental encoder (RFC 9292 3.2)', () => {
  it('produces the whole-message indeterminate-length bytes, for requests and responses', () => {
    fc.assert(
      fc.property(request, response, fc.integer({ min: 0, max: 9 }), (req, res, padding) => {
        const e = new StreamEncoder('request');
        const got = concat(e.head(req), e.chunk(req.content), e.end(req.trailers, { padding }));
        expect(got).toEqual(encodeRequest(req, { framing: 'indeterminate-length', padding }));
        const r = new StreamEncoder('response');
        const parts = res.informational.map((i) => r.informational(i));
        parts.push(r.head(res), r.chunk(res.content), r.end(res.trailers, { padding }));
        expect(concat(...parts)).toEqual(encodeResponse(res, { framing: 'indeterminate-length', padding }));
      }),
      fcParams(200),
    );
  });

  it('pads the whole streamed message with a policy', () => {
    const e = new StreamEncoder('response');
    const bytes = concat(
      e.head({ status: 200, headers: [] }),
      e.chunk(utf8.encode('hi')),
      e.end([], { padTo: () => 64 }),
    );
    expect(bytes.length).toBe(64);
    expect(e.length).toBe(64);
    const d = decodeResponse(bytes);
    expect(d.padding).toBe(64 - 9);
    expect(utf8.decode(d.content)).toBe('hi');
  });

  it('refuses calls out of order', () => {
    const e = new StreamEncoder('request');
    expect(() => e.chunk(new Uint8Array(1))).toThrow(/out of order/);
    expect(() => e.informational({ status: 103, headers: [] })).toThrow(/out of order/);
    e.head({ method: 'GET', scheme: 'https', authority: 'a', path: '/', headers: [] });
    expect(() =>
      e.head({ method: 'GET', scheme: 'https', authority: 'a', path: '/', headers: [] }),
    ).toThrow();
    e.end();
    expect(() => e.end()).toThrow(/out of order/);
  });

  it('streams a request body as a ReadableStream and decodes to the same message', async () => {
    async function* body() {
      yield utf8.encode('hello ');
      yield new Uint8Array(0);
      yield utf8.encode('world');
    }
    const head = { method: 'POST', scheme: 'https', authority: 'example.com', path: '/v1', headers: [] };
    const bytes = await readAll(
      encodeRequestStream({ head, body: body(), trailers: Promise.resolve([['x-t', '1']]) }, { padding: 3 }),
    );
    const d = decodeRequest(bytes);
    expect(utf8.decode(d.content)).toBe('hello world');
    expect(d.trailers).toEqual([['x-t', '1']]);
    expect(d.padding).toBe(3);
  });
});

describe('streaming decoder', () => {
  const rfcResponse = hexToBytes(
    '0340660772756e6e696e670a22736c65657020313522004067046c696e6b233c2f7374796c652e6373733e3b2072656c3d7072656c6f61643b2061733d7374796c65046c696e6b243c2f7363726970742e6a733e3b2072656c3d7072656c6f61643b2061733d7363726970740040c804646174651d4d6f6e2c203237204a756c20323030392031323a32383a353320474d5406736572766572064170616368650d6c6173742d6d6f6469666965641d5765642c203232204a756c20323030392031393a31353a353620474d5404657461671422333461613338372d642d3135363865623030220d6163636570742d72616e6765730562797465730e636f6e74656e742d6c656e67746802353104766172790f4163636570742d456e636f64696e670c636f6e74656e742d747970650a746578742f706c61696e003348656c6c6f20576f726c6421204d7920636f6e74656e7420696e636c75646573206120747261696c696e672043524c462e0d0a0000',
  );

  it('yields informational responses, the head and content before the input is complete', async () => {
    // A source that stops after 10 bytes of content and reports what the consumer saw by then.
    const cut = rfcResponse.length - 2 - 41;
    const seen: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    async function* source() {
      yield rfcResponse.subarray(0, cut);
      await gate;
      yield rfcResponse.subarray(cut);
    }
    const parts: StreamPart[] = [];
    for await (const p of decodeStream(source())) {
      parts.push(p);
      seen.push(p.type);
      if (p.type === 'content' && parts.filter((x) => x.type === 'content').length === 1) {
        expect(p.chunk.length).toBe(10); // a piece of the 51-byte chunk, not the whole chunk
        release();
      }
    }
    expect(seen).toEqual([
      'informational',
      'informational',
      'response-head',
      'content',
      'content',
      'trailers',
      'end',
    ]);
    expect(messageOf(assemble(parts))).toEqual(messageOf(decodeResponse(rfcResponse)));
  });

  it('reads a web ReadableStream split into single bytes', async () => {
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        for (const b of rfcResponse) c.enqueue(Uint8Array.of(b));
        c.close();
      },
    });
    const parts = await collect(stream);
    expect(assemble(parts).status).toBe(200);
  });

  it('reports a stream that stops after a content chunk as ERR_TRUNCATED, never complete', async () => {
    const withoutEnd = rfcResponse.subarray(0, rfcResponse.length - 2);
    async function* source() {
      yield withoutEnd;
    }
    expect(await codeOf(collect(source()))).toBe('ERR_TRUNCATED');
  });

  it('bounds buffered sections with ERR_TOO_LARGE', () => {
    const big = encodeRequest(
      { method: 'GET', scheme: 'https', authority: 'a', path: '/', headers: [['x', 'y'.repeat(2000)]] },
      { framing: 'indeterminate-length' },
    );
    const d = new StreamDecoder({ maxSectionBytes: 1000 });
    let code = '';
    try {
      for (let i = 0; i < big.length; i += 100) d.push(big.subarray(i, i + 100));
    } catch (e) {
      code = isTacitError(e) ? e.code : 'other';
    }
    expect(code).toBe('ERR_TOO_LARGE');
    const known = encodeRequest({
      method: 'GET',
      scheme: 'https',
      authority: 'a',
      path: '/',
      headers: [['x', 'y'.repeat(2000)]],
    });
    expect(() => new StreamDecoder({ maxSectionBytes: 1000 }).push(known)).toThrow(/exceeds/);
  });

  it('rejects the other kind of message when told what to expect', () => {
    expect(() => new StreamDecoder({ expect: 'request' }).push(Uint8Array.of(1))).toThrow(/framing/);
    expect(() => new StreamDecoder({ expect: 'response' }).push(Uint8Array.of(2))).toThrow(/framing/);
  });

  it('refuses input after an error or after end', () => {
    const d = new StreamDecoder();
    expect(() => d.push(Uint8Array.of(9))).toThrow();
    expect(() => d.push(Uint8Array.of(0))).toThrow(/after end/);
  });

  it('streams a response body through encodeResponseStream and decodeStream', async () => {
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(utf8.encode('a'));
        c.enqueue(utf8.encode('bc'));
        c.close();
      },
    });
    const stream = encodeResponseStream({
      head: { status: 200, headers: [['content-type', 'text/plain']] },
      informational: [{ status: 103, headers: [['link', '</x>']] }],
      body,
    });
    const parts = await collect(stream);
    expect(
      parts
        .filter((p) => p.type === 'content')
        .map((p) => (p.type === 'content' ? utf8.decode(p.chunk) : '')),
    ).toEqual(['a', 'bc']);
    expect(assemble(parts).informational).toEqual([{ status: 103, headers: [['link', '</x>']] }]);
  });
});
