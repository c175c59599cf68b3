/**
 * Holding up: per-client rate limits, the global concurrency limit, client timeouts, and the mapping
 * of gateway failures to 502/504 (RFC 9110 15.6.3, 15.6.5) without retrying.
 * Timeouts are set short so that the tests run fast; no test asserts a duration.
 */
import { connect, type Socket } from 'node:net';
import { PassThrough } from 'node:stream';
import { request } from 'undici';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { GatewayStandIn } from './support/gateway-standin.ts';
import { agentFrom, closeAgents, destroyAgent, post, startTestRelay } from './support/harness.ts';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanup.length > 0) await cleanup.pop()!();
});
afterAll(() => closeAgents());

async function setup(settings: Record<string, unknown>, opts: { now?: () => number } = {}) {
  const gw = await GatewayStandIn.start();
  const t = await startTestRelay([gw], settings, opts);
  cleanup.push(
    () => gw.close(),
    () => t.close(),
  );
  return { gw, t, url: `${t.relay.url}/relay` };
}

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(cond()).toBe(true);
}

/** Writes raw bytes on a fresh socket and collects what comes back until the relay closes it. */
function raw(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s: Socket = connect(port, '127.0.0.1', () => s.write(bytes));
    let got = '';
    s.on('data', (d) => {
      got += d.toString();
    });
    s.on('close', () => resolve(got));
    s.on('error', reject);
  });
}

describe('per-client rate limit', () => {
  it('answers 429 with Retry-After once a client has spent its burst, and refills with time', async () => {
    let now = 0;
    const { gw, t, url } = await setup({ ratePerSecond: 1, rateBurst: 2 }, { now: () => now });
    expect((await post(url, 'a', undefined, '127.0.0.2')).status).toBe(200);
    expect((await post(url, 'b', undefined, '127.0.0.2')).status).toBe(200);
    const refused = await post(url, 'c', undefined, '127.0.0.2');
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toBe('1');
    expect(JSON.parse(refused.body.toString())).toMatchObject({ status: 429 });
    expect(gw.started).toBe(2);
    now += 1000;
    expect((await post(url, 'd', undefined, '127.0.0.2')).status).toBe(200);
    expect(t.relay.state.metrics.render()).toContain('relay_rate_limited_total 1');
  });

  it('keeps serving another client while one floods', async () => {
    const { gw, url } = await setup({ ratePerSecond: 1, rateBurst: 5 }, { now: () => 0 });
    const flood = await Promise.all(
      Array.from({ length: 50 }, () => post(url, 'flood', undefined, '127.0.0.2')),
    );
    const statuses = flood.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(45);
    const other = await post(url, 'polite', undefined, '127.0.0.3');
    expect(other.status).toBe(200);
    expect(gw.last.body.toString()).toBe('polite');
  });

  it('keys a client behind a trusted proxy by X-Forwarded-For, and ignores it from anyone else', async () => {
    const { url } = await setup(
      { ratePerSecond: 1, rateBurst: 1, trustedProxies: ['127.0.0.4'] },
      { now: () => 0 },
    );
    const via = (ip: string) => ({ 'content-type': 'message/ohttp-req', 'x-forwarded-for': ip });
    expect((await post(url, 'x', via('10.0.0.1'), '127.0.0.4')).status).toBe(200);
    expect((await post(url, 'x', via('10.0.0.2'), '127.0.0.4')).status).toBe(200);
    expect((await post(url, 'x', via('10.0.0.1'), '127.0.0.4')).status).toBe(429);
    // An untrusted peer cannot buy fresh buckets by inventing addresses.
    expect((await post(url, 'x', via('10.0.0.3'), '127.0.0.5')).status).toBe(200);
    expect((await post(url, 'x', via('10.0.0.4'), '127.0.0.5')).status).toBe(429);
  });
});

describe('global concurrency limit', () => {
  it('answers 503 when the upstream slots are full, and serves again once one frees', async () => {
    const { gw, url } = await setup({ ratePerSecond: 0, maxConcurrent: 1 });
    gw.behaviour = { kind: 'hang' };
    const first = post(url, 'slow', undefined, '127.0.0.2').catch((e: unknown) => e);
    await until(() => gw.started === 1);
    const r = await post(url, 'second', undefined, '127.0.0.3');
    expect(r.status).toBe(503);
    expect(r.headers['retry-after']).toBe('1');
    expect(gw.started).toBe(1);
    await destroyAgent('127.0.0.2'); // the client goes away: the relay aborts its upstream request
    await first;
    gw.behaviour = { kind: 'answer' };
    await until(() => gw.started === 1);
    let ok = 0;
    for (let i = 0; i < 50 && ok === 0; i++) {
      if ((await post(url, 'third', undefined, '127.0.0.3')).status === 200) ok++;
      else await new Promise((res) => setTimeout(res, 10));
    }
    expect(ok).toBe(1);
  });
});

describe('connection cap', () => {
  /** A keep-alive connection that has completed one request, so the relay counts it as open. */
  async function openConnection(port: number): Promise<Socket> {
    const s = connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.write(
        'POST /relay HTTP/1.1\r\nhost: x\r\ncontent-type: message/ohttp-req\r\ncontent-length: 1\r\n\r\nx',
      );
      s.once('data', (d) => {
        expect(d.toString()).toMatch(/^HTTP\/1\.1 200 /);
        resolve();
      });
    });
    return s;
  }

  it('closes connections beyond --max-connections before reading them, and accepts again once one closes', async () => {
    const { gw, t } = await setup({ ratePerSecond: 0, maxConnections: 2 });
    const held = [await openConnection(t.relay.port), await openConnection(t.relay.port)];
    cleanup.push(async () => {
      for (const s of held) s.destroy();
    });
    const refused = await raw(
      t.relay.port,
      'POST /relay HTTP/1.1\r\nhost: x\r\ncontent-type: message/ohttp-req\r\ncontent-length: 1\r\n\r\ny',
    ).catch(() => '');
    expect(refused).toBe('');
    expect(gw.started).toBe(2);
    expect(t.relay.state.metrics.render()).toContain('relay_connections_refused_total 1');
    held[0]!.destroy();
    const open = () => new Promise<number>((resolve) => t.relay.server.getConnections((_e, n) => resolve(n)));
    for (let i = 0; i < 200 && (await open()) !== 1; i++) await new Promise((r) => setTimeout(r, 5));
    expect(await open()).toBe(1);
    const third = await openConnection(t.relay.port);
    third.destroy();
    expect(gw.started).toBe(3);
  });
});

describe('client timeouts', () => {
  it('answers 408 and closes when a message/ohttp-req body does not arrive in time', async () => {
    const { gw, t } = await setup({ ratePerSecond: 0, bodyTimeoutMs: 100 });
    const got = await raw(
      t.relay.port,
      'POST /relay HTTP/1.1\r\nhost: x\r\ncontent-type: message/ohttp-req\r\ncontent-length: 100\r\n\r\n0123456789',
    );
    expect(got).toMatch(/^HTTP\/1\.1 408 /);
    expect(got).toContain('application/problem+json');
    expect(gw.started).toBe(0);
  });

  it('closes a connection whose headers do not arrive in time', async () => {
    const { t } = await setup({ ratePerSecond: 0, headersTimeoutMs: 100 });
    const got = await raw(t.relay.port, 'POST /relay HTTP/1.1\r\nhost: x\r\n');
    expect(got === '' || got.startsWith('HTTP/1.1 408')).toBe(true);
  });

  it('cuts a stream that stays silent both ways', async () => {
    const { gw, url } = await setup({ ratePerSecond: 0, idleTimeoutMs: 100 });
    gw.behaviour = {
      kind: 'stream',
      pieces: [Buffer.from('one'), Buffer.from('never')],
      gate: () => new Promise(() => {}),
    };
    const body = new PassThrough();
    body.write('open');
    const r = await request(url, {
      method: 'POST',
      headers: { 'content-type': 'message/ohttp-chunked-req' },
      body,
      dispatcher: agentFrom(),
    });
    expect(r.statusCode).toBe(200);
    await expect(r.body.text()).rejects.toThrow();
    body.destroy();
  });

  it('answers 413 to a stream that grows over the chunked limit before the gateway answered', async () => {
    const { url } = await setup({ ratePerSecond: 0, maxChunkedBodyBytes: 1000 });
    const r = await post(url, new Uint8Array(1500), { 'content-type': 'message/ohttp-chunked-req' });
    expect(r.status).toBe(413);
  });
});

describe('gateway failures', () => {
  it('answers 502 when the gateway is unreachable', async () => {
    const dead = await GatewayStandIn.start();
    const t = await startTestRelay([dead], { ratePerSecond: 0 });
    await dead.close();
    cleanup.push(() => t.close());
    const r = await post(`${t.relay.url}/relay`, 'x');
    expect(r.status).toBe(502);
    expect(JSON.parse(r.body.toString())).toMatchObject({ status: 502, title: 'gateway unreachable' });
    expect(t.relay.state.metrics.render()).toContain(
      'relay_upstream_errors_total{gateway="default",kind="unreachable"} 1',
    );
  });

  it('answers 502 when the gateway resets the connection, and does not retry', async () => {
    const { gw, url } = await setup({ ratePerSecond: 0 });
    gw.behaviour = { kind: 'reset' };
    const r = await post(url, 'once');
    expect(r.status).toBe(502);
    expect(gw.started).toBe(1);
  });

  it('answers 504 when the gateway does not answer in time, and does not retry', async () => {
    const { gw, url } = await setup({ ratePerSecond: 0, upstreamHeadersTimeoutMs: 100 });
    gw.behaviour = { kind: 'hang' };
    const r = await post(url, 'once');
    expect(r.status).toBe(504);
    expect(JSON.parse(r.body.toString())).toMatchObject({ status: 504 });
    expect(gw.started).toBe(1);
  });

  it('reports in /healthz whether each gateway answered recently', async () => {
    const { t, url } = await setup({ ratePerSecond: 0 });
    const health = async () =>
      JSON.parse(
        (await post(`${t.relay.url}/healthz`, undefined as never, {}, undefined, 'GET')).body.toString(),
      );
    expect(await health()).toEqual({
      status: 'ok',
      gateways: [{ name: 'default', answeredRecently: false, lastAnswerSecondsAgo: null }],
    });
    await post(url, 'x');
    expect((await health()).gateways[0]).toMatchObject({ name: 'default', answeredRecently: true });
  });
});
