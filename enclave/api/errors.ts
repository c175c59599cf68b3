/**
 * Errors of the OpenAI-compatible API, and their one mapping to HTTP at the edge.
 *
 * The wire shape is OpenAI's: `{ "error": { "message", "type", "param", "code" } }`, with the status
 * telling the class (400 invalid request, 404 unknown model or session, 503 queue full with
 * Retry-After, 500 anything else). Messages never echo prompt text or other request content.
 */
import { EngineError } from '../engine/types.ts';

export type ApiErrorType = 'invalid_request_error' | 'not_found_error' | 'server_error' | 'overloaded_error';

export interface ApiErrorBody {
  error: { message: string; type: ApiErrorType; param: string | null; code: string | null };
}

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: 400 | 404 | 413 | 429 | 500 | 503,
    readonly type: ApiErrorType,
    message: string,
    readonly param: string | null = null,
    readonly code: string | null = null,
    /** Seconds a client should wait before retrying (Retry-After), for 429/503. */
    readonly retryAfter?: number,
  ) {
    super(message);
  }

  body(): ApiErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

/** A request field failed validation. `param` names the field, dotted for nested ones. */
export function invalidRequest(message: string, param: string | null, code = 'invalid_value'): ApiError {
  return new ApiError(400, 'invalid_request_error', message, param, code);
}

export function modelNotFound(model: string): ApiError {
  // OpenAI answers an unknown model with 404 and code model_not_found. The name is the client's own
  // input, not prompt content, so echoing it (bounded) is safe and useful.
  return new ApiError(
    404,
    'invalid_request_error',
    `The model '${model.slice(0, 128)}' does not exist`,
    'model',
    'model_not_found',
  );
}

export function sessionNotFound(): ApiError {
  // The id is a capability (docs/api.md): never echo it back.
  return new ApiError(404, 'not_found_error', 'No such session', 'session_id', 'session_not_found');
}

/** Retry-After for a full queue: a second is long enough for a decode step to drain a slot. */
export const QUEUE_FULL_RETRY_AFTER_S = 1;

/** The one place an engine failure becomes an HTTP answer. */
export function fromEngineError(e: EngineError): ApiError {
  switch (e.code) {
    case 'queue_full':
      return new ApiError(
        503,
        'overloaded_error',
        'The engine is at capacity; retry later',
        null,
        'queue_full',
        QUEUE_FULL_RETRY_AFTER_S,
      );
    case 'context_length_exceeded':
      return invalidRequest(
        "This request exceeds the model's maximum context length",
        'messages',
        'context_length_exceeded',
      );
    case 'no_such_session':
      return sessionNotFound();
    case 'closed':
      return new ApiError(503, 'server_error', 'The engine is shutting down', null, 'engine_closed', 5);
    default:
      return internalError();
  }
}

export function internalError(): ApiError {
  return new ApiError(
    500,
    'server_error',
    'The server had an error processing the request',
    null,
    'internal_error',
  );
}

/** Anything thrown inside a handler, as an ApiError: unknown errors become a generic 500. */
export function toApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  if (e instanceof EngineError) return fromEngineError(e);
  return internalError();
}

/** The HTTP response for an error (JSON, with Retry-After where one applies). */
export function errorResponse(err: ApiError): Response {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (err.retryAfter !== undefined) headers['retry-after'] = String(err.retryAfter);
  return new Response(JSON.stringify(err.body()), { status: err.status, headers });
}
