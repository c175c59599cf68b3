/** The SDK as the `fetch` option of the real openai package, against a gateway built from shared/. */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../client/index.ts';
import { openaiStandIn } from './support/handlers.ts';
import { type MiniGateway, startMiniGateway } from './support/mini-gateway.ts';

let gw: MiniGateway;
let openai: OpenAI;
beforeAll(async () => {
  gw = await startMiniGateway(openaiStandIn);
  const client = createClient({ relay: gw.gatewayUrl, keys: gw.keysUrl });
  openai = new OpenAI({
    baseURL: 'https://tacit.local/v1',
    apiKey: 'unused',
    fetch: client.fetch,
    maxRetries: 0,
  });
});
afterAll(() => gw.close());

describe('openai package with fetch: client.fetch', () => {
  it('lists models', async () => {
    const models = await openai.models.list();
    expect(models.data.map((m) => m.id)).toEqual(['echo-model']);
  });

  it('runs a chat completion', async () => {
    const done = await openai.chat.completions.create({
      model: 'echo-model',
      messages: [{ role: 'user', content: 'hello there' }],
    });
    expect(done.choices[0]?.message.content).toBe('echo: hello there');
  });

  it('streams a chat completion', async () => {
    const stream = await openai.chat.completions.create({
      model: 'echo-model',
      messages: [{ role: 'user', content: 'one two three' }],
      stream: true,
    });
    const pieces: string[] = [];
    for await (const chunk of stream) pieces.push(chunk.choices[0]?.delta.content ?? '');
    expect(pieces.join('')).toBe('echo: one two three');
    expect(pieces.filter((p) => p !== '').length).toBeGreaterThan(1);
  });

  it('surfaces an inner HTTP error as the openai error it is', async () => {
    const err = await openai.embeddings.create({ model: 'x', input: 'y' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
  });
});
