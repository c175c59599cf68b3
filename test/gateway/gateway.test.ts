/**
 * The gateway's behaviour through its hono app (no socket): what it answers in the clear before
 * decryption, and what it answers, encrypted, after.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DATE_PROBLEM_TITLE } from '../../gateway/handle.ts';
import { PROBLEM_TYPE_DATE, PROBLEM_TYPE_OHTTP_KEY } from '../../shared/problem.ts';
import { collect, fetchKeys, makeGateway, ohttp, ohttpChunked, sealRequest } from './support/harness.ts';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()!();
});

async function gateway(opts: Parameters<typeof makeGateway>[0] = {}) {
  const gw = await makeGateway(opts);
  closers.push(() => gw.close());
  const [config] = await fetchKeys(gw.send);
  return { gw, config: config! };
}

describe('GET /ohttp-keys', () => {
  it('serves every active configuration as application/ohttp-keys with a lifetime', async () => {
    const { gw, config } = await gateway({ flags: ['--keys-max-age', '60'] });
    const res = await gw.send('/ohttp-keys', { method: 'GET' });
    expect(res.headers.get('content-type')).toBe('application/ohttp-keys');
    expect(res.headers.get('cache-control')).toBe('public, max-age=60');
    expect(config.keyId).toBe(1);
    expect(config.suites.length).toBe(3);
  });
});

describe('before decryption: plain answers that say nothing useful to an attacker', () => {
  it('refuses a wrong media type with 415', async () => {
    const { gw } = await gateway();
    const res = await gw.send('/gateway', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(415);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
  });

  it('answers an unknown key id with 422 and the ohttp-key problem type (RFC 9458 5.2)', async () => {
    const { gw, config } = await gateway();
    const req = await sealRequest({ ...config, keyId: 99 }, { url: 'https://tacit.local/v1/models' });
    const res = await gw.send('/gateway', {
      method: 'POST',
      headers: { 'content-type': 'message/ohttp-req' },
      body: req.encapsulatedRequest as Uint8Array<ArrayBuffer>,
    });
    expect(res.status).toBe(422);
    expect((await res.json()).type).toBe(PROBLEM_TYPE_OHTTP_KEY);
  });

  it('answers garbage, truncation and a flipped byte with the same 400', async () => {
    const { gw, config } = await gateway();
    const good = (await sealRequest(config, { url: 'https://tacit.local/v1/models' })).encapsulatedRequest;
    const flipped = good.slice();
    flipped[flipped.length - 1]! ^= 1;
    const bodies = [new Uint8Array([1, 2, 3]), good.subarray(0, 20), flipped, new Uint8Array(0)];
    const answers = await Promise.all(
      bodies.map(async (b) => {
        const res = await gw.send('/gateway', {
          method: 'POST',
          headers: { 'content-type': 'message/ohttp-req' },
          body: b as Uint8Array<ArrayBuffer>,
        });
        return `${res.status} ${await res.text()}`;
      }),
    );
    expect(new Set(answers).size).toBe(1);
    expect(answers[0]).toMatch(/^400 /);
    expect(gw.deps.metrics.decryptFailures.get()).toBe(4);
  });

  it('refuses a body over the limit with 413 before reading it all', async () => {
    const { gw } = await gateway({ flags: ['--max-body', '1024'] });
    const res = await gw.send('/gateway', {
      method: 'POST',
      headers: { 'content-type': 'message/ohttp-req' },
      body: new Uint8Array(4096),
    });
    expect(res.status).toBe(413);
  });
});

describe('after decryption: every answer is encrypted inside a 200', () => {
  it('routes https://<name>/ to the built-in target, and copies no inner header outward', async () => {
    const { gw, config } = await gateway({
      builtin: async (req) =>
        new Response(`hello ${req.method} ${new URL(req.url).pathname} ${await req.text()}`, {
          headers: { 'x-inner': 'secret', 'content-type': 'text/plain' },
        }),
    });
    const a = await ohttp(gw.send, config, { method: 'POST', url: 'https://tacit.local/v1/x', body: 'hi' });
    expect(a.outer.status).toBe(200);
    expect(a.outer.headers.get('content-type')).toBe('message/ohttp-res');
    expect(a.outer.headers.get('x-inner')).toBeNull();
    expect(a.status).toBe(200);
    expect(a.headers.get('x-inner')).toBe('secret');
    expect(a.text).toBe('hello POST /v1/x hi');
  });

  it("gives the target the body's true length, never the client's content-length", async () => {
    const { gw, config } = await gateway({
      builtin: async (req) =>
        new Response(`${req.headers.get('content-length')} ${(await req.text()).length}`),
    });
    const lying = await ohttp(gw.send, config, {
      method: 'POST',
      url: 'https://tacit.local/v1/x',
      headers: [['content-length', '999']],
      body: 'hello',
    });
    expect(lying.text).toBe('5 5');
    const get = await ohttp(gw.send, config, { method: 'GET', url: 'https://tacit.local/v1/x' });
    expect(get.text).toBe('null 0');
  });

  it('refuses an origin that is not allow-listed with an encrypted 403', async () => {
    const { gw, config } = await gateway();
    const a = await ohttp(gw.send, config, { url: 'https://evil.example/' });
    expect(a.outer.status).toBe(200);
    expect(a.status).toBe(403);
  });

  it('refuses a replayed request with the encrypted date problem and the gateway Date (RFC 9458 6.5)', async () => {
    const { gw, config } = await gateway({ builtin: () => new Response('ok') });
    const req = await sealRequest(config, { url: 'https://tacit.local/v1/models' });
    const post = () =>
      gw.send('/gateway', {
        method: 'POST',
        headers: { 'content-type': 'message/ohttp-req' },
        body: req.encapsulatedRequest as Uint8Array<ArrayBuffer>,
      });
    const first = await post();
    expect(first.status).toBe(200);
    const second = await post();
    expect(second.status).toBe(200);
    const { decodeResponse } = await import('../../shared/bhttp/index.ts');
    const inner = decodeResponse(await req.openResponse(new Uint8Array(await second.arrayBuffer())));
    expect(inner.status).toBe(400);
    const body = JSON.parse(new TextDecoder().decode(inner.content));
    expect(body).toEqual({ type: PROBLEM_TYPE_DATE, title: DATE_PROBLEM_TITLE, status: 400 });
    const date = new Headers(inner.headers).get('date');
    expect(Math.abs(Date.parse(date!) - Date.now())).toBeLessThan(5000);
    expect(gw.deps.metrics.replaysRefused.get()).toBe(1);
  });

  it('refuses a stale or missing Date with the same date problem', async () => {
    const { gw, config } = await gateway({ builtin: () => new Response('ok') });
    const stale = await ohttp(gw.send, config, {
      url: 'https://tacit.local/',
      date: new Date(Date.now() - 3_600_000),
    });
    expect(stale.status).toBe(400);
    expect(JSON.parse(stale.text).type).toBe(PROBLEM_TYPE_DATE);
    expect(stale.headers.get('date')).not.toBeNull();
    const missing = await ohttp(gw.send, config, { url: 'https://tacit.local/', date: null });
    expect(JSON.parse(missing.text).type).toBe(PROBLEM_TYPE_DATE);
    const fresh = await ohttp(gw.send, config, { url: 'https://tacit.local/' });
    expect(fresh.text).toBe('ok');
  });

  it('answers a malformed inner request with an encrypted 400', async () => {
    const { gw, config } = await gateway();
    const { encapsulateRequest } = await import('../../shared/ohttp/index.ts');
    const req = await encapsulateRequest(config, new Uint8Array([0x07, 0x01]));
    const outer = await gw.send('/gateway', {
      method: 'POST',
      headers: { 'content-type': 'message/ohttp-req' },
      body: req.encapsulatedRequest as Uint8Array<ArrayBuffer>,
    });
    expect(outer.status).toBe(200);
    const { decodeResponse } = await import('../../shared/bhttp/index.ts');
    expect(decodeResponse(await req.openResponse(new Uint8Array(await outer.arrayBuffer()))).status).toBe(
      400,
    );
  });

  it('when full, answers an encrypted 503 with Retry-After, and serves again once a slot frees', async () => {
    let open!: () => void;
    const gate = new Promise<void>((r) => {
      open = r;
    });
    const { gw, config } = await gateway({
      flags: ['--max-concurrent', '1'],
      builtin: async () => {
        await gate;
        return new Response('done');
      },
    });
    const first = ohttp(gw.send, config, { url: 'https://tacit.local/' });
    await new Promise((r) => setTimeout(r, 20));
    const second = await ohttp(gw.send, config, { url: 'https://tacit.local/' });
    expect(second.outer.status).toBe(200);
    expect(second.status).toBe(503);
    expect(second.headers.get('retry-after')).toBe('1');
    open();
    expect((await first).text).toBe('done');
    expect((await ohttp(gw.send, config, { url: 'https://tacit.local/' })).text).toBe('done');
  });

  it('stops a target at the deadline with an encrypted 504, and the target sees the abort', async () => {
    let aborted = false;
    const { gw, config } = await gateway({
      flags: ['--timeout', '100ms'],
      builtin: (req) =>
        new Promise<Response>((_, reject) => {
          req.signal.addEventListener('abort', () => {
            aborted = true;
            reject(req.signal.reason);
          });
        }),
    });
    const a = await ohttp(gw.send, config, { url: 'https://tacit.local/' });
    expect(a.status).toBe(504);
    expect(aborted).toBe(true);
    expect(gw.deps.limit.inFlight).toBe(0);
  });

  it('cancels the target when the client goes away', async () => {
    let sawAbort!: () => void;
    const aborted = new Promise<void>((r) => {
      sawAbort = r;
    });
    const { gw, config } = await gateway({
      builtin: (req) =>
        new Promise<Response>((_, reject) => {
          req.signal.addEventListener('abort', () => {
            sawAbort();
            reject(req.signal.reason);
          });
        }),
    });
    const client = new AbortController();
    const pending = ohttp(gw.send, config, { url: 'https://tacit.local/' }, { signal: client.signal }).catch(
      () => null,
    );
    await new Promise((r) => setTimeout(r, 20));
    client.abort();
    await aborted;
    await pending;
  });
});

describe('chunked OHTTP (draft-ietf-ohai-chunked-ohttp-08)', () => {
  it('streams the answer chunk by chunk: the first piece arrives before the target has finished', async () => {
    let finish!: () => void;
    const last = new Promise<void>((r) => {
      finish = r;
    });
    const { gw, config } = await gateway({
      builtin: async (req) => {
        const body = await req.text();
        const enc = new TextEncoder();
        return new Response(
          new ReadableStream({
            async start(c) {
              c.enqueue(enc.encode(`first:${body};`));
              await last;
              c.enqueue(enc.encode('last'));
              c.close();
            },
          }),
          { headers: { 'content-type': 'text/event-stream' } },
        );
      },
    });
    const a = await ohttpChunked(gw.send, config, {
      method: 'POST',
      url: 'https://tacit.local/v1/s',
      body: 'up',
    });
    expect(a.outer.headers.get('content-type')).toBe('message/ohttp-chunked-res');
    expect(a.status).toBe(200);
    expect(a.headers.get('content-type')).toBe('text/event-stream');
    const first = await a.pieces!.next();
    expect(first.value).toBe('first:up;');
    expect(gw.deps.metrics.openStreams.get()).toBe(1);
    finish();
    expect(await collect(a.pieces)).toBe('last');
    expect(gw.deps.metrics.openStreams.get()).toBe(0);
    expect(gw.deps.limit.inFlight).toBe(0);
  });

  it('refuses a replayed chunked request, encrypted, and garbage in the clear', async () => {
    const { gw, config } = await gateway({ builtin: () => new Response('ok') });
    const stale = await ohttpChunked(gw.send, config, { url: 'https://tacit.local/', date: new Date(0) });
    expect(stale.status).toBe(400);
    expect(JSON.parse(await collect(stale.pieces)).type).toBe(PROBLEM_TYPE_DATE);
    const res = await gw.send('/gateway', {
      method: 'POST',
      headers: { 'content-type': 'message/ohttp-chunked-req' },
      body: new Uint8Array(64),
    });
    expect([400, 422]).toContain(res.status);
  });

  it('cancels the target when the client stops reading a stream', async () => {
    let sawAbort!: () => void;
    const aborted = new Promise<void>((r) => {
      sawAbort = r;
    });
    const { gw, config } = await gateway({
      builtin: (req) => {
        req.signal.addEventListener('abort', () => sawAbort());
        return new Response(
          new ReadableStream({
            start(c) {
              c.enqueue(new TextEncoder().encode('tick'));
            },
          }),
        );
      },
    });
    const client = new AbortController();
    const a = await ohttpChunked(gw.send, config, { url: 'https://tacit.local/' }, { signal: client.signal });
    expect((await a.pieces!.next()).value).toBe('tick');
    client.abort();
    await aborted;
    expect(gw.deps.limit.inFlight).toBe(0);
  });
});

describe('health and metrics', () => {
  it('reports health and Prometheus metrics without per-request labels', async () => {
    const { gw, config } = await gateway({ builtin: () => new Response('ok') });
    await ohttp(gw.send, config, { url: 'https://tacit.local/' });
    const health = await (await gw.send('/healthz', { method: 'GET' })).json();
    expect(health).toEqual({ status: 'ok', keys: { active: 1, grace: 0 } });
    const text = await (await gw.send('/metrics', { method: 'GET' })).text();
    expect(text).toMatch(/tacit_gateway_requests_total\{outcome="ok"\} 1/);
    expect(text).toMatch(/tacit_gateway_target_seconds_count\{target="builtin"\} 1/);
    expect(text).toMatch(/tacit_gateway_keys\{state="active"\} 1/);
  });
});

describe('logs', () => {
  it('hold neither plaintext nor key bytes, even when targets fail', async () => {
    const lines: string[] = [];
    const { default: pino } = await import('pino');
    const log = pino({ level: 'trace' }, { write: (s: string) => void lines.push(s) });
    const secret = 'PLAINTEXT-CANARY-7f3a';
    const { gw, config } = await gateway({
      log,
      flags: ['--target', 'https://down.internal=http://127.0.0.1:1'],
      builtin: async (req) => {
        throw new Error(`target saw ${await req.text()}`);
      },
    });
    await gw.rotate();
    await gw.reload();
    const a = await ohttp(gw.send, config, {
      method: 'POST',
      url: 'https://tacit.local/',
      body: secret,
      headers: [['x-secret', secret]],
    });
    expect(a.status).toBe(500);
    await ohttp(gw.send, config, { method: 'POST', url: 'https://down.internal/', body: secret });
    const { readStore } = await import('../../gateway/keys/store.ts');
    const keyBytes = readStore(gw.deps.config.keysFile).keys.map((k) => k.privateKey);
    const all = lines.join('');
    expect(all).toMatch(/keys rotated/);
    expect(all).toMatch(/target failed/);
    expect(all).not.toContain(secret);
    for (const k of keyBytes) expect(all).not.toContain(k);
  });
});
