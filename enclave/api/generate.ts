/**
 * From a validated request to engine tokens to text: builds the engine's `GenerateRequest`
 * (length budget, stop sequences, cache salt, session, cancellation) and turns its token events
 * into text deltas.
 *
 * The first engine event is awaited before anything is sent, so that a full queue or a context
 * overflow becomes a proper HTTP status instead of an error inside a 200 event stream.
 */

import type { Engine } from '../engine/types.ts';
import {
  EngineError,
  type FinishReason,
  type GenerateRequest,
  type GenerationEvent,
  type ModelInfo,
  type Usage,
} from '../engine/types.ts';
import { ApiError, internalError, invalidRequest } from './errors.ts';
import type { TokenTimer } from './metrics.ts';
import type { InferenceParams } from './params.ts';
import type { ApiFinishReason } from './responses.ts';
import { cacheSaltFor, engineSessionKey } from './session.ts';
import type { TextCodec } from './text-codec.ts';

export interface BuildContext {
  codec: TextCodec;
  model: ModelInfo;
  publicPrefixes: readonly (readonly number[])[];
  /** Upper bound on max_tokens when the client gives none (default: the rest of the context). */
  defaultMaxTokens?: number;
  signal: AbortSignal;
}

/**
 * The engine request for `params` and `promptTokens`. Refuses, as OpenAI does, a prompt that leaves
 * no room in the context or an explicit max_tokens that would overflow it.
 */
export function buildGenerateRequest(
  params: InferenceParams,
  promptTokens: number[],
  promptParam: 'messages' | 'prompt',
  ctx: BuildContext,
): GenerateRequest {
  const room = ctx.model.maxContext - promptTokens.length;
  if (room < 1) {
    throw invalidRequest(
      `This model's maximum context length is ${ctx.model.maxContext} tokens; the prompt has ${promptTokens.length}`,
      promptParam,
      'context_length_exceeded',
    );
  }
  if (params.maxTokens !== undefined && params.maxTokens > room) {
    throw invalidRequest(
      `This model's maximum context length is ${ctx.model.maxContext} tokens; the prompt has ${promptTokens.length} and max_tokens asks for ${params.maxTokens}`,
      'max_tokens',
      'context_length_exceeded',
    );
  }
  const maxTokens = params.maxTokens ?? Math.min(room, ctx.defaultMaxTokens ?? room);
  // Stop strings become token sequences. With a byte-level tokenizer a string has exactly one
  // encoding, so matching tokens is matching text; the engine leaves the stop sequence out.
  const stop = [...ctx.codec.stopTokens.map((t) => [t]), ...params.stop.map((s) => ctx.codec.encode(s))];
  const req: GenerateRequest = {
    promptTokens,
    sampling: { temperature: params.temperature, topK: params.topK, topP: params.topP, maxTokens, stop },
    cacheSalt: cacheSaltFor(promptTokens, params.sessionId, ctx.publicPrefixes),
    signal: ctx.signal,
  };
  if (params.seed !== undefined) req.sampling.seed = params.seed;
  if (params.sessionId !== undefined) req.sessionId = engineSessionKey(params.sessionId);
  return req;
}

export interface GenerationResult {
  finishReason: ApiFinishReason;
  usage: Usage;
}

/** A started generation: text pieces as they decode, then the result. */
export interface Generation {
  /** Non-empty text deltas. Throws ApiError if the engine fails midway. */
  text(): AsyncGenerator<string, GenerationResult>;
}

function mapFinish(r: FinishReason): ApiFinishReason {
  if (r === 'stop' || r === 'length') return r;
  // 'cancelled' reaching a live client means the engine dropped it (e.g. its session was closed).
  if (r === 'cancelled')
    throw new ApiError(503, 'server_error', 'The request was cancelled', null, 'cancelled');
  throw internalError();
}

/** Starts `req` and waits for its first event (see the file comment). */
export async function startGeneration(
  engine: Engine,
  req: GenerateRequest,
  codec: TextCodec,
  timer: TokenTimer,
): Promise<Generation> {
  const it = engine.generate(req)[Symbol.asyncIterator]();
  let first: IteratorResult<GenerationEvent>;
  try {
    first = await it.next();
  } catch (e) {
    await it.return?.();
    throw e;
  }
  const decoder = codec.decoder();

  async function* text(): AsyncGenerator<string, GenerationResult> {
    let r = first;
    try {
      while (!r.done) {
        const ev = r.value;
        if (ev.type === 'done') {
          timer.done();
          const tail = decoder.end();
          if (tail !== '') yield tail;
          return { finishReason: mapFinish(ev.finishReason), usage: ev.usage };
        }
        timer.token(ev.at);
        const piece = decoder.push(ev.id);
        if (piece !== '') yield piece;
        r = await it.next();
      }
      throw new EngineError('internal', 'engine stream ended without a done event');
    } finally {
      // Stops the engine's iterator early when our consumer stops (cancel, error), freeing its slot.
      await it.return?.();
    }
  }
  return { text };
}
