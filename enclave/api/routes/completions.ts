/**
 * POST /v1/completions: OpenAI's legacy Completions API (raw prompt, no chat template),
 * non-streamed and streamed (SSE).
 */
import type { Context } from 'hono';
import { parseCompletionRequest } from '../completion-request.ts';
import { type ApiContext, checkModel, readJson, responseMeta } from '../context.ts';
import { epochMs } from '../metrics.ts';
import { textCompletion, textCompletionChunk, textUsageChunk } from '../responses.ts';
import { collect, startRun, streamText } from '../run.ts';
import { SESSION_HEADER } from '../session.ts';
import { sseResponse } from '../sse.ts';

export function completionsHandler(ctx: ApiContext) {
  return async function completions(c: Context): Promise<Response> {
    const startedAt = epochMs();
    const body = await readJson(c.req.raw);
    const params = parseCompletionRequest(body, ctx.codec.vocabSize, c.req.header(SESSION_HEADER));
    checkModel(ctx, params.model);
    const prompt = typeof params.prompt === 'string' ? ctx.codec.encode(params.prompt) : params.prompt;
    const run = await startRun(ctx, 'completions', params, prompt, c.req.raw.signal, startedAt);
    const meta = responseMeta(ctx, 'cmpl');

    if (!params.stream) {
      const { text, result } = await collect(run);
      return c.json(textCompletion(meta, text, result.finishReason, result.usage));
    }

    const usage = params.includeUsage;
    async function* events() {
      const text = streamText(run);
      let r = await text.next();
      while (!r.done) {
        yield textCompletionChunk(meta, r.value, null, usage);
        r = await text.next();
      }
      yield textCompletionChunk(meta, '', r.value.finishReason, usage);
      if (usage) yield textUsageChunk(meta, r.value.usage);
    }
    return sseResponse(events(), run.abort);
  };
}
