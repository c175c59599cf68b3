/**
 * Whole-message Binary HTTP decoding (RFC 9292 3), both framings. For input that arrives in pieces use
 * stream-decode.ts; both give the same result for the same bytes.
 *
 * - Integers may use more bytes than needed (RFC 9292 3): accepted.
 * - Truncation (RFC 9292 3.8): the input may end at the start of the header section, the content or
 *   the trailer section; what is missing counts as empty ("Decoders MUST treat missing truncated fields
 *   as equivalent to having been sent with the length field set to zero"). Ending anywhere else
 *   (inside control data, a field line, a content chunk, or before the final status) is ERR_TRUNCATED.
 * - Padding (RFC 9292 3.8): any number of zero bytes after the message; a non-zero byte there is
 *   ERR_MALFORMED (we validate padding, which RFC 9292 3.8 makes optional).
 * - Content is a view into `bytes` when it was sent in one piece (no copy).
 */
import { concat } from '../bytes.ts';
import { invalidArgument, malformed, truncated } from '../errors.ts';
import { readVarint, varintLengthOf } from '../varint.ts';
import {
  checkMethod,
  checkTargetPart,
  decodeFail,
  latin1,
  readIndeterminateSection,
  readKnownLengthSection,
} from './fields.ts';
import type { DecodedRequest, DecodedResponse, Field, Framing, InformationalResponse } from './types.ts';

const EMPTY = new Uint8Array(0);

/** A cursor over the input; every read past the end is ERR_TRUNCATED. */
interface Cursor {
  b: Uint8Array;
  pos: number;
}

function varint(c: Cursor): number {
  const v = readVarint(c.b, c.pos);
  c.pos += varintLengthOf(c.b[c.pos]!);
  return v;
}

/** A length-prefixed byte string of control data (RFC 9292 3.4); returns [start, end). */
function prefixed(c: Cursor, what: string): [number, number] {
  const n = varint(c);
  const start = c.pos;
  if (n > c.b.length - start) throw truncated(what);
  c.pos = start + n;
  return [start, start + n];
}

/** RFC 9292 3.3: the framing indicator, one of 0..3. */
export function readFraming(c: Cursor): number {
  const fi = varint(c);
  if (fi > 3) throw malformed('framing indicator');
  return fi;
}

function fieldSection(c: Cursor, framing: Framing, trailers: boolean): Field[] {
  if (framing === 'indeterminate-length') {
    const { fields, next } = readIndeterminateSection(c.b, c.pos, c.b.length, trailers);
    c.pos = next;
    return fields;
  }
  const n = varint(c);
  const start = c.pos;
  if (n > c.b.length - start) throw truncated('field section');
  c.pos = start + n;
  return readKnownLengthSection(c.b, start, start + n, trailers);
}

function content(c: Cursor, framing: Framing): Uint8Array {
  if (framing === 'known-length') {
    const [start, end] = prefixed(c, 'content');
    return c.b.subarray(start, end);
  }
  // RFC 9292 3.2: non-zero-length chunks, then a zero Content Terminator.
  const chunks: Uint8Array[] = [];
  for (;;) {
    const [start, end] = prefixed(c, 'content chunk');
    if (start === end) break;
    chunks.push(c.b.subarray(start, end));
  }
  return chunks.length === 0 ? EMPTY : chunks.length === 1 ? chunks[0]! : concat(...chunks);
}

interface Tail {
  headers: Field[];
  content: Uint8Array;
  trailers: Field[];
  padding: number;
  truncated: boolean;
}

/** Header section, content, trailer section and padding, with the truncation rules of RFC 9292 3.8. */
function tail(c: Cursor, framing: Framing): Tail {
  const end = c.b.length;
  const out: Tail = { headers: [], content: EMPTY, trailers: [], padding: 0, truncated: true };
  if (c.pos === end) return out;
  out.headers = fieldSection(c, framing, false);
  if (c.pos === end) return out;
  out.content = content(c, framing);
  if (c.pos === end) return out;
  out.trailers = fieldSection(c, framing, true);
  out.truncated = false;
  for (let i = c.pos; i < end; i++) if (c.b[i] !== 0) throw malformed('padding (non-zero byte)');
  out.padding = end - c.pos;
  return out;
}

function checkInput(bytes: Uint8Array): void {
  if (!(bytes instanceof Uint8Array)) throw invalidArgument('Binary HTTP input must be a Uint8Array');
}

/** Decodes a Binary HTTP request (framing indicator 0 or 2). */
export function decodeRequest(bytes: Uint8Array): DecodedRequest {
  checkInput(bytes);
  const c: Cursor = { b: bytes, pos: 0 };
  const fi = readFraming(c);
  if (fi % 2 !== 0) throw malformed('request (framing indicator is a response)');
  const framing: Framing = fi === 0 ? 'known-length' : 'indeterminate-length';
  // RFC 9292 3.4: Method, Scheme, Authority, Path, each length-prefixed; never truncated.
  const [ms, me] = prefixed(c, 'control data');
  const [ss, se] = prefixed(c, 'control data');
  const [as, ae] = prefixed(c, 'control data');
  const [ps, pe] = prefixed(c, 'control data');
  checkMethod(bytes, ms, me, decodeFail);
  checkTargetPart(bytes, ss, se, 'scheme', decodeFail);
  checkTargetPart(bytes, as, ae, 'authority', decodeFail);
  checkTargetPart(bytes, ps, pe, 'path', decodeFail);
  const t = tail(c, framing);
  return {
    method: latin1(bytes, ms, me),
    scheme: latin1(bytes, ss, se),
    authority: latin1(bytes, as, ae),
    path: latin1(bytes, ps, pe),
    headers: t.headers,
    content: t.content,
    trailers: t.trailers,
    framing,
    padding: t.padding,
    truncated: t.truncated,
  };
}

/** Decodes a Binary HTTP response (framing indicator 1 or 3), informational responses included. */
export function decodeResponse(bytes: Uint8Array): DecodedResponse {
  checkInput(bytes);
  const c: Cursor = { b: bytes, pos: 0 };
  const fi = readFraming(c);
  if (fi % 2 !== 1) throw malformed('response (framing indicator is a request)');
  const framing: Framing = fi === 1 ? 'known-length' : 'indeterminate-length';
  const informational: InformationalResponse[] = [];
  let status = varint(c);
  // RFC 9292 3.5.1: 1xx control data and a header section repeat until a final status (200..599).
  while (status >= 100 && status <= 199) {
    if (c.pos === bytes.length) throw truncated('response (no final status)');
    informational.push({ status, headers: fieldSection(c, framing, false) });
    status = varint(c);
  }
  if (status < 200 || status > 599) throw malformed('status code');
  const t = tail(c, framing);
  return {
    informational,
    status,
    headers: t.headers,
    content: t.content,
    trailers: t.trailers,
    framing,
    padding: t.padding,
    truncated: t.truncated,
  };
}

export type DecodedMessage =
  | ({ kind: 'request' } & DecodedRequest)
  | ({ kind: 'response' } & DecodedResponse);

/** Decodes either kind, as the framing indicator says. */
export function decodeMessage(bytes: Uint8Array): DecodedMessage {
  checkInput(bytes);
  const fi = readFraming({ b: bytes, pos: 0 });
  return fi % 2 === 0
    ? { kind: 'request', ...decodeRequest(bytes) }
    : { kind: 'response', ...decodeResponse(bytes) };
}
