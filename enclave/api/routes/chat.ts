/**
 * POST /v1/chat/completions: OpenAI's Chat Completions API, non-streamed and streamed (SSE).
 */
import type { Context } from 'hono';
import { parseChatRequest } from '../chat-request.ts';
import { type ApiContext, checkModel, readJson, responseMeta } from '../context.ts';
import { epochMs } from '../metrics.ts';
import { chatChunk, chatCompletion, chatUsageChunk } from '../responses.ts';
import { collect, startRun, streamText } from '../run.ts';
import { SESSION_HEADER } from '../session.ts';
import { sseResponse } from '../sse.ts';

export function chatCompletionsHandler(ctx: ApiContext) {
  return async function chatCompletions(c: Context): Promise<Response> {
    const startedAt = epochMs();
    const params = parseChatRequest(await readJson(c.req.raw), c.req.header(SESSION_HEADER));
    checkModel(ctx, params.model);
    const prompt = ctx.codec.chatPrompt(params.messages);
    const run = await startRun(ctx, 'chat', params, prompt, c.req.raw.signal, startedAt);
    const meta = responseMeta(ctx, 'chatcmpl');

    if (!params.stream) {
      const { text, result } = await collect(run);
      return c.json(chatCompletion(meta, text, result.finishReason, result.usage));
    }

    const usage = params.includeUsage;
    async function* events() {
      // OpenAI opens every stream with the role and an empty content.
      yield chatChunk(meta, { role: 'assistant', content: '' }, null, usage);
      const text = streamText(run);
      let r = await text.next();
      while (!r.done) {
        yield chatChunk(meta, { content: r.value }, null, usage);
        r = await text.next();
      }
      yield chatChunk(meta, {}, r.value.finishReason, usage);
      if (usage) yield chatUsageChunk(meta, r.value.usage);
    }
    return sseResponse(events(), run.abort);
  };
}
