/**
 * Conversions between Binary HTTP messages and WHATWG `Request`/`Response` (web APIs only).
 *
 * Whole-message: `fromRequest`, `toRequest`, `fromResponse`, `toResponse` (bodies read into memory).
 * Streaming: `fromRequestStreaming`/`fromResponseStreaming` give indeterminate-length Binary HTTP bytes
 * as a ReadableStream with the body streamed; `toRequestStreaming`/`toResponseStreaming` decode such
 * bytes into a Request/Response whose body is a ReadableStream fed as content arrives. That body errors
 * (ERR_TRUNCATED, ERR_MALFORMED...) if the message turns out invalid, and closes only once the whole
 * message, padding included, has been checked.
 *
 * What a Request/Response cannot carry, and what we do about it:
 * - Trailers: dropped by `toRequest`/`toResponse`; the streaming variants return them as a promise.
 * - Informational (1xx) responses: a Response cannot have a 1xx status; `toResponseStreaming` returns
 *   them beside the Response, `toResponse` drops them (they stay on the message).
 * - Connection-specific fields (RFC 9110 7.6.1: connection, keep-alive, proxy-connection, te,
 *   transfer-encoding, upgrade, and any named in `connection`) are removed in both directions, as
 *   RFC 9292 3.6 recommends; `toRequest` also drops `host` (the URL's authority wins) and
 *   `content-length` (fetch derives it from the body). Pseudo-fields are never copied.
 * - Forbidden request header names: browsers silently drop them from a Request (Node keeps them); we
 *   neither add nor check them, so what reaches an upstream is up to the platform's fetch.
 * - A request without scheme or target host, with a non-origin-form path (`*`, CONNECT), a method
 *   fetch refuses (CONNECT, TRACE), or content on GET/HEAD, and a response with content on a null-body
 *   status (204, 205, 304): ERR_UNSUPPORTED.
 * - `Headers` combines repeated names (except set-cookie) into one comma-separated line when read.
 */
import { invalidArgument, TacitError, truncated } from '../errors.ts';
import { type ByteSource, decodeStream } from './source.ts';
import type { StreamDecodeOptions } from './stream-decode.ts';
import { type EndOptions, encodeRequestStream, encodeResponseStream } from './stream-encode.ts';
import type {
  BhttpRequest,
  BhttpResponse,
  Field,
  InformationalResponse,
  RequestHead,
  ResponseHead,
} from './types.ts';

const CONNECTION_FIELDS = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'transfer-encoding',
  'upgrade',
]);
const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304]);

function unsupported(what: string, cause?: unknown): TacitError {
  return new TacitError('ERR_UNSUPPORTED', what, { cause });
}

/** Header fields without connection-specific ones (RFC 9110 7.6.1, RFC 9292 3.6). */
function fieldsOf(headers: Headers): Field[] {
  const named = new Set(
    (headers.get('connection') ?? '')
      .split(',')
      .map((s) => s.trim().toLowerCase())
      .filter((s) => s !== ''),
  );
  const out: Field[] = [];
  for (const [name, value] of headers) {
    if (!CONNECTION_FIELDS.has(name) && !named.has(name)) out.push([name, value]);
  }
  return out;
}

function headersOf(fields: readonly Field[], skip: ReadonlySet<string>): Headers {
  const named = new Set<string>();
  for (const [n, v] of fields)
    if (n === 'connection') for (const s of v.split(',')) named.add(s.trim().toLowerCase());
  const h = new Headers();
  try {
    for (const [n, v] of fields) {
      if (n.startsWith(':') || CONNECTION_FIELDS.has(n) || named.has(n) || skip.has(n)) continue;
      h.append(n, v);
    }
  } catch (e) {
    throw unsupported('field not representable in Headers', e);
  }
  return h;
}

function requestHeadOf(req: Request): RequestHead {
  if (!(req instanceof Request)) throw invalidArgument('expected a Request');
  const url = new URL(req.url);
  return {
    method: req.method,
    scheme: url.protocol.slice(0, -1),
    authority: url.host,
    path: `${url.pathname}${url.search}`,
    headers: fieldsOf(req.headers),
  };
}

function responseHeadOf(res: Response): ResponseHead {
  if (!(res instanceof Response)) throw invalidArgument('expected a Response');
  if (res.status < 200 || res.status > 599)
    throw invalidArgument(`response status ${res.status} is not final`);
  return { status: res.status, headers: fieldsOf(res.headers) };
}

/** A Binary HTTP request from a Request; reads the body. */
export async function fromRequest(req: Request): Promise<BhttpRequest> {
  const head = requestHeadOf(req);
  return { ...head, content: new Uint8Array(await req.arrayBuffer()), trailers: [] };
}

/** A Binary HTTP response from a Response; reads the body. */
export async function fromResponse(res: Response): Promise<BhttpResponse> {
  const head = responseHeadOf(res);
  return { informational: [], ...head, content: new Uint8Array(await res.arrayBuffer()), trailers: [] };
}

const REQUEST_SKIP = new Set(['host', 'content-length']);
const NO_SKIP = new Set<string>();

function makeRequest(head: RequestHead, body: BodyInit | null, signal?: AbortSignal): Request {
  const host = head.headers.find(([n]) => n === 'host')?.[1];
  const authority = head.authority !== '' ? head.authority : host;
  if (head.scheme === '' || authority === undefined || authority === '') {
    throw unsupported('a request without scheme or authority cannot be a Request');
  }
  if (!head.path.startsWith('/')) throw unsupported('only origin-form request targets can be a Request');
  const upper = head.method.toUpperCase();
  if (body !== null && (upper === 'GET' || upper === 'HEAD')) throw unsupported('GET/HEAD with content');
  const init: RequestInit & { duplex?: 'half' } = {
    method: head.method,
    headers: headersOf(head.headers, REQUEST_SKIP),
    body,
  };
  if (body instanceof ReadableStream) init.duplex = 'half';
  if (signal !== undefined) init.signal = signal;
  // Characters that would move parts of the target elsewhere once joined into a URL (userinfo, path,
  // query or fragment inside the authority; a fragment inside the path).
  if (/[/?#@\\]/.test(authority) || head.path.includes('#'))
    throw unsupported('request target not representable as a URL');
  try {
    return new Request(`${head.scheme}://${authority}${head.path}`, init);
  } catch (e) {
    throw unsupported('request not representable as a Request', e);
  }
}

function makeResponse(head: ResponseHead, body: BodyInit | null): Response {
  try {
    return new Response(body, { status: head.status, headers: headersOf(head.headers, NO_SKIP) });
  } catch (e) {
    throw unsupported('response not representable as a Response', e);
  }
}

/** A Request from a Binary HTTP request (trailers dropped; see the file comment). */
export function toRequest(msg: BhttpRequest, init?: { signal?: AbortSignal }): Request {
  const upper = msg.method.toUpperCase();
  const body = msg.content.length > 0 || (upper !== 'GET' && upper !== 'HEAD') ? msg.content : null;
  return makeRequest(msg, body as BodyInit | null, init?.signal);
}

/** A Response from a Binary HTTP response (informational responses and trailers dropped). */
export function toResponse(msg: BhttpResponse): Response {
  if (NULL_BODY_STATUS.has(msg.status)) {
    if (msg.content.length > 0) throw unsupported(`content on a ${msg.status} response`);
    return makeResponse(msg, null);
  }
  return makeResponse(msg, msg.content as BodyInit);
}

/** Indeterminate-length Binary HTTP bytes of a Request, body streamed. */
export function fromRequestStreaming(req: Request, options?: EndOptions): ReadableStream<Uint8Array> {
  return encodeRequestStream({ head: requestHeadOf(req), body: req.body }, options);
}

/** Indeterminate-length Binary HTTP bytes of a Response (after any 1xx given), body streamed. */
export function fromResponseStreaming(
  res: Response,
  options?: EndOptions & { informational?: InformationalResponse[] },
): ReadableStream<Uint8Array> {
  return encodeResponseStream(
    { head: responseHeadOf(res), informational: options?.informational ?? [], body: res.body },
    options,
  );
}

interface Opened<H> {
  head: H;
  informational: InformationalResponse[];
  /** null when `noBody`: the rest was read and checked already. */
  body: ReadableStream<Uint8Array> | null;
  trailers: Promise<Field[]>;
}

/** Decodes up to the head, then exposes the content as a ReadableStream and trailers as a promise. */
async function open<H>(
  source: ByteSource,
  options: StreamDecodeOptions | undefined,
  expect: 'request' | 'response',
  noBody: (head: H) => boolean,
): Promise<Opened<H>> {
  const parts = decodeStream(source, { ...options, expect });
  const informational: InformationalResponse[] = [];
  let head: H | undefined;
  while (head === undefined) {
    const r = await parts.next();
    if (r.done) throw truncated('Binary HTTP message');
    if (r.value.type === 'informational') informational.push(r.value.informational);
    else if (r.value.type === 'request-head' || r.value.type === 'response-head') head = r.value.head as H;
  }
  let trailers: Field[] = [];
  if (noBody(head)) {
    // Read and check the rest now: there is no body stream to report an error on.
    for await (const p of parts) {
      if (p.type === 'content') throw unsupported('content on a message that cannot have a body');
      if (p.type === 'trailers') trailers = p.trailers;
    }
    return { head, informational, body: null, trailers: Promise.resolve(trailers) };
  }
  let settle!: (t: Field[]) => void;
  let fail!: (e: unknown) => void;
  const done = new Promise<Field[]>((resolve, reject) => {
    settle = resolve;
    fail = reject;
  });
  done.catch(() => {}); // a caller that ignores trailers must not see an unhandled rejection
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        for (;;) {
          const r = await parts.next();
          if (r.done) {
            settle(trailers); // only after `end`: the whole message was valid
            controller.close();
            return;
          }
          if (r.value.type === 'content') {
            controller.enqueue(r.value.chunk);
            return;
          }
          if (r.value.type === 'trailers') trailers = r.value.trailers;
        }
      } catch (e) {
        fail(e);
        controller.error(e);
      }
    },
    async cancel(reason) {
      fail(reason ?? new TacitError('ERR_TRANSPORT', 'body cancelled'));
      await parts.return(undefined);
    },
  });
  return { head, informational, body, trailers: done };
}

/** A Request whose body streams from indeterminate- (or known-) length Binary HTTP bytes. */
export async function toRequestStreaming(
  source: ByteSource,
  options?: StreamDecodeOptions & { signal?: AbortSignal },
): Promise<{ request: Request; trailers: Promise<Field[]> }> {
  const o = await open<RequestHead>(source, options, 'request', (h) => {
    const m = h.method.toUpperCase();
    return m === 'GET' || m === 'HEAD';
  });
  try {
    return { request: makeRequest(o.head, o.body, options?.signal), trailers: o.trailers };
  } catch (e) {
    await o.body?.cancel(e);
    throw e;
  }
}

/** A Response whose body streams from Binary HTTP bytes; 1xx responses and trailers beside it. */
export async function toResponseStreaming(
  source: ByteSource,
  options?: StreamDecodeOptions,
): Promise<{ response: Response; informational: InformationalResponse[]; trailers: Promise<Field[]> }> {
  const o = await open<ResponseHead>(source, options, 'response', (h) => NULL_BODY_STATUS.has(h.status));
  try {
    return { response: makeResponse(o.head, o.body), informational: o.informational, trailers: o.trailers };
  } catch (e) {
    await o.body?.cancel(e);
    throw e;
  }
}
