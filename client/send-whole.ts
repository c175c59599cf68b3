/** One request as a whole `message/ohttp-req` and its `message/ohttp-res` answer (RFC 9458 4.3-4.4). */
import { decodeResponse, encodeRequest, fromRequest, toResponse } from '../shared/bhttp/index.ts';
import type { KeyConfig } from '../shared/keys/index.ts';
import { encapsulateRequest, MEDIA_TYPES } from '../shared/ohttp/index.ts';
import type { SendContext } from './client.ts';
import { isDateProblem } from './date.ts';
import { innerRequest } from './inner.ts';
import { post } from './post.ts';
import { attachWholeReceipt } from './verify/attach.ts';

export async function sendWhole(
  ctx: SendContext,
  config: KeyConfig,
  request: Request,
  body: Uint8Array,
): Promise<Response> {
  const ownDate = request.headers.has('date');
  for (let attempt = 0; ; attempt++) {
    const msg = await fromRequest(innerRequest(request, body, ownDate ? undefined : ctx.clock.date()));
    const bhttp = encodeRequest(msg, ctx.padding === undefined ? {} : { padTo: ctx.padding });
    const sealed = await encapsulateRequest(config, bhttp, ctx.hpke);
    const res = await post(
      ctx,
      MEDIA_TYPES.request,
      sealed.encapsulatedRequest,
      request.signal,
      MEDIA_TYPES.response,
    );
    const inner = decodeResponse(await sealed.openResponse(new Uint8Array(await res.arrayBuffer())));
    const field = (name: string) => inner.headers.find(([n]) => n === name)?.[1];
    // RFC 9458 6.5: retry once with the gateway's clock when it found our Date stale.
    const stale = isDateProblem(inner.status, field('content-type'), inner.content);
    if (attempt === 0 && !ownDate && stale && ctx.clock.correct(field('date'))) continue;
    const response = toResponse(inner);
    // The receipt commits to these exact request bytes and this body (client/verify/attach.ts).
    return ctx.trust
      ? attachWholeReceipt(ctx.trust, response, bhttp, inner.headers, inner.content)
      : response;
  }
}
