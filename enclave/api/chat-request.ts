/**
 * POST /v1/chat/completions request body: validation into a `ChatRequest`.
 * Text-only messages (string content or `text` parts); no images or audio. Tool calls may appear in
 * the history (rendered as text by the template), but `tools` is not offered.
 */
import { invalidRequest } from './errors.ts';
import { COMMON_KEYS, type InferenceParams, parseCommon } from './params.ts';
import type { ChatMessage, ToolCall } from './text-codec.ts';
import {
  isObject,
  type Json,
  onlyNeutral,
  optInteger,
  optString,
  rejectUnknownKeys,
  requireObject,
} from './validate.ts';

export interface ChatRequest extends InferenceParams {
  messages: ChatMessage[];
}

const CHAT_KEYS = new Set([
  ...COMMON_KEYS,
  'messages',
  'max_completion_tokens',
  'top_logprobs',
  'response_format',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
]);

const ROLES = new Set<ChatMessage['role']>(['system', 'developer', 'user', 'assistant', 'tool']);
const MESSAGE_KEYS = new Set(['role', 'content', 'name', 'tool_call_id', 'tool_calls', 'refusal']);

/** Content as text: a string, or an array of `{ type: 'text', text }` parts joined in order. */
function contentText(v: Json | undefined, param: string): string {
  if (typeof v === 'string') return v;
  if (!Array.isArray(v))
    throw invalidRequest(`${param} must be a string or an array of parts`, param, 'invalid_type');
  return v
    .map((part, j) => {
      const p = `${param}[${j}]`;
      const obj = requireObject(part, p);
      if (obj.type !== 'text') {
        throw invalidRequest(
          `${p}.type must be 'text' on this server`,
          `${p}.type`,
          'unsupported_content_type',
        );
      }
      rejectUnknownKeys(obj, new Set(['type', 'text']), `${p}.`);
      if (typeof obj.text !== 'string')
        throw invalidRequest(`${p}.text must be a string`, `${p}.text`, 'invalid_type');
      return obj.text;
    })
    .join('');
}

function parseMessage(v: Json, i: number): ChatMessage {
  const param = `messages[${i}]`;
  const m = requireObject(v, param);
  rejectUnknownKeys(m, MESSAGE_KEYS, `${param}.`);
  if (typeof m.role !== 'string' || !ROLES.has(m.role as ChatMessage['role'])) {
    throw invalidRequest(
      `${param}.role must be one of system, developer, user, assistant, tool`,
      `${param}.role`,
      'invalid_value',
    );
  }
  const role = m.role as ChatMessage['role'];
  // An assistant message that only calls tools may have null content (OpenAI's shape).
  const toolCallsOnly = role === 'assistant' && Array.isArray(m.tool_calls) && m.tool_calls.length > 0;
  if ((m.content === undefined || m.content === null) && !toolCallsOnly) {
    throw invalidRequest(`${param}.content is required`, `${param}.content`, 'missing_required_parameter');
  }
  const content =
    m.content === undefined || m.content === null ? '' : contentText(m.content, `${param}.content`);
  const name = optString(m.name, `${param}.name`, 64);
  onlyNeutral(m.refusal, `${param}.refusal`, () => false);
  const out: ChatMessage = { role, content };
  if (name !== undefined) out.name = name;
  if (m.tool_calls !== undefined && m.tool_calls !== null) {
    if (role !== 'assistant') {
      throw invalidRequest(`${param}.tool_calls is only allowed for role assistant`, `${param}.tool_calls`);
    }
    const calls = parseToolCalls(m.tool_calls, `${param}.tool_calls`);
    if (calls.length > 0) out.tool_calls = calls;
  }
  if (role === 'tool') {
    if (typeof m.tool_call_id !== 'string') {
      throw invalidRequest(
        `${param}.tool_call_id is required for role tool`,
        `${param}.tool_call_id`,
        'invalid_type',
      );
    }
    out.tool_call_id = m.tool_call_id;
  } else if (m.tool_call_id !== undefined) {
    throw invalidRequest(`${param}.tool_call_id is only allowed for role tool`, `${param}.tool_call_id`);
  }
  return out;
}

/**
 * Tool calls in the history (an agent replaying a conversation): rendered by the chat template as
 * text. This server does not offer `tools`, so it never produces them itself.
 */
function parseToolCalls(v: Json, param: string): ToolCall[] {
  if (!Array.isArray(v)) throw invalidRequest(`${param} must be an array`, param, 'invalid_type');
  return v.map((c, i) => {
    const p = `${param}[${i}]`;
    const call = requireObject(c, p);
    rejectUnknownKeys(call, new Set(['id', 'type', 'function']), `${p}.`);
    if (typeof call.id !== 'string')
      throw invalidRequest(`${p}.id must be a string`, `${p}.id`, 'invalid_type');
    if (call.type !== 'function') throw invalidRequest(`${p}.type must be 'function'`, `${p}.type`);
    const fn = requireObject(call.function, `${p}.function`);
    rejectUnknownKeys(fn, new Set(['name', 'arguments']), `${p}.function.`);
    if (typeof fn.name !== 'string') {
      throw invalidRequest(`${p}.function.name must be a string`, `${p}.function.name`, 'invalid_type');
    }
    if (typeof fn.arguments !== 'string') {
      throw invalidRequest(
        `${p}.function.arguments must be a string`,
        `${p}.function.arguments`,
        'invalid_type',
      );
    }
    return { id: call.id, type: 'function', function: { name: fn.name, arguments: fn.arguments } };
  });
}

export function parseChatRequest(body: unknown, sessionHeader?: string): ChatRequest {
  const obj = requireObject(body, null);
  rejectUnknownKeys(obj, CHAT_KEYS);
  if (obj.messages === undefined || obj.messages === null) {
    throw invalidRequest('you must provide a messages parameter', 'messages', 'missing_required_parameter');
  }
  if (!Array.isArray(obj.messages))
    throw invalidRequest('messages must be an array', 'messages', 'invalid_type');
  if (obj.messages.length === 0) throw invalidRequest('messages must not be empty', 'messages');
  const common = parseCommon(obj, sessionHeader);
  const messages = obj.messages.map(parseMessage);

  // max_completion_tokens is the current name, max_tokens the deprecated one; both may not disagree.
  const mct = optInteger(obj.max_completion_tokens, 'max_completion_tokens', 1);
  if (mct !== undefined && common.maxTokens !== undefined && mct !== common.maxTokens) {
    throw invalidRequest('max_tokens and max_completion_tokens disagree', 'max_completion_tokens');
  }
  if (mct !== undefined) common.maxTokens = mct;

  onlyNeutral(obj.top_logprobs, 'top_logprobs', (x) => x === 0);
  onlyNeutral(obj.response_format, 'response_format', (x) => isObject(x) && x.type === 'text');
  onlyNeutral(obj.tools, 'tools', (x) => Array.isArray(x) && x.length === 0);
  onlyNeutral(obj.tool_choice, 'tool_choice', (x) => x === 'none');
  onlyNeutral(obj.parallel_tool_calls, 'parallel_tool_calls', (x) => typeof x === 'boolean');
  return { ...common, messages };
}
