/**
 * The API over the real engine (worker thread, tiny model with seeded random weights), served on
 * 127.0.0.1 and driven by the `openai` SDK: models, plain and streamed chat, seeded determinism,
 * stop strings, sessions reusing their prefix, cache salts, cancellation freeing the engine, metrics.
 * The model's text is noise; what is checked is shape, accounting and reproducibility.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinCodec } from '../../../enclave/api/builtin-codec.ts';
import { createInferenceApp, type InferenceApp } from '../../../enclave/index.ts';
import { type Served, serveApp } from './support/serve.ts';

const MODEL = 'tacit-tiny';
const PUBLIC_SYSTEM = 'You are the public assistant of the tacit demo. Answer briefly and politely, always.';
let ia: InferenceApp;
let pub: InferenceApp;
let served: Served;
let openai: OpenAI;

beforeAll(async () => {
  ia = await createInferenceApp({ engineOptions: { model: 'tiny', kvMemoryBytes: 16 << 20 } });
  // A second app over the same engine, whose operator declared a public system prompt.
  pub = await createInferenceApp({ engine: ia.engine, publicSystemPrompts: [PUBLIC_SYSTEM] });
  served = await serveApp(ia.app);
  openai = new OpenAI({ baseURL: `${served.url}/v1`, apiKey: 'unused', maxRetries: 0 });
}, 60_000);

afterAll(async () => {
  await served?.close();
  await pub?.close();
  await ia?.close();
});

const user = (content: string) => [{ role: 'user' as const, content }];
const question = 'Tell me about the weather in Lisbon in spring, in two sentences please.';

async function chat(body: Partial<OpenAI.ChatCompletionCreateParamsNonStreaming>) {
  return openai.chat.completions.create({ model: MODEL, messages: user(question), ...body });
}

async function streamed(body: Partial<OpenAI.ChatCompletionCreateParamsStreaming>) {
  const stream = await openai.chat.completions.create({
    model: MODEL,
    messages: user(question),
    ...body,
    stream: true,
    stream_options: { include_usage: true },
  });
  let text = '';
  let finish: string | null = null;
  let usage: OpenAI.CompletionUsage | undefined;
  for await (const c of stream) {
    text += c.choices[0]?.delta.content ?? '';
    finish = c.choices[0]?.finish_reason ?? finish;
    usage = c.usage ?? usage;
  }
  return { text, finish, usage };
}

describe('API over the real engine (tiny model)', () => {
  it('lists the model with its digest', async () => {
    const page = await openai.models.list();
    expect(page.data.map((m) => m.id)).toEqual([MODEL]);
    expect((page.data[0] as unknown as { digest: string }).digest).toBe(ia.engine.model.digest);
  });

  it('answers a chat completion with exact token accounting', async () => {
    const r = await chat({ temperature: 0, max_completion_tokens: 16 });
    expect(r.object).toBe('chat.completion');
    expect(r.system_fingerprint).toBe(`fp_${ia.engine.model.digest.slice(0, 16)}`);
    expect(typeof r.choices[0]!.message.content).toBe('string');
    expect(r.usage!.prompt_tokens).toBe(builtinCodec().chatPrompt(user(question)).length);
    expect(r.usage!.completion_tokens).toBeLessThanOrEqual(16);
    expect(r.usage!.total_tokens).toBe(r.usage!.prompt_tokens + r.usage!.completion_tokens);
    if (r.choices[0]!.finish_reason === 'length') expect(r.usage!.completion_tokens).toBe(16);
  });

  it('is deterministic with a seed: plain and streamed give the same answer', async () => {
    const params = { temperature: 0.8, top_k: 50, seed: 4242, max_tokens: 12 } as const;
    const a = await chat(params);
    const b = await chat(params);
    const s = await streamed(params);
    expect(b.choices[0]!.message.content).toBe(a.choices[0]!.message.content);
    expect(s.text).toBe(a.choices[0]!.message.content);
    expect(s.finish).toBe(a.choices[0]!.finish_reason);
    expect(s.usage).toMatchObject({ completion_tokens: a.usage!.completion_tokens });
    const others = await Promise.all([1, 2, 3].map((seed) => chat({ ...params, seed })));
    expect(others.some((o) => o.choices[0]!.message.content !== a.choices[0]!.message.content)).toBe(true);
  });

  it('a stop string ends the answer just before it', async () => {
    const full = (await chat({ temperature: 0, max_tokens: 24 })).choices[0]!.message.content!;
    // An ASCII character that first appears at i > 0: its one byte cannot hide inside an earlier
    // (possibly invalid) UTF-8 sequence, so the greedy answer must stop exactly there.
    const i = [...full].findIndex(
      (ch, k, all) => k > 0 && /^[!-~]$/.test(ch) && !all.slice(0, k).includes(ch),
    );
    expect(i).toBeGreaterThan(0);
    const chars = [...full];
    const r = await chat({ temperature: 0, max_tokens: 24, stop: [chars[i]!] });
    expect(r.choices[0]!.message.content).toBe(chars.slice(0, i).join(''));
    expect(r.choices[0]!.finish_reason).toBe('stop');
  });

  it('a session reuses its own prefix on the next turn; no session, no reuse', async () => {
    const session_id = 'real-engine-session-0001';
    const opts = { temperature: 0, max_tokens: 4 };
    const t1 = await chat({ ...opts, session_id } as object);
    expect(t1.usage!.prompt_tokens_details!.cached_tokens).toBe(0);
    const next = [
      ...user(question),
      { role: 'assistant' as const, content: t1.choices[0]!.message.content! },
      ...user('And in autumn?'),
    ];
    const t2 = await chat({ ...opts, messages: next, session_id } as object);
    expect(t2.usage!.prompt_tokens_details!.cached_tokens).toBeGreaterThanOrEqual(64);
    // The same prompt without a session gets a fresh salt: no hit, whatever was cached before.
    for (let k = 0; k < 2; k++) {
      const anon = await chat({ ...opts, messages: next });
      expect(anon.usage!.prompt_tokens_details!.cached_tokens).toBe(0);
    }
  });

  it('session routes drive the engine session', async () => {
    const id = 'real-engine-session-0002';
    const call = async (method: string, path = '', body?: unknown) => {
      const res = await fetch(`${served.url}/v1/sessions/${id}${path}`, {
        method,
        ...(body === undefined
          ? {}
          : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
      });
      return { status: res.status, json: (await res.json()) as Record<string, unknown> };
    };
    expect((await call('GET')).status).toBe(404);
    await chat({ max_tokens: 2, seed: 1 } as object);
    await openai.chat.completions.create(
      { model: MODEL, messages: user(question), max_tokens: 2 },
      { headers: { 'tacit-session-id': id } },
    );
    const got = await call('GET');
    expect(got.status).toBe(200);
    expect(got.json).toMatchObject({ id, object: 'session', state: 'active' });
    expect(got.json.context_tokens as number).toBeGreaterThan(0);
    expect((await call('POST', '/pause')).json.state).not.toBe('active');
    expect((await call('POST', '/resume')).json.state).toBe('active');
    const ttl = (await call('PUT', '/ttl', { ttl_ms: 5000 })).json.ttl_ms as number;
    expect(Number.isInteger(ttl) && ttl > 4000 && ttl <= 5000).toBe(true);
    expect((await call('DELETE')).json).toEqual({ id, object: 'session.deleted', deleted: true });
    expect((await call('GET')).status).toBe(404);
  });

  it('a declared public system prompt is shared across clients; the same prompt undeclared is not', async () => {
    const messages = (q: string) => [
      { role: 'system' as const, content: PUBLIC_SYSTEM },
      { role: 'user' as const, content: q },
    ];
    const ask = async (app: InferenceApp, q: string) => {
      const res = await app.app.request('/v1/chat/completions', {
        method: 'POST',
        body: JSON.stringify({ model: MODEL, messages: messages(q), max_tokens: 1 }),
      });
      return ((await res.json()) as OpenAI.ChatCompletion).usage!.prompt_tokens_details!.cached_tokens!;
    };
    await ask(pub, 'first client');
    // PUBLIC_SYSTEM renders to more than five 16-token blocks.
    expect(await ask(pub, 'second client')).toBeGreaterThanOrEqual(64);
    await ask(ia, 'first client');
    expect(await ask(ia, 'second client')).toBe(0);
  });

  it('refuses max_tokens beyond the context with 400 context_length_exceeded', async () => {
    const err = await chat({ max_tokens: 5000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).code).toBe('context_length_exceeded');
  });

  it('a client that goes away mid-stream frees its sequence in the engine', async () => {
    const before = ia.metrics.cancelled.get();
    const abort = new AbortController();
    const stream = await openai.completions.create(
      { model: MODEL, prompt: 'Once upon a time', max_tokens: 3000, temperature: 0, stream: true },
      { signal: abort.signal },
    );
    let chunks = 0;
    const read = (async () => {
      // Chunks already buffered keep arriving after abort(), so stop reading too.
      for await (const _ of stream) {
        if (++chunks === 3) {
          abort.abort();
          break;
        }
      }
    })().catch(() => {});
    await read;
    expect(chunks).toBe(3);
    let s = await ia.engine.stats();
    for (let k = 0; k < 500 && (s.runningSequences > 0 || ia.metrics.cancelled.get() === before); k++) {
      await new Promise((r) => setTimeout(r, 10));
      s = await ia.engine.stats();
    }
    expect(s.runningSequences).toBe(0);
    expect(s.queueDepth).toBe(0);
    expect(ia.metrics.cancelled.get()).toBe(before + 1);
  });

  it('a client that goes away before a plain answer is done frees its sequence too', async () => {
    const before = ia.metrics.cancelled.get();
    const abort = new AbortController();
    const pending = fetch(`${served.url}/v1/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, prompt: 'Once upon a time', max_tokens: 3000, temperature: 0 }),
      signal: abort.signal,
    }).catch((e: unknown) => e);
    let s = await ia.engine.stats();
    for (let k = 0; k < 500 && s.runningSequences === 0; k++) {
      await new Promise((r) => setTimeout(r, 10));
      s = await ia.engine.stats();
    }
    expect(s.runningSequences).toBe(1);
    abort.abort();
    expect(await pending).toBeInstanceOf(Error);
    for (let k = 0; k < 500 && (s.runningSequences > 0 || ia.metrics.cancelled.get() === before); k++) {
      await new Promise((r) => setTimeout(r, 10));
      s = await ia.engine.stats();
    }
    expect(s.runningSequences).toBe(0);
    expect(ia.metrics.cancelled.get()).toBe(before + 1);
  });

  it('GET /metrics shows latencies and the engine pool', async () => {
    const text = await (await fetch(`${served.url}/metrics`)).text();
    const value = (name: string) =>
      Number(
        text
          .split('\n')
          .find((l) => l.startsWith(`${name} `))
          ?.split(' ')[1],
      );
    expect(value('tacit_time_to_first_token_seconds_count')).toBeGreaterThan(0);
    expect(value('tacit_inter_token_latency_seconds_count')).toBeGreaterThan(0);
    expect(value('tacit_generation_tokens_total')).toBeGreaterThan(0);
    expect(value('tacit_prompt_tokens_cached_total')).toBeGreaterThan(0);
    expect(value('tacit_prefix_cache_hits_total')).toBeGreaterThan(0);
    expect(text).toMatch(/^tacit_kv_blocks\{state="free"\} [1-9]\d*$/m);
    expect(value('tacit_kv_block_size_tokens')).toBe(16);
  });
});
