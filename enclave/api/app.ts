/**
 * The OpenAI-compatible inference API as a hono app (docs/api.md). Thin: each route parses and
 * validates, calls the engine, and shapes the answer; every error becomes OpenAI's error object
 * here, at the edge, and nowhere else.
 *
 * No logging of requests at all: the gateway in front of this app knows plaintext but not who sent
 * it, and this app must not start writing either down.
 */
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Registry } from '../../shared/metrics.ts';
import { METRICS_CONTENT_TYPE } from '../../shared/metrics.ts';
import type { Engine } from '../engine/types.ts';
import type { ApiContext } from './context.ts';
import { ApiError, errorResponse, toApiError } from './errors.ts';
import { createApiMetrics, scrape } from './metrics.ts';
import { chatCompletionsHandler } from './routes/chat.ts';
import { completionsHandler } from './routes/completions.ts';
import { modelsHandlers } from './routes/models.ts';
import { sessionHandlers } from './routes/sessions.ts';
import type { TextCodec } from './text-codec.ts';

export interface ApiOptions {
  engine: Engine;
  codec: TextCodec;
  /**
   * Operator-declared public system prompts: a conversation that starts with one of these as its
   * system message shares prefix cache across clients (salt 'public'). Everything else is scoped.
   */
  publicSystemPrompts?: readonly string[];
  /** Public prefixes as token ids (for /v1/completions prompts, or precomputed). */
  publicPrefixTokens?: readonly (readonly number[])[];
  /** Upper bound on max_tokens when a request gives none (default: the rest of the context). */
  defaultMaxTokens?: number;
  /** Largest request body accepted, in bytes (default 8 MiB). */
  maxBodyBytes?: number;
  /** Serve GET /metrics (default true). */
  metricsRoute?: boolean;
  /** A registry to add the API's metrics to (default: a new one). */
  registry?: Registry;
  /** Unix milliseconds (for `created`); injectable for tests. */
  now?: () => number;
}

export function createApiApp(opts: ApiOptions): { app: Hono; metrics: ReturnType<typeof createApiMetrics> } {
  const metrics = createApiMetrics(opts.registry);
  const publicPrefixes = [
    ...(opts.publicSystemPrompts ?? []).map((content) =>
      opts.codec.chatPrompt([{ role: 'system', content }], { addGenerationPrompt: false }),
    ),
    ...(opts.publicPrefixTokens ?? []).map((p) => [...p]),
  ];
  const ctx: ApiContext = {
    engine: opts.engine,
    codec: opts.codec,
    metrics,
    publicPrefixes,
    now: opts.now ?? Date.now,
    ...(opts.defaultMaxTokens === undefined ? {} : { defaultMaxTokens: opts.defaultMaxTokens }),
  };

  const app = new Hono();
  app.onError((e) => errorResponse(toApiError(e)));
  app.notFound(() =>
    errorResponse(new ApiError(404, 'invalid_request_error', 'Unknown route', null, 'unknown_url')),
  );
  app.use(
    '/v1/*',
    bodyLimit({
      maxSize: opts.maxBodyBytes ?? 8 << 20,
      onError: () =>
        errorResponse(
          new ApiError(413, 'invalid_request_error', 'Request body too large', null, 'body_too_large'),
        ),
    }),
  );

  const models = modelsHandlers(ctx, ctx.now());
  app.get('/v1/models', models.list);
  app.get('/v1/models/:model{.+}', models.get);
  app.post('/v1/chat/completions', chatCompletionsHandler(ctx));
  app.post('/v1/completions', completionsHandler(ctx));

  const sessions = sessionHandlers(ctx);
  app.get('/v1/sessions/:id', sessions.get);
  app.post('/v1/sessions/:id/pause', sessions.pause);
  app.post('/v1/sessions/:id/resume', sessions.resume);
  app.put('/v1/sessions/:id/ttl', sessions.ttl);
  app.delete('/v1/sessions/:id', sessions.close);

  if (opts.metricsRoute ?? true) {
    app.get('/metrics', async (c) =>
      c.body(await scrape(metrics, ctx.engine), 200, { 'content-type': METRICS_CONTENT_TYPE }),
    );
  }
  return { app, metrics };
}
