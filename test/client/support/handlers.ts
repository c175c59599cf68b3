/** Inner handlers for the mini gateway: an echo, a gated stream, and an OpenAI-shaped stand-in. */
import type { Handler } from './mini-gateway.ts';

const enc = new TextEncoder();

/** A stream whose first piece goes out at once and whose rest waits until `release()`. */
export function gatedStream(): { handler: Handler; release: () => void } {
  let release!: () => void;
  const gate = new Promise<void>((r) => {
    release = r;
  });
  const handler: Handler = () =>
    new Response(
      new ReadableStream<Uint8Array>({
        async start(c) {
          c.enqueue(enc.encode('first;'));
          await gate;
          c.enqueue(enc.encode('second;'));
          c.close();
        },
      }),
      { headers: { 'content-type': 'text/plain' } },
    );
  return { handler, release };
}

/** Echoes method, path, headers and body as JSON. */
export const echo: Handler = async (req) => {
  const url = new URL(req.url);
  return Response.json(
    {
      method: req.method,
      url: req.url,
      path: url.pathname + url.search,
      headers: Object.fromEntries(req.headers),
      body: await req.text(),
    },
    {
      status: url.searchParams.has('status') ? Number(url.searchParams.get('status')) : 200,
      headers: { 'x-echo': '1' },
    },
  );
};

/** Just enough of the OpenAI API for the openai package: models, chat completions (whole and SSE). */
export const openaiStandIn: Handler = async (req) => {
  const url = new URL(req.url);
  if (req.method === 'GET' && url.pathname === '/v1/models') {
    return Response.json({
      object: 'list',
      data: [{ id: 'echo-model', object: 'model', created: 0, owned_by: 'test' }],
    });
  }
  if (req.method === 'POST' && url.pathname === '/v1/chat/completions') {
    const body = (await req.json()) as { model: string; stream?: boolean; messages: { content: string }[] };
    const text = `echo: ${body.messages.at(-1)?.content ?? ''}`;
    const base = { id: 'chatcmpl-1', created: 0, model: body.model };
    if (!body.stream) {
      return Response.json({
        ...base,
        object: 'chat.completion',
        choices: [
          { index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop', logprobs: null },
        ],
        usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
      });
    }
    const words = text.split(/(?= )/);
    return new Response(
      new ReadableStream<Uint8Array>({
        start(c) {
          for (const w of words) {
            const chunk = {
              ...base,
              object: 'chat.completion.chunk',
              choices: [{ index: 0, delta: { content: w }, finish_reason: null }],
            };
            c.enqueue(enc.encode(`data: ${JSON.stringify(chunk)}\n\n`));
          }
          const last = {
            ...base,
            object: 'chat.completion.chunk',
            choices: [{ index: 0, delta: {}, finish_reason: 'stop' }],
          };
          c.enqueue(enc.encode(`data: ${JSON.stringify(last)}\n\ndata: [DONE]\n\n`));
          c.close();
        },
      }),
      { headers: { 'content-type': 'text/event-stream' } },
    );
  }
  return Response.json({ error: { message: 'not found', type: 'invalid_request_error' } }, { status: 404 });
};
