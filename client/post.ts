/** The outer hop: one POST of an encapsulated body to the relay, and the checks on what comes back. */
import { TacitError } from '../shared/errors.ts';
import { mediaTypeOf } from '../shared/media-type.ts';
import type { SendContext } from './client.ts';
import { outerError } from './errors.ts';

export async function post(
  ctx: SendContext,
  mediaType: string,
  body: Uint8Array | ReadableStream<Uint8Array>,
  signal: AbortSignal,
  expect: string,
): Promise<Response> {
  const streaming = body instanceof ReadableStream;
  const init: RequestInit & { duplex?: 'half' } = {
    method: 'POST',
    // Only what the relay needs: nothing here may tell one client from another (RFC 9458 7.2).
    headers: streaming ? { 'content-type': mediaType, incremental: '?1' } : { 'content-type': mediaType },
    body: body as BodyInit,
    signal,
  };
  if (streaming) init.duplex = 'half';
  let res: Response;
  try {
    res = await ctx.transport(ctx.relay, init);
  } catch (cause) {
    if (signal.aborted) throw signal.reason ?? cause;
    throw new TacitError('ERR_TRANSPORT', `relay ${ctx.relay.origin} unreachable`, { cause });
  }
  if (!res.ok) throw await outerError(res);
  const type = mediaTypeOf(res.headers.get('content-type'));
  if (type !== expect) {
    await res.body?.cancel();
    throw new TacitError('ERR_TRANSPORT', `relay answered ${type || 'no content type'}, expected ${expect}`);
  }
  return res;
}
