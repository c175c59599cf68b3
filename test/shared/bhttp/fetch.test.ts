/** Conversions to and from WHATWG Request/Response, whole and streaming. */
import { describe, expect, it } from 'vitest';
import {
  decodeRequest,
  decodeResponse,
  encodeRequest,
  encodeResponse,
  fromRequest,
  fromRequestStreaming,
  fromResponse,
  fromResponseStreaming,
  toRequest,
  toRequestStreaming,
  toResponse,
  toResponseStreaming,
} from '../../../shared/bhttp/index.ts';
import { concat, hexToBytes, utf8 } from '../../../shared/bytes.ts';
import { isTacitError } from '../../../shared/errors.ts';

async function codeOf(f: () => unknown): Promise<string> {
  try {
    await f();
  } catch (e) {
    if (isTacitError(e)) return e.code;
    throw e;
  }
  return 'ok';
}

async function readAll(s: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const p of s as unknown as AsyncIterable<Uint8Array>) parts.push(p);
  return concat(...parts);
}

function streamOf(...pieces: Uint8Array[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(c) {
      for (const p of pieces) c.enqueue(p);
      c.close();
    },
  });
}

describe('whole-message conversions', () => {
  it('fromRequest then toRequest keeps method, URL, headers and body; drops connection fields', async () => {
    const req = new Request('https://api.example.com:8443/v1/chat?x=1', {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Connection: 'close, x-hop',
        'x-hop': '1',
        'x-keep': 'yes',
      },
      body: '{"a":1}',
    });
    const m = await fromRequest(req);
    expect(m).toMatchObject({
      method: 'POST',
      scheme: 'https',
      authority: 'api.example.com:8443',
      path: '/v1/chat?x=1',
    });
    expect(m.headers).toEqual([
      ['content-type', 'application/json'],
      ['x-keep', 'yes'],
    ]);
    expect(utf8.decode(m.content)).toBe('{"a":1}');
    const back = toRequest(decodeRequest(encodeRequest(m)));
    expect(back.url).toBe('https://api.example.com:8443/v1/chat?x=1');
    expect(back.method).toBe('POST');
    expect(back.headers.get('x-keep')).toBe('yes');
    expect(await back.text()).toBe('{"a":1}');
  });

  it('toRequest takes the target from host when authority is empty (RFC 9292 5.1 example)', async () => {
    const m = decodeRequest(
      hexToBytes(
        '0003474554056874747073000a2f68656c6c6f2e747874406c0a757365722d6167656e74346375726c2f372e31362e33206c69626375726c2f372e31362e33204f70656e53534c2f302e392e376c207a6c69622f312e322e3304686f73740f7777772e6578616d706c652e636f6d0f6163636570742d6c616e677561676506656e2c206d690000',
      ),
    );
    const req = toRequest(m);
    expect(req.url).toBe('https://www.example.com/hello.txt');
    expect(req.headers.get('accept-language')).toBe('en, mi');
    expect(req.body).toBeNull();
  });

  it('refuses requests a Request cannot carry', async () => {
    const base = {
      scheme: 'https',
      authority: 'a.example',
      headers: [],
      content: new Uint8Array(),
      trailers: [],
    };
    expect(
      await codeOf(() => toRequest({ ...base, method: 'GET', path: '/', content: utf8.encode('x') })),
    ).toBe('ERR_UNSUPPORTED');
    expect(await codeOf(() => toRequest({ ...base, method: 'OPTIONS', path: '*' }))).toBe('ERR_UNSUPPORTED');
    expect(await codeOf(() => toRequest({ ...base, method: 'CONNECT', path: '/' }))).toBe('ERR_UNSUPPORTED');
    expect(await codeOf(() => toRequest({ ...base, authority: '', method: 'GET', path: '/' }))).toBe(
      'ERR_UNSUPPORTED',
    );
    expect(await codeOf(() => toRequest({ ...base, authority: 'u@h', method: 'GET', path: '/' }))).toBe(
      'ERR_UNSUPPORTED',
    );
  });

  it('fromResponse then toResponse; 1xx and trailers stay on the message only', async () => {
    const m = await fromResponse(new Response('hello', { status: 201, headers: { 'X-A': '1' } }));
    expect(m).toMatchObject({ status: 201, informational: [], trailers: [] });
    const rfc = decodeResponse(
      hexToBytes(
        '0140c8001d5468697320636f6e74656e7420636f6e7461696e732043524c462e0d0a0d07747261696c65720474657874',
      ),
    );
    const res = toResponse(rfc);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('This content contains CRLF.\r\n');
    const back = toResponse(decodeResponse(encodeResponse(m)));
    expect(back.headers.get('x-a')).toBe('1');
    expect(await back.text()).toBe('hello');
  });

  it('null-body statuses: empty body passes, content is refused', async () => {
    const m = { informational: [], status: 204, headers: [], content: new Uint8Array(), trailers: [] };
    expect(toResponse(m).body).toBeNull();
    expect(await codeOf(() => toResponse({ ...m, content: Uint8Array.of(1) }))).toBe('ERR_UNSUPPORTED');
  });
});

describe('streaming conversions', () => {
  it('a streamed Request crosses as indeterminate-length bytes and comes back with its body streamed', async () => {
    const body = streamOf(utf8.encode('part one, '), utf8.encode('part two'));
    const req = new Request('https://gw.example/v1/completions', {
      method: 'POST',
      body,
      headers: { 'content-type': 'text/plain' },
      duplex: 'half',
    } as RequestInit);
    const bytes = await readAll(fromRequestStreaming(req, { padding: 4 }));
    expect(bytes[0]).toBe(2);
    const { request, trailers } = await toRequestStreaming(
      streamOf(...Array.from(bytes, (b) => Uint8Array.of(b))),
    );
    expect(request.url).toBe('https://gw.example/v1/completions');
    expect(request.headers.get('content-type')).toBe('text/plain');
    expect(await request.text()).toBe('part one, part two');
    expect(await trailers).toEqual([]);
  });

  it('a streamed Response carries 1xx and trailers beside it', async () => {
    const res = new Response(streamOf(utf8.encode('tok1 '), utf8.encode('tok2')), { status: 200 });
    const bytes = await readAll(
      fromResponseStreaming(res, {
        informational: [{ status: 103, headers: [['link', '</a>']] }],
        padTo: () => 200,
      }),
    );
    expect(bytes.length).toBe(200);
    const out = await toResponseStreaming(streamOf(bytes));
    expect(out.informational).toEqual([{ status: 103, headers: [['link', '</a>']] }]);
    expect(await out.response.text()).toBe('tok1 tok2');
    expect(await out.trailers).toEqual([]);
    const withTrailers = encodeResponse(
      { status: 200, content: utf8.encode('x'), trailers: [['x-sum', 'abc']] },
      { framing: 'indeterminate-length' },
    );
    const t = await toResponseStreaming(streamOf(withTrailers));
    expect(await t.response.text()).toBe('x');
    expect(await t.trailers).toEqual([['x-sum', 'abc']]);
  });

  it('a truncated stream errors the body and rejects the trailers, never completes', async () => {
    const full = encodeResponse(
      { status: 200, content: utf8.encode('hello') },
      { framing: 'indeterminate-length' },
    );
    const cut = full.subarray(0, full.length - 2); // after the content chunk, before its terminator
    const out = await toResponseStreaming(streamOf(cut));
    expect(await codeOf(() => out.response.text())).toBe('ERR_TRUNCATED');
    expect(await codeOf(() => out.trailers)).toBe('ERR_TRUNCATED');
    // Non-zero padding after an otherwise complete message is caught before the body closes.
    const out2 = await toResponseStreaming(streamOf(full, Uint8Array.of(0, 7)));
    expect(await codeOf(() => out2.response.text())).toBe('ERR_MALFORMED');
    expect(await codeOf(() => out2.trailers)).toBe('ERR_MALFORMED');
    // In one piece, the same message is refused before any part of it is handed out.
    expect(await codeOf(() => toResponseStreaming(streamOf(concat(full, Uint8Array.of(7)))))).toBe(
      'ERR_MALFORMED',
    );
  });

  it('a truncated head rejects the conversion itself', async () => {
    const full = encodeRequest({
      method: 'POST',
      scheme: 'https',
      authority: 'a',
      path: '/',
      headers: [['a', 'b']],
    });
    expect(await codeOf(() => toRequestStreaming(streamOf(full.subarray(0, 5))))).toBe('ERR_TRUNCATED');
    expect(await codeOf(() => toRequestStreaming(streamOf(encodeResponse({ status: 200 }))))).toBe(
      'ERR_MALFORMED',
    );
  });

  it('GET and 204 have no body stream; content on them is refused', async () => {
    const get = encodeRequest(
      { method: 'GET', scheme: 'https', authority: 'a', path: '/' },
      { framing: 'indeterminate-length' },
    );
    const { request } = await toRequestStreaming(streamOf(get));
    expect(request.body).toBeNull();
    const getWithBody = encodeRequest(
      { method: 'GET', scheme: 'https', authority: 'a', path: '/', content: Uint8Array.of(1) },
      { framing: 'indeterminate-length' },
    );
    expect(await codeOf(() => toRequestStreaming(streamOf(getWithBody)))).toBe('ERR_UNSUPPORTED');
    const r204 = await toResponseStreaming(streamOf(encodeResponse({ status: 204 }, { truncate: true })));
    expect(r204.response.status).toBe(204);
    expect(r204.response.body).toBeNull();
  });
});
