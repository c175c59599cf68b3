/**
 * The part of /v1/chat/completions and /v1/completions that is the same: build the engine request,
 * tie its lifetime to the client's, start it, and account for it in metrics. Each route only
 * shapes the objects it answers with.
 */
import type { ApiContext } from './context.ts';
import { ApiError, toApiError } from './errors.ts';
import { buildGenerateRequest, type Generation, type GenerationResult, startGeneration } from './generate.ts';
import { type Endpoint, TokenTimer } from './metrics.ts';
import type { InferenceParams } from './params.ts';

export interface Started {
  generation: Generation;
  /** Aborts the engine request (client gone, stream cancelled). */
  abort: () => void;
  signal: AbortSignal;
  /** Records how the request ended (status label; tokens on success). */
  finish: (r: GenerationResult | ApiError) => void;
}

/**
 * Starts a generation for `params`/`promptTokens`. The engine request is aborted when the HTTP
 * request's signal aborts (client disconnected) or when the caller calls `abort`.
 */
export async function startRun(
  ctx: ApiContext,
  endpoint: Endpoint,
  params: InferenceParams,
  promptTokens: number[],
  clientSignal: AbortSignal,
  startedAt: number,
): Promise<Started> {
  const controller = new AbortController();
  const abort = (): void => {
    if (!controller.signal.aborted) {
      ctx.metrics.cancelled.inc();
      controller.abort();
    }
  };
  if (clientSignal.aborted) abort();
  else clientSignal.addEventListener('abort', abort, { once: true });

  let finished = false;
  const finish = (r: GenerationResult | ApiError): void => {
    if (finished) return;
    finished = true;
    clientSignal.removeEventListener('abort', abort);
    if (r instanceof ApiError) {
      // A client that went away is counted once, as cancelled, whatever the engine made of it.
      const status = controller.signal.aborted ? 'cancelled' : String(r.status);
      ctx.metrics.requests.inc(1, { endpoint, status });
      return;
    }
    ctx.metrics.requests.inc(1, { endpoint, status: '200' });
    ctx.metrics.promptTokens.inc(r.usage.promptTokens);
    ctx.metrics.cachedTokens.inc(r.usage.cachedTokens);
    ctx.metrics.outputTokens.inc(r.usage.completionTokens);
  };

  try {
    const req = buildGenerateRequest(params, promptTokens, endpoint === 'chat' ? 'messages' : 'prompt', {
      codec: ctx.codec,
      model: ctx.engine.model,
      publicPrefixes: ctx.publicPrefixes,
      signal: controller.signal,
      ...(ctx.defaultMaxTokens === undefined ? {} : { defaultMaxTokens: ctx.defaultMaxTokens }),
    });
    const timer = new TokenTimer(ctx.metrics, startedAt);
    const generation = await startGeneration(ctx.engine, req, ctx.codec, timer);
    return { generation, abort, signal: controller.signal, finish };
  } catch (e) {
    const err = toApiError(e);
    finish(err);
    throw err;
  }
}

/** Runs a started generation to its end and returns the whole text (non-streamed answers). */
export async function collect(s: Started): Promise<{ text: string; result: GenerationResult }> {
  const it = streamText(s);
  let text = '';
  for (;;) {
    const r = await it.next();
    if (r.done) return { text, result: r.value };
    text += r.value;
  }
}

/**
 * The text of a started generation as a stream, with its ending accounted for exactly once:
 * success, failure, or the consumer stopping early (stream cancelled), which aborts the engine.
 */
export async function* streamText(s: Started): AsyncGenerator<string, GenerationResult> {
  const it = s.generation.text();
  let done = false;
  try {
    for (;;) {
      const r = await it.next();
      if (r.done) {
        done = true;
        s.finish(r.value);
        return r.value;
      }
      yield r.value;
    }
  } catch (e) {
    done = true;
    const err = toApiError(e);
    s.finish(err);
    throw err;
  } finally {
    if (!done) {
      s.abort();
      s.finish(new ApiError(500, 'server_error', 'cancelled'));
    }
    await it.return(undefined as never).catch(() => {});
  }
}
