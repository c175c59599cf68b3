/**
 * The echo target (`--model echo`): runs no model. It lists itself at GET /v1/models in the OpenAI
 * shape, answers chat completions by echoing the last user message (streamed as server-sent events
 * or not), and `POST /echo` returns its body. For tests, benchmarks (it isolates the gateway's own
 * cost) and trying the wire path without the inference engine.
 */
import { Hono } from 'hono';

export const ECHO_MODEL = 'tacit-echo';

export function createEchoApp(): { app: Hono; close(): Promise<void> } {
  const app = new Hono();
  app.get('/v1/models', (c) =>
    c.json({ object: 'list', data: [{ id: ECHO_MODEL, object: 'model', created: 0, owned_by: 'tacit' }] }),
  );
  app.post('/echo', async (c) => {
    const body = new Uint8Array(await c.req.arrayBuffer());
    return new Response(body, {
      headers: { 'content-type': c.req.header('content-type') ?? 'application/octet-stream' },
    });
  });
  app.post('/v1/chat/completions', async (c) => {
    const body = (await c.req.json().catch(() => null)) as {
      messages?: { role?: string; content?: unknown }[];
      stream?: boolean;
    } | null;
    if (body === null || !Array.isArray(body.messages)) {
      return c.json({ error: { message: 'messages required', type: 'invalid_request_error' } }, 400);
    }
    const last = body.messages.filter((m) => m.role === 'user').at(-1);
    const text = `echo: ${typeof last?.content === 'string' ? last.content : ''}`;
    const base = { id: 'chatcmpl-echo', created: Math.floor(Date.now() / 1000), model: ECHO_MODEL };
    if (body.stream !== true) {
      return c.json({
        ...base,
        object: 'chat.completion',
        choices: [
          { index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop', logprobs: null },
        ],
        usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
      });
    }
    const enc = new TextEncoder();
    const words = text.split(/(?<= )/);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        const send = (o: unknown) => controller.enqueue(enc.encode(`data: ${JSON.stringify(o)}\n\n`));
        const chunk = (delta: object, finish: string | null) => ({
          ...base,
          object: 'chat.completion.chunk',
          choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
        });
        send(chunk({ role: 'assistant', content: '' }, null));
        for (const w of words) send(chunk({ content: w }, null));
        send(chunk({}, 'stop'));
        controller.enqueue(enc.encode('data: [DONE]\n\n'));
        controller.close();
      },
    });
    return new Response(stream, { headers: { 'content-type': 'text/event-stream' } });
  });
  return { app, close: async () => {} };
}
