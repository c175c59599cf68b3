/**
 * The gateway on a socket, with graceful shutdown: on drain it stops accepting connections, refuses
 * new requests on kept-alive ones, lets open requests and streams finish up to a deadline, then
 * closes what is left.
 *
 * The hot route, POST /gateway with `message/ohttp-req`, takes a direct node:http path: the body is
 * read into one buffer and the answer written with `res.end`, skipping the outer WHATWG
 * Request/Response that @hono/node-server would build (the relay measured the same saving; see
 * DESIGN.md). Its core (`answerEncapsulated`) is the one hono calls; everything else, chunked OHTTP
 * and every other route and error included, goes through hono (app.ts).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import { mediaTypeOf } from '../shared/media-type.ts';
import { MEDIA_TYPES } from '../shared/ohttp/constants.ts';
import { createGateway, type Gateway, type GatewayOptions } from './gateway.ts';
import { answerEncapsulated, clearProblemParts, errorSummary, type OuterAnswer } from './handle.ts';

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
  const viaHono = getRequestListener(gateway.app.fetch);
  const server: Server = createServer((req, res) => {
    const hot = req.method === 'POST' && req.url === '/gateway';
    if (hot && mediaTypeOf(req.headers['content-type']) === MEDIA_TYPES.request) direct(gateway, req, res);
    else void viaHono(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
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

function send(res: ServerResponse, a: OuterAnswer): void {
  res.writeHead(a.status, { ...a.headers, 'content-length': String(a.body.length) });
  res.end(a.body);
}

/** POST /gateway, `message/ohttp-req`, without WHATWG Request/Response on the outer hop. */
function direct(gateway: Gateway, req: IncomingMessage, res: ServerResponse): void {
  const { deps } = gateway;
  const max = deps.config.maxBodyBytes;
  const tooLarge = () => {
    deps.metrics.requests.inc(1, { outcome: 'too_large' });
    res.shouldKeepAlive = false;
    send(res, clearProblemParts(413, 'content too large'));
    req.resume();
  };
  if (Number(req.headers['content-length'] ?? '0') > max) {
    tooLarge();
    return;
  }
  // The client going away (relay closed the connection) aborts the target's work.
  const ac = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) ac.abort(new DOMException('client closed', 'AbortError'));
  });
  const parts: Buffer[] = [];
  let n = 0;
  let over = false;
  req.on('data', (chunk: Buffer) => {
    if (over) return;
    n += chunk.length;
    if (n > max) {
      over = true;
      tooLarge();
    } else parts.push(chunk);
  });
  req.once('error', () => ac.abort());
  req.once('end', () => {
    if (over) return;
    const body = parts.length === 1 ? parts[0]! : Buffer.concat(parts, n);
    answerEncapsulated(deps, new Uint8Array(body.buffer, body.byteOffset, body.length), ac).then(
      (a) => {
        if (!res.destroyed) send(res, a);
      },
      (err) => {
        deps.log.error({ err: errorSummary(err) }, 'unhandled error');
        if (!res.headersSent && !res.destroyed) send(res, clearProblemParts(500, 'internal error'));
      },
    );
  });
}
