/**
 * POST /gateway for `message/ohttp-req` (RFC 9458 4.3-4.4, 5.2, 6.5): the gateway's pure core,
 * written over WHATWG Request/Response so it runs under hono's `app.request()` without a socket.
 *
 * Before decryption the gateway can only answer in the clear, and says as little as it can:
 * 415 (media type), 413 (size), 422 with the `ohttp-key` problem type (unknown key id or suite),
 * 400 (anything that does not decrypt, one answer for every cause). After decryption every answer,
 * the gateway's own refusals included, is an encrypted Binary HTTP response inside a 200, and no
 * inner header is ever copied to the outer response.
 */
import type { Logger } from 'pino';
import { decodeRequest, encodeResponse } from '../shared/bhttp/index.ts';
import { isTacitError, TacitError } from '../shared/errors.ts';
import { MEDIA_TYPES } from '../shared/ohttp/constants.ts';
import { type DecapsulatedRequest, decapsulateRequest } from '../shared/ohttp/gateway.ts';
import { PROBLEM_MEDIA_TYPE, PROBLEM_TYPE_DATE, problem, problemFor } from '../shared/problem.ts';
import type { GatewayConfig } from './config.ts';
import type { Deadline, Deadlines } from './deadlines.ts';
import { readLimited, responseFields, toInnerRequest } from './inner.ts';
import type { KeyRing } from './keys/ring.ts';
import type { ConcurrencyLimit } from './limits.ts';
import type { GatewayMetrics, Outcome } from './metrics.ts';
import { REFUSALS, type Refusal, refusalBytes } from './refusal.ts';
import { parseHttpDate, type ReplayGuard } from './replay.ts';
import { shaperFor } from './shaping/index.ts';
import type { Dispatched } from './targets.ts';
import type { GatewayTrust } from './trust/wire.ts';

export interface GatewayDeps {
  config: GatewayConfig;
  ring: KeyRing;
  replay: ReplayGuard;
  limit: ConcurrencyLimit;
  dispatch: (req: Request, signal: AbortSignal) => Promise<Dispatched>;
  metrics: GatewayMetrics;
  log: Logger;
  /** Set on SIGTERM: new requests are refused while open ones finish. */
  state: { draining: boolean };
  now?: () => number;
  /** Request deadlines (config.requestTimeoutMs), one timer for all requests. */
  deadlines: Deadlines;
  /** Receipts and the transparency log (gateway/trust); absent: answers carry no receipt. */
  trust?: GatewayTrust;
}

/** The largest inner response the non-streaming path buffers before sealing. */
export const MAX_RESPONSE_BYTES = 64 << 20;

/** RFC 9458 6.5: the text of the example response, with the problem type registered there. */
export const DATE_PROBLEM_TITLE = 'date field in request outside of acceptable range';

/** An outer response as plain parts, so that both edges (hono, and server.ts's direct path) send it. */
export interface OuterAnswer {
  status: number;
  headers: Record<string, string>;
  body: Uint8Array;
}

export function toResponse(a: OuterAnswer): Response {
  return new Response(a.body as Uint8Array<ArrayBuffer>, { status: a.status, headers: a.headers });
}

/** Outer answers before decryption: problem details in the clear, nothing that tells causes apart. */
export function clearProblemParts(status: number, title: string, type?: string): OuterAnswer {
  return {
    status,
    headers: { 'content-type': PROBLEM_MEDIA_TYPE, 'cache-control': 'no-store' },
    body: new TextEncoder().encode(JSON.stringify(problem(status, title, type))),
  };
}

export function clearProblem(status: number, title: string, type?: string): Response {
  return toResponse(clearProblemParts(status, title, type));
}

/** The outer answer for an error raised while reading or decrypting (RFC 9458 5.2). */
export function decryptFailureParts(deps: GatewayDeps, err: unknown): OuterAnswer {
  if (!isTacitError(err)) throw err;
  const p = problemFor(err);
  deps.metrics.decryptFailures.inc();
  deps.metrics.requests.inc(1, { outcome: p.status === 422 ? 'unknown_key' : 'decrypt_failed' });
  return clearProblemParts(p.status, p.title, p.type);
}

export function decryptFailure(deps: GatewayDeps, err: unknown): Response {
  return toResponse(decryptFailureParts(deps, err));
}

/**
 * Checks the decrypted request's Date and `enc` (RFC 9458 6.5). Returns the encrypted refusal to
 * send, or null to go on.
 */
export function replayRefusal(
  deps: GatewayDeps,
  enc: Uint8Array,
  dateHeader: string | undefined,
): Refusal | null {
  const verdict = deps.replay.check(enc, parseHttpDate(dateHeader));
  deps.metrics.replayCacheEntries.set(deps.replay.size);
  if (verdict === 'ok') return null;
  if (verdict === 'full') {
    deps.metrics.requests.inc(1, { outcome: 'busy' });
    return REFUSALS.busy;
  }
  if (verdict === 'replay') deps.metrics.replaysRefused.inc();
  else deps.metrics.staleRefused.inc();
  deps.metrics.requests.inc(1, { outcome: verdict });
  // RFC 9458 6.5: a 400 with the `date` problem type and the gateway's own Date, so that an honest
  // client can correct its clock and retry with a fresh encapsulation.
  return {
    status: 400,
    title: DATE_PROBLEM_TITLE,
    type: PROBLEM_TYPE_DATE,
    headers: [['date', new Date(deps.now?.() ?? Date.now()).toUTCString()]],
  };
}

/**
 * One request's cancellation: the client going away (`outer`), the deadline, or `cancel()` (the
 * client stopped reading a stream). The deadline sits in the gateway's shared queue (deadlines.ts),
 * and when the caller owns an AbortController for the request (server.ts's direct path) it is the
 * request's controller itself, so no second controller or listener is made.
 */
export interface RequestSignal {
  signal: AbortSignal;
  timedOut(): boolean;
  cancel(): void;
  dispose(): void;
}

class Scope implements RequestSignal {
  readonly #ac: AbortController;
  readonly #outer: AbortSignal | null;
  readonly #deadline: Deadline;
  #timedOut = false;

  constructor(deadlines: Deadlines, outer: AbortSignal | AbortController) {
    if (outer instanceof AbortController) {
      this.#ac = outer;
      this.#outer = null;
    } else {
      this.#ac = new AbortController();
      this.#outer = outer;
      if (outer.aborted) this.#ac.abort(outer.reason);
      else outer.addEventListener('abort', this, { once: true });
    }
    this.#deadline = deadlines.add(() => {
      this.#timedOut = true;
      this.#ac.abort(new DOMException('deadline exceeded', 'TimeoutError'));
    });
  }

  get signal(): AbortSignal {
    return this.#ac.signal;
  }

  /** The outer signal's abort listener (an EventListener object, so no closure per request). */
  handleEvent(): void {
    this.#ac.abort(this.#outer?.reason);
  }

  timedOut(): boolean {
    return this.#timedOut;
  }

  cancel(): void {
    this.#ac.abort(new DOMException('cancelled', 'AbortError'));
  }

  dispose(): void {
    this.#deadline.clear();
    this.#outer?.removeEventListener('abort', this);
  }
}

export function requestSignal(deps: GatewayDeps, outer: AbortSignal | AbortController): RequestSignal {
  return new Scope(deps.deadlines, outer);
}

export async function handleOhttpRequest(deps: GatewayDeps, req: Request): Promise<Response> {
  const { config, metrics } = deps;
  const declared = Number(req.headers.get('content-length') ?? '0');
  const body = declared > config.maxBodyBytes ? null : await readLimited(req.body, config.maxBodyBytes);
  if (body === null) {
    metrics.requests.inc(1, { outcome: 'too_large' });
    return clearProblem(413, 'content too large');
  }
  return toResponse(await answerEncapsulated(deps, body, req.signal));
}

/**
 * The core of POST /gateway for one whole `message/ohttp-req` body: decapsulate (RFC 9458 4.3),
 * answer, seal (4.4). `outer` aborts when the client goes away; a controller passed here belongs to
 * this request and is also aborted at its deadline.
 */
export async function answerEncapsulated(
  deps: GatewayDeps,
  body: Uint8Array,
  outer: AbortSignal | AbortController,
): Promise<OuterAnswer> {
  const now = deps.now?.() ?? Date.now();
  // The time grid counts from arrival, so queueing and cache hits hide inside the same bucket.
  const shaper = shaperFor(deps.config);
  const startedAt = shaper.now();
  let dec: DecapsulatedRequest;
  try {
    dec = await decapsulateRequest(
      deps.ring.live(now).map((k) => k.server),
      body,
    );
  } catch (err) {
    return decryptFailureParts(deps, err);
  }
  // Padded, and released on the time grid (docs/privacy.md): the relay sees a size class and a bucket.
  const gone = outer instanceof AbortController ? outer.signal : outer;
  const inner = await shaper.whole(await answer(deps, dec, outer), startedAt, gone);
  // Sealed with the request's own context; the outer response carries nothing of the inner one.
  return {
    status: 200,
    headers: { 'content-type': MEDIA_TYPES.response, 'cache-control': 'no-store' },
    body: await dec.sealResponse(inner),
  };
}

/** Produces the inner Binary HTTP response for a decrypted request (never throws for its content). */
async function answer(
  deps: GatewayDeps,
  dec: DecapsulatedRequest,
  outer: AbortSignal | AbortController,
): Promise<Uint8Array> {
  const { metrics } = deps;
  let bhttp: ReturnType<typeof decodeRequest>;
  try {
    bhttp = decodeRequest(dec.request);
  } catch {
    metrics.requests.inc(1, { outcome: 'bad_inner_request' });
    return refusalBytes(REFUSALS.badRequest);
  }
  const refusal = replayRefusal(deps, dec.enc, bhttp.headers.find(([n]) => n === 'date')?.[1]);
  if (refusal !== null) return refusalBytes(refusal);
  if (deps.state.draining) {
    metrics.requests.inc(1, { outcome: 'draining' });
    return refusalBytes(REFUSALS.busy);
  }
  const release = deps.limit.tryAcquire();
  if (release === null) {
    metrics.requests.inc(1, { outcome: 'busy' });
    return refusalBytes(REFUSALS.busy);
  }
  metrics.inFlight.inc();
  const rs = requestSignal(deps, outer);
  const { signal } = rs;
  let outcome: Outcome = 'internal';
  try {
    let innerReq: Request;
    // The receipt commits to the exact request bytes; the target may get a seed added (trust/facts.ts).
    const receipt = deps.trust?.whole(dec.request, bhttp, bhttp.content);
    try {
      innerReq = toInnerRequest(bhttp, receipt?.content ?? bhttp.content, signal);
    } catch {
      outcome = 'bad_inner_request';
      return refusalBytes(REFUSALS.badRequest);
    }
    const started = performance.now();
    const { kind, response } = await deps.dispatch(innerReq, signal);
    if (kind !== 'refused')
      metrics.targetSeconds.observe((performance.now() - started) / 1000, { target: kind });
    const content = await readLimited(response.body, MAX_RESPONSE_BYTES);
    if (content === null) {
      outcome = 'upstream_error';
      return refusalBytes(REFUSALS.tooLarge);
    }
    outcome =
      kind === 'refused'
        ? 'forbidden'
        : response.status === 502 && kind === 'upstream'
          ? 'upstream_error'
          : 'ok';
    const headers = responseFields(response);
    const field = await receipt?.finish(kind, innerReq.url, response.headers.get('content-type'), content);
    if (field) headers.push(field);
    return encodeResponse({ status: response.status, headers, content });
  } catch (err) {
    if (rs.timedOut()) {
      outcome = 'timeout';
      return refusalBytes(REFUSALS.timeout);
    }
    if (signal.aborted) {
      outcome = 'cancelled';
      return refusalBytes(REFUSALS.cancelled);
    }
    // The cause is for the operator; it may describe the target, never the plaintext.
    deps.log.error({ err: errorSummary(err) }, 'target failed');
    return refusalBytes(REFUSALS.internal);
  } finally {
    rs.dispose();
    metrics.requests.inc(1, { outcome });
    metrics.inFlight.dec();
    release();
  }
}

/** What may be logged about an error: its class and code, not its message (which may echo input). */
export function errorSummary(err: unknown): { name: string; code?: string } {
  if (err instanceof TacitError) return { name: err.name, code: err.code };
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return typeof code === 'string' ? { name: err.name, code } : { name: err.name };
  }
  return { name: typeof err };
}
