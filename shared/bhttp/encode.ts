/**
 * Whole-message Binary HTTP encoding (RFC 9292 3), both framings, with optional truncation and padding.
 *
 * Sizes are computed first and the output is allocated once. Integers are written in their minimal
 * form. The encoder refuses (ERR_INVALID_ARGUMENT) every message that the decoder would reject, using the
 * same checks (fields.ts). What it emits by default: every section, even when empty (no truncation), no
 * padding; the indeterminate form writes the content as a single chunk (RFC 9292 6: chunk boundaries
 * carry no meaning).
 */
import { invalidArgument } from '../errors.ts';
import { varintSize, writeVarint } from '../varint.ts';
import { checkMethod, checkTargetPart, encodeFail, FieldSection, writeLatin1 } from './fields.ts';
import type { EncodeOptions, Field, Framing, InformationalResponse, RequestHead } from './types.ts';

export type RequestInput = Omit<RequestHead, 'headers'> & {
  headers?: Field[];
  content?: Uint8Array;
  trailers?: Field[];
};

export type ResponseInput = {
  status: number;
  headers?: Field[];
  informational?: InformationalResponse[];
  content?: Uint8Array;
  trailers?: Field[];
};

/** Bytes taken by the field lines of a section, without its length prefix or terminator. */
export function fieldLinesSize(fields: readonly Field[]): number {
  if (!Array.isArray(fields)) throw invalidArgument('fields must be an array of [name, value]');
  let n = 0;
  for (const f of fields) {
    if (!Array.isArray(f) || typeof f[0] !== 'string' || typeof f[1] !== 'string') {
      throw invalidArgument('a field must be [name: string, value: string]');
    }
    n += varintSize(f[0].length) + f[0].length + varintSize(f[1].length) + f[1].length;
  }
  return n;
}

/** Writes field lines (RFC 9292 3.6), checking each as the decoder would. */
export function writeFieldLines(
  out: Uint8Array,
  pos: number,
  fields: readonly Field[],
  trailers: boolean,
): number {
  const section = new FieldSection(trailers, encodeFail);
  for (const [name, value] of fields) {
    pos = writeVarint(out, pos, name.length);
    const ns = pos;
    pos = writeLatin1(out, pos, name, 'field name');
    const ne = pos;
    pos = writeVarint(out, pos, value.length);
    const vs = pos;
    pos = writeLatin1(out, pos, value, 'field value');
    section.check(out, ns, ne, vs, pos);
  }
  return pos;
}

/** Size of a whole field section in the given framing (length prefix or zero terminator included). */
export function sectionSize(lines: number, framing: Framing): number {
  return framing === 'known-length' ? varintSize(lines) + lines : lines + 1;
}

export function writeSection(
  out: Uint8Array,
  pos: number,
  fields: readonly Field[],
  lines: number,
  framing: Framing,
  trailers: boolean,
): number {
  if (framing === 'known-length') pos = writeVarint(out, pos, lines);
  pos = writeFieldLines(out, pos, fields, trailers);
  return framing === 'known-length' ? pos : writeVarint(out, pos, 0);
}

function contentSize(content: Uint8Array, framing: Framing): number {
  const n = content.length;
  if (framing === 'known-length') return varintSize(n) + n;
  return n === 0 ? 1 : varintSize(n) + n + 1; // one chunk, then the Content Terminator
}

function writeContent(out: Uint8Array, pos: number, content: Uint8Array, framing: Framing): number {
  if (content.length > 0 || framing === 'known-length') {
    pos = writeVarint(out, pos, content.length);
    out.set(content, pos);
    pos += content.length;
  }
  return framing === 'known-length' ? pos : writeVarint(out, pos, 0);
}

function framingOf(options: EncodeOptions | undefined): Framing {
  const f = options?.framing ?? 'known-length';
  if (f !== 'known-length' && f !== 'indeterminate-length')
    throw invalidArgument(`unknown framing ${String(f)}`);
  return f;
}

function bytesOf(content: Uint8Array | undefined): Uint8Array {
  if (content === undefined) return new Uint8Array(0);
  if (!(content instanceof Uint8Array)) throw invalidArgument('content must be a Uint8Array');
  return content;
}

/** Final length with RFC 9292 3.8 padding: `padding` zero bytes, then up to `padTo(length)`. */
export function paddedLength(length: number, options: EncodeOptions | undefined): number {
  const padding = options?.padding ?? 0;
  if (!Number.isSafeInteger(padding) || padding < 0) throw invalidArgument('padding must be an integer >= 0');
  let total = length + padding;
  if (options?.padTo !== undefined) {
    const padded = options.padTo(total);
    if (!Number.isSafeInteger(padded) || padded < total)
      throw invalidArgument('padding policy shrank the message');
    total = padded;
  }
  return total;
}

/**
 * Encodes the sections after the control data. `lead` is the size of what precedes them; `writeLead`
 * writes it. Handles truncation (RFC 9292 3.8) and padding, and allocates once.
 */
function encodeTail(
  lead: number,
  writeLead: (out: Uint8Array) => number,
  headers: readonly Field[],
  content: Uint8Array,
  trailers: readonly Field[],
  framing: Framing,
  options: EncodeOptions | undefined,
): Uint8Array {
  const hl = fieldLinesSize(headers);
  const tl = fieldLinesSize(trailers);
  // How many sections to write: 3 unless truncating trailing empty ones (trailers, content, headers).
  let sections = 3;
  if (options?.truncate === true) {
    if (tl === 0) sections = 2;
    if (sections === 2 && content.length === 0) sections = 1;
    if (sections === 1 && hl === 0) sections = 0;
  }
  let size = lead;
  if (sections >= 1) size += sectionSize(hl, framing);
  if (sections >= 2) size += contentSize(content, framing);
  if (sections >= 3) size += sectionSize(tl, framing);
  const out = new Uint8Array(paddedLength(size, options)); // zero-filled: the padding is already there
  let pos = writeLead(out);
  if (sections >= 1) pos = writeSection(out, pos, headers, hl, framing, false);
  if (sections >= 2) pos = writeContent(out, pos, content, framing);
  if (sections >= 3) writeSection(out, pos, trailers, tl, framing, true);
  return out;
}

/** Request control data (RFC 9292 3.4) after the framing indicator; returns the end offset. */
export function writeRequestLead(out: Uint8Array, pos: number, head: RequestInput, framing: Framing): number {
  pos = writeVarint(out, pos, framing === 'known-length' ? 0 : 2);
  const parts = [head.method, head.scheme, head.authority, head.path];
  const names = ['method', 'scheme', 'authority', 'path'];
  for (let i = 0; i < 4; i++) {
    const s = parts[i]!;
    pos = writeVarint(out, pos, s.length);
    const start = pos;
    pos = writeLatin1(out, pos, s, names[i]!);
    if (i === 0) checkMethod(out, start, pos, encodeFail);
    else checkTargetPart(out, start, pos, names[i]!, encodeFail);
  }
  return pos;
}

export function requestLeadSize(head: RequestInput): number {
  let n = 1;
  for (const s of [head.method, head.scheme, head.authority, head.path]) {
    if (typeof s !== 'string') throw invalidArgument('method, scheme, authority and path must be strings');
    n += varintSize(s.length) + s.length;
  }
  return n;
}

export function checkStatus(status: number, informational: boolean): void {
  const [lo, hi] = informational ? [100, 199] : [200, 599];
  if (!Number.isInteger(status) || status < lo || status > hi) {
    throw invalidArgument(`${informational ? 'informational' : 'final'} status must be in ${lo}..${hi}`);
  }
}

/** Encodes a request (RFC 9292 3.1 / 3.2). */
export function encodeRequest(msg: RequestInput, options?: EncodeOptions): Uint8Array {
  const framing = framingOf(options);
  const lead = requestLeadSize(msg);
  return encodeTail(
    lead,
    (out) => writeRequestLead(out, 0, msg, framing),
    msg.headers ?? [],
    bytesOf(msg.content),
    msg.trailers ?? [],
    framing,
    options,
  );
}

/** Informational responses and final control data (RFC 9292 3.5), after the framing indicator. */
export function responseLeadSize(
  status: number,
  informational: readonly InformationalResponse[],
  framing: Framing,
) {
  checkStatus(status, false);
  let n = 1 + varintSize(status);
  for (const info of informational) {
    checkStatus(info.status, true);
    n += varintSize(info.status) + sectionSize(fieldLinesSize(info.headers), framing);
  }
  return n;
}

export function writeResponseLead(
  out: Uint8Array,
  pos: number,
  status: number,
  informational: readonly InformationalResponse[],
  framing: Framing,
): number {
  pos = writeVarint(out, pos, framing === 'known-length' ? 1 : 3);
  for (const info of informational) {
    pos = writeVarint(out, pos, info.status);
    pos = writeSection(out, pos, info.headers, fieldLinesSize(info.headers), framing, false);
  }
  return writeVarint(out, pos, status);
}

/** Encodes a response (RFC 9292 3.1 / 3.2), informational responses first (RFC 9292 3.5.1). */
export function encodeResponse(msg: ResponseInput, options?: EncodeOptions): Uint8Array {
  const framing = framingOf(options);
  const informational = msg.informational ?? [];
  const lead = responseLeadSize(msg.status, informational, framing);
  return encodeTail(
    lead,
    (out) => writeResponseLead(out, 0, msg.status, informational, framing),
    msg.headers ?? [],
    bytesOf(msg.content),
    msg.trailers ?? [],
    framing,
    options,
  );
}
