/**
 * The gateway's routes (hono): thin edges over the core in handle.ts / chunked.ts.
 *
 *   GET  /ohttp-keys   every active key configuration, `application/ohttp-keys` (RFC 9458 3.2)
 *   POST /gateway      `message/ohttp-req` or `message/ohttp-chunked-req`
 *   GET  /healthz      liveness, key counts, draining
 *   GET  /metrics      Prometheus text
 */
import { Hono } from 'hono';
import { encodeKeyConfigList } from '../shared/keys/index.ts';
import { mediaTypeOf } from '../shared/media-type.ts';
import { METRICS_CONTENT_TYPE } from '../shared/metrics.ts';
import { MEDIA_TYPES } from '../shared/ohttp/constants.ts';
import { clearProblem, errorSummary, type GatewayDeps, handleOhttpRequest } from './handle.ts';

export type ChunkedHandler = (deps: GatewayDeps, req: Request) => Promise<Response>;

export function createGatewayApp(deps: GatewayDeps, chunked?: ChunkedHandler): Hono {
  const app = new Hono();
  const now = () => deps.now?.() ?? Date.now();
  let keysCache: { version: number; body: Uint8Array } | null = null;

  app.get('/ohttp-keys', () => {
    deps.ring.prune(now());
    if (keysCache === null || keysCache.version !== deps.ring.version) {
      const configs = deps.ring.active().map((k) => k.server.config);
      keysCache = { version: deps.ring.version, body: encodeKeyConfigList(configs) };
    }
    // Every client gets the same bytes for max-age seconds (the relay caches them too); the grace
    // period of a rotated key is at least this long (config.ts), so a cached list never strands a client.
    return new Response(keysCache.body as Uint8Array<ArrayBuffer>, {
      headers: {
        'content-type': 'application/ohttp-keys',
        'cache-control': `public, max-age=${deps.config.keysMaxAgeS}`,
      },
    });
  });

  app.post('/gateway', (c) => {
    const type = mediaTypeOf(c.req.header('content-type'));
    if (type === MEDIA_TYPES.request) return handleOhttpRequest(deps, c.req.raw);
    if (type === MEDIA_TYPES.chunkedRequest && chunked !== undefined) return chunked(deps, c.req.raw);
    deps.metrics.requests.inc(1, { outcome: 'unsupported_media_type' });
    return clearProblem(415, 'unsupported media type');
  });

  app.get('/healthz', (c) => {
    const keys = deps.ring.counts(now());
    const ok = keys.active > 0 && !deps.state.draining;
    return c.json({ status: ok ? 'ok' : deps.state.draining ? 'draining' : 'no keys', keys }, ok ? 200 : 503);
  });

  app.get('/metrics', () => {
    const keys = deps.ring.counts(now());
    deps.metrics.keys.set(keys.active, { state: 'active' });
    deps.metrics.keys.set(keys.grace, { state: 'grace' });
    deps.metrics.replayCacheEntries.set(deps.replay.size);
    return new Response(deps.metrics.registry.render(), {
      headers: { 'content-type': METRICS_CONTENT_TYPE },
    });
  });

  app.notFound(() => clearProblem(404, 'not found'));
  app.onError((err) => {
    deps.log.error({ err: errorSummary(err) }, 'unhandled error');
    return clearProblem(500, 'internal error');
  });
  return app;
}
