/**
 * One request over chunked OHTTP (draft-ietf-ohai-chunked-ohttp-08): the inner request is
 * indeterminate-length Binary HTTP sealed chunk by chunk as its body is produced, and the response's
 * head, content and trailers are handed on as their chunks open. A response stream that ends without
 * its final chunk errors the body with ERR_STREAM_TRUNCATED: it is never a complete answer.
 */
import { type Field, fromRequestStreaming, toResponseStreaming } from '../shared/bhttp/index.ts';
import type { KeyConfig } from '../shared/keys/index.ts';
import { encapsulateChunkedRequest } from '../shared/ohttp/chunked/index.ts';
import { MEDIA_TYPES } from '../shared/ohttp/index.ts';
import type { SendContext } from './client.ts';
import { isDateProblem } from './date.ts';
import { extend } from './extend.ts';
import { innerRequest } from './inner.ts';
import { post } from './post.ts';
import { attachStreamReceipt, captureStream } from './verify/attach.ts';

/** A streamed answer's trailers (where a stream's receipt travels), settled once the body ends. */
export type ResponseWithTrailers = Response & { trailers: Promise<Field[]> };

/** Reads a small problem body; if it is the `date` problem, returns the gateway's Date. */
async function dateProblem(
  res: Response,
): Promise<{ gatewayDate: string | undefined; body: Uint8Array } | undefined> {
  if (res.status !== 400) return undefined;
  const body = new Uint8Array(await res.arrayBuffer());
  const stale = isDateProblem(res.status, res.headers.get('content-type'), body);
  return { gatewayDate: stale ? (res.headers.get('date') ?? undefined) : undefined, body };
}

export async function sendChunked(
  ctx: SendContext,
  config: KeyConfig,
  request: Request,
  body: ReadableStream<Uint8Array> | Uint8Array | null,
): Promise<ResponseWithTrailers> {
  const ownDate = request.headers.has('date');
  const replayable = !(body instanceof ReadableStream);
  for (let attempt = 0; ; attempt++) {
    const inner = innerRequest(request, body, ownDate ? undefined : ctx.clock.date());
    const plain = fromRequestStreaming(inner, ctx.padding === undefined ? {} : { padTo: ctx.padding });
    // With a trust policy, keep the plaintext bytes: the receipt commits to them.
    const captured = ctx.trust ? captureStream(plain) : undefined;
    const sealed = await encapsulateChunkedRequest(config, captured?.stream ?? plain, ctx.hpke);
    const res = await post(
      ctx,
      MEDIA_TYPES.chunkedRequest,
      sealed.body,
      request.signal,
      MEDIA_TYPES.chunkedResponse,
    );
    const { response, trailers } = await toResponseStreaming(sealed.openResponse(res.body!));
    trailers.catch(() => undefined); // a cut stream is reported through the body; not unhandled
    if (attempt === 0 && replayable && !ownDate) {
      const problem = await dateProblem(response);
      if (problem !== undefined) {
        // RFC 9458 6.5: retry once with the gateway's clock when it found our Date stale.
        if (problem.gatewayDate !== undefined && ctx.clock.correct(problem.gatewayDate)) continue;
        const again = new Response(problem.body as BodyInit, {
          status: response.status,
          headers: response.headers,
        });
        return extend(again, { trailers });
      }
    }
    const out = extend(response, { trailers });
    return ctx.trust && captured ? attachStreamReceipt(ctx.trust, out, captured.bytes) : out;
  }
}
