/**
 * OpenAI response objects: chat.completion, chat.completion.chunk, text_completion, and usage.
 * Field order and presence follow OpenAI's API reference, so strict clients (the `openai` SDK,
 * LangChain, agents) parse them unchanged. `logprobs` is always null (not offered).
 */
import type { Usage } from '../engine/types.ts';

export type ApiFinishReason = 'stop' | 'length';

export interface UsageBody {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details: { cached_tokens: number };
}

export function usageBody(u: Usage): UsageBody {
  return {
    prompt_tokens: u.promptTokens,
    completion_tokens: u.completionTokens,
    total_tokens: u.promptTokens + u.completionTokens,
    prompt_tokens_details: { cached_tokens: u.cachedTokens },
  };
}

/** What every object of one response shares: the same id and created time on every chunk. */
export interface ResponseMeta {
  id: string;
  /** Unix seconds. */
  created: number;
  model: string;
  /** Names the exact model weights (digest prefix), so an audit can tell which model answered. */
  systemFingerprint: string;
}

export function chatCompletion(m: ResponseMeta, text: string, finish: ApiFinishReason, u: Usage) {
  return {
    id: m.id,
    object: 'chat.completion' as const,
    created: m.created,
    model: m.model,
    system_fingerprint: m.systemFingerprint,
    choices: [
      {
        index: 0,
        message: { role: 'assistant' as const, content: text, refusal: null },
        logprobs: null,
        finish_reason: finish,
      },
    ],
    usage: usageBody(u),
  };
}

export interface ChunkDelta {
  role?: 'assistant';
  content?: string;
}

/**
 * One streamed chat chunk. With include_usage every chunk carries `usage: null` and a final chunk
 * with empty `choices` carries the usage (OpenAI's stream_options contract).
 */
export function chatChunk(
  m: ResponseMeta,
  delta: ChunkDelta,
  finish: ApiFinishReason | null,
  includeUsage: boolean,
) {
  return {
    id: m.id,
    object: 'chat.completion.chunk' as const,
    created: m.created,
    model: m.model,
    system_fingerprint: m.systemFingerprint,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    ...(includeUsage ? { usage: null } : {}),
  };
}

export function chatUsageChunk(m: ResponseMeta, u: Usage) {
  return {
    id: m.id,
    object: 'chat.completion.chunk' as const,
    created: m.created,
    model: m.model,
    system_fingerprint: m.systemFingerprint,
    choices: [],
    usage: usageBody(u),
  };
}

export function textCompletion(
  m: ResponseMeta,
  text: string,
  finish: ApiFinishReason | null,
  u: Usage | null,
) {
  return {
    id: m.id,
    object: 'text_completion' as const,
    created: m.created,
    model: m.model,
    system_fingerprint: m.systemFingerprint,
    choices: [{ index: 0, text, logprobs: null, finish_reason: finish }],
    ...(u === null ? {} : { usage: usageBody(u) }),
  };
}

/** A streamed text_completion chunk; `usage: null` on each when include_usage is set. */
export function textCompletionChunk(
  m: ResponseMeta,
  text: string,
  finish: ApiFinishReason | null,
  includeUsage: boolean,
) {
  return { ...textCompletion(m, text, finish, null), ...(includeUsage ? { usage: null } : {}) };
}

export function textUsageChunk(m: ResponseMeta, u: Usage) {
  return {
    id: m.id,
    object: 'text_completion' as const,
    created: m.created,
    model: m.model,
    system_fingerprint: m.systemFingerprint,
    choices: [],
    usage: usageBody(u),
  };
}
