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

/** Any surrogate code unit at all: the common case (none) is one native scan. */
const SURROGATE = /[\ud800-\udfff]/;

function str(s: string): string {
  if (SURROGATE.test(s) && hasLoneSurrogate(s))
    throw invalidArgument('JSON string with a lone surrogate (RFC 7493 2.1)');
  return JSON.stringify(s);
}

// Plain loops and string concatenation rather than map/join: receipts are canonicalized once per
// answer on the gateway's hot path.
export function canonicalize(value: JsonValue): string {
  if (value === null || typeof value === 'boolean') return value === null ? 'null' : String(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw invalidArgument('non-finite number in JSON (RFC 8785 3.2.2.3)');
    return JSON.stringify(value);
  }
  if (typeof value === 'string') return str(value);
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i === 0 ? '' : ',') + canonicalize(value[i] as JsonValue);
    return `${out}]`;
  }
  if (typeof value === 'object') {
    const obj = value as { readonly [k: string]: JsonValue };
    // Array.prototype.sort without a comparator orders strings by UTF-16 code units (ECMA-262
    // 23.1.3.30.2), which is exactly RFC 8785 3.2.3's order.
    const keys = Object.keys(obj).sort();
    let out = '{';
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      out += `${i === 0 ? '' : ','}${str(k)}:${canonicalize(obj[k]!)}`;
    }
    return `${out}}`;
  }
  throw invalidArgument(`not a JSON value: ${typeof value}`);
}
