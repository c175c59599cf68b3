/** Key rotation under load, SIGHUP-style reloads, and allow-listed upstreams over real sockets. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { readStore, writeStore } from '../../gateway/keys/store.ts';
import { fetchKeys, makeGateway, ohttp } from './support/harness.ts';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()!();
});

describe('rotation without dropping a request', () => {
  it('a load of concurrent requests spanning two rotations all succeed', async () => {
    const gw = await makeGateway({ builtin: async (req) => new Response(`ok ${await req.text()}`) });
    closers.push(() => gw.close());
    const before = (await fetchKeys(gw.send))[0]!;
    const results: Promise<string>[] = [];
    for (let i = 0; i < 60; i++) {
      // Clients keep using whatever configuration they fetched last (a cached list).
      const config = i < 20 ? before : (await fetchKeys(gw.send))[0]!;
      results.push(
        ohttp(gw.send, config, { method: 'POST', url: 'https://tacit.local/', body: String(i) }).then(
          (a) => a.text,
        ),
      );
      if (i === 15 || i === 35) await gw.rotate();
    }
    const texts = await Promise.all(results);
    expect(texts).toEqual(Array.from({ length: 60 }, (_, i) => `ok ${i}`));
    const after = await fetchKeys(gw.send);
    expect(after.map((c) => c.keyId)).toEqual([3]);
    // The rotated store on disk holds the grace keys with their retirement time.
    const stored = readStore(gw.deps.config.keysFile);
    expect(stored.keys.map((k) => [k.keyId, k.retireAt !== undefined])).toEqual([
      [1, true],
      [2, true],
      [3, false],
    ]);
  });

  it('a retired key (after grace) is answered with 422 ohttp-key', async () => {
    let now = Date.now();
    const gw = await makeGateway({
      flags: ['--grace', '10m', '--keys-max-age', '1m'],
      now: () => now,
      builtin: () => new Response('ok'),
    });
    closers.push(() => gw.close());
    const old = (await fetchKeys(gw.send))[0]!;
    await gw.rotate();
    now += 9 * 60_000;
    expect((await ohttp(gw.send, old, { url: 'https://tacit.local/', date: new Date(now) })).text).toBe('ok');
    now += 2 * 60_000;
    expect((await ohttp(gw.send, old, { url: 'https://tacit.local/', date: new Date(now) })).status).toBe(
      422,
    );
  });

  it('reload (SIGHUP) publishes keys added to the store and keeps removed ones in grace', async () => {
    const gw = await makeGateway({ builtin: () => new Response('ok') });
    closers.push(() => gw.close());
    const old = (await fetchKeys(gw.send))[0]!;
    const { generateKey, emptyStore } = await import('../../gateway/keys/store.ts');
    const store = emptyStore();
    store.keys.push(await generateKey({ keyId: 42 }));
    writeStore(gw.deps.config.keysFile, store);
    await gw.reload();
    expect((await fetchKeys(gw.send)).map((c) => c.keyId)).toEqual([42]);
    expect((await ohttp(gw.send, old, { url: 'https://tacit.local/' })).text).toBe('ok');
  });

  it('a broken store on reload keeps the live keys', async () => {
    const gw = await makeGateway({ builtin: () => new Response('ok') });
    closers.push(() => gw.close());
    const { writeFileSync } = await import('node:fs');
    writeFileSync(gw.deps.config.keysFile, 'not json');
    await gw.reload();
    expect((await fetchKeys(gw.send)).map((c) => c.keyId)).toEqual([1]);
  });
});

describe('allow-listed upstreams', () => {
  async function upstream(): Promise<{
    url: string;
    seen: { method: string; url: string; headers: Record<string, unknown>; body: string }[];
  }> {
    const seen: { method: string; url: string; headers: Record<string, unknown>; body: string }[] = [];
    const server: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
        res.writeHead(201, { 'content-type': 'application/json', 'x-upstream': 'yes' });
        res.end(JSON.stringify({ echoed: body }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    closers.push(() => new Promise((r) => server.close(() => r())));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
  }

  it('reaches an allow-listed origin over undici, with the path, method, body and headers', async () => {
    const up = await upstream();
    const gw = await makeGateway({ flags: ['--target', `https://vllm.internal=${up.url}`] });
    closers.push(() => gw.close());
    const config = (await fetchKeys(gw.send))[0]!;
    const a = await ohttp(gw.send, config, {
      method: 'POST',
      url: 'https://vllm.internal/v1/chat/completions?x=1',
      headers: [
        ['content-type', 'application/json'],
        ['authorization', 'Bearer t'],
      ],
      body: '{"a":1}',
    });
    expect(a.status).toBe(201);
    expect(JSON.parse(a.text)).toEqual({ echoed: '{"a":1}' });
    expect(a.headers.get('x-upstream')).toBe('yes');
    expect(up.seen[0]).toMatchObject({ method: 'POST', url: '/v1/chat/completions?x=1', body: '{"a":1}' });
    expect(up.seen[0]!.headers.authorization).toBe('Bearer t');
    expect(up.seen[0]!.headers.host).toBe(new URL(up.url).host);
  });

  it('refuses other origins, and answers an unreachable upstream with an encrypted 502', async () => {
    const gw = await makeGateway({ flags: ['--target', 'https://down.internal=http://127.0.0.1:1'] });
    closers.push(() => gw.close());
    const config = (await fetchKeys(gw.send))[0]!;
    expect((await ohttp(gw.send, config, { url: 'https://other.internal/' })).status).toBe(403);
    expect((await ohttp(gw.send, config, { url: 'http://down.internal/' })).status).toBe(403);
    const down = await ohttp(gw.send, config, { url: 'https://down.internal/' });
    expect(down.outer.status).toBe(200);
    expect(down.status).toBe(502);
  });
});
