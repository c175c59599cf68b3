/**
 * Target dispatch: where a decrypted inner request goes.
 *
 * - `https://<name>/...` → the built-in target (the enclave's inference API), called in-process
 *   through its `fetch` (no socket: the plaintext never leaves the process).
 * - an allow-listed origin → its upstream over undici (how tacit fronts an existing
 *   OpenAI-compatible cluster). The upstream request is built from scratch: method, path, the inner
 *   headers minus hop-by-hop ones, and the body, streamed.
 * - anything else → 403. The gateway is never an open proxy.
 *
 * The caller's AbortSignal reaches the target, so a client that goes away stops the work.
 */
import { Readable } from 'node:stream';
import { type Dispatcher, request as undiciRequest } from 'undici';
import { problem } from '../shared/problem.ts';
import type { UpstreamTarget } from './config.ts';
import type { TargetKind } from './metrics.ts';

export type FetchLike = (req: Request) => Response | Promise<Response>;

export interface DispatchOptions {
  /** Host name of the built-in target (`--name`). */
  name: string;
  /** The built-in target, or undefined when disabled (`--model none`). */
  builtin?: FetchLike | undefined;
  upstreams: readonly UpstreamTarget[];
  /** Connection pool for upstreams; undici's global one by default. */
  dispatcher?: Dispatcher;
}

export interface Dispatched {
  kind: TargetKind | 'refused';
  response: Response;
}

/** RFC 9110 7.6.1: connection-specific fields are never forwarded; `host` is the upstream's own. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'content-length',
]);

export function jsonProblem(status: number, title: string, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(problem(status, title)), {
    status,
    headers: { 'content-type': 'application/problem+json', ...headers },
  });
}

/**
 * `req` must already carry `signal` (the built-in target reads it from the request); upstream
 * requests are given it explicitly.
 */
export function createDispatcher(
  opts: DispatchOptions,
): (req: Request, signal: AbortSignal) => Promise<Dispatched> {
  const builtinHost = opts.name.toLowerCase();
  const upstreams = new Map(opts.upstreams.map((u) => [u.origin, u.url]));

  return async function dispatch(req, signal) {
    let url: URL;
    try {
      url = new URL(req.url);
    } catch {
      return { kind: 'refused', response: jsonProblem(400, 'bad request') };
    }
    if (url.protocol === 'https:' && url.host === builtinHost && opts.builtin !== undefined) {
      // The request already carries `signal` (inner.ts builds it so); hono handlers see it as
      // c.req.raw.signal. Re-wrapping would cost a second Request construction per request.
      return { kind: 'builtin', response: await opts.builtin(req) };
    }
    const base = upstreams.get(url.origin);
    if (base === undefined) return { kind: 'refused', response: jsonProblem(403, 'target not allowed') };
    return { kind: 'upstream', response: await forward(base, url, req, signal, opts.dispatcher) };
  };
}

async function forward(
  base: string,
  url: URL,
  req: Request,
  signal: AbortSignal,
  dispatcher: Dispatcher | undefined,
): Promise<Response> {
  const headers: Record<string, string> = {};
  req.headers.forEach((v, k) => {
    if (!HOP_BY_HOP.has(k)) headers[k] = v;
  });
  try {
    const res = await undiciRequest(`${base}${url.pathname}${url.search}`, {
      method: req.method,
      headers,
      body: req.body === null ? null : Readable.fromWeb(req.body as import('node:stream/web').ReadableStream),
      signal,
      ...(dispatcher === undefined ? {} : { dispatcher }),
    });
    const out = new Headers();
    for (const [k, v] of Object.entries(res.headers)) {
      if (v === undefined || HOP_BY_HOP.has(k)) continue;
      for (const one of Array.isArray(v) ? v : [v]) out.append(k, one);
    }
    const nullBody = res.statusCode === 204 || res.statusCode === 304 || req.method === 'HEAD';
    if (nullBody) res.body.resume();
    return new Response(nullBody ? null : (Readable.toWeb(res.body) as ReadableStream<Uint8Array>), {
      status: res.statusCode,
      headers: out,
    });
  } catch (err) {
    if (signal.aborted) throw err;
    // The upstream's failure becomes a 502 the client reads inside the encryption; its detail is
    // for the operator's logs only.
    return jsonProblem(502, 'upstream unavailable');
  }
}
