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
import type { Engine } from './engine/types.ts';

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
  /** The engine to serve. */
  engine: Engine;
  /** close() closes the engine too (default true). */
  ownsEngine?: boolean;
  /** The model's tokenizer (default: the built-in byte-level one). */
  codec?: TextCodec;
}

export interface InferenceApp {
  app: Hono;
  engine: Engine;
  metrics: ApiMetrics;
  /** Stops the engine (when owned); in-flight requests end with an error. */
  close(): Promise<void>;
}

export async function createInferenceApp(opts: InferenceAppOptions): Promise<InferenceApp> {
  const { engine, ownsEngine = true, codec = builtinCodec(opts.engine.model.vocabSize), ...api } = opts;
  const { app, metrics } = createApiApp({ ...api, engine, codec });
  let closed = false;
  return {
    app,
    engine,
    metrics,
    close: async () => {
      if (closed) return;
      closed = true;
      if (ownsEngine) await engine.close();
    },
  };
}
