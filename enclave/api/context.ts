/**
 * What every route handler shares: the engine, the codec, metrics, and the per-response identity
 * (id, created, fingerprint). Built once by `createApiApp`.
 */
import { randomBytes } from 'node:crypto';
import type { Engine } from '../engine/types.ts';
import { invalidRequest, modelNotFound } from './errors.ts';
import type { ApiMetrics } from './metrics.ts';
import type { ResponseMeta } from './responses.ts';
import type { TextCodec } from './text-codec.ts';

export interface ApiContext {
  engine: Engine;
  codec: TextCodec;
  metrics: ApiMetrics;
  publicPrefixes: readonly (readonly number[])[];
  defaultMaxTokens?: number;
  /** Unix milliseconds; injectable for tests. */
  now: () => number;
}

/** OpenAI-style ids: a prefix and 24 random base62-ish characters (base64url, 18 bytes). */
export function newId(prefix: 'chatcmpl' | 'cmpl'): string {
  return `${prefix}-${randomBytes(18).toString('base64url')}`;
}

export function responseMeta(ctx: ApiContext, prefix: 'chatcmpl' | 'cmpl'): ResponseMeta {
  return {
    id: newId(prefix),
    created: Math.floor(ctx.now() / 1000),
    model: ctx.engine.model.id,
    systemFingerprint: `fp_${ctx.engine.model.digest.slice(0, 16)}`,
  };
}

/** The one model this engine serves; any other name is a 404 (OpenAI's model_not_found). */
export function checkModel(ctx: ApiContext, model: string): void {
  if (model !== ctx.engine.model.id) throw modelNotFound(model);
}

/** Parses a JSON body, answering OpenAI's 400 for anything that is not JSON. */
export async function readJson(req: Request): Promise<unknown> {
  const text = await req.text();
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw invalidRequest('We could not parse the JSON body of your request', null, 'invalid_json');
  }
}
