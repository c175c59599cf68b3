/**
 * Properties of the request parsers: whatever JSON arrives, they return a request or throw a 400
 * ApiError naming a field (never a TypeError, never another status); and every valid request they
 * are given comes out with its values intact.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseChatRequest } from '../../../enclave/api/chat-request.ts';
import { parseCompletionRequest } from '../../../enclave/api/completion-request.ts';
import { ApiError } from '../../../enclave/api/errors.ts';
import { fcParams } from '../../support/seed.ts';

function onlyApi400(f: () => unknown): void {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ApiError);
    expect((e as ApiError).status).toBe(400);
    expect((e as ApiError).type).toBe('invalid_request_error');
  }
}

const valid = {
  model: 'm',
  messages: [
    { role: 'system', content: 's' },
    { role: 'user', content: [{ type: 'text', text: 'u' }] },
  ],
  max_tokens: 5,
  temperature: 0.5,
  top_p: 0.9,
  top_k: 3,
  seed: 1,
  stop: ['x'],
  stream: true,
  stream_options: { include_usage: true },
  session_id: 'abcdefghijklmnop',
};
const keys = [...Object.keys(valid), 'n', 'prompt', 'tools', 'logprobs', 'max_completion_tokens', 'unknown'];

describe('request parsers: total over JSON', () => {
  it('arbitrary JSON bodies give a request or a 400', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (body) => {
        onlyApi400(() => parseChatRequest(body));
        onlyApi400(() => parseCompletionRequest(body, 264));
      }),
      fcParams(500),
    );
  });

  it('a valid request with one field replaced by arbitrary JSON gives a request or a 400', () => {
    fc.assert(
      fc.property(fc.constantFrom(...keys), fc.jsonValue(), (key, value) => {
        const body = { ...valid, [key]: value };
        onlyApi400(() => parseChatRequest(body));
        const { messages: _m, ...rest } = body;
        onlyApi400(() => parseCompletionRequest({ prompt: 'p', ...rest, [key]: value }, 264));
      }),
      fcParams(500),
    );
  });

  it('a message with one field replaced by arbitrary JSON gives a request or a 400', () => {
    const msgKeys = ['role', 'content', 'name', 'tool_calls', 'tool_call_id', 'refusal', 'other'];
    fc.assert(
      fc.property(fc.constantFrom(...msgKeys), fc.jsonValue(), (key, value) => {
        onlyApi400(() =>
          parseChatRequest({ model: 'm', messages: [{ role: 'assistant', content: 'a', [key]: value }] }),
        );
      }),
      fcParams(300),
    );
  });
});

describe('request parsers: valid values come out intact', () => {
  it('sampling fields', () => {
    fc.assert(
      fc.property(
        fc.record({
          temperature: fc.double({ min: 0, max: 2, noNaN: true }),
          top_p: fc.double({ min: Number.MIN_VALUE, max: 1, noNaN: true }),
          top_k: fc.nat(),
          seed: fc.maxSafeInteger(),
          max_tokens: fc.integer({ min: 1, max: 1 << 20 }),
          stop: fc.array(fc.string({ minLength: 1, maxLength: 256 }), { maxLength: 4 }),
        }),
        (f) => {
          const r = parseChatRequest({ model: 'm', messages: [{ role: 'user', content: 'x' }], ...f });
          expect(r).toMatchObject({
            temperature: f.temperature,
            topP: f.top_p,
            topK: f.top_k,
            seed: f.seed,
            maxTokens: f.max_tokens,
            stop: f.stop,
            stream: false,
            includeUsage: false,
          });
        },
      ),
      fcParams(),
    );
  });

  it('message text, joined from parts in order', () => {
    fc.assert(
      fc.property(fc.array(fc.string(), { minLength: 1, maxLength: 5 }), (parts) => {
        const r = parseChatRequest({
          model: 'm',
          messages: [{ role: 'user', content: parts.map((text) => ({ type: 'text', text })) }],
        });
        expect(r.messages).toEqual([{ role: 'user', content: parts.join('') }]);
      }),
      fcParams(),
    );
  });
});
