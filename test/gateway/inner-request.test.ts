/**
 * The inner request a target gets must behave as a fetch Request would for the same head and body,
 * whether it is read through the light path (text/json/arrayBuffer) or materialised (body, clone).
 */
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { toInnerRequest } from '../../gateway/inner.ts';
import type { RequestHead } from '../../shared/bhttp/index.ts';
import { TacitError } from '../../shared/errors.ts';

const head = (over: Partial<RequestHead> = {}): RequestHead => ({
  method: 'POST',
  scheme: 'https',
  authority: 'tacit.local',
  path: '/v1/x?q=1',
  headers: [
    ['content-type', 'application/json'],
    ['x-a', '1'],
  ],
  ...over,
});
const bytes = new TextEncoder().encode('{"a":[1,2]}');
const signal = () => new AbortController().signal;

describe('toInnerRequest', () => {
  it('gives the method, URL, headers and signal a Request would', () => {
    const s = signal();
    const r = toInnerRequest(head(), bytes, s);
    const ref = new Request('https://tacit.local/v1/x?q=1', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-a': '1' },
      body: bytes,
    });
    expect(r.method).toBe(ref.method);
    expect(r.url).toBe(ref.url);
    expect([...r.headers]).toEqual([...ref.headers]);
    expect(r.signal).toBe(s);
    expect(r.bodyUsed).toBe(false);
  });

  it('reads the body once through text, json, arrayBuffer or bytes', async () => {
    for (const read of ['text', 'json', 'arrayBuffer', 'bytes'] as const) {
      const r = toInnerRequest(head(), bytes, signal());
      const got = await r[read]();
      if (read === 'text') expect(got).toBe('{"a":[1,2]}');
      else if (read === 'json') expect(got).toEqual({ a: [1, 2] });
      else expect(new Uint8Array(got as ArrayBuffer)).toEqual(bytes);
      expect(r.bodyUsed).toBe(true);
      await expect(r.text()).rejects.toBeInstanceOf(TypeError);
    }
  });

  it('materialises a real Request for the stream and the rest, with the same body', async () => {
    const r = toInnerRequest(head(), bytes, signal());
    expect(r.body).toBeInstanceOf(ReadableStream);
    expect(r.mode).toBe('cors');
    expect(await r.clone().text()).toBe('{"a":[1,2]}');
    expect(await r.json()).toEqual({ a: [1, 2] });
    expect(r.bodyUsed).toBe(true);
  });

  it('a JSON body that does not parse rejects like fetch does', async () => {
    const r = toInnerRequest(head(), new TextEncoder().encode('{nope'), signal());
    await expect(r.json()).rejects.toBeInstanceOf(SyntaxError);
  });

  it('normalises methods as fetch does and refuses forbidden or malformed ones', () => {
    expect(toInnerRequest(head({ method: 'post' }), bytes, signal()).method).toBe('POST');
    expect(toInnerRequest(head({ method: 'patch' }), bytes, signal()).method).toBe('patch');
    for (const m of ['CONNECT', 'trace', 'TRACK', 'GE T', '', 'G\u00e9T']) {
      expect(() => toInnerRequest(head({ method: m }), bytes, signal())).toThrow(TacitError);
    }
  });

  it('drops the body of GET and HEAD, and the framing headers', async () => {
    const r = toInnerRequest(
      head({
        method: 'GET',
        headers: [
          ['content-length', '11'],
          ['host', 'x'],
          ['x-b', '2'],
        ],
      }),
      bytes,
      signal(),
    );
    expect(await r.text()).toBe('');
    expect([...r.headers]).toEqual([['x-b', '2']]);
    expect(r.body).toBeNull();
  });

  it('is what a hono app reads through c.req', async () => {
    const app = new Hono();
    app.post('/v1/x', async (c) =>
      c.json({ q: c.req.query('q'), a: c.req.header('x-a'), body: await c.req.json() }),
    );
    const res = await app.fetch(toInnerRequest(head(), bytes, signal()));
    expect(await res.json()).toEqual({ q: '1', a: '1', body: { a: [1, 2] } });
  });
});
