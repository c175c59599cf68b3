/**
 * The key configuration list through the relay (RFC 9458 section 3.2 and 9.1): every client gets the
 * same bytes for the gateway's cache lifetime; a refetch happens once per lifetime, single-flight.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildRelayConfig } from '../../relay/config.ts';
import { cacheLifetime, KeyCache } from '../../relay/keys.ts';
import { RelayMetrics } from '../../relay/metrics.ts';
import { GatewayStandIn } from './support/gateway-standin.ts';
import { closeAgents, post, startTestRelay, type TestRelay } from './support/harness.ts';

const config = buildRelayConfig({ argv: ['--port', '0', '--gateway', 'http://127.0.0.1:1/'] });

describe('cacheLifetime (RFC 9111 5.2.2)', () => {
  it.each([
    ['max-age=300', 300],
    ['public, s-maxage=20, max-age=300', 20],
    ['max-age="45"', 45],
    ['no-store', 60],
    [undefined, 60],
    ['max-age=0', 1],
    ['max-age=99999999', 86_400],
  ])('%s -> %i s', (header, ttl) => {
    expect(cacheLifetime(header, config)).toBe(ttl);
  });
});

describe('KeyCache', () => {
  let gw: GatewayStandIn;
  beforeAll(async () => {
    gw = await GatewayStandIn.start();
  });
  afterAll(() => gw.close());

  it('fetches once for concurrent misses, serves the same bytes, refetches after the lifetime', async () => {
    let now = 1_000_000;
    gw.keys.cacheControl = 'max-age=30';
    const before = gw.keys.fetches;
    const cache = new KeyCache('default', gw.keysUrl, config, new RelayMetrics(), () => now);
    const got = await Promise.all(Array.from({ length: 20 }, () => cache.get()));
    expect(gw.keys.fetches - before).toBe(1);
    for (const k of got) expect(k.body).toEqual(got[0]!.body);
    expect(got[0]!.maxAge).toBe(30);
    now += 29_000;
    gw.keys.body = new Uint8Array([0, 4, 9, 9, 9, 9]);
    expect((await cache.get()).maxAge).toBe(1);
    expect(gw.keys.fetches - before).toBe(1);
    now += 1_000;
    expect((await cache.get()).body).toEqual(new Uint8Array([0, 4, 9, 9, 9, 9]));
    expect(gw.keys.fetches - before).toBe(2);
  });
});

describe('GET /relay/ohttp-keys', () => {
  let a: GatewayStandIn;
  let b: GatewayStandIn;
  let t: TestRelay;
  beforeAll(async () => {
    a = await GatewayStandIn.start();
    b = await GatewayStandIn.start();
    b.keys.body = new Uint8Array([0, 2, 7, 7]);
    t = await startTestRelay([a, { name: 'b', gateway: b }]);
  });
  afterAll(async () => {
    await t.close();
    await Promise.all([a.close(), b.close()]);
    await closeAgents();
  });

  const get = (path: string, from?: string, headers: Record<string, string> = {}) =>
    post(`${t.relay.url}${path}`, undefined as never, headers, from, 'GET');

  it('gives every client the same bytes from one fetch, with the remaining lifetime', async () => {
    const answers = await Promise.all(
      ['127.0.0.2', '127.0.0.3', '127.0.0.4'].map((ip) =>
        get('/relay/ohttp-keys', ip, { cookie: `c=${ip}` }),
      ),
    );
    for (const r of answers) {
      expect(r.status).toBe(200);
      expect(r.headers['content-type']).toBe('application/ohttp-keys');
      expect(r.headers['cache-control']).toMatch(/^max-age=(59|60)$/);
      expect(r.body).toEqual(answers[0]!.body);
    }
    expect(a.keys.fetches).toBe(1);
  });

  it('serves a named gateway its own list', async () => {
    const r = await get('/relay/b/ohttp-keys');
    expect(new Uint8Array(r.body)).toEqual(new Uint8Array([0, 2, 7, 7]));
  });

  it('answers 404 for an unknown gateway and 502 when the gateway serves no key list', async () => {
    expect((await get('/relay/nope/ohttp-keys')).status).toBe(404);
    const dead = await GatewayStandIn.start();
    const t2 = await startTestRelay([dead]);
    await dead.close();
    const r = await post(`${t2.relay.url}/relay/ohttp-keys`, undefined as never, {}, undefined, 'GET');
    expect(r.status).toBe(502);
    expect(r.headers['content-type']).toBe('application/problem+json');
    await t2.close();
  });
});
