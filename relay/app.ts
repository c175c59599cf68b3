/**
 * The relay's routes (hono). Everything but the forwarding itself is answered here: key lists,
 * health, metrics, and the 404/405 problems. `POST /relay[/name]` is also routed here for
 * completeness, but server.ts normally takes those before hono (see there, and docs/relay.md, for
 * why and for the measurement).
 */

import type { HttpBindings } from '@hono/node-server';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { Hono } from 'hono';
import { problem, problemResponse } from '../shared/problem.ts';
import { forward } from './forward.ts';
import { type KeyCache, OHTTP_KEYS } from './keys.ts';
import { PROMETHEUS_CONTENT_TYPE } from './metrics.ts';
import type { RelayState } from './state.ts';
import type { Upstream } from './upstream.ts';

export interface Gateways {
  readonly first: Upstream;
  readonly byName: ReadonlyMap<string, Upstream>;
  readonly keys: ReadonlyMap<string, KeyCache>;
}

export function createApp(s: RelayState, gw: Gateways): Hono<{ Bindings: HttpBindings }> {
  const app = new Hono<{ Bindings: HttpBindings }>();
  const notAllowed = (allow: string) => problemResponse(problem(405, 'method not allowed'), { allow });
  const unknownGateway = () => problemResponse(problem(404, 'unknown gateway'));

  app.get('/healthz', (c) => {
    const now = Date.now();
    const gateways = [...gw.byName.values()].map((u) => ({
      name: u.name,
      answeredRecently: u.lastAnswerAt !== undefined && now - u.lastAnswerAt < s.config.healthWindowMs,
      lastAnswerSecondsAgo: u.lastAnswerAt === undefined ? null : Math.floor((now - u.lastAnswerAt) / 1000),
    }));
    // While draining, a load balancer should stop sending here: 503, but the process is still live.
    return c.json({ status: s.closing ? 'closing' : 'ok', gateways }, s.closing ? 503 : 200);
  });

  app.get('/metrics', () => {
    return new Response(s.metrics.render(), { headers: { 'content-type': PROMETHEUS_CONTENT_TYPE } });
  });

  const keys = async (name: string): Promise<Response> => {
    const cache = gw.keys.get(name);
    if (cache === undefined) return unknownGateway();
    try {
      const k = await cache.get();
      return new Response(k.body, {
        headers: { 'content-type': OHTTP_KEYS, 'cache-control': `max-age=${k.maxAge}` },
      });
    } catch {
      s.log.warn({ gateway: name }, 'key configuration fetch failed');
      return problemResponse(problem(502, 'gateway key configuration unavailable'));
    }
  };
  app.get('/relay/ohttp-keys', () => keys(gw.first.name));
  app.get('/relay/:name/ohttp-keys', (c) => keys(c.req.param('name')));
  app.all('/relay/ohttp-keys', () => notAllowed('GET, HEAD'));
  app.all('/relay/:name/ohttp-keys', () => notAllowed('GET, HEAD'));

  app.post('/relay', (c) => {
    forward(c.env.incoming, c.env.outgoing, gw.first, s);
    return RESPONSE_ALREADY_SENT;
  });
  app.post('/relay/:name', (c) => {
    const up = gw.byName.get(c.req.param('name'));
    if (up === undefined) return unknownGateway();
    forward(c.env.incoming, c.env.outgoing, up, s);
    return RESPONSE_ALREADY_SENT;
  });
  app.all('/relay', () => notAllowed('POST'));
  app.all('/relay/:name', (c) =>
    gw.byName.has(c.req.param('name')) ? notAllowed('POST') : unknownGateway(),
  );

  app.notFound(() => problemResponse(problem(404, 'not found')));
  app.onError((err) => {
    s.log.error({ err: { name: err.name, code: (err as { code?: unknown }).code } }, 'route failed');
    return problemResponse(problem(500, 'internal error'));
  });
  return app;
}
