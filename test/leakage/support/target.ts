/**
 * A synthetic inference target for the leakage suite: an OpenAI-shaped chat API whose secret
 * attributes are set exactly, so that each run isolates one of them. It behaves the way a real
 * engine leaks (measured in bench/leakage.ts against the built-in model): time to first token grows
 * with the prompt on a prefix-cache miss and is short on a hit, models differ in token rate, answers
 * in length, and a stream's token timing can be steady or bursty.
 *
 * Request JSON: { model, messages: [{ role: 'user', content }], stream?, max_tokens, x_pattern? }.
 * Its own timings are scaled by `scale` (CI runs faster than the bench).
 */
import type { FetchLike } from '../../../gateway/targets.ts';

export interface ModelProfile {
  /** Milliseconds per generated token. */
  tokenMs: number;
  /** Prefill milliseconds per prompt token on a cache miss (a hit costs nothing). */
  prefillMs: number;
}

export const MODELS: Record<string, ModelProfile> = {
  'model-a': { tokenMs: 2, prefillMs: 0.05 },
  'model-b': { tokenMs: 40, prefillMs: 0.5 },
};

const WORDS = ['the', 'a', 'model', 'answer', 'is', 'quite', 'private', 'of', 'tokens', 'and', 'so', 'on'];

interface ChatBody {
  model?: string;
  messages?: { role?: string; content?: string }[];
  stream?: boolean;
  max_tokens?: number;
  x_pattern?: 'steady' | 'bursty';
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function syntheticTarget(options: { scale?: number } = {}): { fetch: FetchLike; reset(): void } {
  const scale = options.scale ?? 1;
  const cache = new Set<string>();
  const fetch: FetchLike = async (req) => {
    const body = (await req.json()) as ChatBody;
    const model = MODELS[body.model ?? ''] ?? MODELS['model-a']!;
    const prompt = body.messages?.map((m) => m.content ?? '').join('\n') ?? '';
    const promptTokens = Math.ceil(prompt.length / 4);
    const hit = cache.has(prompt);
    cache.add(prompt);
    const n = Math.max(1, body.max_tokens ?? 16);
    // Deterministic words per position, so answer sizes depend on the length only.
    const tokens = Array.from({ length: n }, (_, i) => `${WORDS[(i * 7) % WORDS.length]} `);
    const ttft = (2 + (hit ? 0 : promptTokens * model.prefillMs)) * scale;
    const base = { id: 'chatcmpl-x', created: 1700000000, model: body.model ?? 'model-a' };
    const usage = { prompt_tokens: promptTokens, completion_tokens: n, total_tokens: promptTokens + n };
    if (body.stream !== true) {
      await sleep(ttft + n * model.tokenMs * scale);
      return Response.json({
        ...base,
        object: 'chat.completion',
        choices: [
          { index: 0, message: { role: 'assistant', content: tokens.join('') }, finish_reason: 'length' },
        ],
        usage,
      });
    }
    const enc = new TextEncoder();
    const event = (o: unknown) => enc.encode(`data: ${typeof o === 'string' ? o : JSON.stringify(o)}\n\n`);
    const chunk = (delta: object, finish: string | null) => ({
      ...base,
      object: 'chat.completion.chunk',
      choices: [{ index: 0, delta, finish_reason: finish }],
    });
    let i = -1;
    const stream = new ReadableStream<Uint8Array>({
      async pull(c) {
        if (i === -1) await sleep(ttft);
        else if (i < n) {
          // Bursty: the same total time, spent in pauses every 4 tokens.
          const per = model.tokenMs * scale;
          await sleep(body.x_pattern === 'bursty' ? (i % 4 === 3 ? 4 * per : 0) : per);
        }
        if (i === -1) c.enqueue(event(chunk({ role: 'assistant', content: '' }, null)));
        else if (i < n) c.enqueue(event(chunk({ content: tokens[i] }, null)));
        else if (i === n) c.enqueue(event(chunk({}, 'length')));
        else {
          c.enqueue(event('[DONE]'));
          c.close();
        }
        i++;
      },
    });
    return new Response(stream, { headers: { 'content-type': 'text/event-stream' } });
  };
  return { fetch, reset: () => cache.clear() };
}
