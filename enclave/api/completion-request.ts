/**
 * POST /v1/completions (the legacy text-completion API) request body: validation into a
 * `CompletionRequest`. One prompt per request (n = 1): a string, or token ids, optionally wrapped
 * in a one-element array as OpenAI's batch form allows.
 */
import { invalidRequest } from './errors.ts';
import { COMMON_KEYS, type InferenceParams, parseCommon } from './params.ts';
import { onlyNeutral, rejectUnknownKeys, requireObject } from './validate.ts';

export interface CompletionRequest extends InferenceParams {
  /** Text to encode, or token ids used as they are. */
  prompt: string | number[];
}

const COMPLETION_KEYS = new Set([...COMMON_KEYS, 'prompt', 'echo', 'suffix', 'best_of']);

function isTokenArray(v: unknown): v is number[] {
  return Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'number');
}

function parsePrompt(v: unknown, vocabSize: number): string | number[] {
  if (v === undefined || v === null) {
    throw invalidRequest('you must provide a prompt parameter', 'prompt', 'missing_required_parameter');
  }
  let p: unknown = v;
  // ["text"] and [[1, 2, 3]] are one-prompt batches.
  if (Array.isArray(v) && v.length === 1 && (typeof v[0] === 'string' || Array.isArray(v[0]))) p = v[0];
  else if (Array.isArray(v) && v.length > 1 && !isTokenArray(v)) {
    throw invalidRequest('only one prompt per request is supported', 'prompt', 'unsupported_parameter');
  }
  if (typeof p === 'string') {
    if (p.length === 0) throw invalidRequest('prompt must not be empty', 'prompt');
    return p;
  }
  if (isTokenArray(p)) {
    for (const id of p) {
      if (!Number.isInteger(id) || id < 0 || id >= vocabSize) {
        throw invalidRequest(`prompt token ids must be integers in [0, ${vocabSize})`, 'prompt');
      }
    }
    return p;
  }
  if (Array.isArray(p) && p.length === 0) throw invalidRequest('prompt must not be empty', 'prompt');
  throw invalidRequest('prompt must be a string or an array of token ids', 'prompt', 'invalid_type');
}

export function parseCompletionRequest(
  body: unknown,
  vocabSize: number,
  sessionHeader?: string,
): CompletionRequest {
  const obj = requireObject(body, null);
  rejectUnknownKeys(obj, COMPLETION_KEYS);
  const prompt = parsePrompt(obj.prompt, vocabSize);
  const common = parseCommon(obj, sessionHeader);
  onlyNeutral(obj.echo, 'echo', (x) => x === false);
  onlyNeutral(obj.suffix, 'suffix', (x) => x === '');
  onlyNeutral(obj.best_of, 'best_of', (x) => x === 1);
  return { ...common, prompt };
}
