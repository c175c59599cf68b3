/**
 * Server-sent events as OpenAI streams them (HTML Living Standard, "Server-sent events"): each
 * object is one `data: <json>\n\n` event, and a successful stream ends with `data: [DONE]\n\n`.
 * A failure after the first byte is sent as `data: {"error": ...}` with no [DONE], which the
 * `openai` SDK raises as an error, so a cut-off answer is never taken for a complete one.
 *
 * The stream is pull-driven: an event is produced only when the socket wants more, so a slow
 * client slows generation down instead of buffering it. Cancelling the stream (the client went
 * away) calls `onCancel`, which aborts the engine request.
 */
import { toApiError } from './errors.ts';

const encoder = new TextEncoder();

export function sseEvent(data: unknown): Uint8Array {
  return encoder.encode(`data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`);
}

export const SSE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  // Tells reverse proxies (nginx) not to buffer the stream.
  'x-accel-buffering': 'no',
};

export function sseResponse(events: AsyncGenerator<unknown, void>, onCancel: () => void): Response {
  let finished = false;
  const body = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const r = await events.next();
          if (finished) return; // cancelled while we waited
          if (r.done) {
            finished = true;
            controller.enqueue(sseEvent('[DONE]'));
            controller.close();
          } else {
            controller.enqueue(sseEvent(r.value));
          }
        } catch (e) {
          if (finished) return;
          finished = true;
          controller.enqueue(sseEvent(toApiError(e).body()));
          controller.close();
        }
      },
      async cancel() {
        if (finished) return;
        finished = true;
        onCancel();
        await events.return(undefined).catch(() => {});
      },
    },
    // One event at a time: no read-ahead beyond what the socket asked for.
    { highWaterMark: 0 },
  );
  return new Response(body, { status: 200, headers: SSE_HEADERS });
}
