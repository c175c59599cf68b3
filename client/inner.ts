/**
 * The inner request as sent on each attempt: the caller's request with a `Date` (RFC 9458 6.5) when it
 * has none. Rebuilt per attempt, because a retry (corrected clock, new key) must send a fresh Date.
 */
export function innerRequest(
  request: Request,
  body: Uint8Array | ReadableStream<Uint8Array> | null,
  date: string | undefined,
): Request {
  const headers = new Headers(request.headers);
  if (date !== undefined) headers.set('date', date);
  const bodyless = request.method === 'GET' || request.method === 'HEAD';
  const init: RequestInit & { duplex?: 'half' } = {
    method: request.method,
    headers,
    body: bodyless ? null : (body as BodyInit | null),
  };
  if (body instanceof ReadableStream) init.duplex = 'half';
  return new Request(request.url, init);
}
