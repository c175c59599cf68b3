/**
 * The real `openai` SDK (v6) against the API served on 127.0.0.1, over a scripted engine: listing
 * models, chat completions plain and streamed, errors surfacing as the SDK's typed errors, and a
 * client abort over the socket reaching the engine.
 */
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { setup } from './support/app.ts';
import { bytesOf, END } from './support/byte-codec.ts';
import { type Served, serveApp } from './support/serve.ts';

let served: Served | undefined;
afterEach(async () => {
  await served?.close();
  served = undefined;
});

async function client(engineOpts: Parameters<typeof setup>[0] = {}) {
  const s = setup(engineOpts);
  served = await serveApp(s.app);
  const openai = new OpenAI({ baseURL: `${served.url}/v1`, apiKey: 'unused', maxRetries: 0 });
  return { ...s, openai };
}

describe('openai SDK over loopback (scripted engine)', () => {
  it('lists models', async () => {
    const { openai } = await client();
    const page = await openai.models.list();
    expect(page.data.map((m) => m.id)).toEqual(['tacit-test']);
    expect((await openai.models.retrieve('tacit-test')).owned_by).toBe('tacit');
  });

  it('runs a chat completion', async () => {
    const { openai } = await client({ script: () => [...bytesOf('Bonjour'), END] });
    const r = await openai.chat.completions.create({
      model: 'tacit-test',
      messages: [{ role: 'user', content: 'Hello' }],
      seed: 1,
      max_completion_tokens: 20,
    });
    expect(r.choices[0]!.message.content).toBe('Bonjour');
    expect(r.choices[0]!.finish_reason).toBe('stop');
    expect(r.usage).toMatchObject({ completion_tokens: 7, prompt_tokens_details: { cached_tokens: 0 } });
  });

  it('streams a chat completion with usage', async () => {
    const { openai } = await client({ script: () => [...bytesOf('Salut'), END] });
    const stream = await openai.chat.completions.create({
      model: 'tacit-test',
      messages: [{ role: 'user', content: 'Hello' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let finish: string | null = null;
    let usage: unknown;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe('Salut');
    expect(finish).toBe('stop');
    expect(usage).toMatchObject({ prompt_tokens: 8, completion_tokens: 5, total_tokens: 13 });
  });

  it('surfaces errors as the SDK typed errors', async () => {
    const { openai } = await client();
    const notFound = await openai.chat.completions
      .create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(notFound).toBeInstanceOf(OpenAI.NotFoundError);
    expect((notFound as InstanceType<typeof OpenAI.NotFoundError>).code).toBe('model_not_found');
    const bad = await openai.chat.completions
      .create({ model: 'tacit-test', messages: [{ role: 'user', content: 'x' }], n: 3 })
      .catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(OpenAI.BadRequestError);
    expect((bad as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('n');
  });

  it('a full queue is a 503 the SDK sees (and would retry after Retry-After)', async () => {
    const { openai } = await client({ refuse: 'queue_full' });
    const err = await openai.chat.completions
      .create({ model: 'tacit-test', messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.InternalServerError);
    expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(503);
    expect((err as InstanceType<typeof OpenAI.APIError>).headers?.get('retry-after')).toBe('1');
  });

  it('a mid-stream failure raises in the SDK instead of ending quietly', async () => {
    const { openai } = await client({ script: () => bytesOf('abcdef'), failAfter: 3 });
    const stream = await openai.chat.completions.create({
      model: 'tacit-test',
      messages: [{ role: 'user', content: 'x' }],
      stream: true,
    });
    const err = await (async () => {
      for await (const _ of stream) {
        // drain
      }
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
  });

  it('aborting the SDK request over the socket aborts the engine request', async () => {
    const { openai, engine } = await client({ script: () => bytesOf('y'.repeat(100)), manual: true });
    const abort = new AbortController();
    const stream = await (async () => {
      const p = openai.chat.completions.create(
        { model: 'tacit-test', messages: [{ role: 'user', content: 'x' }], stream: true },
        { signal: abort.signal },
      );
      while (engine.waiting === 0) await new Promise((r) => setImmediate(r));
      engine.step();
      return p;
    })();
    const it = stream[Symbol.asyncIterator]();
    expect((await it.next()).value?.choices[0]?.delta.role).toBe('assistant');
    abort.abort();
    for (let i = 0; i < 2000 && !engine.requests[0]!.signal!.aborted; i++) {
      engine.step();
      await new Promise((r) => setTimeout(r, 1));
    }
    expect(engine.requests[0]!.signal!.aborted).toBe(true);
  });
});
