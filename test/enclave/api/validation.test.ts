/**
 * Every validation error of the inference API: status 400 (404 for an unknown model), OpenAI's error
 * shape, and the offending field named in `param`. The engine is never called for a refused request.
 */
import { describe, expect, it } from 'vitest';
import { chat, setup } from './support/app.ts';

type Case = [name: string, body: unknown, param: string | null, code: string];

const base = chat('hi');
const withMessage = (m: unknown) => ({ model: 'tacit-test', messages: [m] });

const chatCases: Case[] = [
  ['body not an object', [1, 2], null, 'invalid_type'],
  ['unknown field', { ...base, foo: 1 }, 'foo', 'unknown_parameter'],
  ['model missing', { messages: base.messages }, 'model', 'missing_required_parameter'],
  ['model not a string', { ...base, model: 3 }, 'model', 'invalid_type'],
  ['messages missing', { model: 'tacit-test' }, 'messages', 'missing_required_parameter'],
  ['messages not an array', { ...base, messages: 'hi' }, 'messages', 'invalid_type'],
  ['messages empty', { ...base, messages: [] }, 'messages', 'invalid_value'],
  ['message not an object', withMessage('hi'), 'messages[0]', 'invalid_type'],
  ['message role unknown', withMessage({ role: 'robot', content: 'x' }), 'messages[0].role', 'invalid_value'],
  ['message role missing', withMessage({ content: 'x' }), 'messages[0].role', 'invalid_value'],
  [
    'message content missing',
    withMessage({ role: 'user' }),
    'messages[0].content',
    'missing_required_parameter',
  ],
  [
    'message content number',
    withMessage({ role: 'user', content: 3 }),
    'messages[0].content',
    'invalid_type',
  ],
  [
    'message image part',
    withMessage({ role: 'user', content: [{ type: 'image_url', image_url: { url: 'x' } }] }),
    'messages[0].content[0].type',
    'unsupported_content_type',
  ],
  [
    'message text part without text',
    withMessage({ role: 'user', content: [{ type: 'text' }] }),
    'messages[0].content[0].text',
    'invalid_type',
  ],
  [
    'message text part extra key',
    withMessage({ role: 'user', content: [{ type: 'text', text: 'a', x: 1 }] }),
    'messages[0].content[0].x',
    'unknown_parameter',
  ],
  [
    'message unknown key',
    withMessage({ role: 'user', content: 'x', audio: 1 }),
    'messages[0].audio',
    'unknown_parameter',
  ],
  [
    'message name not string',
    withMessage({ role: 'user', content: 'x', name: 1 }),
    'messages[0].name',
    'invalid_type',
  ],
  [
    'tool_calls on a user message',
    withMessage({ role: 'user', content: 'x', tool_calls: [] }),
    'messages[0].tool_calls',
    'invalid_value',
  ],
  [
    'tool_calls not an array',
    withMessage({ role: 'assistant', content: 'x', tool_calls: {} }),
    'messages[0].tool_calls',
    'invalid_type',
  ],
  [
    'tool call without function',
    withMessage({ role: 'assistant', content: 'x', tool_calls: [{ id: 'a', type: 'function' }] }),
    'messages[0].tool_calls[0].function',
    'invalid_type',
  ],
  [
    'tool call of another type',
    withMessage({ role: 'assistant', content: 'x', tool_calls: [{ id: 'a', type: 'custom', function: {} }] }),
    'messages[0].tool_calls[0].type',
    'invalid_value',
  ],
  [
    'tool call arguments not a string',
    withMessage({
      role: 'assistant',
      content: null,
      tool_calls: [{ id: 'a', type: 'function', function: { name: 'f', arguments: {} } }],
    }),
    'messages[0].tool_calls[0].function.arguments',
    'invalid_type',
  ],
  [
    'assistant content null without tool calls',
    withMessage({ role: 'assistant', content: null }),
    'messages[0].content',
    'missing_required_parameter',
  ],
  [
    'message refusal set',
    withMessage({ role: 'assistant', content: 'x', refusal: 'no' }),
    'messages[0].refusal',
    'unsupported_parameter',
  ],
  [
    'tool message without tool_call_id',
    withMessage({ role: 'tool', content: 'x' }),
    'messages[0].tool_call_id',
    'invalid_type',
  ],
  [
    'tool_call_id on a user message',
    withMessage({ role: 'user', content: 'x', tool_call_id: 'a' }),
    'messages[0].tool_call_id',
    'invalid_value',
  ],
  ['max_tokens zero', { ...base, max_tokens: 0 }, 'max_tokens', 'invalid_value'],
  ['max_tokens fractional', { ...base, max_tokens: 1.5 }, 'max_tokens', 'invalid_type'],
  ['max_tokens string', { ...base, max_tokens: '5' }, 'max_tokens', 'invalid_type'],
  [
    'max_completion_tokens negative',
    { ...base, max_completion_tokens: -1 },
    'max_completion_tokens',
    'invalid_value',
  ],
  [
    'max_tokens and max_completion_tokens disagree',
    { ...base, max_tokens: 5, max_completion_tokens: 6 },
    'max_completion_tokens',
    'invalid_value',
  ],
  ['temperature above 2', { ...base, temperature: 2.5 }, 'temperature', 'invalid_value'],
  ['temperature negative', { ...base, temperature: -0.1 }, 'temperature', 'invalid_value'],
  ['temperature string', { ...base, temperature: 'hot' }, 'temperature', 'invalid_type'],
  ['top_p zero', { ...base, top_p: 0 }, 'top_p', 'invalid_value'],
  ['top_p above 1', { ...base, top_p: 1.1 }, 'top_p', 'invalid_value'],
  ['top_k negative', { ...base, top_k: -1 }, 'top_k', 'invalid_value'],
  ['top_k fractional', { ...base, top_k: 2.5 }, 'top_k', 'invalid_type'],
  ['seed fractional', { ...base, seed: 1.5 }, 'seed', 'invalid_type'],
  ['seed unsafe integer', { ...base, seed: 2 ** 60 }, 'seed', 'invalid_type'],
  ['stop number', { ...base, stop: 3 }, 'stop', 'invalid_type'],
  ['stop empty string', { ...base, stop: '' }, 'stop', 'invalid_value'],
  ['stop array with number', { ...base, stop: ['a', 1] }, 'stop[1]', 'invalid_type'],
  ['stop array with empty', { ...base, stop: ['a', ''] }, 'stop[1]', 'invalid_value'],
  ['stop too many', { ...base, stop: ['a', 'b', 'c', 'd', 'e'] }, 'stop', 'invalid_value'],
  ['stop too long', { ...base, stop: 'x'.repeat(257) }, 'stop', 'invalid_value'],
  ['n is 2', { ...base, n: 2 }, 'n', 'unsupported_parameter'],
  ['n is 0', { ...base, n: 0 }, 'n', 'invalid_value'],
  ['stream not boolean', { ...base, stream: 'yes' }, 'stream', 'invalid_type'],
  [
    'stream_options without stream',
    { ...base, stream_options: { include_usage: true } },
    'stream_options',
    'invalid_value',
  ],
  [
    'stream_options not object',
    { ...base, stream: true, stream_options: true },
    'stream_options',
    'invalid_type',
  ],
  [
    'stream_options unknown key',
    { ...base, stream: true, stream_options: { continuous: true } },
    'stream_options.continuous',
    'unknown_parameter',
  ],
  [
    'stream_options.include_usage not boolean',
    { ...base, stream: true, stream_options: { include_usage: 1 } },
    'stream_options.include_usage',
    'invalid_type',
  ],
  ['session_id not string', { ...base, session_id: 5 }, 'session_id', 'invalid_type'],
  ['session_id too short', { ...base, session_id: 'short' }, 'session_id', 'invalid_value'],
  ['session_id bad characters', { ...base, session_id: 'a/b'.repeat(8) }, 'session_id', 'invalid_value'],
  ['user not string', { ...base, user: 5 }, 'user', 'invalid_type'],
  [
    'frequency_penalty nonzero',
    { ...base, frequency_penalty: 0.5 },
    'frequency_penalty',
    'unsupported_parameter',
  ],
  ['frequency_penalty out of range', { ...base, frequency_penalty: 3 }, 'frequency_penalty', 'invalid_value'],
  [
    'presence_penalty nonzero',
    { ...base, presence_penalty: -1 },
    'presence_penalty',
    'unsupported_parameter',
  ],
  ['logit_bias set', { ...base, logit_bias: { '50': 10 } }, 'logit_bias', 'unsupported_parameter'],
  ['logprobs true', { ...base, logprobs: true }, 'logprobs', 'unsupported_parameter'],
  ['top_logprobs set', { ...base, top_logprobs: 3 }, 'top_logprobs', 'unsupported_parameter'],
  [
    'response_format json',
    { ...base, response_format: { type: 'json_object' } },
    'response_format',
    'unsupported_parameter',
  ],
  ['tools given', { ...base, tools: [{ type: 'function' }] }, 'tools', 'unsupported_parameter'],
  ['tool_choice auto', { ...base, tool_choice: 'auto' }, 'tool_choice', 'unsupported_parameter'],
  [
    'parallel_tool_calls not boolean',
    { ...base, parallel_tool_calls: 1 },
    'parallel_tool_calls',
    'unsupported_parameter',
  ],
  ['max_tokens beyond the context', { ...base, max_tokens: 600 }, 'max_tokens', 'context_length_exceeded'],
  ['prompt fills the context', chat('x'.repeat(600)), 'messages', 'context_length_exceeded'],
];

const cmpl = { model: 'tacit-test', prompt: 'hi' };
const completionCases: Case[] = [
  ['prompt missing', { model: 'tacit-test' }, 'prompt', 'missing_required_parameter'],
  ['prompt empty string', { ...cmpl, prompt: '' }, 'prompt', 'invalid_value'],
  ['prompt empty array', { ...cmpl, prompt: [] }, 'prompt', 'invalid_value'],
  ['prompt object', { ...cmpl, prompt: { text: 'x' } }, 'prompt', 'invalid_type'],
  ['two prompts', { ...cmpl, prompt: ['a', 'b'] }, 'prompt', 'unsupported_parameter'],
  ['token id out of vocabulary', { ...cmpl, prompt: [1, 262] }, 'prompt', 'invalid_value'],
  ['token id negative', { ...cmpl, prompt: [-1] }, 'prompt', 'invalid_value'],
  ['token id fractional', { ...cmpl, prompt: [1.5] }, 'prompt', 'invalid_value'],
  ['echo true', { ...cmpl, echo: true }, 'echo', 'unsupported_parameter'],
  ['suffix set', { ...cmpl, suffix: 'x' }, 'suffix', 'unsupported_parameter'],
  ['best_of 2', { ...cmpl, best_of: 2 }, 'best_of', 'unsupported_parameter'],
  ['messages on completions', { ...cmpl, messages: [] }, 'messages', 'unknown_parameter'],
  [
    'max_completion_tokens on completions',
    { ...cmpl, max_completion_tokens: 5 },
    'max_completion_tokens',
    'unknown_parameter',
  ],
  ['temperature above 2', { ...cmpl, temperature: 3 }, 'temperature', 'invalid_value'],
  ['prompt fills the context', { ...cmpl, prompt: 'x'.repeat(512) }, 'prompt', 'context_length_exceeded'],
];

async function expect400(path: string, body: unknown, param: string | null, code: string, headers = {}) {
  const { post, engine } = setup();
  const res = await post(path, body, headers);
  expect(res.status).toBe(400);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  const json = await res.json();
  expect(json).toEqual({
    error: { message: expect.any(String), type: 'invalid_request_error', param, code },
  });
  expect(engine.requests).toHaveLength(0);
}

describe('validation: /v1/chat/completions', () => {
  it.each(chatCases)('%s', async (_name, body, param, code) => {
    await expect400('/v1/chat/completions', body, param, code);
  });

  it('the session header must be well formed and agree with session_id', async () => {
    await expect400('/v1/chat/completions', base, 'tacit-session-id', 'invalid_value', {
      'tacit-session-id': 'x',
    });
    await expect400(
      '/v1/chat/completions',
      { ...base, session_id: 'agent-session-0001' },
      'session_id',
      'invalid_value',
      { 'tacit-session-id': 'agent-session-0002' },
    );
  });

  it('a body that is not JSON is a 400 invalid_json', async () => {
    await expect400('/v1/chat/completions', '{"model":', null, 'invalid_json');
  });

  it('an unknown model is a 404 model_not_found, and the engine is not called', async () => {
    const { post, engine } = setup();
    const res = await post('/v1/chat/completions', { ...base, model: 'gpt-4o' });
    expect(res.status).toBe(404);
    expect((await res.json()).error).toMatchObject({ param: 'model', code: 'model_not_found' });
    expect(engine.requests).toHaveLength(0);
  });

  it('accepts the neutral values of fields it does not implement', async () => {
    const { post } = setup({ script: () => [65] });
    const res = await post('/v1/chat/completions', {
      ...base,
      n: 1,
      user: 'u',
      frequency_penalty: 0,
      presence_penalty: 0,
      logit_bias: {},
      logprobs: false,
      top_logprobs: null,
      response_format: { type: 'text' },
      tools: [],
      tool_choice: 'none',
      parallel_tool_calls: true,
      stop: null,
      seed: null,
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'developer', content: [{ type: 'text', text: 'really' }] },
        { role: 'user', content: 'q', name: 'ann' },
        { role: 'assistant', content: 'a', tool_calls: [], refusal: null },
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 't1', type: 'function', function: { name: 'f', arguments: '{}' } }],
        },
        { role: 'tool', content: 'r', tool_call_id: 't1' },
        { role: 'user', content: 'q2' },
      ],
    });
    expect(res.status).toBe(200);
  });

  it('refuses a body over the size limit with 413', async () => {
    const { post, engine } = setup({}, { maxBodyBytes: 1000 });
    const res = await post('/v1/chat/completions', chat('x'.repeat(2000)));
    expect(res.status).toBe(413);
    expect((await res.json()).error.code).toBe('body_too_large');
    expect(engine.requests).toHaveLength(0);
  });
});

describe('validation: /v1/completions', () => {
  it.each(completionCases)('%s', async (_name, body, param, code) => {
    await expect400('/v1/completions', body, param, code);
  });

  it('an unknown model is a 404', async () => {
    const { post } = setup();
    expect((await post('/v1/completions', { ...cmpl, model: 'davinci' })).status).toBe(404);
  });
});
