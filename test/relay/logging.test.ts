/**
 * What the relay logs: counts and errors only. It never writes a client's address, and never a byte
 * of a body, whatever happens to the request (success, refusal, gateway failure).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { GatewayStandIn } from './support/gateway-standin.ts';
import { closeAgents, post, startTestRelay } from './support/harness.ts';

afterAll(() => closeAgents());

describe('relay logs', () => {
  it('hold neither client addresses nor body bytes', async () => {
    const gw = await GatewayStandIn.start();
    const t = await startTestRelay([gw], { ratePerSecond: 1, rateBurst: 3, upstreamHeadersTimeoutMs: 100 });
    const from = '127.0.0.77';
    const secret = 'BODY-MARKER-5f2c';
    await post(`${t.relay.url}/relay`, secret, undefined, from);
    await post(`${t.relay.url}/relay`, secret, { 'content-type': 'text/plain' }, from);
    gw.behaviour = { kind: 'hang' };
    await post(`${t.relay.url}/relay`, secret, undefined, from);
    gw.behaviour = { kind: 'reset' };
    await post(`${t.relay.url}/relay`, secret, undefined, from);
    await post(`${t.relay.url}/relay`, secret, undefined, from); // rate limited
    await post(`${t.relay.url}/relay/ohttp-keys`, undefined as never, {}, from, 'GET');
    await t.close();
    await gw.close();
    const logs = t.logs.join('');
    expect(t.logs.length).toBeGreaterThan(2); // it did log: start, two upstream failures, stop
    expect(logs).toContain('upstream failure');
    expect(logs).not.toContain(from);
    expect(logs).not.toContain(secret);
    for (const line of t.logs) expect(Object.keys(JSON.parse(line))).not.toContain('req');
  });
});
