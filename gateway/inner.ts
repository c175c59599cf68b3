/**
 * The inner request and response: Binary HTTP (RFC 9292) to and from the WHATWG `Request` and
 * `Response` that targets speak. Nothing here is copied to the outer (encapsulating) response.
 */

import type { Field, RequestHead } from '../shared/bhttp/index.ts';
import { concat } from '../shared/bytes.ts';
import { invalidArgument } from '../shared/errors.ts';

/** Request header fields that `fetch` forbids or that describe the framing of the outer hop. */
const DROP_REQUEST = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'upgrade',
  'te',
  'content-length',
]);
/** RFC 9110 7.6.1 connection-specific fields never travel inside a Binary HTTP response. */
const DROP_RESPONSE = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'content-length']);

/**
 * RFC 9292 3.4: the target URI is scheme://authority path; without :authority, the `host` header
 * names it (as in HTTP/1.1). Throws ERR_INVALID_ARGUMENT for what cannot form a URL.
 */
export function innerUrl(req: RequestHead): URL {
  let authority = req.authority;
  if (authority === '') authority = req.headers.find(([n]) => n === 'host')?.[1] ?? '';
  if (authority === '' || (req.scheme !== 'https' && req.scheme !== 'http'))
    throw invalidArgument('inner target');
  const path = req.path === '' ? '/' : req.path;
  if (!path.startsWith('/')) throw invalidArgument('inner target');
  try {
    return new URL(`${req.scheme}://${authority}${path}`);
  } catch {
    throw invalidArgument('inner target');
  }
}

/** The WHATWG Request for a target; `body` is the content (bytes, or a stream for chunked OHTTP). */
export function toInnerRequest(
  req: RequestHead,
  body: Uint8Array | ReadableStream<Uint8Array> | null,
  signal: AbortSignal,
): Request {
  const url = innerUrl(req);
  const headers = new Headers();
  for (const [n, v] of req.headers) {
    if (DROP_REQUEST.has(n) || n === 'host') continue;
    try {
      headers.append(n, v);
    } catch {
      throw invalidArgument('inner header');
    }
  }
  const method = req.method.toUpperCase();
  const hasBody = method !== 'GET' && method !== 'HEAD';
  try {
    const init: RequestInit & { duplex?: 'half' } = { method: req.method, headers, signal };
    if (hasBody && body !== null) {
      init.body = body as BodyInit;
      if (body instanceof ReadableStream) init.duplex = 'half';
      // A whole body's length is known here (the client's own field was dropped above): with it,
      // size-limit middleware (hono's bodyLimit) checks the number instead of reading the body
      // through and rebuilding the Request.
      else headers.set('content-length', String(body.length));
    }
    return new Request(url, init);
  } catch {
    throw invalidArgument('inner request');
  }
}

/** Response header fields for the Binary HTTP response, minus connection-specific ones. */
export function responseFields(res: Response): Field[] {
  const out: Field[] = [];
  res.headers.forEach((v, n) => {
    if (!DROP_RESPONSE.has(n)) out.push([n, latin1(v)]);
  });
  return out;
}

/** Headers give back UTF-16 strings; Binary HTTP fields are byte strings (one char per byte). */
function latin1(v: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching everything beyond Latin-1
  if (!/[^\u0000-\u00ff]/.test(v)) return v;
  return String.fromCharCode(...new TextEncoder().encode(v));
}

/**
 * Reads a body up to `limit` bytes; beyond it, returns null and cancels the stream (the caller
 * answers 413/502 rather than holding an unbounded body in memory).
 */
export async function readLimited(
  body: ReadableStream<Uint8Array> | null,
  limit: number,
): Promise<Uint8Array | null> {
  if (body === null) return new Uint8Array(0);
  const reader = body.getReader();
  const parts: Uint8Array[] = [];
  let n = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    n += value.length;
    if (n > limit) {
      await reader.cancel().catch(() => {});
      return null;
    }
    parts.push(value);
  }
  return parts.length === 1 ? parts[0]! : concat(...parts);
}
