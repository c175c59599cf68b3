/**
 * RFC 9458 section 4 / 7.2 against a real gateway process (`tacit gateway --model echo`): for each
 * identifying header, a real OHTTP request made by the SDK (`createClient`) carries the header on the
 * outer request to the relay; the request must succeed end to end (the echo target answers through
 * the gateway), and the bytes the relay wrote towards the gateway, recorded by a raw TCP tap below any
 * HTTP parser, must hold neither the header's name nor its value. A second tap in front of the relay
 * proves each header was really sent, so that no test can pass because the client dropped it.
 *
 *   SDK ──▶ tap (in) ──▶ relay (in-process) ──▶ tap (out) ──▶ gateway process
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type TacitClient } from '../../client/index.ts';
import { nodePrimitives } from '../../shared/hpke/primitives-node.ts';
import { type Proc, startGatewayProcess } from '../e2e/support/processes.ts';
import { keyStoreFile } from '../gateway/support/harness.ts';
import { closeAgents, startTestRelay, type TestRelay } from './support/harness.ts';
import { IDENTIFYING } from './support/identifying-headers.ts';
import { ByteTap, headerNames, requestHeads } from './support/tap.ts';

/** What the relay builds upstream, per request type; framing is Content-Length or chunked. */
const FRAMING = ['content-length', 'transfer-encoding'];
const UPSTREAM: Record<'whole' | 'chunked', string[]> = {
  whole: ['connection', 'content-type', 'host'],
  chunked: ['connection', 'content-type', 'host', 'incremental'],
};
/** What the client may get back from the relay: status line, content type, framing. */
const ANSWER = new Set([
  'content-type',
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'incremental',
]);

let gateway: Proc & { url: string };
let tapOut: ByteTap;
let tapIn: ByteTap;
let t: TestRelay;
/** Set by each test: the headers the transport adds to the outer request. */
let extra: Record<string, string> = {};
let lastAnswerHeaders: string[] = [];
const sent: string[] = [];
const clients = {} as Record<'whole' | 'chunked', TacitClient>;

const transport: typeof fetch = async (input, init) => {
  const headers = new Headers(init?.headers);
  for (const [k, v] of Object.entries(extra)) headers.set(k, v);
  const res = await fetch(input, { ...init, headers });
  lastAnswerHeaders = [...res.headers.keys()];
  return res;
};

beforeAll(async () => {
  gateway = await startGatewayProcess([
    '--keys',
    await keyStoreFile(),
    '--model',
    'echo',
    '--shaping',
    'off',
  ]);
  const g = new URL(gateway.url);
  tapOut = await ByteTap.start({ host: g.hostname, port: Number(g.port) });
  const via = `http://127.0.0.1:${tapOut.port}`;
  t = await startTestRelay([{ url: `${via}/gateway`, keysUrl: `${via}/ohttp-keys`, close: async () => {} }], {
    ratePerSecond: 0,
  });
  tapIn = await ByteTap.start({ host: '127.0.0.1', port: t.relay.port });
  const relay = `http://127.0.0.1:${tapIn.port}/relay`;
  for (const mode of ['whole', 'chunked'] as const) {
    clients[mode] = createClient({
      relay,
      keys: `${relay}/ohttp-keys`,
      primitives: nodePrimitives,
      transport,
      chunked: mode === 'chunked' ? 'always' : 'never',
    });
    await clients[mode].keyConfig();
  }
}, 30_000);

afterAll(async () => {
  await t?.close();
  await tapIn?.close();
  await tapOut?.close();
  await gateway?.stop();
  await closeAgents();
});

const lower = (bufs: Buffer[]) => bufs.map((b) => b.toString('latin1').toLowerCase()).join('\n');

describe.each(['whole', 'chunked'] as const)('%s requests through a real gateway', (mode) => {
  it.each(IDENTIFYING.map((h, i) => [h, i] as const))('do not pass %s to the gateway', async (name, i) => {
    const value = `leak${i}-${mode}-marker`;
    sent.push(value);
    const marks = { in: tapIn.mark(), out: tapOut.mark() };
    const payload = `payload ${mode} ${i}`;
    extra = { [name]: value };
    const res = await clients[mode].fetch('https://tacit.local/echo', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: payload,
    });
    extra = {};
    // End to end: the gateway decrypted the request and the echo target answered it.
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(payload);
    // The header did reach the relay...
    expect(lower(tapIn.since(marks.in))).toContain(`\r\n${name}: ${value}\r\n`);
    // ...and nothing of it left towards the gateway: one request, built by the relay, no name, no value.
    const out = tapOut.since(marks.out);
    const heads = out.flatMap(requestHeads);
    expect(heads).toHaveLength(1);
    const head = heads[0]!;
    expect(head.startsWith('post /gateway http/1.1\r\n')).toBe(true);
    const names = headerNames(head);
    expect(names.filter((h) => !FRAMING.includes(h)).sort()).toEqual(UPSTREAM[mode]);
    expect(names.filter((h) => FRAMING.includes(h))).toHaveLength(1);
    expect(head).not.toContain(name);
    expect(lower(out)).not.toContain(value.toLowerCase());
  });
});

describe('over the whole run', () => {
  it('no value sent by a client appears anywhere in the bytes towards the gateway', () => {
    expect(sent).toHaveLength(2 * IDENTIFYING.length);
    const before = lower(tapIn.since(0));
    const after = lower(tapOut.since(0));
    for (const v of sent) {
      expect(before).toContain(v.toLowerCase());
      expect(after).not.toContain(v.toLowerCase());
    }
  });

  it('the client gets back only status, content type and framing from the real gateway', async () => {
    for (const mode of ['whole', 'chunked'] as const) {
      const res = await clients[mode].fetch('https://tacit.local/echo', { method: 'POST', body: 'x' });
      expect(await res.text()).toBe('x');
      expect(lastAnswerHeaders.length).toBeGreaterThan(0);
      expect(lastAnswerHeaders.filter((h) => !ANSWER.has(h))).toEqual([]);
    }
  });
});
