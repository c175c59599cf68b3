/**
 * GET /v1/models and GET /v1/models/:model: the one model this engine serves, in OpenAI's shape.
 */
import type { Context } from 'hono';
import type { ApiContext } from '../context.ts';
import { modelNotFound } from '../errors.ts';

function modelObject(ctx: ApiContext, created: number) {
  const m = ctx.engine.model;
  // `digest` and `max_context` are tacit extensions: the digest is what receipts and attestation
  // manifests name, so a client can check which weights it is talking to.
  return {
    id: m.id,
    object: 'model' as const,
    created,
    owned_by: 'tacit',
    digest: m.digest,
    max_context: m.maxContext,
  };
}

export function modelsHandlers(ctx: ApiContext, startedAt: number) {
  const created = Math.floor(startedAt / 1000);
  return {
    list: (c: Context): Response => c.json({ object: 'list', data: [modelObject(ctx, created)] }),
    get: (c: Context): Response => {
      const id = c.req.param('model') ?? '';
      if (id !== ctx.engine.model.id) throw modelNotFound(id);
      return c.json(modelObject(ctx, created));
    },
  };
}
