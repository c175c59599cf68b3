/**
 * RFC 8785 JSON Canonicalization Scheme, for the JSON values receipts use (objects, arrays, strings,
 * finite numbers, booleans, null).
 *
 * RFC 8785 3.2.2 defines primitives by ECMAScript's JSON.stringify (3.2.2.2 strings, 3.2.2.3 numbers:
 * the shortest round-tripping form, -0 as 0), so JavaScript needs no number formatter of its own;
 * 3.2.3 sorts object members by their names as arrays of UTF-16 code units, which is what comparing
 * JavaScript strings with < does. Whitespace is never emitted. I-JSON (RFC 7493) rules apply: no lone
 * surrogates, no non-finite numbers.
 */
import { invalidArgument } from '../errors.ts';

export type JsonValue =
  | null
  | boolean
  | number
  | string
  | readonly JsonValue[]
  | { readonly [k: string]: JsonValue };

function hasLoneSurrogate(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (!(d >= 0xdc00 && d <= 0xdfff)) return true;
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      return true;
    }
  }
  return false;
}

function str(s: string): string {
  if (hasLoneSurrogate(s)) throw invalidArgument('JSON string with a lone surrogate (RFC 7493 2.1)');
  return JSON.stringify(s);
}

export function canonicalize(value: JsonValue): string {
  if (value === null || typeof value === 'boolean') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw invalidArgument('non-finite number in JSON (RFC 8785 3.2.2.3)');
    return JSON.stringify(value);
  }
  if (typeof value === 'string') return str(value);
  if (Array.isArray(value)) return `[${value.map((v: JsonValue) => canonicalize(v)).join(',')}]`;
  if (typeof value === 'object') {
    const obj = value as { readonly [k: string]: JsonValue };
    const keys = Object.keys(obj).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${keys.map((k) => `${str(k)}:${canonicalize(obj[k]!)}`).join(',')}}`;
  }
  throw invalidArgument(`not a JSON value: ${typeof value}`);
}
