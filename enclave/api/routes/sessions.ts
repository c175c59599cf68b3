/**
 * Agent session routes (docs/api.md): inspect, pause, resume, set the idle TTL, and close.
 *
 *   GET    /v1/sessions/:id          -> session object
 *   POST   /v1/sessions/:id/pause    -> session object (KV kept, may be offloaded)
 *   POST   /v1/sessions/:id/resume   -> session object (KV brought back ahead of the next turn)
 *   PUT    /v1/sessions/:id/ttl      { "ttl_ms": integer >= 1 | null } -> session object
 *   DELETE /v1/sessions/:id          -> { id, object: "session.deleted", deleted: true }
 *
 * The id in the path is a capability; a malformed one is a 400 and an unknown one a 404, and
 * neither is echoed back.
 */
import type { Context } from 'hono';
import type { SessionInfo } from '../../engine/types.ts';
import { type ApiContext, readJson } from '../context.ts';
import { invalidRequest, sessionNotFound } from '../errors.ts';
import { engineSessionKey, requireSessionId } from '../session.ts';
import { optInteger, rejectUnknownKeys, requireObject } from '../validate.ts';

/** A day: long enough for any agent's tool call, short enough that forgotten sessions go away. */
const MAX_TTL_MS = 24 * 60 * 60 * 1000;

/** The session as the client knows it: its own id, never the engine's key. */
function sessionObject(id: string, s: SessionInfo) {
  // Whole milliseconds: the engine's clock is sub-millisecond, the API's unit is not.
  const ttl = s.ttlMs === null ? null : Math.max(0, Math.round(s.ttlMs));
  return { id, object: 'session' as const, state: s.state, context_tokens: s.contextTokens, ttl_ms: ttl };
}

/** The client's id from the path, and the key the engine knows the session by. */
function idOf(c: Context): { id: string; key: string } {
  const id = requireSessionId(c.req.param('id') ?? '', 'id');
  return { id, key: engineSessionKey(id) };
}

export function sessionHandlers(ctx: ApiContext) {
  const e = ctx.engine;
  return {
    get: async (c: Context): Promise<Response> => {
      const { id, key } = idOf(c);
      const s = await e.getSession(key);
      if (s === undefined || s.state === 'closed') throw sessionNotFound();
      return c.json(sessionObject(id, s));
    },
    pause: async (c: Context): Promise<Response> => {
      const { id, key } = idOf(c);
      return c.json(sessionObject(id, await e.pauseSession(key)));
    },
    resume: async (c: Context): Promise<Response> => {
      const { id, key } = idOf(c);
      return c.json(sessionObject(id, await e.resumeSession(key)));
    },
    ttl: async (c: Context): Promise<Response> => {
      const { id, key } = idOf(c);
      const body = requireObject(await readJson(c.req.raw), null);
      rejectUnknownKeys(body, new Set(['ttl_ms']));
      if (!('ttl_ms' in body))
        throw invalidRequest('you must provide ttl_ms', 'ttl_ms', 'missing_required_parameter');
      const ttl = optInteger(body.ttl_ms, 'ttl_ms', 1, MAX_TTL_MS) ?? null;
      return c.json(sessionObject(id, await e.setSessionTtl(key, ttl)));
    },
    close: async (c: Context): Promise<Response> => {
      const { id, key } = idOf(c);
      const s = await e.getSession(key);
      if (s === undefined || s.state === 'closed') throw sessionNotFound();
      await e.closeSession(key);
      return c.json({ id, object: 'session.deleted' as const, deleted: true });
    },
  };
}
