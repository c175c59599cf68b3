/**
 * What the relay forwards, where, and what it refuses without forwarding (RFC 9458 section 4,
 * draft-ietf-ohai-chunked-ohttp-08 section 3), over loopback against real HTTP servers.
 */
import { PassThrough } from 'node:stream';
import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { deferred, GatewayStandIn } from './support/gateway-standin.ts';
import { agentFrom, closeAgents, post, startTestRelay, type TestRelay } from './support/harness.ts';

let a: GatewayStandIn;
let b: GatewayStandIn;
let t: TestRelay;

beforeAll(async () => {
  a = await GatewayStandIn.start();
  b = await GatewayStandIn.start();
  t = await startTestRelay([a, { name: 'second', gateway: b }], { ratePerSecond: 0, maxBodyBytes: 1024 });
});
afterAll(async () => {
  await t.close();
  await Promise.all([a.close(), b.close()]);
  await closeAgents();
});
beforeEach(() => {
  a.behaviour = { kind: 'answer' };
  b.behaviour = { kind: 'answer' };
});

function expectProblem(
  r: { status: number; headers: Record<string, unknown>; body: Buffer },
  status: number,
) {
  expect(r.status).toBe(status);
  expect(r.headers['content-type']).toBe('application/problem+json');
  expect(JSON.parse(r.body.toString())).toMatchObject({ status, type: 'about:blank' });
}

describe('routes', () => {
  it('POST /relay goes to the first gateway, POST /relay/NAME to the named one', async () => {
    const before = [a.recorded.length, b.recorded.length];
    expect((await post(`${t.relay.url}/relay`, 'to-a')).body.toString()).toBe('res:to-a');
    expect((await post(`${t.relay.url}/relay/default`, 'to-a2')).body.toString()).toBe('res:to-a2');
    expect((await post(`${t.relay.url}/relay/second`, 'to-b')).body.toString()).toBe('res:to-b');
    expect([a.recorded.length - before[0]!, b.recorded.length - before[1]!]).toEqual([2, 1]);
    expect(b.last.body.toString()).toBe('to-b');
  });

  it('routes through hono the same way when the URL has a query', async () => {
    expect((await post(`${t.relay.url}/relay/second?x=1`, 'q')).body.toString()).toBe('res:q');
    expect(b.last.url).toBe('/gateway');
  });

  it('answers 404 for an unknown gateway name and forwards nothing', async () => {
    const before = a.started + b.started;
    expectProblem(await post(`${t.relay.url}/relay/elsewhere`, 'x'), 404);
    expectProblem(await post(`${t.relay.url}/relay/http:%2F%2Fevil.example`, 'x'), 404);
    expectProblem(await post(`${t.relay.url}/other`, 'x'), 404);
    expect(a.started + b.started).toBe(before);
  });

  it.each(['GET', 'PUT', 'DELETE', 'PATCH'])(
    'answers 405 with Allow to %s /relay and forwards nothing',
    async (m) => {
      const before = a.started;
      const r = await post(
        `${t.relay.url}/relay`,
        m === 'GET' ? (undefined as never) : 'x',
        {},
        undefined,
        m,
      );
      expectProblem(r, 405);
      expect(r.headers.allow).toBe('POST');
      expect(a.started).toBe(before);
    },
  );

  it('answers 405 to POST /relay/ohttp-keys', async () => {
    const r = await post(`${t.relay.url}/relay/ohttp-keys`, 'x');
    expectProblem(r, 405);
    expect(r.headers.allow).toBe('GET, HEAD');
  });

  it.each([
    ['no content type', {}],
    ['text/plain', { 'content-type': 'text/plain' }],
    ['application/ohttp-keys', { 'content-type': 'application/ohttp-keys' }],
    ['message/ohttp-res', { 'content-type': 'message/ohttp-res' }],
    ['message/ohttp-req-x', { 'content-type': 'message/ohttp-req-x' }],
  ])('answers 415 to %s and forwards nothing', async (_name, headers) => {
    const before = a.started;
    const r = await post(`${t.relay.url}/relay`, 'x', headers as Record<string, string>);
    expectProblem(r, 415);
    expect(r.headers.accept).toBe('message/ohttp-req, message/ohttp-chunked-req');
    expect(a.started).toBe(before);
  });
});

describe('size limit', () => {
  it('forwards a body of exactly the limit', async () => {
    const r = await post(`${t.relay.url}/relay`, new Uint8Array(1024).fill(7));
    expect(r.status).toBe(200);
    expect(a.last.body.length).toBe(1024);
  });

  it('answers 413 to a declared length over the limit, before reading it, and forwards nothing', async () => {
    const before = a.started;
    expectProblem(await post(`${t.relay.url}/relay`, new Uint8Array(1025)), 413);
    expect(a.started).toBe(before);
  });

  it('answers 413 when a body without a declared length grows over the limit', async () => {
    const before = a.started;
    const body = new PassThrough();
    const pending = request(`${t.relay.url}/relay`, {
      method: 'POST',
      headers: { 'content-type': 'message/ohttp-req' },
      body,
      dispatcher: agentFrom(),
    });
    for (let i = 0; i < 5; i++) body.write(new Uint8Array(300));
    body.end();
    const r = await pending;
    expect(r.statusCode).toBe(413);
    await r.body.dump();
    expect(a.started).toBe(before);
  });
});

describe('chunked OHTTP streams', () => {
  it('delivers the first response chunk before the gateway has finished', async () => {
    const release = deferred();
    a.behaviour = {
      kind: 'stream',
      pieces: [Buffer.from('chunk-1'), Buffer.from('chunk-2')],
      gate: () => release.promise,
    };
    const finishedBefore = a.finishedStreams;
    const r = await request(`${t.relay.url}/relay`, {
      method: 'POST',
      headers: { 'content-type': 'message/ohttp-chunked-req' },
      body: 'req',
      dispatcher: agentFrom(),
    });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toBe('message/ohttp-chunked-res');
    expect(r.headers.incremental).toBe('?1');
    const it = r.body[Symbol.asyncIterator]();
    const first = await it.next();
    expect(Buffer.from(first.value as Buffer).toString()).toBe('chunk-1');
    // The gateway is still holding its last piece: the relay did not wait for it.
    expect(a.finishedStreams).toBe(finishedBefore);
    release.resolve();
    const rest: Buffer[] = [];
    for (let n = await it.next(); !n.done; n = await it.next()) rest.push(n.value as Buffer);
    expect(Buffer.concat(rest).toString()).toBe('chunk-2');
    expect(a.finishedStreams).toBe(finishedBefore + 1);
  });

  it('streams the request too: the gateway answers while the client is still sending', async () => {
    const release = deferred();
    a.behaviour = {
      kind: 'stream',
      pieces: [Buffer.from('early'), Buffer.from('late')],
      gate: () => release.promise,
    };
    const body = new PassThrough();
    body.write('part-1');
    const r = await request(`${t.relay.url}/relay`, {
      method: 'POST',
      headers: { 'content-type': 'message/ohttp-chunked-req' },
      body,
      dispatcher: agentFrom(),
    });
    const it = r.body[Symbol.asyncIterator]();
    expect(Buffer.from((await it.next()).value as Buffer).toString()).toBe('early');
    body.end('part-2');
    release.resolve();
    for (let n = await it.next(); !n.done; n = await it.next());
    expect(a.last.body.toString()).toBe('part-1part-2');
  });

  it('cuts the stream to the client when the gateway cuts it: truncated, never complete', async () => {
    a.behaviour = { kind: 'cut-stream', first: Buffer.from('partial') };
    const r = await request(`${t.relay.url}/relay`, {
      method: 'POST',
      headers: { 'content-type': 'message/ohttp-chunked-req' },
      body: 'req',
      dispatcher: agentFrom(),
    });
    expect(r.statusCode).toBe(200);
    await expect(r.body.text()).rejects.toThrow();
  });
});
