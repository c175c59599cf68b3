/**
 * End to end over loopback: a relay and a gateway as real processes, the client SDK in the test, the
 * real `openai` package on top of `client.fetch`, and an upstream test server reached through an
 * allow-listed origin.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type TacitClient } from '../../client/index.ts';
import { generateKey, readStore, writeStore } from '../../gateway/keys/store.ts';
import { nodePrimitives } from '../../shared/hpke/primitives-node.ts';
import { collect, fetchKeys, keyStoreFile, ohttpChunked } from '../gateway/support/harness.ts';
import { type Proc, startGatewayProcess, startRelayProcess } from './support/processes.ts';

let upstream: Server;
let upstreamUrl: string;
const upstreamSeen: { url: string; closedEarly: Promise<boolean> }[] = [];
let gateway: Proc & { url: string };
let relay: Proc & { url: string };
let client: TacitClient;

/** An OpenAI-ish upstream (what a vLLM cluster would be): echoes, or streams until the client leaves. */
function upstreamHandler(req: IncomingMessage, res: import('node:http').ServerResponse) {
  let ended = false;
  const closedEarly = new Promise<boolean>((resolve) => {
    res.on('close', () => resolve(!ended));
  });
  upstreamSeen.push({ url: req.url!, closedEarly });
  if (req.url === '/slow') {
    res.writeHead(200, { 'content-type': 'text/plain' });
    let n = 0;
    const t = setInterval(() => {
      res.write(`tick${n};`);
      if (++n === 5) {
        clearInterval(t);
        ended = true;
        res.end();
      }
    }, 150);
    return;
  }
  if (req.url === '/forever') {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const t = setInterval(() => res.write('data: tick\n\n'), 20);
    res.on('close', () => clearInterval(t));
    return;
  }
  let body = '';
  req.on('data', (c) => {
    body += c;
  });
  req.on('end', () => {
    ended = true;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ upstream: true, path: req.url, body }));
  });
}

beforeAll(async () => {
  upstream = createServer(upstreamHandler);
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  const keys = await keyStoreFile();
  gateway = await startGatewayProcess([
    '--keys',
    keys,
    '--target',
    `https://cluster.internal=${upstreamUrl}`,
  ]);
  relay = await startRelayProcess(gateway.url);
  client = createClient({
    relay: `${relay.url}/relay`,
    keys: `${relay.url}/relay/ohttp-keys`,
    primitives: nodePrimitives,
  });
}, 60_000);

afterAll(async () => {
  await relay?.stop();
  await gateway?.stop();
  await new Promise<void>((r) => (upstream ? upstream.close(() => r()) : r()));
});

describe('the openai package over client.fetch, through relay and gateway processes', () => {
  const openai = () =>
    new OpenAI({ baseURL: 'https://tacit.local/v1', apiKey: 'unused', fetch: client.fetch, maxRetries: 0 });

  it('lists models', async () => {
    const models = await openai().models.list();
    expect(models.data.length).toBeGreaterThan(0);
    expect(typeof models.data[0]!.id).toBe('string');
  });

  it('runs a chat completion, not streamed', async () => {
    const ai = openai();
    const model = (await ai.models.list()).data[0]!.id;
    const r = await ai.chat.completions.create({
      model,
      messages: [{ role: 'user', content: 'Say hi' }],
      max_tokens: 16,
    });
    expect(r.object).toBe('chat.completion');
    expect(typeof r.choices[0]!.message.content).toBe('string');
    expect(r.choices[0]!.finish_reason).toBeDefined();
  });

  it('runs a chat completion, streamed', async () => {
    const ai = openai();
    const model = (await ai.models.list()).data[0]!.id;
    const stream = await ai.chat.completions.create({
      model,
      messages: [{ role: 'user', content: 'Count' }],
      max_tokens: 16,
      stream: true,
    });
    let chunks = 0;
    let finish: string | null = null;
    for await (const c of stream) {
      chunks++;
      finish = c.choices[0]?.finish_reason ?? finish;
    }
    expect(chunks).toBeGreaterThan(1);
    expect(finish).not.toBeNull();
  });
});

describe('upstream targets', () => {
  it('reaches an allow-listed origin', async () => {
    const res = await client.fetch('https://cluster.internal/v1/echo', { method: 'POST', body: 'ping' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ upstream: true, path: '/v1/echo', body: 'ping' });
  });

  it('refuses any other origin, encrypted', async () => {
    const res = await client.fetch('https://elsewhere.example/v1/echo');
    expect(res.status).toBe(403);
  });

  it('cancels the upstream request when the client goes away mid-stream', async () => {
    const ac = new AbortController();
    const res = await client.fetch('https://cluster.internal/forever', {
      headers: { accept: 'text/event-stream' },
      signal: ac.signal,
    });
    const reader = res.body!.getReader();
    // With shaping on, the first cells may carry only filler (SSE comments) until an event is ready.
    let text = '';
    while (!text.includes('data: tick')) text += new TextDecoder().decode((await reader.read()).value);
    const seen = upstreamSeen.find((s) => s.url === '/forever')!;
    ac.abort();
    await reader.cancel().catch(() => {});
    expect(await seen.closedEarly).toBe(true);
  });
});

describe('shutdown', () => {
  it('SIGHUP publishes a key added to the store; SIGTERM stops accepting, lets an open stream finish, exits 0', async () => {
    const keys = await keyStoreFile();
    const gw = await startGatewayProcess([
      '--keys',
      keys,
      '--model',
      'echo',
      '--target',
      `https://cluster.internal=${upstreamUrl}`,
    ]);
    const send = (path: string, init: RequestInit) => fetch(`${gw.url}${path}`, init);
    const [config] = await fetchKeys(send);
    // SIGHUP re-reads the key store: a key added to the file is published.
    const store = readStore(keys);
    store.keys.push(await generateKey({ keyId: 77 }));
    writeStore(keys, store);
    gw.child.kill('SIGHUP');
    for (let i = 0; i < 100 && (await fetchKeys(send)).length < 2; i++)
      await new Promise((r) => setTimeout(r, 50));
    expect((await fetchKeys(send)).map((c) => c.keyId).sort()).toEqual([config!.keyId, 77].sort());
    const a = await ohttpChunked(send, config!, { url: 'https://cluster.internal/slow' });
    const first = await a.pieces!.next();
    expect(first.value).toMatch(/^tick0;/);
    gw.child.kill('SIGTERM');
    // The open stream runs to its end, final chunk included...
    expect(`${first.value}${await collect(a.pieces)}`).toBe('tick0;tick1;tick2;tick3;tick4;');
    // ...while new connections are refused, and the process exits 0.
    await expect(fetch(`${gw.url}/healthz`)).rejects.toThrow();
    expect(await gw.exited).toBe(0);
  });
});
