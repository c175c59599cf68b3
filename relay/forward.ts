/**
 * The hot path: `POST /relay[/name]`, from a node:http request to an upstream dispatch.
 *
 * RFC 9458 section 4 (relay): the relay forwards the encapsulated request to the gateway it was
 * configured for and "MUST NOT" add information that identifies the client. So the upstream request
 * is built from nothing: the canonical media type, the body, and for chunked requests
 * `Incremental: ?1`. No client header is read beyond Content-Type and Content-Length, none is copied.
 *
 * Admission order: per-client rate limit (429), media type (415), declared size (413), then either
 * - `message/ohttp-req`: the whole body is read (bounded by maxBodyBytes and bodyTimeoutMs) before an
 *   upstream slot is taken, so a slow client never holds a gateway connection; the gateway cannot
 *   decrypt a non-chunked request before its last byte anyway;
 * - `message/ohttp-chunked-req`: streamed both ways at once, cut after idleTimeoutMs of silence.
 * Then the global concurrency limit (503). A request that may have reached the gateway is never
 * retried (RFC 9110 9.2.2: POST is not idempotent; undici does not retry it either).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Readable, Transform } from 'node:stream';
import { mediaTypeOf } from '../shared/media-type.ts';
import { Exchange } from './exchange.ts';
import { clientAddress, clientKey } from './rate-limit.ts';
import { sendProblem } from './reply.ts';
import type { RelayState } from './state.ts';
import type { Upstream } from './upstream.ts';

export const OHTTP_REQ = 'message/ohttp-req';
export const OHTTP_CHUNKED_REQ = 'message/ohttp-chunked-req';
const ACCEPT = `${OHTTP_REQ}, ${OHTTP_CHUNKED_REQ}`;

const KNOWN_HEADERS: string[] = ['content-type', OHTTP_REQ];
const CHUNKED_HEADERS: string[] = ['content-type', OHTTP_CHUNKED_REQ, 'incremental', '?1'];

/** The media type without parameters, lower-cased (RFC 9110 8.3.1), or undefined. */
export function mediaType(v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  if (v === OHTTP_REQ || v === OHTTP_CHUNKED_REQ) return v; // the common case, no allocation
  return mediaTypeOf(v);
}

export function forward(req: IncomingMessage, res: ServerResponse, up: Upstream, s: RelayState): void {
  // Only what framing needs goes back; not even the relay's own Date.
  res.sendDate = false;
  const peer = req.socket.remoteAddress;
  const who = s.trusted.size === 0 ? peer : clientAddress(peer, req.headers['x-forwarded-for'], s.trusted);
  const taken = s.limiter.take(clientKey(who));
  if (!taken.ok) {
    s.metrics.rateLimited();
    s.metrics.request(up.name, 429);
    sendProblem(res, 429, 'too many requests', { 'retry-after': String(taken.retryAfterSeconds) });
    return;
  }
  // Node's server has built `req.headers` already (it reads Host and Expect from it for every
  // HTTP/1.1 request, `te` for 1.0), so these are plain lookups.
  const type = mediaType(req.headers['content-type']);
  if (type === OHTTP_REQ) readKnownLength(req, res, up, s);
  else if (type === OHTTP_CHUNKED_REQ) stream(req, res, up, s);
  else {
    s.metrics.request(up.name, 415);
    // RFC 9110 15.5.16: Accept says which media types would have been accepted.
    sendProblem(res, 415, 'unsupported media type', { accept: ACCEPT });
  }
}

function readKnownLength(req: IncomingMessage, res: ServerResponse, up: Upstream, s: RelayState): void {
  const max = s.config.maxBodyBytes;
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > max) {
    s.metrics.request(up.name, 413);
    sendProblem(res, 413, 'content too large', undefined, true);
    return;
  }
  const chunks: Buffer[] = [];
  let n = 0;
  let over = false;
  const timer = setTimeout(() => {
    req.removeListener('data', onData);
    s.metrics.request(up.name, 408);
    sendProblem(res, 408, 'request body timed out', undefined, true);
  }, s.config.bodyTimeoutMs);
  const onData = (c: Buffer) => {
    n += c.length;
    if (n <= max) chunks.push(c);
    else if (!over) {
      over = true;
      clearTimeout(timer);
      s.metrics.request(up.name, 413);
      sendProblem(res, 413, 'content too large', undefined, true);
    }
  };
  req.on('data', onData);
  req.once('end', () => {
    clearTimeout(timer);
    if (over || res.headersSent) return;
    send(res, up, s, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, n), KNOWN_HEADERS, n);
  });
  req.once('close', () => clearTimeout(timer));
}

function stream(req: IncomingMessage, res: ServerResponse, up: Upstream, s: RelayState): void {
  const max = s.config.maxChunkedBodyBytes;
  let n = 0;
  let ex: Exchange | undefined;
  // The body goes upstream through a counting pass-through: a second 'data' listener on `req` would
  // put it in flowing mode before undici attaches, and the bytes would be lost.
  const counted = new Transform({
    transform(chunk: Buffer, _enc, done) {
      n += chunk.length;
      ex?.idleTimer?.refresh();
      if (n > max) {
        ex?.abort({ status: 413, title: 'content too large' });
        done();
      } else done(null, chunk);
    },
  });
  ex = send(res, up, s, counted, CHUNKED_HEADERS, () => n);
  if (ex === undefined) return;
  const exchange = ex;
  // A stream may legitimately last long, but not in silence: the timer is refreshed by every chunk
  // in either direction.
  exchange.idleTimer = setTimeout(() => {
    exchange.abort(
      req.readableEnded
        ? { status: 504, title: 'gateway timed out' }
        : { status: 408, title: 'request timed out' },
    );
  }, s.config.idleTimeoutMs);
  req.pipe(counted);
}

function send(
  res: ServerResponse,
  up: Upstream,
  s: RelayState,
  body: Buffer | Readable,
  headers: string[],
  bytesIn: number | (() => number),
): Exchange | undefined {
  if (s.inFlight >= s.config.maxConcurrent) {
    s.metrics.overloaded();
    s.metrics.request(up.name, 503);
    sendProblem(res, 503, 'relay busy', { 'retry-after': '1' }, typeof bytesIn === 'function');
    return undefined;
  }
  const ex = new Exchange(res, up, s, typeof bytesIn === 'number' ? () => bytesIn : bytesIn);
  up.pool.dispatch({ method: 'POST', path: up.path, headers, body }, ex);
  return ex;
}
