/**
 * The request fields that /v1/chat/completions and /v1/completions share: model, sampling, length,
 * stop, streaming, session, and the OpenAI fields we accept only at their neutral values.
 * Defaults follow OpenAI's API reference (temperature 1, top_p 1, n 1, stream false).
 */
import { invalidRequest } from './errors.ts';
import { sessionOf } from './session.ts';
import {
  isObject,
  type JsonObject,
  onlyNeutral,
  optBoolean,
  optInteger,
  optNumber,
  optString,
} from './validate.ts';

export interface InferenceParams {
  model: string;
  /** Absent: as many as the context allows. */
  maxTokens?: number;
  temperature: number;
  topP: number;
  /** tacit extension; 0 means off. */
  topK: number;
  seed?: number;
  stop: string[];
  stream: boolean;
  includeUsage: boolean;
  sessionId?: string;
}

/** Keys every endpoint understands (each endpoint adds its own). */
export const COMMON_KEYS: readonly string[] = [
  'model',
  'max_tokens',
  'temperature',
  'top_p',
  'top_k',
  'seed',
  'stop',
  'n',
  'stream',
  'stream_options',
  'session_id',
  'user',
  'frequency_penalty',
  'presence_penalty',
  'logit_bias',
  'logprobs',
];

/** OpenAI allows up to 4 stop sequences. */
const MAX_STOP = 4;
const MAX_STOP_LENGTH = 256;

function parseStop(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  const list = typeof v === 'string' ? [v] : v;
  if (!Array.isArray(list))
    throw invalidRequest('stop must be a string or an array of strings', 'stop', 'invalid_type');
  if (list.length > MAX_STOP) throw invalidRequest(`stop may hold at most ${MAX_STOP} sequences`, 'stop');
  return list.map((s, i) => {
    const param = typeof v === 'string' ? 'stop' : `stop[${i}]`;
    if (typeof s !== 'string') throw invalidRequest(`${param} must be a string`, param, 'invalid_type');
    if (s.length === 0) throw invalidRequest(`${param} must not be empty`, param);
    if (s.length > MAX_STOP_LENGTH)
      throw invalidRequest(`${param} is longer than ${MAX_STOP_LENGTH} characters`, param);
    return s;
  });
}

function parseStreamOptions(v: unknown, stream: boolean): boolean {
  if (v === undefined || v === null) return false;
  if (!stream) throw invalidRequest('stream_options is only allowed when stream is true', 'stream_options');
  if (!isObject(v))
    throw invalidRequest('stream_options must be an object', 'stream_options', 'invalid_type');
  for (const k of Object.keys(v)) {
    if (k !== 'include_usage') {
      throw invalidRequest(
        `Unrecognized request argument supplied: stream_options.${k}`,
        `stream_options.${k}`,
        'unknown_parameter',
      );
    }
  }
  return optBoolean(v.include_usage, 'stream_options.include_usage') ?? false;
}

/**
 * Parses the shared fields of `body` (already checked to be an object with no unknown keys).
 * `maxTokens` is given by the caller: chat accepts two spellings of it.
 */
export function parseCommon(body: JsonObject, sessionHeader: string | undefined): InferenceParams {
  if (body.model === undefined || body.model === null) {
    throw invalidRequest('you must provide a model parameter', 'model', 'missing_required_parameter');
  }
  const model = optString(body.model, 'model', 256)!;
  const temperature = optNumber(body.temperature, 'temperature', 0, 2) ?? 1;
  const topP = optNumber(body.top_p, 'top_p', 0, 1, true) ?? 1;
  const topK = optInteger(body.top_k, 'top_k', 0) ?? 0;
  const seed = optInteger(body.seed, 'seed', Number.MIN_SAFE_INTEGER);
  const n = optInteger(body.n, 'n', 1);
  if (n !== undefined && n !== 1)
    throw invalidRequest('n must be 1 on this server', 'n', 'unsupported_parameter');
  const stop = parseStop(body.stop);
  const stream = optBoolean(body.stream, 'stream') ?? false;
  const includeUsage = parseStreamOptions(body.stream_options, stream);
  const sessionId = sessionOf(body.session_id, sessionHeader);
  // Accepted for compatibility, never stored or logged: `user` would tie requests to a person.
  optString(body.user, 'user', 256);
  const zero = (x: unknown): boolean => x === 0;
  onlyNeutral(optNumber(body.frequency_penalty, 'frequency_penalty', -2, 2), 'frequency_penalty', zero);
  onlyNeutral(optNumber(body.presence_penalty, 'presence_penalty', -2, 2), 'presence_penalty', zero);
  onlyNeutral(body.logit_bias, 'logit_bias', (x) => isObject(x) && Object.keys(x).length === 0);
  onlyNeutral(body.logprobs, 'logprobs', (x) => x === false || x === 0);
  const out: InferenceParams = { model, temperature, topP, topK, stop, stream, includeUsage };
  const maxTokens = optInteger(body.max_tokens, 'max_tokens', 1);
  if (maxTokens !== undefined) out.maxTokens = maxTokens;
  if (seed !== undefined) out.seed = seed;
  if (sessionId !== undefined) out.sessionId = sessionId;
  return out;
}
