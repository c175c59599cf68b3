/**
 * Agent sessions: the routes that pause, resume, set the TTL of, inspect and close a session, and how
 * a request names its session and picks its prefix-cache salt.
 */
import { describe, expect, it } from 'vitest';
import { engineSessionKey } from '../../../enclave/api/session.ts';
import { chat, setup } from './support/app.ts';
import { byteCodec, bytesOf } from './support/byte-codec.ts';

const ID = 'agent-0123456789abcdef';
/** The engine never sees the capability, only a hash of it. */
const KEY = engineSessionKey(ID);

function withSession(engine: ReturnType<typeof setup>['engine']) {
  engine.sessions.set(KEY, { id: KEY, state: 'active', contextTokens: 42, ttlMs: 60_000 });
}

describe('session routes', () => {
  it('GET returns the session object', async () => {
    const { app, engine } = setup();
    withSession(engine);
    const res = await app.request(`/v1/sessions/${ID}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      id: ID,
      object: 'session',
      state: 'active',
      context_tokens: 42,
      ttl_ms: 60_000,
    });
  });

  it('pause and resume change the state', async () => {
    const { app, engine } = setup();
    withSession(engine);
    expect((await (await app.request(`/v1/sessions/${ID}/pause`, { method: 'POST' })).json()).state).toBe(
      'paused',
    );
    expect(engine.sessions.get(KEY)!.state).toBe('paused');
    expect((await (await app.request(`/v1/sessions/${ID}/resume`, { method: 'POST' })).json()).state).toBe(
      'active',
    );
  });

  it('PUT ttl sets or clears the idle TTL, and validates it', async () => {
    const { app, engine } = setup();
    withSession(engine);
    const put = (body: string) =>
      app.request(`/v1/sessions/${ID}/ttl`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body,
      });
    expect((await (await put('{"ttl_ms":5000}')).json()).ttl_ms).toBe(5000);
    expect((await (await put('{"ttl_ms":null}')).json()).ttl_ms).toBeNull();
    expect(engine.sessions.get(KEY)!.ttlMs).toBeNull();
    for (const [body, param] of [
      ['{"ttl_ms":0}', 'ttl_ms'],
      ['{"ttl_ms":1.5}', 'ttl_ms'],
      ['{"ttl_ms":"5"}', 'ttl_ms'],
      [`{"ttl_ms":${24 * 3600 * 1000 + 1}}`, 'ttl_ms'],
      ['{}', 'ttl_ms'],
      ['{"ttl":5}', 'ttl'],
      ['[]', null],
      ['nope', null],
    ] as const) {
      const res = await put(body);
      expect(res.status, body).toBe(400);
      expect((await res.json()).error.param, body).toBe(param);
    }
  });

  it('DELETE closes the session; it is then gone', async () => {
    const { app, engine } = setup();
    withSession(engine);
    const res = await app.request(`/v1/sessions/${ID}`, { method: 'DELETE' });
    expect(await res.json()).toEqual({ id: ID, object: 'session.deleted', deleted: true });
    expect(engine.sessions.get(KEY)!.state).toBe('closed');
    expect((await app.request(`/v1/sessions/${ID}`)).status).toBe(404);
    expect((await app.request(`/v1/sessions/${ID}`, { method: 'DELETE' })).status).toBe(404);
  });

  it('an unknown session is a 404 that does not echo the id', async () => {
    const { app } = setup();
    for (const [method, path] of [
      ['GET', ''],
      ['POST', '/pause'],
      ['POST', '/resume'],
      ['DELETE', ''],
    ]) {
      const res = await app.request(`/v1/sessions/${ID}${path}`, { method });
      expect(res.status).toBe(404);
      const text = await res.text();
      expect(text).not.toContain(ID);
      expect(JSON.parse(text).error.code).toBe('session_not_found');
    }
    const ttl = await app.request(`/v1/sessions/${ID}/ttl`, { method: 'PUT', body: '{"ttl_ms":5}' });
    expect(ttl.status).toBe(404);
  });

  it('a malformed session id is a 400', async () => {
    const { app } = setup();
    const res = await app.request('/v1/sessions/short');
    expect(res.status).toBe(400);
    expect((await res.json()).error.param).toBe('id');
  });
});

describe('naming a session and the cache salt', () => {
  it('session_id and the tacit-session-id header both name the session', async () => {
    const { post, engine } = setup({ script: () => [65] });
    await post('/v1/chat/completions', chat('a', { session_id: ID }));
    await post('/v1/chat/completions', chat('a'), { 'tacit-session-id': ID });
    await post('/v1/chat/completions', chat('a', { session_id: ID }), { 'tacit-session-id': ID });
    expect(engine.requests.map((r) => r.sessionId)).toEqual([KEY, KEY, KEY]);
    expect(KEY).not.toContain(ID);
  });

  it('the salt is per session (never the id itself), random without one, public for a public prefix', async () => {
    const publicPrompt = 'You are a helpful assistant.';
    const { post, engine } = setup(
      { script: () => [65] },
      { publicSystemPrompts: [publicPrompt], publicPrefixTokens: [bytesOf('### Public preamble')] },
    );
    const other = 'agent-fedcba9876543210';
    await post('/v1/chat/completions', chat('a', { session_id: ID }));
    await post('/v1/chat/completions', chat('b', { session_id: ID }));
    await post('/v1/chat/completions', chat('a', { session_id: other }));
    await post('/v1/chat/completions', chat('a'));
    await post('/v1/chat/completions', chat('a'));
    const sys = { role: 'system', content: publicPrompt };
    await post('/v1/chat/completions', {
      model: 'tacit-test',
      messages: [sys, { role: 'user', content: 'x' }],
    });
    await post('/v1/chat/completions', {
      model: 'tacit-test',
      session_id: ID,
      messages: [sys, { role: 'user', content: 'y' }],
    });
    await post('/v1/completions', { model: 'tacit-test', prompt: '### Public preamble\nQ' });
    // A system prompt that merely starts like the public one is not public.
    await post('/v1/chat/completions', {
      model: 'tacit-test',
      messages: [{ role: 'system', content: `${publicPrompt} Secret.` }],
    });
    const salts = engine.requests.map((r) => r.cacheSalt!);
    expect(salts[0]).toBe(salts[1]);
    expect(salts[0]).not.toBe(salts[2]);
    expect(salts[0]).not.toContain(ID);
    expect(salts[3]).not.toBe(salts[4]);
    expect(salts.slice(5, 8)).toEqual(['public', 'public', 'public']);
    expect(salts[8]).not.toBe('public');
    expect(new Set([salts[0], salts[2], salts[3], salts[4], salts[8]]).size).toBe(5);
  });

  it('the public system prompt prefix is a prefix of the full prompt (codec contract)', () => {
    const sys = { role: 'system' as const, content: 'S' };
    const prefix = byteCodec.chatPrompt([sys], { addGenerationPrompt: false });
    const full = byteCodec.chatPrompt([sys, { role: 'user', content: 'U' }]);
    expect(full.slice(0, prefix.length)).toEqual(prefix);
  });
});
