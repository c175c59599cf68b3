/**
 * Starting and stopping a relay: one node:http server, hono for the routes, and a direct path for
 * `POST /relay` and `POST /relay/<name>` that skips hono's Request/Response objects.
 *
 * Why the direct path: on one core, hono + undici forwarded about 0.21x of nginx's requests/s while
 * bare node:http + undici reached 0.38x (DESIGN.md, measured). The direct path is an exact match on
 * the request line against a table built from the configuration; anything else, including every
 * error, goes through hono (app.ts), which routes the same URLs to the same `forward`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import pino, { type Logger } from 'pino';
import { createApp, type Gateways } from './app.ts';
import { type RelayConfig, redactedConfig } from './config.ts';
import { forward } from './forward.ts';
import { KeyCache } from './keys.ts';
import { RelayMetrics } from './metrics.ts';
import { RateLimiter } from './rate-limit.ts';
import type { RelayState } from './state.ts';
import { createUpstream, type Upstream } from './upstream.ts';

export interface RelayOptions {
  logger?: Logger;
  /** Clock for the rate limiter (tests). */
  now?: () => number;
  /** Route the POST path through hono too (for measuring the direct path's worth). */
  honoOnly?: boolean;
}

export interface Relay {
  /** `http://host:port` the relay listens on. */
  readonly url: string;
  readonly port: number;
  readonly state: RelayState;
  readonly server: Server;
  /** Stops accepting, lets open streams finish for up to `timeoutMs`, then cuts what is left. */
  close(timeoutMs?: number): Promise<void>;
}

export function createLogger(level: RelayConfig['logLevel']): Logger {
  // Counts and errors only: no request logging at all, so no address can sit next to a request.
  return pino({ level, base: undefined });
}

export async function startRelay(config: RelayConfig, opts: RelayOptions = {}): Promise<Relay> {
  const log = opts.logger ?? createLogger(config.logLevel);
  const metrics = new RelayMetrics();
  const state: RelayState = {
    config,
    metrics,
    limiter: new RateLimiter({
      perSecond: config.ratePerSecond,
      burst: config.rateBurst,
      maxClients: config.rateMaxClients,
      ...(opts.now === undefined ? {} : { now: opts.now }),
    }),
    trusted: new Set(config.trustedProxies),
    log,
    inFlight: 0,
    closing: false,
    onExchangeEnd: undefined,
  };
  const ups = config.gateways.map((g) => createUpstream(g, config));
  const gw: Gateways = {
    first: ups[0]!,
    byName: new Map(ups.map((u) => [u.name, u])),
    keys: new Map(ups.map((u) => [u.name, new KeyCache(u.name, u.keysUrl, config, metrics)])),
  };
  const hono = getRequestListener(createApp(state, gw).fetch, { autoCleanupIncoming: false });
  const direct = new Map<string, Upstream>([['/relay', gw.first]]);
  for (const u of ups) direct.set(`/relay/${u.name}`, u);

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    if (req.method === 'POST' && !opts.honoOnly) {
      const up = direct.get(req.url!);
      if (up !== undefined) {
        if (state.closing) res.shouldKeepAlive = false;
        forward(req, res, up, state);
        return;
      }
    }
    if (state.closing) res.shouldKeepAlive = false;
    void hono(req, res);
  };
  const server = createServer(
    {
      // Slow clients: the headers must arrive in time; bodies are timed per route in forward.ts
      // (a whole message/ohttp-req by bodyTimeoutMs, a stream by idleTimeoutMs), so Node's
      // whole-request timer, which would cut long streams, is off.
      headersTimeout: config.headersTimeoutMs,
      requestTimeout: 0,
      keepAliveTimeout: config.keepAliveTimeoutMs,
      connectionsCheckingInterval: Math.min(1_000, config.headersTimeoutMs),
      noDelay: true,
    },
    onRequest,
  );
  // Beyond the cap, node:net destroys each new socket on accept ('drop'): no request is read, no
  // memory held. The client sees the connection reset and may retry; a 503 would need the socket.
  server.maxConnections = config.maxConnections;
  server.on('drop', () => metrics.connectionRefused());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  log.info({ config: redactedConfig(config), port }, 'relay listening');

  let closed: Promise<void> | undefined;
  const close = (timeoutMs = config.shutdownTimeoutMs): Promise<void> => {
    closed ??= (async () => {
      state.closing = true;
      // Answers already under way went out with keep-alive; close each connection once it is idle.
      state.onExchangeEnd = () => setImmediate(() => server.closeIdleConnections());
      const drained = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), timeoutMs);
      });
      const how = await Promise.race([drained, deadline]);
      clearTimeout(timer);
      if (how === 'timeout') {
        log.warn({ open: state.inFlight }, 'shutdown deadline reached, closing open streams');
        server.closeAllConnections();
        await drained;
      }
      await Promise.all(ups.map((u) => u.pool.destroy()));
      log.info({ metrics: { open: state.inFlight } }, 'relay stopped');
    })();
    return closed;
  };
  return { url: `http://${host}:${port}`, port, state, server, close };
}
