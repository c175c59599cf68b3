/**
 * Field lines (RFC 9292 3.6) and the byte rules for fields and request control data (RFC 9292 3.4).
 * Private to shared/bhttp: the decoders and encoders share these checks, so that the encoder refuses
 * exactly what the decoder rejects.
 *
 * Rules enforced (an invalid message is ERR_MALFORMED when decoding, ERR_INVALID_ARGUMENT when encoding):
 * - Field names are non-empty tokens (RFC 9110 5.1, 5.6.2) without uppercase letters (RFC 9113 8.2.1,
 *   which RFC 9292 3.6 makes binding: "byte values that are not permitted in an HTTP field name cause the
 *   message to be invalid").
 * - Field values contain no NUL, CR or LF and neither start nor end with SP or HTAB (RFC 9113 8.2.1).
 * - `:method`, `:scheme`, `:authority`, `:path` and `:status` never appear as fields; other pseudo-fields
 *   (protocol extensions) may appear in a header section before every regular field, never in trailers
 *   (RFC 9292 3.6).
 * - Method is a token (RFC 9110 9.1); scheme, authority and path are visible ASCII (0x21..0x7e). The
 *   latter is stricter than RFC 9292 (which defers to RFC 9113 8.3.1); it keeps a decoded request from
 *   being split or smuggled when a gateway replays it over HTTP/1.1.
 */
import { invalidArgument, malformed, type TacitError, truncated } from '../errors.ts';
import { readVarint, varintLengthOf } from '../varint.ts';
import type { Field } from './types.ts';

/** tchar (RFC 9110 5.6.2) without uppercase ALPHA: 1 where a byte may appear in a field name. */
const NAME = new Uint8Array(256);
/** tchar including uppercase: the method token (RFC 9110 9.1). */
const TOKEN = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyz") {
  NAME[c.charCodeAt(0)] = 1;
  TOKEN[c.charCodeAt(0)] = 1;
}
for (let c = 0x41; c <= 0x5a; c++) TOKEN[c] = 1;

/** How a check reports a violation: malformed input when decoding, a bad argument when encoding. */
export type Fail = (what: string) => TacitError;
export const decodeFail: Fail = malformed;
export const encodeFail: Fail = (what) => invalidArgument(`invalid ${what}`);

/** Bytes to a one-byte-per-character string (see types.ts). Not TextDecoder('latin1'): that is windows-1252. */
export function latin1(bytes: Uint8Array, start: number, end: number): string {
  if (end - start <= 4096) {
    return String.fromCharCode.apply(null, bytes.subarray(start, end) as unknown as number[]);
  }
  let s = '';
  for (let i = start; i < end; i += 4096) {
    s += String.fromCharCode.apply(null, bytes.subarray(i, Math.min(end, i + 4096)) as unknown as number[]);
  }
  return s;
}

/** Writes a one-byte-per-character string; characters above 0xff cannot be HTTP bytes. */
export function writeLatin1(out: Uint8Array, offset: number, s: string, what: string): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff) throw invalidArgument(`${what} has a character above 0xff at ${i}`);
    out[offset + i] = c;
  }
  return offset + s.length;
}

export function checkMethod(b: Uint8Array, start: number, end: number, fail: Fail): void {
  if (start === end) throw fail('method (empty)');
  for (let i = start; i < end; i++) if (TOKEN[b[i]!] !== 1) throw fail('method');
}

/** Scheme, authority and path: visible ASCII only (see the file comment). */
export function checkTargetPart(b: Uint8Array, start: number, end: number, what: string, fail: Fail): void {
  for (let i = start; i < end; i++) {
    const c = b[i]!;
    if (c <= 0x20 || c >= 0x7f) throw fail(what);
  }
}

const FORBIDDEN_PSEUDO = new Set([':method', ':scheme', ':authority', ':path', ':status']);

/**
 * One field section being read or written: checks each line against the rules above, including the
 * order of pseudo-fields, and collects the decoded fields.
 */
export class FieldSection {
  readonly fields: Field[] = [];
  private seenRegular = false;

  constructor(
    private readonly trailers: boolean,
    private readonly fail: Fail,
  ) {}

  /** Checks the name bytes [ns, ne) and value bytes [vs, ve) of one field line. */
  check(b: Uint8Array, ns: number, ne: number, vs: number, ve: number): void {
    const fail = this.fail;
    if (ns === ne) throw fail('field name (empty)');
    if (b[ns] === 0x3a) {
      // RFC 9292 3.6: pseudo-fields precede regular ones and never appear in trailers.
      if (this.trailers) throw fail('field section (pseudo-field in trailers)');
      if (this.seenRegular) throw fail('field section (pseudo-field after a regular field)');
      if (ne - ns < 2) throw fail('field name');
      for (let i = ns + 1; i < ne; i++) if (NAME[b[i]!] !== 1) throw fail('field name');
      if (FORBIDDEN_PSEUDO.has(latin1(b, ns, ne))) throw fail('field section (control data as a field)');
    } else {
      this.seenRegular = true;
      for (let i = ns; i < ne; i++) if (NAME[b[i]!] !== 1) throw fail('field name');
    }
    if (vs < ve) {
      const first = b[vs]!;
      const last = b[ve - 1]!;
      if (first === 0x20 || first === 0x09 || last === 0x20 || last === 0x09) throw fail('field value');
      for (let i = vs; i < ve; i++) {
        const c = b[i]!;
        if (c === 0x00 || c === 0x0a || c === 0x0d) throw fail('field value');
      }
    }
  }

  /**
   * Reads one field line at `pos` whose Name Length is non-zero (the caller handles the zero that ends
   * an indeterminate-length section). Returns the offset after the line, or -1 if `end` comes first.
   */
  readLine(b: Uint8Array, pos: number, end: number): number {
    const nameLen = readVarint(b, pos, end);
    const ns = pos + varintLengthOf(b[pos]!);
    const ne = ns + nameLen;
    if (ne >= end) return -1; // the value length follows the name, so the name cannot end the input
    const vs = ne + varintLengthOf(b[ne]!);
    if (vs > end) return -1;
    const ve = vs + readVarint(b, ne, end);
    if (ve > end) return -1;
    this.check(b, ns, ne, vs, ve);
    this.fields.push([latin1(b, ns, ne), latin1(b, vs, ve)]);
    return ve;
  }
}

/**
 * Reads a whole known-length field section occupying [start, end) (RFC 9292 3.1). A line that runs past
 * the section's own length is malformed, not truncated: the length said where the section ends.
 */
export function readKnownLengthSection(
  b: Uint8Array,
  start: number,
  end: number,
  trailers: boolean,
): Field[] {
  const section = new FieldSection(trailers, decodeFail);
  let pos = start;
  while (pos < end) {
    let next: number;
    try {
      next = section.readLine(b, pos, end);
    } catch (e) {
      if ((e as TacitError).code === 'ERR_TRUNCATED')
        throw malformed('field section (line exceeds its length)');
      throw e;
    }
    if (next < 0) throw malformed('field section (line exceeds its length)');
    pos = next;
  }
  return section.fields;
}

/** Reads an indeterminate-length field section at `pos` up to and including its zero terminator. */
export function readIndeterminateSection(
  b: Uint8Array,
  pos: number,
  end: number,
  trailers: boolean,
): { fields: Field[]; next: number } {
  const section = new FieldSection(trailers, decodeFail);
  for (;;) {
    // RFC 9292 3.2: a zero where a Name Length would be ends the section (in any varint length, RFC 9292 3).
    if (readVarint(b, pos, end) === 0) return { fields: section.fields, next: pos + varintLengthOf(b[pos]!) };
    const next = section.readLine(b, pos, end);
    if (next < 0) throw truncated('field line');
    pos = next;
  }
}
