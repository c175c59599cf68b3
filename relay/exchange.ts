/**
 * One forwarded request: an undici dispatch handler that writes the gateway's answer straight to the
 * client's node:http response.
 *
 * Going through `dispatch` rather than `request()` or `fetch()` skips building a Readable (or a web
 * stream) per response: each chunk the gateway sends is written to the client as it arrives, which
 * is what chunked OHTTP needs (draft-ietf-ohai-chunked-ohttp-08 section 3: intermediaries must not
 * buffer), and back-pressure is the controller's pause/resume.
 *
 * Only the status, the content type and framing cross to the client: no other gateway header.
 */
import type { ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import { sendProblem } from './reply.ts';
import type { RelayState } from './state.ts';
import { classifyFailure, type Upstream } from './upstream.ts';

type Controller = Dispatcher.DispatchController;
export const CHUNKED_RES = 'message/ohttp-chunked-res';

/** Why the relay itself cut an exchange short, with the status the client gets if none was sent. */
export interface OwnAbort {
  status: number;
  title: string;
}

export class Exchange implements Dispatcher.DispatchHandler {
  readonly #res: ServerResponse;
  readonly #up: Upstream;
  readonly #s: RelayState;
  readonly #started = performance.now();
  readonly #bytesIn: () => number;
  #controller: Controller | undefined;
  #bytesOut = 0;
  #status = 0;
  #done = false;
  #ownAbort: OwnAbort | undefined;
  /** Refreshed on every chunk either way; set only for streams (see forward.ts). */
  idleTimer: NodeJS.Timeout | undefined;

  constructor(res: ServerResponse, up: Upstream, s: RelayState, bytesIn: () => number) {
    this.#res = res;
    this.#up = up;
    this.#s = s;
    this.#bytesIn = bytesIn;
    s.inFlight++;
    s.metrics.streamOpened();
    // The client went away before the answer was complete: stop the upstream request too.
    res.once('close', () => {
      if (!this.#done) this.abort({ status: 499, title: 'client closed request' });
    });
  }

  /** Ends the exchange from the relay's side (client idle, body too large, client gone). */
  abort(reason: OwnAbort): void {
    if (this.#done) return;
    this.#ownAbort ??= reason;
    if (this.#controller !== undefined) this.#controller.abort(new Error(reason.title));
    else this.#fail(new Error(reason.title));
  }

  onRequestStart(controller: Controller): void {
    this.#controller = controller;
    if (this.#ownAbort !== undefined) controller.abort(new Error(this.#ownAbort.title));
  }

  onResponseStart(
    controller: Controller,
    status: number,
    headers: Record<string, string | string[] | undefined>,
  ) {
    if (status < 200) return; // informational answers stay between relay and gateway
    this.#up.lastAnswerAt = Date.now();
    this.#s.metrics.upstreamLatency(this.#up.name, (performance.now() - this.#started) / 1000);
    this.#status = status;
    const res = this.#res;
    if (res.destroyed) {
      controller.abort(new Error('client closed request'));
      return;
    }
    // Flat [name, value, ...] list: Node writes it as given, without building a header object.
    const h: string[] = [];
    const type = headers['content-type'];
    if (typeof type === 'string') h.push('content-type', type);
    const length = headers['content-length'];
    if (typeof length === 'string') h.push('content-length', length);
    const streaming = type === CHUNKED_RES;
    // draft-ietf-ohai-chunked-ohttp-08 section 3: `Incremental` asks every hop not to buffer.
    if (streaming) h.push('incremental', '?1');
    if (this.#s.closing) h.push('connection', 'close');
    res.writeHead(status, h);
    // A stream's status goes out now, not with the first chunk, so that the client knows it is on.
    if (streaming) res.flushHeaders();
  }

  onResponseData(controller: Controller, chunk: Buffer): void {
    this.#bytesOut += chunk.length;
    this.idleTimer?.refresh();
    if (!this.#res.write(chunk)) {
      controller.pause();
      this.#res.once('drain', () => controller.resume());
    }
  }

  onResponseEnd(): void {
    this.#res.end();
    this.#finish(this.#status);
  }

  onResponseError(_controller: Controller, err: Error): void {
    this.#fail(err);
  }

  #fail(err: Error): void {
    if (this.#done) return;
    const own = this.#ownAbort;
    if (own !== undefined) {
      if (own.status === 499) this.#res.destroy();
      else sendProblem(this.#res, own.status, own.title, undefined, true);
      this.#finish(own.status);
      return;
    }
    const f = classifyFailure(err);
    this.#s.metrics.upstreamError(this.#up.name, f.kind);
    this.#s.log.warn({ gateway: this.#up.name, kind: f.kind }, 'upstream failure');
    // Headers already sent: the client sees the stream cut short (truncated, never complete).
    sendProblem(this.#res, f.status, f.title, undefined, true);
    this.#finish(this.#res.headersSent && this.#status !== 0 ? this.#status : f.status);
  }

  #finish(status: number): void {
    if (this.#done) return;
    this.#done = true;
    if (this.idleTimer !== undefined) clearTimeout(this.idleTimer);
    const s = this.#s;
    s.metrics.request(this.#up.name, status);
    s.metrics.bytes(this.#bytesIn(), this.#bytesOut);
    s.metrics.streamClosed();
    s.inFlight--;
    s.onExchangeEnd?.();
  }
}
