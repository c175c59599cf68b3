/**
 * RFC 9458 section 4 / 7.2: the relay must not pass anything that identifies the client. Each of these
 * identifying headers is sent, with a unique value, through both request types; none may reach the
 * gateway, under its name or as a value, and the upstream request must hold nothing but what the relay
 * built. Likewise the client gets only the status, content type and framing back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayStandIn } from './support/gateway-standin.ts';
import { closeAgents, post, startTestRelay, type TestRelay } from './support/harness.ts';
import { IDENTIFYING } from './support/identifying-headers.ts';

/**
 * What the relay itself sends upstream, and nothing more. Host and Connection are undici's; the body
 * framing (Content-Length, or Transfer-Encoding for a stream still open when it is sent) is computed
 * from the bytes, never copied.
 */
const FRAMING = new Set(['content-length', 'transfer-encoding']);
const KNOWN_LENGTH_UPSTREAM = ['connection', 'content-type', 'host'];
const CHUNKED_UPSTREAM = ['connection', 'content-type', 'host', 'incremental'];

let gw: GatewayStandIn;
let t: TestRelay;

beforeAll(async () => {
  gw = await GatewayStandIn.start();
  t = await startTestRelay([gw], { ratePerSecond: 0 });
});
afterAll(async () => {
  await t.close();
  await gw.close();
  await closeAgents();
});

function expectNoLeak(name: string, value: string): void {
  const r = gw.last;
  expect(r.headers[name]).toBeUndefined();
  for (const v of r.rawHeaders) expect(v.toLowerCase()).not.toContain(value.toLowerCase());
}

describe.each([
  ['message/ohttp-req', KNOWN_LENGTH_UPSTREAM],
  ['message/ohttp-chunked-req', CHUNKED_UPSTREAM],
])('%s', (type, upstreamHeaders) => {
  it.each(IDENTIFYING.map((h, i) => [h, i]))('does not pass %s to the gateway', async (name, i) => {
    const value = `leak${i}-${type.length}-marker`;
    const a = await post(`${t.relay.url}/relay`, 'sealed', { 'content-type': type, [name as string]: value });
    expect(a.status).toBe(200);
    expect(gw.last.body.toString()).toBe('sealed');
    expectNoLeak(name as string, value);
  });

  it('sends upstream only the headers it builds itself', async () => {
    const all: Record<string, string> = { 'content-type': type };
    IDENTIFYING.forEach((h, i) => {
      all[h] = `all${i}-marker`;
    });
    await post(`${t.relay.url}/relay`, 'sealed', all);
    const names = Object.keys(gw.last.headers);
    expect(names.filter((h) => !FRAMING.has(h)).sort()).toEqual(upstreamHeaders);
    expect(names.filter((h) => FRAMING.has(h))).toHaveLength(1);
    expect(gw.last.headers['content-type']).toBe(type);
    expect(gw.last.body.toString()).toBe('sealed');
    expect(gw.last.url).toBe('/gateway');
    if (type === 'message/ohttp-chunked-req') expect(gw.last.headers.incremental).toBe('?1');
  });
});

describe('the answer to the client', () => {
  it('carries only status, content type and framing, whatever the gateway adds', async () => {
    gw.behaviour = {
      kind: 'answer',
      status: 200,
      headers: {
        'set-cookie': 'id=1',
        server: 'gw/1.0',
        'x-gateway-node': 'n7',
        date: 'Mon, 01 Jan 2024 00:00:00 GMT',
      },
    };
    const a = await post(`${t.relay.url}/relay`, 'sealed');
    gw.behaviour = { kind: 'answer' };
    expect(a.status).toBe(200);
    expect(Object.keys(a.headers).sort()).toEqual([
      'connection',
      'content-length',
      'content-type',
      'keep-alive',
    ]);
    expect(a.body.toString()).toBe('res:sealed');
  });

  it('passes the gateway status and problem body through unchanged', async () => {
    const problem = Buffer.from(
      '{"type":"https://iana.org/assignments/http-problem-types#ohttp-key","status":422}',
    );
    gw.behaviour = { kind: 'answer', status: 422, contentType: 'application/problem+json', body: problem };
    const a = await post(`${t.relay.url}/relay`, 'sealed');
    gw.behaviour = { kind: 'answer' };
    expect(a.status).toBe(422);
    expect(a.headers['content-type']).toBe('application/problem+json');
    expect(a.body).toEqual(problem);
  });

  it('forwards a content type given with parameters or in other case as the canonical type only', async () => {
    await post(`${t.relay.url}/relay`, 'sealed', { 'content-type': 'Message/OHTTP-req; tag=client-7' });
    expect(gw.last.headers['content-type']).toBe('message/ohttp-req');
    expect(gw.last.rawHeaders.join(' ')).not.toContain('client-7');
  });
});
