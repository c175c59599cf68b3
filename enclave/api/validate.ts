/**
 * Field validators shared by the request parsers. Each takes an `unknown` from parsed JSON and either
 * returns a typed value or throws a 400 `ApiError` naming the field (`param`). Strictness is the
 * point: a field we do not honour is refused, never silently ignored, so a client never believes it
 * got behaviour it did not get. `null` counts as absent for optional fields, as OpenAI's API does.
 */
import { invalidRequest } from './errors.ts';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type JsonObject = { [k: string]: Json };

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function requireObject(v: unknown, param: string | null): JsonObject {
  if (!isObject(v))
    throw invalidRequest(`${param ?? 'The request body'} must be a JSON object`, param, 'invalid_type');
  return v;
}

/** Every key of `obj` must be in `allowed`; the first stranger is reported as OpenAI does. */
export function rejectUnknownKeys(obj: JsonObject, allowed: ReadonlySet<string>, prefix = ''): void {
  for (const k of Object.keys(obj)) {
    if (!allowed.has(k)) {
      throw invalidRequest(
        `Unrecognized request argument supplied: ${prefix}${k}`,
        `${prefix}${k}`,
        'unknown_parameter',
      );
    }
  }
}

export function optString(v: unknown, param: string, maxLength = 1 << 20): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw invalidRequest(`${param} must be a string`, param, 'invalid_type');
  if (v.length > maxLength) throw invalidRequest(`${param} is longer than ${maxLength} characters`, param);
  return v;
}

export function optBoolean(v: unknown, param: string): boolean | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw invalidRequest(`${param} must be a boolean`, param, 'invalid_type');
  return v;
}

/** A finite number in [min, max]; `minExclusive` makes the lower bound open. */
export function optNumber(
  v: unknown,
  param: string,
  min: number,
  max: number,
  minExclusive = false,
): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw invalidRequest(`${param} must be a number`, param, 'invalid_type');
  }
  if (v > max || v < min || (minExclusive && v === min)) {
    const lo = minExclusive ? `greater than ${min}` : `at least ${min}`;
    throw invalidRequest(`${param} must be ${lo} and at most ${max}`, param);
  }
  return v;
}

/** A safe integer in [min, max]. */
export function optInteger(
  v: unknown,
  param: string,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) {
    throw invalidRequest(`${param} must be an integer`, param, 'invalid_type');
  }
  if (v < min || v > max) throw invalidRequest(`${param} must be at least ${min} and at most ${max}`, param);
  return v;
}

/** A parameter we accept only at its neutral value (the one that changes nothing). */
export function onlyNeutral(v: unknown, param: string, isNeutral: (v: unknown) => boolean): void {
  if (v === undefined || v === null) return;
  if (!isNeutral(v))
    throw invalidRequest(`${param} is not supported by this server`, param, 'unsupported_parameter');
}
