/**
 * POST /gateway for `message/ohttp-chunked-req` (draft-ietf-ohai-chunked-ohttp-08): the request is
 * decrypted chunk by chunk as it arrives, its head is dispatched as soon as it is complete, and the
 * target's answer is sealed and sent chunk by chunk as the target produces it (the response nonce
 * first). A stream that ends without its final chunk is an error, never a complete message: if the
 * target fails or the deadline passes mid-answer, the gateway stops without the final chunk and the
 * client reports a truncated response.
 */
import { decodeStream, type RequestHead } from '../shared/bhttp/index.ts';
import { isTacitError, TacitError } from '../shared/errors.ts';
import { type ChunkedGatewayRequest, decapsulateChunkedRequest } from '../shared/ohttp/chunked/index.ts';
import { MEDIA_TYPES } from '../shared/ohttp/constants.ts';
import {
  clearProblem,
  decryptFailure,
  errorSummary,
  type GatewayDeps,
  replayRefusal,
  requestSignal,
} from './handle.ts';
import { responseFields, toInnerRequest } from './inner.ts';
import type { Outcome } from './metrics.ts';
import { REFUSALS, type Refusal, refusalBody, refusalFields } from './refusal.ts';
import { shaperFor } from './shaping/index.ts';

/** Errors of the encryption layer: before any answer, they get the clear 4xx of RFC 9458 5.2. */
const OUTER_CODES = new Set(['ERR_DECRYPT', 'ERR_STREAM_TRUNCATED', 'ERR_UNKNOWN_KEY', 'ERR_UNSUPPORTED']);

type Parts = AsyncGenerator<import('../shared/bhttp/stream-decode.ts').StreamPart, void, undefined>;

export async function handleChunkedRequest(deps: GatewayDeps, req: Request): Promise<Response> {
  const { metrics } = deps;
  if (req.body === null) return decryptFailure(deps, new TacitError('ERR_STREAM_TRUNCATED', 'empty'));
  const now = deps.now?.() ?? Date.now();
  let dec: ChunkedGatewayRequest;
  try {
    dec = await decapsulateChunkedRequest(
      deps.ring.live(now).map((k) => k.server),
      req.body,
    );
  } catch (err) {
    return decryptFailure(deps, err);
  }
  const respond = (body: ReadableStream<Uint8Array>) =>
    new Response(body, {
      status: 200,
      headers: { 'content-type': MEDIA_TYPES.chunkedResponse, 'cache-control': 'no-store' },
    });
  const refuse = (r: Refusal, outcome: Outcome | null) => {
    if (outcome !== null) metrics.requests.inc(1, { outcome });
    // Shaped like any streamed answer (equal cells, the same count bucket, the same tick), so that a
    // refusal (busy, stale date, bad request) does not stand out on the wire.
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(refusalBody(r));
        c.close();
      },
    });
    const plain = shaperFor(deps.config).stream({
      head: { status: r.status, headers: refusalFields(r) },
      body,
    });
    return respond(dec.encapsulateResponse(plain));
  };

  // The receipt commits to the request's plaintext as it is decoded (gateway/trust/wire.ts).
  const receipt = deps.trust?.stream(dec.request);
  const parts: Parts = decodeStream(receipt?.request ?? dec.request, { expect: 'request' });
  let head: RequestHead;
  try {
    head = await readHead(parts);
  } catch (err) {
    await parts.return(undefined).catch(() => {});
    if (isTacitError(err) && OUTER_CODES.has(err.code)) return decryptFailure(deps, err);
    if (isTacitError(err, 'ERR_TOO_LARGE')) return clearProblem(413, 'content too large');
    return refuse(REFUSALS.badRequest, 'bad_inner_request');
  }

  const refusal = replayRefusal(deps, dec.enc, head.headers.find(([n]) => n === 'date')?.[1]);
  if (refusal !== null) return refuse(refusal, null);
  if (deps.state.draining) return refuse(REFUSALS.busy, 'draining');
  const release = deps.limit.tryAcquire();
  if (release === null) return refuse(REFUSALS.busy, 'busy');

  metrics.inFlight.inc();
  const rs = requestSignal(deps, req.signal);
  const { signal } = rs;
  let outcome: Outcome = 'internal';
  const finish = () => {
    rs.dispose();
    metrics.requests.inc(1, { outcome });
    metrics.inFlight.dec();
    release();
  };
  try {
    const method = head.method.toUpperCase();
    const withBody = method !== 'GET' && method !== 'HEAD';
    // Without a body the request must still end properly (final chunk) before it is acted on.
    if (!withBody) await drain(parts, 0);
    const body = withBody ? bodyStream(parts, deps.config.maxBodyBytes) : null;
    const innerReq = toInnerRequest(head, receipt ? await receipt.prepare(head, body) : body, signal);
    const started = performance.now();
    const { kind, response } = await deps.dispatch(innerReq, signal);
    if (kind !== 'refused')
      metrics.targetSeconds.observe((performance.now() - started) / 1000, { target: kind });
    outcome = kind === 'refused' ? 'forbidden' : 'ok';
    // With shaping on: equal cells on a fixed tick up to a bucketed count (docs/privacy.md).
    // A receipt travels as a trailer, after the last chunk (gateway/trust/answer.ts).
    const answer = receipt?.finish(kind, innerReq.url, response) ?? {
      body: response.body,
      trailers: undefined,
    };
    const plain = shaperFor(deps.config).stream(
      {
        head: { status: response.status, headers: responseFields(response) },
        body: answer.body,
        trailers: answer.trailers,
      },
      signal,
    );
    metrics.openStreams.inc();
    const wire = watch(dec.encapsulateResponse(plain), signal, (how) => {
      metrics.openStreams.dec();
      if (how === 'cancel') {
        outcome = 'cancelled';
        rs.cancel();
      } else if (how === 'error')
        outcome = rs.timedOut() ? 'timeout' : req.signal.aborted ? 'cancelled' : 'upstream_error';
      finish();
    });
    return respond(wire);
  } catch (err) {
    await parts.return(undefined).catch(() => {});
    if (rs.timedOut()) outcome = 'timeout';
    else if (req.signal.aborted) outcome = 'cancelled';
    else if (isTacitError(err)) outcome = 'bad_inner_request';
    else deps.log.error({ err: errorSummary(err) }, 'target failed');
    finish();
    const r =
      outcome === 'timeout'
        ? REFUSALS.timeout
        : outcome === 'bad_inner_request'
          ? REFUSALS.badRequest
          : outcome === 'cancelled'
            ? REFUSALS.cancelled
            : REFUSALS.internal;
    return refuse(r, null);
  }
}

async function readHead(parts: Parts): Promise<RequestHead> {
  for (;;) {
    const r = await parts.next();
    if (r.done) throw new TacitError('ERR_TRUNCATED', 'truncated request');
    if (r.value.type === 'request-head') return r.value.head;
  }
}

/** Reads the rest of the message, allowing at most `limit` content bytes. */
async function drain(parts: Parts, limit: number): Promise<void> {
  let n = 0;
  for await (const p of parts) {
    if (p.type !== 'content') continue;
    n += p.chunk.length;
    if (n > limit) throw new TacitError('ERR_TOO_LARGE', 'content');
  }
}

/** The inner request's content as a stream, bounded by `limit`; trailers are not forwarded. */
function bodyStream(parts: Parts, limit: number): ReadableStream<Uint8Array> {
  let n = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      for (;;) {
        const r = await parts.next();
        if (r.done) return controller.close();
        if (r.value.type !== 'content') continue;
        n += r.value.chunk.length;
        if (n > limit) return controller.error(new TacitError('ERR_TOO_LARGE', 'content too large'));
        return controller.enqueue(r.value.chunk);
      }
    },
    async cancel() {
      await parts.return(undefined);
    },
  });
}

/**
 * Passes a stream through, calling `done` once when it closes, errors, its reader cancels, or
 * `signal` aborts (client gone, deadline): then the source is cancelled and the stream errored,
 * so the slot is freed even if nobody is reading any more.
 */
function watch(
  src: ReadableStream<Uint8Array>,
  signal: AbortSignal,
  done: (how: 'close' | 'error' | 'cancel') => void,
): ReadableStream<Uint8Array> {
  const reader = src.getReader();
  let ended = false;
  const end = (how: 'close' | 'error' | 'cancel') => {
    if (ended) return;
    ended = true;
    signal.removeEventListener('abort', onAbort);
    done(how);
  };
  let ctl!: ReadableStreamDefaultController<Uint8Array>;
  const onAbort = () => {
    end('error');
    reader.cancel(signal.reason).catch(() => {});
    try {
      ctl.error(signal.reason);
    } catch {
      // already closed
    }
  };
  signal.addEventListener('abort', onAbort);
  return new ReadableStream<Uint8Array>({
    start(controller) {
      ctl = controller;
    },
    async pull(controller) {
      try {
        const r = await reader.read();
        if (r.done) {
          end('close');
          controller.close();
        } else controller.enqueue(r.value);
      } catch (err) {
        end('error');
        controller.error(err);
      }
    },
    async cancel(reason) {
      end('cancel');
      await reader.cancel(reason).catch(() => {});
    },
  });
}
