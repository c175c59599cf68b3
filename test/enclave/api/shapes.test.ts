/**
 * Response shapes of the OpenAI-compatible API through app.request() (no socket), over a scripted
 * engine: models, chat and text completions (plain and streamed), usage, and error mapping.
 */
import { describe, expect, it } from 'vitest';
import { engineSessionKey } from '../../../enclave/api/session.ts';
import { chat, NOW, setup } from './support/app.ts';
import { bytesOf, END, roleToken } from './support/byte-codec.ts';
import { readSse } from './support/scripted-engine.ts';

const say = (s: string) => () => [...bytesOf(s), END];

describe('GET /v1/models', () => {
  it('lists the one model in OpenAI shape', async () => {
    const { app } = setup();
    const res = await app.request('/v1/models');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      object: 'list',
      data: [
        {
          id: 'tacit-test',
          object: 'model',
          created: NOW / 1000,
          owned_by: 'tacit',
          digest: 'ab'.repeat(32),
          max_context: 512,
        },
      ],
    });
  });

  it('gets the model by id and answers 404 model_not_found for another', async () => {
    const { app } = setup();
    expect((await app.request('/v1/models/tacit-test')).status).toBe(200);
    const res = await app.request('/v1/models/gpt-4o');
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({
      error: {
        message: "The model 'gpt-4o' does not exist",
        type: 'invalid_request_error',
        param: 'model',
        code: 'model_not_found',
      },
    });
  });
});

describe('POST /v1/chat/completions', () => {
  it('answers a chat.completion with message, finish_reason and usage', async () => {
    const { post, engine } = setup({ script: say('Hello!'), cachedTokens: 4 });
    const res = await post('/v1/chat/completions', chat('Hi'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = await res.json();
    expect(body.id).toMatch(/^chatcmpl-[A-Za-z0-9_-]{24}$/);
    expect(body).toEqual({
      id: body.id,
      object: 'chat.completion',
      created: NOW / 1000,
      model: 'tacit-test',
      system_fingerprint: `fp_${'ab'.repeat(8)}`,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'Hello!', refusal: null },
          logprobs: null,
          finish_reason: 'stop',
        },
      ],
      usage: {
        prompt_tokens: 5,
        completion_tokens: 6,
        total_tokens: 11,
        prompt_tokens_details: { cached_tokens: 4 },
      },
    });
    // The prompt is the chat template's rendering; the end-of-turn token is a stop sequence.
    const req = engine.requests[0]!;
    expect(req.promptTokens).toEqual([roleToken('user'), ...bytesOf('Hi'), END, roleToken('assistant')]);
    expect(req.sampling).toEqual({ temperature: 1, topK: 0, topP: 1, maxTokens: 512 - 5, stop: [[END]] });
  });

  it('passes sampling fields, stop strings, the seed and the session to the engine', async () => {
    const { post, engine } = setup({ script: say('ok') });
    const body = chat('x', {
      temperature: 0,
      top_p: 0.5,
      top_k: 40,
      seed: 7,
      stop: ['\n\n', 'User:'],
      max_completion_tokens: 9,
      session_id: 'agent-session-0001',
    });
    expect((await post('/v1/chat/completions', body)).status).toBe(200);
    const req = engine.requests[0]!;
    expect(req.sampling).toEqual({
      temperature: 0,
      topK: 40,
      topP: 0.5,
      seed: 7,
      maxTokens: 9,
      stop: [[END], bytesOf('\n\n'), bytesOf('User:')],
    });
    expect(req.sessionId).toBe(engineSessionKey('agent-session-0001'));
    expect(req.signal).toBeInstanceOf(AbortSignal);
  });

  it('ends at max_tokens with finish_reason length', async () => {
    const { post } = setup({ script: say('a long answer') });
    const body = await (await post('/v1/chat/completions', chat('x', { max_tokens: 3 }))).json();
    expect(body.choices[0].message.content).toBe('a l');
    expect(body.choices[0].finish_reason).toBe('length');
    expect(body.usage.completion_tokens).toBe(3);
  });

  it('leaves a stop string out of the answer', async () => {
    const { post } = setup({ script: say('one\ntwo') });
    const body = await (await post('/v1/chat/completions', chat('x', { stop: '\n' }))).json();
    expect(body.choices[0].message.content).toBe('one');
    expect(body.choices[0].finish_reason).toBe('stop');
  });

  it('streams chunks: role first, content deltas, finish chunk, then [DONE]', async () => {
    const { post } = setup({ script: say('Hé!') });
    const res = await post('/v1/chat/completions', chat('Hi', { stream: true }));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const events = await readSse(res);
    expect(events.at(-1)).toBe('[DONE]');
    const chunks = events.slice(0, -1) as Record<string, unknown>[];
    const id = chunks[0]!.id;
    for (const c of chunks) {
      expect(c).toMatchObject({
        id,
        object: 'chat.completion.chunk',
        created: NOW / 1000,
        model: 'tacit-test',
      });
      expect(c).not.toHaveProperty('usage');
    }
    const choices = chunks.map((c) => (c.choices as unknown[])[0]);
    expect(choices[0]).toEqual({
      index: 0,
      delta: { role: 'assistant', content: '' },
      logprobs: null,
      finish_reason: null,
    });
    // 'é' is two bytes: the decoder holds the first until the character is complete.
    expect(choices.slice(1, -1).map((c) => (c as { delta: { content: string } }).delta.content)).toEqual([
      'H',
      'é',
      '!',
    ]);
    expect(choices.at(-1)).toEqual({ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' });
  });

  it('with stream_options.include_usage: usage null on every chunk, then a usage chunk', async () => {
    const { post } = setup({ script: say('ok') });
    const events = await readSse(
      await post(
        '/v1/chat/completions',
        chat('Hi', { stream: true, stream_options: { include_usage: true } }),
      ),
    );
    const chunks = events.slice(0, -1) as Record<string, unknown>[];
    for (const c of chunks.slice(0, -1)) expect(c.usage).toBeNull();
    expect(chunks.at(-1)).toMatchObject({
      object: 'chat.completion.chunk',
      choices: [],
      usage: {
        prompt_tokens: 5,
        completion_tokens: 2,
        total_tokens: 7,
        prompt_tokens_details: { cached_tokens: 0 },
      },
    });
  });
});

describe('POST /v1/completions', () => {
  it('answers a text_completion for a string prompt, without the chat template', async () => {
    const { post, engine } = setup({ script: say(' world') });
    const res = await post('/v1/completions', { model: 'tacit-test', prompt: 'Hello' });
    const body = await res.json();
    expect(body.id).toMatch(/^cmpl-/);
    expect(body).toMatchObject({
      object: 'text_completion',
      created: NOW / 1000,
      model: 'tacit-test',
      choices: [{ index: 0, text: ' world', logprobs: null, finish_reason: 'stop' }],
      usage: {
        prompt_tokens: 5,
        completion_tokens: 6,
        total_tokens: 11,
        prompt_tokens_details: { cached_tokens: 0 },
      },
    });
    expect(engine.requests[0]!.promptTokens).toEqual(bytesOf('Hello'));
  });

  it('takes token-id prompts as they are, also in one-element batch form', async () => {
    const { post, engine } = setup({ script: say('!') });
    await post('/v1/completions', { model: 'tacit-test', prompt: [72, 105] });
    await post('/v1/completions', { model: 'tacit-test', prompt: [[72, 105]] });
    await post('/v1/completions', { model: 'tacit-test', prompt: ['Hi'] });
    expect(engine.requests.map((r) => r.promptTokens)).toEqual([
      [72, 105],
      [72, 105],
      [72, 105],
    ]);
  });

  it('streams text_completion chunks with a final finish chunk, usage chunk and [DONE]', async () => {
    const { post } = setup({ script: say('ab') });
    const events = await readSse(
      await post('/v1/completions', {
        model: 'tacit-test',
        prompt: 'x',
        stream: true,
        stream_options: { include_usage: true },
      }),
    );
    expect(events.at(-1)).toBe('[DONE]');
    const chunks = events.slice(0, -1) as {
      choices: { text: string; finish_reason: string | null }[];
      usage: unknown;
    }[];
    expect(
      chunks.slice(0, -1).map((c) => [c.choices[0]!.text, c.choices[0]!.finish_reason, c.usage]),
    ).toEqual([
      ['a', null, null],
      ['b', null, null],
      ['', 'stop', null],
    ]);
    expect(chunks.at(-1)).toMatchObject({
      object: 'text_completion',
      choices: [],
      usage: { completion_tokens: 2 },
    });
  });
});

describe('errors in OpenAI shape', () => {
  it('a full queue is 503 with Retry-After and code queue_full', async () => {
    const { post } = setup({ refuse: 'queue_full' });
    for (const stream of [false, true]) {
      const res = await post('/v1/chat/completions', chat('x', { stream }));
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('1');
      expect((await res.json()).error).toMatchObject({ type: 'overloaded_error', code: 'queue_full' });
    }
  });

  it('an engine failure before the first token is a 500 that says nothing of the cause', async () => {
    const { post } = setup({ refuse: 'internal' });
    const res = await post('/v1/chat/completions', chat('x'));
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({
      error: {
        message: 'The server had an error processing the request',
        type: 'server_error',
        param: null,
        code: 'internal_error',
      },
    });
  });

  it('a failure mid-stream is an error event and no [DONE]', async () => {
    const { post } = setup({ script: say('abcdef'), failAfter: 2 });
    const events = await readSse(await post('/v1/chat/completions', chat('x', { stream: true })));
    expect(events).not.toContain('[DONE]');
    expect(events.at(-1)).toEqual({
      error: expect.objectContaining({ type: 'server_error', code: 'internal_error' }),
    });
  });

  it('a failure mid-answer (not streamed) is a 500', async () => {
    const { post } = setup({ script: say('abcdef'), failAfter: 2 });
    expect((await post('/v1/chat/completions', chat('x'))).status).toBe(500);
  });

  it('an engine context overflow is a 400 context_length_exceeded', async () => {
    const { post } = setup({ refuse: 'context_length_exceeded' });
    const res = await post('/v1/chat/completions', chat('x'));
    expect(res.status).toBe(400);
    expect((await res.json()).error.code).toBe('context_length_exceeded');
  });

  it('unknown routes are 404 in the same shape', async () => {
    const { app } = setup();
    const res = await app.request('/v1/embeddings', { method: 'POST' });
    expect(res.status).toBe(404);
    expect((await res.json()).error.code).toBe('unknown_url');
  });
});
