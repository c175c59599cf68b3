/**
 * The enclave's public entry: the only file of enclave/ that gateway/ may import (DESIGN.md, layout).
 *
 * `createInferenceApp` starts (or takes) an engine and returns the OpenAI-compatible API over it as a
 * hono app, which the gateway calls in-process for its built-in target (docs/api.md).
 */
import type { Hono } from 'hono';
import { type ApiOptions, createApiApp } from './api/app.ts';
import { builtinCodec } from './api/builtin-codec.ts';
import type { ApiMetrics } from './api/metrics.ts';
import type { TextCodec } from './api/text-codec.ts';
import { createEngine } from './engine/engine.ts';
import type { Engine, EngineOptions } from './engine/types.ts';

export type { ApiOptions } from './api/app.ts';
export type { ApiErrorBody } from './api/errors.ts';
export { SESSION_HEADER } from './api/session.ts';
export type { ChatMessage, StreamDecoder, TextCodec } from './api/text-codec.ts';
export type {
  Engine,
  EngineOptions,
  EngineStats,
  GenerateRequest,
  GenerationEvent,
  ModelInfo,
  SamplingParams,
  SessionInfo,
  SessionState,
  Usage,
} from './engine/types.ts';
export { EngineError } from './engine/types.ts';

export interface InferenceAppOptions extends Omit<ApiOptions, 'engine' | 'codec'> {
  /**
   * The engine to start: a built-in model name ('tiny', 'small') or an exported model's path, plus
   * KV budget, queue limit and the rest (enclave/engine/types.ts). Default `{ model: 'tiny' }`.
   */
  engineOptions?: EngineOptions;
  /** Or an engine already running (tests, embedding); then `engineOptions` is ignored. */
  engine?: Engine;
  /** close() closes the engine too (default: true when this function started it). */
  ownsEngine?: boolean;
  /** The model's tokenizer (default: the built-in byte-level one). */
  codec?: TextCodec;
}

export interface InferenceApp {
  app: Hono;
  engine: Engine;
  metrics: ApiMetrics;
  /** Stops the engine (when owned); in-flight requests end with an error. Idempotent. */
  close(): Promise<void>;
}

export async function createInferenceApp(opts: InferenceAppOptions = {}): Promise<InferenceApp> {
  const { engine: given, engineOptions, ownsEngine, codec: givenCodec, ...api } = opts;
  const engine = given ?? (await createEngine(engineOptions ?? { model: 'tiny' }));
  const owned = ownsEngine ?? given === undefined;
  try {
    const codec = givenCodec ?? builtinCodec(engine.model.vocabSize);
    const { app, metrics } = createApiApp({ ...api, engine, codec });
    let closed = false;
    return {
      app,
      engine,
      metrics,
      close: async () => {
        if (closed) return;
        closed = true;
        if (owned) await engine.close();
      },
    };
  } catch (e) {
    // A bad option (e.g. a public prefix the codec refuses) must not leave a worker thread behind.
    if (owned) await engine.close();
    throw e;
  }
}
