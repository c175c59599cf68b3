/**
 * The gateway on a socket (@hono/node-server), with graceful shutdown: on drain it stops
 * accepting connections, refuses new requests on kept-alive ones, lets open requests and streams
 * finish up to a deadline, then closes what is left.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { createGateway, type Gateway, type GatewayOptions } from './gateway.ts';

export interface RunningGateway {
  readonly gateway: Gateway;
  readonly url: string;
  readonly port: number;
  /** Stops accepting, waits for open requests up to `deadlineMs` (config.drainTimeoutMs), then closes. */
  drain(deadlineMs?: number): Promise<{ unfinished: number }>;
  /** Closes at once. */
  close(): Promise<void>;
}

export async function startGateway(opts: GatewayOptions): Promise<RunningGateway> {
  const gateway = await createGateway(opts);
  const { config } = opts;
  const server = await new Promise<Server>((resolve, reject) => {
    const s = serve({ fetch: gateway.app.fetch, hostname: config.host, port: config.port }, () =>
      resolve(s as Server),
    );
    s.once('error', reject);
  });
  // Slow clients must not hold sockets forever (undici's and the relay's keep-alive is shorter).
  server.headersTimeout = 10_000;
  server.requestTimeout = 0; // streams may be long; the per-request deadline bounds them instead
  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;

  let closed = false;
  const shut = async () => {
    if (closed) return;
    closed = true;
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    await gateway.close();
  };

  return {
    gateway,
    url: `http://${host}:${port}`,
    port,
    async drain(deadlineMs = config.drainTimeoutMs) {
      gateway.deps.state.draining = true;
      const stopped = new Promise<void>((r) => server.close(() => r()));
      server.closeIdleConnections();
      const until = Date.now() + deadlineMs;
      while (gateway.deps.limit.inFlight > 0 && Date.now() < until) {
        await new Promise((r) => setTimeout(r, 25));
        server.closeIdleConnections();
      }
      const unfinished = gateway.deps.limit.inFlight;
      server.closeAllConnections();
      await stopped;
      closed = true;
      await gateway.close();
      return { unfinished };
    },
    close: shut,
  };
}
