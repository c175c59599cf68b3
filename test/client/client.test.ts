import { afterEach, describe, expect, it } from 'vitest';
import { createClient, OuterStatusError } from '../../client/index.ts';
import { isTacitError } from '../../shared/errors.ts';
import { encodeKeyConfigList } from '../../shared/keys/index.ts';
import { echo, gatedStream } from './support/handlers.ts';
import { type MiniGateway, startMiniGateway } from './support/mini-gateway.ts';

let gw: MiniGateway | undefined;
afterEach(async () => {
  await gw?.close();
  gw = undefined;
});

describe('client.fetch through an OHTTP gateway', () => {
  it('sends a whole request and returns the inner response as a real Response', async () => {
    gw = await startMiniGateway(echo);
    const client = createClient({ relay: gw.gatewayUrl, keys: gw.keysUrl });
    const res = await client.fetch('https://tacit.local/echo?status=201', {
      method: 'POST',
      headers: { 'content-type': 'text/plain', 'x-custom': 'yes' },
      body: 'hello',
    });
    expect(res).toBeInstanceOf(Response);
    expect(res.status).toBe(201);
    expect(res.headers.get('x-echo')).toBe('1');
    const seen = (await res.json()) as {
      method: string;
      url: string;
      headers: Record<string, string>;
      body: string;
    };
    expect(seen.method).toBe('POST');
    expect(seen.url).toBe('https://tacit.local/echo?status=201');
    expect(seen.body).toBe('hello');
    expect(seen.headers['x-custom']).toBe('yes');
    // RFC 9458 6.5: the SDK dates every request it sends.
    expect(Number.isNaN(Date.parse(seen.headers.date ?? ''))).toBe(false);
  });

  it('accepts the key configuration as bytes', async () => {
    gw = await startMiniGateway(echo);
    const client = createClient({
      relay: gw.gatewayUrl,
      keys: encodeKeyConfigList(gw.keys.map((k) => k.config)),
    });
    const res = await client.fetch('https://tacit.local/x');
    expect(((await res.json()) as { path: string }).path).toBe('/x');
  });

  it('streams the response with chunked OHTTP: the first piece arrives before the handler finishes', async () => {
    const { handler, release } = gatedStream();
    gw = await startMiniGateway(handler);
    const client = createClient({ relay: gw.gatewayUrl, keys: gw.keysUrl });
    const res = await client.fetch('https://tacit.local/stream', {
      headers: { accept: 'text/event-stream' },
    });
    const reader = res.body!.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toBe('first;');
    release();
    let rest = '';
    for (let r = await reader.read(); !r.done; r = await reader.read())
      rest += new TextDecoder().decode(r.value);
    expect(rest).toBe('second;');
  });

  it('streams a request body as it is produced', async () => {
    gw = await startMiniGateway(echo);
    const client = createClient({ relay: gw.gatewayUrl, keys: gw.keysUrl });
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new TextEncoder().encode('part1,'));
        c.enqueue(new TextEncoder().encode('part2'));
        c.close();
      },
    });
    const res = await client.fetch('https://tacit.local/up', {
      method: 'POST',
      body,
      duplex: 'half',
    } as RequestInit);
    expect(((await res.json()) as { body: string }).body).toBe('part1,part2');
  });

  it('reports a chunked response cut before its final chunk as an error, never as complete', async () => {
    gw = await startMiniGateway(echo);
    const client = createClient({ relay: gw.gatewayUrl, keys: gw.keysUrl, chunked: 'always' });
    gw.cutChunkedAfter = 60;
    const res = await client
      .fetch('https://tacit.local/cut', { method: 'POST', body: 'x'.repeat(500) })
      .catch((e: unknown) => e);
    const err = res instanceof Response ? await res.text().catch((e: unknown) => e) : res;
    expect(isTacitError(err)).toBe(true);
    expect((err as { code: string }).code).toMatch(/ERR_STREAM_TRUNCATED|ERR_TRUNCATED/);
  });

  it('refetches the key configuration once when the gateway no longer knows the key', async () => {
    gw = await startMiniGateway(echo);
    const client = createClient({ relay: gw.gatewayUrl, keys: gw.keysUrl });
    await client.fetch('https://tacit.local/a');
    const before = (await client.keyConfig()).keyId;
    await gw.rotate();
    const res = await client.fetch('https://tacit.local/b');
    expect(res.status).toBe(200);
    expect((await client.keyConfig()).keyId).not.toBe(before);
  });

  it("fails with ERR_UNKNOWN_KEY when fixed key bytes are not the gateway's", async () => {
    gw = await startMiniGateway(echo);
    const stale = encodeKeyConfigList(gw.keys.map((k) => k.config));
    await gw.rotate();
    const client = createClient({ relay: gw.gatewayUrl, keys: stale });
    const err = await client.fetch('https://tacit.local/a').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OuterStatusError);
    expect((err as OuterStatusError).code).toBe('ERR_UNKNOWN_KEY');
    expect((err as OuterStatusError).status).toBe(422);
  });

  for (const chunked of ['never', 'always'] as const) {
    it(`retries once with the gateway's clock after a date problem (${chunked === 'always' ? 'chunked' : 'whole'})`, async () => {
      gw = await startMiniGateway(echo);
      gw.dateWindowMs = 60_000;
      const skew = 3_600_000;
      gw.clock = () => Date.now() + skew;
      const client = createClient({ relay: gw.gatewayUrl, keys: gw.keysUrl, chunked });
      const res = await client.fetch('https://tacit.local/dated', { method: 'POST', body: 'again' });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { body: string }).body).toBe('again');
      expect(gw.handled).toBe(1);
    });
  }

  it('turns a relay refusal into OuterStatusError with its problem and Retry-After', async () => {
    const { createServer } = await import('node:http');
    const server = createServer((_req, res) => {
      res.writeHead(429, { 'content-type': 'application/problem+json', 'retry-after': '7' });
      res.end(JSON.stringify({ type: 'about:blank', title: 'too many requests', status: 429 }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    gw = await startMiniGateway(echo);
    const client = createClient({
      relay: `http://127.0.0.1:${port}/relay`,
      keys: gw.keys.map((k) => k.config),
    });
    const err = await client.fetch('https://tacit.local/a').catch((e: unknown) => e);
    server.close();
    expect(err).toBeInstanceOf(OuterStatusError);
    expect((err as OuterStatusError).status).toBe(429);
    expect((err as OuterStatusError).retryAfter).toBe(7);
    expect((err as OuterStatusError).problem?.title).toBe('too many requests');
  });

  it('reports an unreachable relay as ERR_TRANSPORT', async () => {
    gw = await startMiniGateway(echo);
    const client = createClient({ relay: 'http://127.0.0.1:1/relay', keys: gw.keys.map((k) => k.config) });
    const err = await client.fetch('https://tacit.local/a').catch((e: unknown) => e);
    expect(isTacitError(err, 'ERR_TRANSPORT')).toBe(true);
  });
});

describe('client.fetch beside a hono server in the same process', () => {
  it("still exposes trailers when the global Response is @hono/node-server's", async () => {
    const { serve } = await import('@hono/node-server');
    const { Hono } = await import('hono');
    // serve() installs its own global Response, whose prototype has getter-only accessors.
    const server = serve({ fetch: new Hono().fetch, port: 0, hostname: '127.0.0.1' });
    try {
      gw = await startMiniGateway(echo);
      const client = createClient({ relay: gw.gatewayUrl, keys: gw.keysUrl, chunked: 'always' });
      const res = (await client.fetch('https://tacit.local/t')) as Response & { trailers: Promise<unknown> };
      await res.text();
      expect(await res.trailers).toEqual([]);
    } finally {
      server.close();
    }
  });
});

describe('request padding', () => {
  it('pads every whole request to a power of two from 4 KiB by default, and not with `none`', async () => {
    const { none } = await import('../../shared/padding/index.ts');
    gw = await startMiniGateway(echo);
    const sizes: number[] = [];
    const transport: typeof fetch = async (url, init) => {
      if (init?.body instanceof Uint8Array) sizes.push(init.body.length);
      return fetch(url, init);
    };
    const keys = gw.keys.map((k) => k.config);
    const padded = createClient({ relay: gw.gatewayUrl, keys, transport });
    const plain = createClient({ relay: gw.gatewayUrl, keys, transport, padding: none });
    for (const body of ['a', 'b'.repeat(3000)]) {
      await (await padded.fetch('https://tacit.local/p', { method: 'POST', body })).text();
      await (await plain.fetch('https://tacit.local/p', { method: 'POST', body })).text();
    }
    // hdr (7) + X25519 enc (32) + AES-GCM tag (16) around the padded Binary HTTP message.
    expect(sizes[0]).toBe(4096 + 55);
    expect(sizes[2]).toBe(4096 + 55);
    expect(sizes[1]).toBeLessThan(200);
    expect(sizes[3]).toBeGreaterThan(3000);
    expect(sizes[3]).toBeLessThan(4096);
  });
});
