/**
 * Receipts on the gateway's response path (the only part of the trust layer the request handlers
 * call). A whole answer gets its receipt as a response header; a streamed answer gets it as a Binary
 * HTTP trailer (RFC 9292 3.2), sent after the last content chunk, so it commits to the complete
 * stream and a stream cut before its end carries no receipt at all. Both travel inside the
 * encryption; nothing here touches the outer response.
 */
import type { Field } from '../../shared/bhttp/index.ts';
import { RECEIPT_FIELD } from '../../shared/receipt/field.ts';
import { isEventStream, SseCommentFilter, withoutSseComments } from '../../shared/receipt/sse.ts';
import { type RequestFacts, StreamUsage, usageOfBody } from './facts.ts';
import type { ReceiptDraft } from './receipts.ts';
import type { Trust } from './trust.ts';

export { RECEIPT_FIELD };

export interface AnswerContext {
  trust: Trust;
  draft: ReceiptDraft;
  /** `sha256:<hex>` of the model behind the target that answered. */
  model: string;
  facts: RequestFacts;
}

/** The receipt field for a whole answer; resolves once its log entry is durable. */
export async function wholeAnswerReceipt(
  ctx: AnswerContext,
  contentType: string | null,
  content: Uint8Array,
): Promise<Field> {
  // Event streams are committed without comment lines, which shaping uses as filler (sse.ts).
  ctx.draft.response.update(isEventStream(contentType) ? withoutSseComments(content) : content);
  const value = await ctx.trust.issuer.issue(ctx.draft, {
    model: ctx.model,
    sampling: ctx.facts.sampling,
    seed: ctx.facts.seed,
    usage: usageOfBody(contentType, content),
  });
  return [RECEIPT_FIELD, value];
}

/**
 * Passes a streamed body through, committing to every byte; `trailers` resolves with the receipt
 * after the body ended normally (and its log entry is durable). If the body fails, `trailers` never
 * resolves: the stream is cut and the client must report it truncated.
 */
export function streamedAnswerReceipt(
  ctx: AnswerContext,
  contentType: string | null,
  body: ReadableStream<Uint8Array> | null,
): { body: ReadableStream<Uint8Array> | null; trailers: Promise<Field[]> } {
  const usage = new StreamUsage(isEventStream(contentType));
  const filter = isEventStream(contentType) ? new SseCommentFilter() : null;
  let ended!: () => void;
  const done = new Promise<void>((r) => {
    ended = r;
  });
  const trailers = done.then(async (): Promise<Field[]> => {
    const value = await ctx.trust.issuer.issue(ctx.draft, {
      model: ctx.model,
      sampling: ctx.facts.sampling,
      seed: ctx.facts.seed,
      usage: usage.result(),
    });
    return [[RECEIPT_FIELD, value]];
  });
  // The encoder awaits it; if the stream was cancelled first, nobody does.
  trailers.catch(() => {});
  if (body === null) {
    ended();
    return { body: null, trailers };
  }
  const tap = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      ctx.draft.response.update(filter ? filter.push(chunk) : chunk);
      usage.update(chunk);
      controller.enqueue(chunk);
    },
    flush() {
      ended();
    },
  });
  return { body: body.pipeThrough(tap), trailers };
}

/**
 * Feeds a request stream's bytes to the request commitment as they pass (chunked OHTTP: the client
 * commits to the same plaintext Binary HTTP bytes it encrypted).
 */
export function commitRequestStream(
  draft: ReceiptDraft,
  request: ReadableStream<Uint8Array>,
): ReadableStream<Uint8Array> {
  return request.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        draft.request.update(chunk);
        controller.enqueue(chunk);
      },
    }),
  );
}
